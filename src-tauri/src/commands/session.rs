//! Logging in and out, and opening the offline copy.

use super::*;

#[tauri::command]
pub fn has_offline_cache(state: State<'_, AppState>, service_url: String, username: String) -> bool {
    match &state.config {
        Ok(cfg) => binddesk_review::engine::has_offline_cache(cfg, &service_url, &username),
        Err(_) => false,
    }
}

#[tauri::command]
pub async fn login(
    state: State<'_, AppState>,
    service_url: String,
    username: String,
    password: String,
) -> Res<EngineStatus> {
    let cfg = config(&state)?;
    let e = Engine::login(cfg, &service_url, username.trim(), &password).await?;
    let status = e.status()?;
    remember(&state, |s| {
        s.service_url = Some(status.service_url.clone());
        s.username = Some(username.trim().to_string());
    });
    *state.engine.write().await = Some(Arc::new(e));
    log::info!("logged in online: {} cached, {} waiting to send", status.cached, status.queued);
    Ok(status)
}

#[tauri::command]
pub async fn open_offline(
    state: State<'_, AppState>,
    service_url: String,
    username: String,
    password: String,
) -> Res<EngineStatus> {
    let cfg = config(&state)?;
    // Bench mode only: the benchmark hands the password in its environment.
    let password = match std::env::var("BINDDESK_BENCH_PASSWORD") {
        Ok(p) if password.is_empty() && std::env::var_os("BINDDESK_BENCH").is_some() => p,
        _ => password,
    };
    let cfg2 = cfg.clone();
    let (url, user) = (service_url.clone(), username.trim().to_string());
    // argon2 takes a moment: off the async workers.
    let e = tauri::async_runtime::spawn_blocking(move || Engine::open_offline(&cfg2, &url, &user, &password))
        .await
        .map_err(|e| CommandError::new(ErrorCode::CacheFailed, e))??;
    let status = e.status()?;
    *state.engine.write().await = Some(Arc::new(e));
    Ok(status)
}

#[tauri::command]
pub async fn relogin(state: State<'_, AppState>, password: String) -> Res<EngineStatus> {
    let e = engine(&state).await?;
    e.relogin(&password).await?;
    Ok(e.status()?)
}

#[tauri::command]
pub async fn logout(state: State<'_, AppState>, wipe: bool, force: bool) -> Res<()> {
    let e = engine(&state).await?;
    e.logout(wipe, force).await?;
    *state.engine.write().await = None;
    Ok(())
}

#[tauri::command]
pub async fn status(state: State<'_, AppState>) -> Res<EngineStatus> {
    Ok(engine(&state).await?.status()?)
}
