//! The staff login: the attempt counted before the password is checked (for known and
//! unknown usernames alike, under `binddesk_domain::throttle::STAFF_LOGIN`), a real
//! argon2 check either way, then a session.

use super::AppState;
use crate::auth;
use crate::error::{ApiError, ApiResult};
use binddesk_domain::api::SessionResponse;
use binddesk_domain::throttle::{Attempt, STAFF_LOGIN};

/// The longest username the lockout keys by (longer ones share the count of their start).
pub const MAX_USERNAME_CHARS: usize = 100;

/// Logs a staff member in, or says why not (401 for a wrong name or password alike, 429
/// while locked).
pub async fn login(state: &AppState, username: &str, password: &str) -> ApiResult<SessionResponse> {
    let username = username.trim().to_string();
    let now = chrono::Utc::now();
    // Counted before the password is checked, for every username asked about: concurrent
    // guesses are each counted, and an unknown name locks exactly as a real one does.
    // Bounded: a megabyte-long "username" must not become a megabyte-long stored key.
    let key: String = username.to_lowercase().chars().take(MAX_USERNAME_CHARS).collect();
    let k = key.clone();
    let number = match state.run(move |s| s.begin_login(&k, now.timestamp())).await? {
        Attempt::Check { number } => number,
        Attempt::Locked { retry_after_secs } => return Err(locked(retry_after_secs)),
    };
    let u = username.clone();
    let record = state.run(move |s| s.staff_by_username(&u)).await?;
    let hash = record.as_ref().map_or_else(|| dummy_hash().to_string(), |r| r.password_hash.clone());
    let password = password.to_string();
    // A real argon2 check even for an unknown name, so the time tells nothing either.
    let verified = tokio::task::spawn_blocking(move || auth::verify_password(&password, &hash))
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    let ok = verified && record.is_some();
    let k = key.clone();
    state.run(move |s| s.end_login(&k, number, ok, now.timestamp())).await?;
    let Some(record) = record.filter(|_| ok) else {
        tokio::time::sleep(std::time::Duration::from_millis(STAFF_LOGIN.delay_ms(number))).await;
        if STAFF_LOGIN.locks(number) {
            return Err(locked(STAFF_LOGIN.lock_secs as u64));
        }
        return Err(ApiError::unauthorized("invalid_credentials", "wrong username or password"));
    };
    let token = auth::new_token();
    let expires_at = now + chrono::Duration::minutes(state.config.staff_session_minutes);
    let token_hash = auth::digest(&token);
    let subject = crate::store::SessionSubject::Staff(record.staff.id.clone());
    state.run(move |s| s.insert_session(&token_hash, &subject, expires_at.timestamp())).await?;
    tracing::info!(staff_id = %record.staff.id, "staff login");
    Ok(SessionResponse { token, expires_at, staff: record.staff })
}

fn locked(secs: u64) -> ApiError {
    let minutes = secs.div_ceil(60);
    ApiError::rate_limited(
        "rate_limited",
        secs,
        format!("too many failed logins; the account is locked for {minutes} more minutes"),
    )
}

/// A real argon2 hash of a random string, verified against when the username is unknown.
fn dummy_hash() -> &'static str {
    static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HASH.get_or_init(|| auth::hash_password(&auth::new_token()).unwrap_or_default())
}
