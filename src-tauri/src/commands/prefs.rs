//! The reviewer's preferences: single-key shortcuts on or off (WCAG 2.1.4), and the text
//! size (Ctrl +/−/0, the webview's own zoom, so rows grow with their text).

use super::{AppState, CommandError, Res, remember};
use crate::settings::clamp_zoom;
use binddesk_review::error_code::ErrorCode;
use serde::Serialize;
use tauri::{State, WebviewWindow};

/// What the settings dialog shows.
#[derive(Serialize)]
pub struct Preferences {
    shortcuts: bool,
    text_zoom: f64,
}

#[tauri::command]
pub fn preferences(state: State<'_, AppState>) -> Preferences {
    let s = state.settings.lock().unwrap_or_else(|p| p.into_inner());
    Preferences { shortcuts: s.shortcuts.unwrap_or(true), text_zoom: clamp_zoom(s.text_zoom.unwrap_or(1.0)) }
}

#[tauri::command]
pub fn set_shortcuts(state: State<'_, AppState>, on: bool) {
    remember(&state, |s| s.shortcuts = Some(on));
    log::info!("single-key shortcuts {}", if on { "on" } else { "off" });
}

/// Sets the text size (kept for the next run) and returns the size applied.
#[tauri::command]
pub fn set_text_zoom(window: WebviewWindow, state: State<'_, AppState>, zoom: f64) -> Res<f64> {
    let zoom = clamp_zoom(zoom);
    window.set_zoom(zoom).map_err(|e| CommandError::new(ErrorCode::ServiceError, e))?;
    remember(&state, |s| s.text_zoom = Some(zoom));
    Ok(zoom)
}
