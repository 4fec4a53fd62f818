//! BindDesk's desktop shell: Tauri commands and events, nothing else.
//!
//! Every command (see `commands/`, one file a feature) delegates to a library crate (`binddesk-review`,
//! `binddesk-forms`); the logic lives there, where tests reach it without a window.
//! This file wires the state, remembers the window's geometry, and starts the app.
//!
//! Environment: `BINDDESK_SERVICE_URL` (the address offered at login),
//! `BINDDESK_DATA_DIR` (instead of the platform's app-data folder), `BINDDESK_SECRET_DIR`
//! (the credential-store fallback, see the review crate), `BINDDESK_BENCH` (the UI
//! reports timings on stdout).

// A GUI program on Windows in every build: staff never see a console window (the log
// file and the start-up dialogs say what a console would), and the installer may carry
// the debug build that scripts/windows.sh tested.
#![windows_subsystem = "windows"]

mod commands;
mod settings;
mod shell;

use binddesk_review::EngineConfig;
use binddesk_review::secrets::SecretStore;
use commands::AppState;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};
use tauri::Manager;

/// The caches and settings: the local (not roaming) app-data folder, so an encrypted
/// cache never follows a Windows roaming profile to other PCs (on Linux and macOS the
/// local and the roaming folder are the same).
fn data_dir(app: &tauri::App) -> PathBuf {
    match std::env::var_os("BINDDESK_DATA_DIR") {
        Some(d) if !d.is_empty() => PathBuf::from(d),
        _ => app.path().app_local_data_dir().unwrap_or_else(|_| std::env::temp_dir().join("binddesk")),
    }
}

fn main() {
    // Windows: without Microsoft's WebView2 runtime no window can be made, and the attempt
    // may wait without a window (seen under Wine): say so at once, and what IT installs.
    #[cfg(windows)]
    if let Err(e) = tauri::webview_version() {
        shell::fatal(&format!(
            "缺少 Microsoft Edge WebView2 執行階段，請資訊組安裝（Evergreen Standalone 安裝程式）。\nThe Microsoft Edge WebView2 Runtime is missing: IT installs its Evergreen Standalone installer. ({e})"
        ));
        std::process::exit(1);
    }
    let result = tauri::Builder::default()
        // First: a second launch hands over to the first and exits before anything else.
        .plugin(tauri_plugin_single_instance::init(|app, _args, _cwd| shell::focus_first(app)))
        .plugin(shell::log_plugin())
        .plugin(tauri_plugin_opener::init())
        .setup(|app| {
            shell::install_panic_hook(app.handle());
            shell::crash_test();
            let dir = data_dir(app);
            if let Err(e) = std::fs::create_dir_all(&dir) {
                shell::startup_problem(
                    app.handle(),
                    &format!("無法建立資料夾 {}，離線資料與設定無法保存。請聯絡資訊組。", dir.display()),
                    &format!("The data folder {} cannot be created ({e}): offline copies and settings cannot be kept. Tell IT.", dir.display()),
                );
            }
            let saved = settings::load(&dir);
            log::info!("BindDesk {} started", env!("CARGO_PKG_VERSION"));
            let config = SecretStore::from_env()
                .map(|secrets| EngineConfig { data_dir: dir.clone(), secrets })
                .map_err(|e| e.to_string());
            if let Err(e) = &config {
                shell::startup_problem(
                    app.handle(),
                    "找不到系統的憑證儲存區，無法保護離線資料；仍可連線審核。請聯絡資訊組。",
                    &format!("No credential store ({e}): offline copies cannot be protected; online review still works. Tell IT."),
                );
            }
            if let (Some(win), Some(g)) = (app.get_webview_window("main"), saved.window) {
                // A remembered geometry is only applied when it is plausible, and the
                // position only when it is still on a screen (a projector unplugged since).
                if g.width >= 600 && g.height >= 400 && g.width < 10_000 && g.height < 10_000 {
                    let _ = win.set_size(tauri::PhysicalSize::new(g.width, g.height));
                    let on_a_screen = win.available_monitors().unwrap_or_default().iter().any(|m| {
                        let (p, s) = (m.position(), m.size());
                        g.x + 40 >= p.x
                            && g.y + 40 >= p.y
                            && i64::from(g.x) < i64::from(p.x) + i64::from(s.width) - 40
                            && i64::from(g.y) < i64::from(p.y) + i64::from(s.height) - 40
                    });
                    if on_a_screen {
                        let _ = win.set_position(tauri::PhysicalPosition::new(g.x, g.y));
                    }
                }
            }
            if let Some(win) = app.get_webview_window("main") {
                if saved.maximized {
                    let _ = win.maximize();
                }
                let zoom = settings::clamp_zoom(saved.text_zoom.unwrap_or(1.0));
                if zoom != 1.0 {
                    let _ = win.set_zoom(zoom);
                }
            }
            app.manage(AppState {
                data_dir: dir,
                config,
                engine: tokio::sync::RwLock::new(None),
                sync_cancel: Mutex::new(Default::default()),
                print_cancel: Arc::new(Default::default()),
                renderer: OnceLock::new(),
                printed: Mutex::new(Default::default()),
                print_targets: binddesk_review::print_target::PrintTargets::new(
                    commands::print::default_print_dir(app.handle()),
                ),
                settings: Mutex::new(saved),
                geometry_changes: Default::default(),
            });
            Ok(())
        })
        .plugin(tauri_plugin_dialog::init())
        .on_window_event(|window, event| {
            use std::sync::atomic::Ordering;
            let closing = matches!(event, tauri::WindowEvent::CloseRequested { .. });
            if !closing && !matches!(event, tauri::WindowEvent::Moved(_) | tauri::WindowEvent::Resized(_)) {
                return;
            }
            // A drag sends many moves a second: the geometry is written once the window has
            // been still for half a second, and at once when it closes.
            let state = window.state::<AppState>();
            let change = state.geometry_changes.fetch_add(1, Ordering::SeqCst) + 1;
            let window = window.clone();
            let save = move || {
                let state = window.state::<AppState>();
                if state.geometry_changes.load(Ordering::SeqCst) != change {
                    return;
                }
                if window.is_minimized().unwrap_or(false) {
                    return;
                }
                let maximized = window.is_maximized().unwrap_or(false);
                let mut s = state.settings.lock().unwrap_or_else(|p| p.into_inner());
                s.maximized = maximized;
                // The geometry under a maximized window is the one to come back to.
                if !maximized && let (Ok(pos), Ok(size)) = (window.outer_position(), window.inner_size()) {
                    s.window =
                        Some(settings::Geometry { x: pos.x, y: pos.y, width: size.width, height: size.height });
                }
                let _ = settings::save(&state.data_dir, &s);
            };
            if closing {
                save();
            } else {
                tauri::async_runtime::spawn(async move {
                    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
                    save();
                });
            }
        })
        .invoke_handler(tauri::generate_handler![
            commands::app_info,
            commands::set_language,
            commands::prefs::preferences,
            commands::prefs::set_shortcuts,
            commands::prefs::set_text_zoom,
            commands::session::has_offline_cache,
            commands::session::login,
            commands::session::open_offline,
            commands::session::relogin,
            commands::session::logout,
            commands::session::status,
            commands::review::counts,
            commands::review::list,
            commands::review::ids_matching,
            commands::review::view,
            commands::review::reveal,
            commands::review::signature,
            commands::decisions::decide,
            commands::decisions::preview_many,
            commands::decisions::decide_many,
            commands::decisions::undo,
            commands::decisions::conflicts,
            commands::decisions::drop_conflict,
            commands::decisions::send_outbox,
            commands::sync::sync_now,
            commands::sync::cancel_sync,
            commands::print::default_print_path,
            commands::print::choose_save_path,
            commands::print::print_forms,
            commands::print::cancel_print,
            commands::print::open_path,
            commands::print::send_to_printer,
            commands::bench_mark,
        ])
        .run(tauri::generate_context!());
    if let Err(e) = result {
        shell::fatal(&e.to_string());
        std::process::exit(1);
    }
}
