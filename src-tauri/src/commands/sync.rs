//! Syncing with progress events, and stopping a sync.

use super::*;

/// Syncs, emitting `sync-progress` events as it goes. `manual` (the reviewer pressed
/// the button) sends queued decisions at once, backoff or not.
#[tauri::command]
pub async fn sync_now(app: AppHandle, state: State<'_, AppState>, manual: bool) -> Res<SyncReport> {
    let e = engine(&state).await?;
    let cancel = CancelToken::new();
    *state.sync_cancel.lock().unwrap_or_else(|p| p.into_inner()) = cancel.clone();
    let emit = |p| {
        let _ = app.emit("sync-progress", p);
    };
    let report = if manual { e.sync_now(&emit, &cancel).await? } else { e.sync(&emit, &cancel).await? };
    // Counts only: the log is for IT and holds nothing about applicants.
    log::info!(
        "sync: {} applications, {} signatures, {} bytes, {} decisions sent, {} conflicts{}",
        report.applications,
        report.signatures,
        report.bytes,
        report.sent,
        report.conflicts,
        if report.cancelled { ", cancelled" } else { "" }
    );
    Ok(report)
}

#[tauri::command]
pub fn cancel_sync(state: State<'_, AppState>) {
    state.sync_cancel.lock().unwrap_or_else(|p| p.into_inner()).cancel();
}
