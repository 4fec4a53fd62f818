//! Runs tauri-build with the config at the repository root (where the package is
//! declared) and the capabilities kept under src-tauri/.

/// Every command of src-tauri/src/commands.rs.
const COMMANDS: &[&str] = &[
    "app_info",
    "set_language",
    "preferences",
    "set_shortcuts",
    "set_text_zoom",
    "has_offline_cache",
    "login",
    "open_offline",
    "relogin",
    "logout",
    "status",
    "counts",
    "list",
    "ids_matching",
    "view",
    "reveal",
    "signature",
    "decide",
    "preview_many",
    "decide_many",
    "undo",
    "conflicts",
    "drop_conflict",
    "send_outbox",
    "sync_now",
    "cancel_sync",
    "default_print_path",
    "choose_save_path",
    "print_forms",
    "cancel_print",
    "open_path",
    "send_to_printer",
    "bench_mark",
];

fn main() {
    // The built front end is embedded; rebuild when it changes.
    println!("cargo:rerun-if-changed=ui/dist");
    println!("cargo:rerun-if-changed=src-tauri/capabilities");
    println!("cargo:rerun-if-changed=tauri.conf.json");
    // The app's own commands are declared, so a window may call only those its
    // capability grants (src-tauri/capabilities/main.json).
    let manifest = tauri_build::AppManifest::new().commands(COMMANDS);
    let attrs = tauri_build::Attributes::new()
        .capabilities_path_pattern("src-tauri/capabilities/**/*.json")
        .app_manifest(manifest);
    if let Err(e) = tauri_build::try_build(attrs) {
        // Say what to do rather than printing a backtrace.
        eprintln!(
            "tauri-build failed: {e:#}\nIs ui/dist built? Run `npm --prefix ui ci && npm --prefix ui run build`."
        );
        std::process::exit(1);
    }
}
