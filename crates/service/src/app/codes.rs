//! Verification codes and parent sessions: a code for an e-mail or a Taiwanese mobile
//! (canonical), under the resend wait and the per-address and per-client limits; one
//! answer for every wrong code; a session owned by the proved address; an e-mail proved
//! inside a session.

use super::AppState;
use crate::auth;
use crate::error::{ApiError, ApiResult};
use crate::store::{CodeCheck, CodeRefused, SessionSubject};
use binddesk_domain::api::ParentSessionResponse;
use binddesk_domain::throttle::codes;
use binddesk_domain::{CodeChannel, contact};

/// The longest address kept as a counter's key (an e-mail has at most 254 characters).
pub const MAX_ADDRESS_CHARS: usize = 254;

/// Sends a code to `address` by `channel`, unless a limit refuses (a 429 with the
/// seconds to wait) or the address is not one (a 422 that says what to type).
pub async fn send_code(state: &AppState, client: &str, via: CodeChannel, address: &str) -> ApiResult<()> {
    let mut limits = state.config.code_limits;
    let (address, channel) = match via {
        CodeChannel::Email => (contact::canonical_email(address), "email"),
        CodeChannel::Phone => {
            limits.per_window = Some(codes::PHONE_CODES_PER_WINDOW);
            (contact::canonical_mobile(address), "sms")
        }
    };
    let address = address.map_err(|e| {
        let text = match e {
            contact::ContactError::Mobile => "驗證碼只能傳送到臺灣的手機號碼 09 開頭 10 碼，或改用 E-mail (codes go only to a Taiwanese mobile number: 10 digits starting with 09; or use e-mail)",
            _ => super::submission::EMAIL_INVALID,
        };
        ApiError::field("invalid_fields", "address", text)
    })?;
    let code = auth::new_code();
    let hash = auth::digest(&code);
    let now = chrono::Utc::now();
    let a = address.clone();
    let ch = via.as_str().to_string();
    let client = client.to_string();
    let stored = state.run(move |s| s.put_code(&a, &ch, &hash, &client, &limits, now.timestamp())).await?;
    if let Err(refused) = stored {
        return Err(match refused {
            CodeRefused::Cooldown(secs) => ApiError::rate_limited(
                "code_cooldown",
                secs,
                format!(
                    "驗證碼已寄出，請等 {secs} 秒後再重新取得；寄送可能需要幾分鐘 (a code is on its way; ask again in {secs} seconds, as delivery can take minutes)"
                ),
            ),
            CodeRefused::AddressLimit(secs) => ApiError::rate_limited(
                "phone_limit",
                secs,
                format!(
                    "同一支手機號碼 1 小時內只能取得驗證碼 {n} 次，建議改用信箱 (a phone gets at most {n} codes an hour; try e-mail)",
                    n = codes::PHONE_CODES_PER_WINDOW
                ),
            ),
            CodeRefused::ClientLimit(secs) => {
                let minutes = secs.div_ceil(60);
                ApiError::rate_limited(
                    "client_limit",
                    secs,
                    format!(
                        "此網路要求驗證碼的次數過多，請 {minutes} 分鐘後再試 (too many codes asked from this network; try again in {minutes} minutes)"
                    ),
                )
            }
        });
    }
    let msg = crate::mail::verification_code(channel, &address, &code);
    state.run(move |s| s.queue(&msg, now)).await?;
    Ok(())
}

/// Checks a code for an address: the one answer for wrong, used, expired, dead or no code.
pub async fn check_code(state: &AppState, client: &str, address: &str, code: &str) -> ApiResult<()> {
    let now = chrono::Utc::now().timestamp();
    let (a, h, c, limits) =
        (address.to_string(), auth::digest(code.trim()), client.to_string(), state.config.code_limits);
    match state.run(move |s| s.take_code(&a, &h, &c, &limits, now)).await? {
        CodeCheck::Valid => Ok(()),
        CodeCheck::Wrong => Err(ApiError::unauthorized(
            "invalid_code",
            "驗證碼錯誤、已使用或已過期，請重新取得 (the code is wrong, used or expired; ask for a new one)",
        )),
        CodeCheck::TooManyTries(secs) => {
            let minutes = secs.div_ceil(60);
            Err(ApiError::rate_limited(
                "too_many_tries",
                secs,
                format!(
                    "錯誤次數過多，請 {minutes} 分鐘後重新取得驗證碼 (too many wrong codes; ask for a new one in {minutes} minutes)"
                ),
            ))
        }
    }
}

/// A parent session for the address a right code was sent to.
pub async fn start_session(
    state: &AppState,
    client: &str,
    address: &str,
    code: &str,
) -> ApiResult<ParentSessionResponse> {
    // An address that is neither is checked like any other, so the answer is the same
    // (bounded: it becomes a counter's key).
    let address = contact::canonical_login(address)
        .unwrap_or_else(|| address.trim().to_lowercase().chars().take(MAX_ADDRESS_CHARS).collect());
    check_code(state, client, &address, code).await?;
    let now = chrono::Utc::now();
    let token = auth::new_token();
    let expires_at = now + chrono::Duration::minutes(state.config.parent_session_minutes);
    let th = auth::digest(&token);
    let email = address.contains('@').then(|| address.clone());
    let subject = SessionSubject::Parent { owner: address, email };
    state.run(move |s| s.insert_session(&th, &subject, expires_at.timestamp())).await?;
    Ok(ParentSessionResponse { token, expires_at })
}

/// Records an e-mail proved with its code inside the session `token_hash`.
pub async fn prove_email(
    state: &AppState,
    client: &str,
    token_hash: &str,
    address: &str,
    code: &str,
) -> ApiResult<()> {
    let email = contact::canonical_email(address)
        .map_err(|_| ApiError::field("invalid_fields", "address", super::submission::EMAIL_INVALID))?;
    check_code(state, client, &email, code).await?;
    let th = token_hash.to_string();
    state.run(move |s| s.set_session_email(&th, &email)).await?;
    Ok(())
}
