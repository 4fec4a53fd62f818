//! Deciding, bulk decisions, undo, conflicts, sending.

use super::*;

#[tauri::command]
pub async fn decide(
    state: State<'_, AppState>,
    id: String,
    action: DecisionAction,
    reason: Option<String>,
) -> Res<QueuedDecision> {
    Ok(engine(&state).await?.decide(&id, action, reason.as_deref())?)
}

#[tauri::command]
pub async fn preview_many(
    state: State<'_, AppState>,
    ids: Vec<String>,
    action: DecisionAction,
    reason: Option<String>,
) -> Res<Vec<Skipped>> {
    Ok(engine(&state).await?.preview_many(&ids, action, reason.as_deref())?)
}

#[tauri::command]
pub async fn decide_many(
    state: State<'_, AppState>,
    ids: Vec<String>,
    action: DecisionAction,
    reason: Option<String>,
) -> Res<BulkQueued> {
    Ok(engine(&state).await?.decide_many(&ids, action, reason.as_deref())?)
}

#[tauri::command]
pub async fn undo(state: State<'_, AppState>, id: String) -> Res<()> {
    Ok(engine(&state).await?.undo(&id)?)
}

#[tauri::command]
pub async fn conflicts(state: State<'_, AppState>) -> Res<Vec<Conflict>> {
    Ok(engine(&state).await?.conflicts()?)
}

#[tauri::command]
pub async fn drop_conflict(state: State<'_, AppState>, decision_id: String) -> Res<bool> {
    Ok(engine(&state).await?.drop_conflict(&decision_id)?)
}

#[tauri::command]
pub async fn send_outbox(state: State<'_, AppState>) -> Res<SendReport> {
    Ok(engine(&state).await?.send_outbox(true).await?)
}
