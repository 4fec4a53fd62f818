//! The service's error type and its mapping to the API's error body and status codes.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use binddesk_domain::api::{Application, ErrorDetail, ErrorResponse};
use std::collections::BTreeMap;
use thiserror::Error;

/// Field path → what is wrong with it.
pub type FieldErrors = BTreeMap<String, String>;

/// Everything a request can fail with. Each variant maps to one status code.
#[derive(Debug, Error)]
pub enum ApiError {
    /// 400: the body is not the JSON we expect (syntax, types, unknown fields, content type).
    #[error("{message}")]
    BadRequest { code: &'static str, message: String },
    /// 401: no token, a bad or expired token, or wrong credentials.
    #[error("{message}")]
    Unauthorized { code: &'static str, message: String },
    /// 403: outside the caller's scope.
    #[error("this is outside your scope")]
    Forbidden,
    /// 403: a cookie-authenticated request that did not come from our own pages.
    #[error(
        "this request did not come from the binding pages (send X-BindDesk-Page: 1 from the same origin)"
    )]
    CrossSite,
    /// 404: no such resource.
    #[error("{0}")]
    NotFound(&'static str),
    /// 409: the application's version moved; the current state comes with it.
    #[error("the application changed since you saw it")]
    Conflict(Box<Application>),
    /// 413: the body is over the limit.
    #[error("the request body is too large")]
    PayloadTooLarge,
    /// 422: valid JSON that the rules refuse.
    #[error("{message}")]
    Unprocessable { code: &'static str, message: String, fields: Option<FieldErrors> },
    /// 429: too many attempts; try again after this many seconds.
    #[error("{message}")]
    RateLimited { code: &'static str, message: String, retry_after_secs: u64 },
    /// 501: a part of the API that is not built yet.
    #[error("{0}")]
    NotImplemented(&'static str),
    /// 503: a part of the service cannot work on this machine (e.g. no CJK font for forms).
    #[error("{0}")]
    Unavailable(String),
    /// 500: something broke on our side; the details go to the log, not to the client.
    #[error("internal error")]
    Internal(String),
}

impl ApiError {
    /// A 422 with one field at fault.
    pub fn field(code: &'static str, path: impl Into<String>, what: impl Into<String>) -> ApiError {
        let what = what.into();
        let mut fields = FieldErrors::new();
        fields.insert(path.into(), what.clone());
        ApiError::Unprocessable { code, message: what, fields: Some(fields) }
    }

    /// A 422 with several fields at fault.
    pub fn fields(code: &'static str, message: impl Into<String>, fields: FieldErrors) -> ApiError {
        ApiError::Unprocessable { code, message: message.into(), fields: Some(fields) }
    }

    /// A 400 for a malformed body.
    pub fn bad_request(code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError::BadRequest { code, message: message.into() }
    }

    /// A 429: wait `retry_after_secs`.
    pub fn rate_limited(code: &'static str, retry_after_secs: u64, message: impl Into<String>) -> ApiError {
        ApiError::RateLimited { code, message: message.into(), retry_after_secs }
    }

    /// A 401.
    pub fn unauthorized(code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError::Unauthorized { code, message: message.into() }
    }

    /// The HTTP status of this error.
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::BadRequest { .. } => StatusCode::BAD_REQUEST,
            ApiError::Unauthorized { .. } => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden | ApiError::CrossSite => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::Unprocessable { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::NotImplemented(_) => StatusCode::NOT_IMPLEMENTED,
            ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The error body's code and detail.
    pub fn detail(&self) -> ErrorDetail {
        let (code, fields) = match self {
            ApiError::BadRequest { code, .. } => (*code, None),
            ApiError::Unauthorized { code, .. } => (*code, None),
            ApiError::Forbidden => ("forbidden", None),
            ApiError::CrossSite => ("cross_site", None),
            ApiError::NotFound(_) => ("not_found", None),
            ApiError::Conflict(_) => ("version_conflict", None),
            ApiError::PayloadTooLarge => ("payload_too_large", None),
            ApiError::Unprocessable { code, fields, .. } => (*code, fields.clone()),
            ApiError::RateLimited { code, .. } => (*code, None),
            ApiError::NotImplemented(_) => ("not_implemented", None),
            ApiError::Unavailable(_) => ("unavailable", None),
            ApiError::Internal(_) => ("internal", None),
        };
        let retry_after_secs = match self {
            ApiError::RateLimited { retry_after_secs, .. } => Some(*retry_after_secs),
            _ => None,
        };
        ErrorDetail { code: code.to_string(), message: self.to_string(), fields, retry_after_secs }
    }
}

impl From<crate::store::StoreError> for ApiError {
    fn from(e: crate::store::StoreError) -> Self {
        use crate::store::StoreError;
        match e {
            StoreError::Storage(detail) => ApiError::Internal(detail),
            // The detail names tables and locks: the log gets it, the client a plain 503.
            StoreError::Contention(detail) => {
                tracing::warn!(error = %detail, "storage contention outlasted the retries");
                ApiError::Unavailable("the store is busy; try again".into())
            }
            StoreError::NotFound(what) => ApiError::NotFound(what),
            StoreError::OutOfScope => ApiError::Forbidden,
            StoreError::Refused { code, message, fields } => {
                ApiError::Unprocessable { code, message, fields }
            }
        }
    }
}

impl From<rusqlite::Error> for ApiError {
    fn from(e: rusqlite::Error) -> Self {
        ApiError::Internal(format!("storage: {e}"))
    }
}

impl From<serde_json::Error> for ApiError {
    fn from(e: serde_json::Error) -> Self {
        ApiError::Internal(format!("stored JSON: {e}"))
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if let ApiError::Internal(detail) = &self {
            // The detail is about our storage, never about a person.
            tracing::error!(%detail, "internal error");
        }
        let status = self.status();
        let retry = match &self {
            ApiError::RateLimited { retry_after_secs, .. } => Some(*retry_after_secs),
            _ => None,
        };
        let current = match &self {
            ApiError::Conflict(app) => Some(app.clone()),
            _ => None,
        };
        let body = ErrorResponse { error: self.detail(), current };
        let mut resp = (status, axum::Json(body)).into_response();
        if let Some(secs) = retry
            && let Ok(v) = HeaderValue::from_str(&secs.to_string())
        {
            resp.headers_mut().insert(header::RETRY_AFTER, v);
        }
        resp
    }
}

/// The result type of handlers and store operations.
pub type ApiResult<T> = Result<T, ApiError>;
