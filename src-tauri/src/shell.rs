//! What people expect of a desktop program, apart from the review itself: one instance,
//! a log file for IT, a dialog (not only stderr) when something goes wrong at start-up or
//! the program panics. A Windows GUI program has no console to print to.

use std::path::PathBuf;
use std::sync::OnceLock;
use tauri::{AppHandle, Manager, Runtime};
use tauri_plugin_dialog::{DialogExt, MessageDialogKind};

/// The log folder: beside the data when `BINDDESK_DATA_DIR` is set (tests), else the
/// platform's log folder (`%LOCALAPPDATA%\tw.binddesk.desktop\logs` on Windows,
/// `~/.local/share/tw.binddesk.desktop/logs` on Linux).
pub fn log_plugin<R: Runtime>() -> tauri::plugin::TauriPlugin<R> {
    use tauri_plugin_log::{RotationStrategy, Target, TargetKind};
    // A data folder that cannot be made is reported by a dialog at start-up; the log
    // then goes to the platform's folder rather than stopping the program.
    let target = match std::env::var_os("BINDDESK_DATA_DIR") {
        Some(d) if !d.is_empty() && std::fs::create_dir_all(PathBuf::from(&d).join("logs")).is_ok() => {
            TargetKind::Folder { path: PathBuf::from(d).join("logs"), file_name: Some("binddesk".into()) }
        }
        _ => TargetKind::LogDir { file_name: Some("binddesk".into()) },
    };
    tauri_plugin_log::Builder::new()
        .clear_targets()
        .target(Target::new(target))
        // 1 MB a file, five files: enough for a week of a school's use, small to e-mail.
        .max_file_size(1_000_000)
        .rotation_strategy(RotationStrategy::KeepSome(5))
        .level(log::LevelFilter::Info)
        // Libraries log what they see (URLs, bodies): only our own lines go to the file.
        .level_for("tao", log::LevelFilter::Off)
        .level_for("reqwest", log::LevelFilter::Off)
        .level_for("hyper", log::LevelFilter::Off)
        .level_for("hyper_util", log::LevelFilter::Off)
        .level_for("rustls", log::LevelFilter::Off)
        .level_for("zbus", log::LevelFilter::Off)
        .level_for("tracing", log::LevelFilter::Off)
        .build()
}

/// A second launch: the first window comes to the front instead.
pub fn focus_first<R: Runtime>(app: &AppHandle<R>) {
    log::info!("a second launch was refused; focusing the first window");
    if let Some(w) = app.get_webview_window("main") {
        let _ = w.unminimize();
        let _ = w.show();
        let _ = w.set_focus();
    }
}

static HANDLE: OnceLock<AppHandle> = OnceLock::new();

/// Panics are written to the log (where, not what: a message could hold a name) and
/// shown in a dialog, with the log's place, before the program ends.
pub fn install_panic_hook(app: &AppHandle) {
    let _ = HANDLE.set(app.clone());
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let place = info.location().map(|l| format!("{}:{}", l.file(), l.line())).unwrap_or_default();
        log::error!("panic at {place}");
        if let Some(app) = HANDLE.get() {
            let folder = log_folder(app);
            app.dialog()
                .message(format!(
                    "綁定審核台發生錯誤，需要關閉。已送出的決定不會遺失，未送出的決定在下次開啟時會再送出。\n請將記錄檔交給資訊組：{folder}\n\nBindDesk hit an error and must close. Sent decisions are safe; unsent ones are sent the next time it opens.\nPlease give IT the log file in: {folder}"
                ))
                .title("綁定審核台 BindDesk")
                .kind(MessageDialogKind::Error)
                .show(|_| {});
        }
        previous(info);
    }));
}

/// `BINDDESK_CRASH_TEST=1` (the end-to-end test of the panic dialog): a background
/// thread panics a second after start; the window stays.
pub fn crash_test() {
    if std::env::var_os("BINDDESK_CRASH_TEST").is_some() {
        std::thread::spawn(|| {
            std::thread::sleep(std::time::Duration::from_secs(1));
            panic!("crash test");
        });
    }
}

/// Where the log file is, for the words of a dialog.
pub fn log_folder<R: Runtime>(app: &AppHandle<R>) -> String {
    match std::env::var_os("BINDDESK_DATA_DIR") {
        Some(d) if !d.is_empty() => PathBuf::from(d).join("logs").display().to_string(),
        _ => app.path().app_log_dir().map(|p| p.display().to_string()).unwrap_or_default(),
    }
}

/// A problem found while starting (no usable data folder, no credential store): a dialog
/// in both languages, and the log.
pub fn startup_problem<R: Runtime>(app: &AppHandle<R>, zh: &str, en: &str) {
    log::error!("start-up problem: {en}");
    app.dialog()
        .message(format!("{zh}\n\n{en}"))
        .title("綁定審核台 BindDesk")
        .kind(MessageDialogKind::Error)
        .show(|_| {});
}

/// The last resort when the window cannot be made at all (on Windows, typically a
/// missing WebView2 runtime): a system message box, as there is no console to print to.
pub fn fatal(message: &str) {
    eprintln!("BindDesk could not start: {message}");
    #[cfg(windows)]
    {
        use windows_sys::Win32::UI::WindowsAndMessaging::{MB_ICONERROR, MB_OK, MessageBoxW};
        let text: Vec<u16> =
            format!("綁定審核台無法啟動，請聯絡資訊組。\nBindDesk could not start: tell IT.\n\n{message}")
                .encode_utf16()
                .chain([0])
                .collect();
        let title: Vec<u16> = "綁定審核台 BindDesk".encode_utf16().chain([0]).collect();
        // SAFETY: both strings are NUL-terminated UTF-16 that live across the call.
        unsafe {
            MessageBoxW(std::ptr::null_mut(), text.as_ptr(), title.as_ptr(), MB_OK | MB_ICONERROR);
        }
    }
}
