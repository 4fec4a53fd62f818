//! Runs tauri-build with the config at the repository root (where the package is
//! declared) and the capabilities kept under src-tauri/.

fn main() {
    // The built front end is embedded; rebuild when it changes.
    println!("cargo:rerun-if-changed=ui/dist");
    println!("cargo:rerun-if-changed=src-tauri/capabilities");
    println!("cargo:rerun-if-changed=tauri.conf.json");
    let attrs = tauri_build::Attributes::new().capabilities_path_pattern("src-tauri/capabilities/**/*.json");
    if let Err(e) = tauri_build::try_build(attrs) {
        // Say what to do rather than printing a backtrace.
        eprintln!(
            "tauri-build failed: {e:#}\nIs ui/dist built? Run `npm --prefix ui ci && npm --prefix ui run build`."
        );
        std::process::exit(1);
    }
}
