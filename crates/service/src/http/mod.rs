//! The HTTP API of `shared/API.md`: routing, authentication, and the handlers, which
//! parse the request, call a use case (`crate::app`) or a store read, and shape answers.

pub mod cookie;
mod json;
pub(crate) mod ops;
pub mod pages;
pub(crate) mod parent;
pub(crate) mod staff;

use crate::error::{ApiError, ApiResult};
use crate::store::{SessionSubject, StaffRecord};
use axum::Router;
use axum::extract::{DefaultBodyLimit, FromRequestParts};
use axum::http::request::Parts;
use axum::routing::{get, post, put};

pub use crate::app::{AppState, HttpConfig, SIGNATURE_DECODERS};
pub use json::Json;

/// The largest request body accepted (a 1 MiB signature is about 1.4 MB as base64).
pub const MAX_BODY_BYTES: usize = 2 * 1024 * 1024;

/// The whole API.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/", get(ops::parent_page))
        .route("/healthz", get(ops::healthz))
        .route("/livez", get(ops::livez))
        .route("/readyz", get(ops::readyz))
        .route("/metrics", get(ops::metrics))
        .route("/api/v1/openapi.json", get(ops::openapi))
        .route("/api/v1/dev/outbox", get(ops::dev_outbox))
        .route("/api/v1/dev/registry", post(ops::dev_registry))
        .route("/api/v1/session", post(staff::login).delete(ops::logout))
        .route("/api/v1/review/changes", get(staff::changes))
        .route("/api/v1/review/applications/{id}", get(staff::application))
        .route("/api/v1/review/applications/{id}/decision", post(staff::decision))
        .route("/api/v1/review/decisions", post(staff::batch_decisions))
        .route("/api/v1/signatures/{sha256}", get(staff::signature))
        .route("/api/v1/review/reveals", post(staff::record_reveals).get(staff::list_reveals))
        .route("/api/v1/parent/codes", post(parent::request_code))
        .route("/api/v1/parent/session", post(parent::login))
        .route("/api/v1/parent/session/email", post(parent::verify_email))
        .route("/api/v1/parent/students/verify", post(parent::verify_student))
        .route("/api/v1/parent/profile", post(parent::profile))
        .route(
            "/api/v1/parent/applications",
            post(parent::submit).get(parent::list).delete(parent::cancel_all),
        )
        .route("/api/v1/parent/applications/{id}", put(parent::resubmit).delete(parent::cancel_one))
        .route("/api/v1/parent/applications/{id}/form.pdf", get(parent::form_pdf))
        .fallback(ops::not_found)
        .layer(axum::middleware::from_fn_with_state(state.clone(), ops::count_request))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(state)
}

/// The bearer token of a request, if any.
fn bearer(parts: &Parts) -> Option<&str> {
    parts
        .headers
        .get(axum::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .map(str::trim)
        .filter(|t| !t.is_empty())
}

async fn subject(parts: &Parts, state: &AppState) -> ApiResult<(SessionSubject, String)> {
    let token = match (bearer(parts), cookie::session_token(parts)) {
        (Some(t), _) => t,
        (None, Some(t)) => {
            cookie::check_same_site(parts)?;
            t
        }
        (None, None) => {
            return Err(ApiError::unauthorized("no_token", "log in first (Authorization: Bearer …)"));
        }
    };
    let hash = crate::auth::digest(token);
    let now = chrono::Utc::now().timestamp();
    let h = hash.clone();
    let subject = state.run(move |s| s.session(&h, now)).await?;
    subject.map(|s| (s, hash)).ok_or_else(|| {
        ApiError::unauthorized("invalid_token", "the session is unknown or has expired; log in again")
    })
}

/// A request from a logged-in staff member.
pub struct StaffAuth {
    /// Who.
    pub record: StaffRecord,
    /// The session token's hash (for logout).
    pub token_hash: String,
}

impl FromRequestParts<AppState> for StaffAuth {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        // Staff tokens come as a bearer header (the desktop app); a kept answer serves a
        // poll without the database.
        if let Some(hash) = bearer(parts).map(crate::auth::digest)
            && let Some(record) = state.cache.staff(&hash)
        {
            return Ok(StaffAuth { record, token_hash: hash });
        }
        let (subject, token_hash) = subject(parts, state).await?;
        let SessionSubject::Staff(id) = subject else {
            return Err(ApiError::unauthorized(
                "wrong_token",
                "this is a parent session; staff routes need a staff login",
            ));
        };
        let record = state
            .run(move |s| s.staff_by_id(&id))
            .await?
            .ok_or_else(|| ApiError::unauthorized("invalid_token", "the account no longer exists"))?;
        state.cache.keep_staff(&token_hash, &record);
        Ok(StaffAuth { record, token_hash })
    }
}

/// A request from a parent with a verified contact.
pub struct ParentAuth {
    /// The login address (lower-case e-mail or `09xxxxxxxx`).
    pub address: String,
    /// The e-mail this session proved, if any.
    pub email: Option<String>,
    /// The session token's hash.
    pub token_hash: String,
}

impl FromRequestParts<AppState> for ParentAuth {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let (subject, token_hash) = subject(parts, state).await?;
        match subject {
            SessionSubject::Parent { owner, email } => {
                // A session from before sessions recorded the proved e-mail: its owner, if
                // an e-mail, was proved by the code it logged in with.
                let email = email.or_else(|| owner.contains('@').then(|| owner.clone()));
                Ok(ParentAuth { address: owner, email, token_hash })
            }
            SessionSubject::Staff(_) => Err(ApiError::unauthorized(
                "wrong_token",
                "this is a staff session; parent routes need a verified contact",
            )),
        }
    }
}

/// Any session: what logout needs.
pub struct AnySession {
    /// The session token's hash.
    pub token_hash: String,
}

impl FromRequestParts<AppState> for AnySession {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let (_, token_hash) = subject(parts, state).await?;
        Ok(AnySession { token_hash })
    }
}

/// The client's network address, set by the server for each connection; counts of
/// guesses and codes are kept per client as well as per address.
#[derive(Debug, Clone)]
pub struct ClientAddr(pub String);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddr {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(parts.extensions.get::<ClientAddr>().cloned().unwrap_or_else(|| ClientAddr("unknown".into())))
    }
}
