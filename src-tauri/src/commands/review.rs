//! Reading the cached list, an application, a signature.

use super::*;

#[tauri::command]
pub async fn counts(state: State<'_, AppState>) -> Res<Vec<StatusCount>> {
    Ok(engine(&state).await?.counts()?)
}

#[tauri::command]
pub async fn list(state: State<'_, AppState>, query: ListQuery) -> Res<ListPage> {
    Ok(engine(&state).await?.list(&query)?)
}

#[tauri::command]
pub async fn ids_matching(state: State<'_, AppState>, query: ListQuery) -> Res<Vec<String>> {
    Ok(engine(&state).await?.ids_matching(&query)?)
}

#[tauri::command]
pub async fn view(state: State<'_, AppState>, id: String) -> Res<ApplicationView> {
    Ok(engine(&state).await?.view(&id)?)
}

#[tauri::command]
pub async fn reveal(state: State<'_, AppState>, id: String) -> Res<ApplicationView> {
    Ok(engine(&state).await?.reveal(&id)?)
}

/// A cached signature as a `data:` URL (the CSP allows images from data: only).
#[tauri::command]
pub async fn signature(state: State<'_, AppState>, sha256: String) -> Res<Option<String>> {
    let png = engine(&state).await?.signature(&sha256)?;
    Ok(png.map(|b| format!("data:image/png;base64,{}", base64::engine::general_purpose::STANDARD.encode(b))))
}
