//! BindDesk's desktop shell: Tauri commands and events, nothing else.
//!
//! Every command delegates to a library crate (`binddesk-review`, `binddesk-forms`);
//! the logic lives there, where tests reach it without a window.

#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

use serde::Serialize;

/// What the front end shows in its header and "about" box.
#[derive(Serialize)]
struct AppInfo {
    name_zh_tw: &'static str,
    name_en: &'static str,
    version: &'static str,
    /// The binding service the app was started against (scripts/run.sh sets it).
    service_url: Option<String>,
}

#[tauri::command]
fn app_info() -> AppInfo {
    AppInfo {
        name_zh_tw: "綁定審核台",
        name_en: "BindDesk",
        version: env!("CARGO_PKG_VERSION"),
        service_url: std::env::var("BINDDESK_SERVICE_URL").ok(),
    }
}

fn main() {
    let result = tauri::Builder::default()
        .invoke_handler(tauri::generate_handler![app_info])
        .run(tauri::generate_context!());
    if let Err(e) = result {
        eprintln!("BindDesk could not start: {e}");
        std::process::exit(1);
    }
}
