//! Staff routes: login, the change feed, applications, signatures, decisions.

use super::{AppState, Json, StaffAuth};
use crate::error::{ApiError, ApiResult};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use binddesk_domain::BatchOutcome;
use binddesk_domain::api::ErrorResponse;
use binddesk_domain::api::RevealReport;
use binddesk_domain::api::{
    Application, BatchDecisionItem, BatchDecisionRequest, BatchDecisionResponse, ChangesPage,
    DecisionRequest, SessionRequest, SessionResponse,
};
use std::collections::HashMap;

/// The most decisions one batch may carry.
pub const MAX_BATCH: usize = 1000;

#[utoipa::path(post, path = "/api/v1/session", tag = "staff", request_body = SessionRequest, responses((status = 200, body = SessionResponse), (status = 400, body = ErrorResponse), (status = 401, description = "wrong username or password", body = ErrorResponse), (status = 429, description = "locked after repeated failures (Retry-After); known and unknown usernames alike", body = ErrorResponse)))]
pub async fn login(
    State(state): State<AppState>,
    Json(req): Json<SessionRequest>,
) -> ApiResult<Json<SessionResponse>> {
    Ok(Json(crate::app::staff::login(&state, &req.username, &req.password).await?))
}

#[utoipa::path(get, path = "/api/v1/review/changes", tag = "review", security(("bearer" = [])), params(("since" = Option<i64>, Query, description = "cursor from an earlier answer; 0 for a full sync"), ("limit" = Option<u32>, Query, description = "1 to 2000, default 500")), responses((status = 200, body = ChangesPage), (status = 400, body = ErrorResponse), (status = 401, body = ErrorResponse)))]
pub async fn changes(
    State(state): State<AppState>,
    auth: StaffAuth,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult<Json<ChangesPage>> {
    let since = match q.get("since") {
        None => 0,
        Some(s) => s.parse::<i64>().ok().filter(|v| *v >= 0).ok_or_else(|| {
            ApiError::bad_request(
                "invalid_query",
                "since must be a cursor from an earlier answer (0 for a full sync)",
            )
        })?,
    };
    let limit = match q.get("limit") {
        None => 500,
        Some(s) => s
            .parse::<u32>()
            .ok()
            .filter(|v| (1..=2000).contains(v))
            .ok_or_else(|| ApiError::bad_request("invalid_query", "limit must be between 1 and 2000"))?,
    };
    let scope = auth.record.scope();
    // Nothing new since the school's newest change: answered without reading the feed
    // (see `app::cache` for why a kept head is safe).
    if since > 0 {
        let school = scope.school_code.clone();
        let head = match state.cache.head(&school) {
            Some(h) => h,
            None => {
                let h = state.run(move |s| s.feed_head(&school)).await?;
                state.cache.keep_head(&scope.school_code, h);
                h
            }
        };
        if since >= head {
            return Ok(Json(ChangesPage { items: vec![], next_cursor: since, has_more: false }));
        }
    }
    let page = state.run(move |s| s.changes(&scope, since, limit)).await?;
    // The feed lag: how late the oldest change of an incremental sync reached it.
    if let Some(oldest) = page.items.first().filter(|_| since > 0) {
        let age = chrono::Utc::now().signed_duration_since(oldest.updated_at);
        state.metrics.feed_lag(age.to_std().unwrap_or_default());
    }
    Ok(Json(page))
}

#[utoipa::path(get, path = "/api/v1/review/applications/{id}", tag = "review", security(("bearer" = [])), params(("id" = String, Path)), responses((status = 200, body = Application), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse)))]
pub async fn application(
    State(state): State<AppState>,
    auth: StaffAuth,
    Path(id): Path<String>,
) -> ApiResult<Json<Application>> {
    let found = state.run(move |s| s.application(&id)).await?;
    let (app, school, class) = found.ok_or(ApiError::NotFound("no such application"))?;
    if !auth.record.scope().contains(&school, &class) {
        return Err(ApiError::Forbidden);
    }
    Ok(Json(app))
}

#[utoipa::path(get, path = "/api/v1/signatures/{sha256}", tag = "review", security(("bearer" = [])), params(("sha256" = String, Path)), responses((status = 200, content_type = "image/png", description = "the PNG; immutable, with an ETag"), (status = 304), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse)))]
pub async fn signature(
    State(state): State<AppState>,
    auth: StaffAuth,
    Path(sha256): Path<String>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    if sha256.len() != 64 || !sha256.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(ApiError::NotFound("no such signature"));
    }
    let etag = format!("\"{sha256}\"");
    let scope = auth.record.scope();
    let sha = sha256.clone();
    let png = state
        .run(move |s| s.signature_png(&sha, &scope))
        .await?
        .ok_or(ApiError::NotFound("no such signature"))?;
    let mut resp = if headers.get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok()) == Some(etag.as_str())
    {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        ([(header::CONTENT_TYPE, "image/png")], png).into_response()
    };
    let h = resp.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, max-age=31536000, immutable"));
    if let Ok(v) = HeaderValue::from_str(&etag) {
        h.insert(header::ETAG, v);
    }
    Ok(resp)
}

fn check_decision_id(id: &str, path: &str) -> ApiResult<()> {
    if uuid::Uuid::parse_str(id).is_err() {
        return Err(ApiError::field("invalid_fields", path, "decision_id must be a UUID"));
    }
    Ok(())
}

#[utoipa::path(post, path = "/api/v1/review/applications/{id}/decision", tag = "review", security(("bearer" = [])), params(("id" = String, Path)), request_body = DecisionRequest, responses((status = 200, body = Application), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse), (status = 409, description = "the version moved; `current` holds the application", body = ErrorResponse), (status = 422, body = ErrorResponse)))]
pub async fn decision(
    State(state): State<AppState>,
    auth: StaffAuth,
    Path(id): Path<String>,
    Json(req): Json<DecisionRequest>,
) -> ApiResult<Response> {
    check_decision_id(&req.decision_id, "decision_id")?;
    let item = BatchDecisionItem {
        application_id: id,
        action: req.action,
        reason: req.reason,
        expected_version: req.expected_version,
        decision_id: req.decision_id,
    };
    let staff = auth.record.staff.clone();
    let scope = auth.record.scope();
    let mut results =
        state.run(move |s| s.decide(&staff, &scope, std::slice::from_ref(&item), chrono::Utc::now())).await?;
    let r = results.pop().ok_or_else(|| ApiError::Internal("no decision result".into()))?;
    let message = |r: &binddesk_domain::api::BatchDecisionResult| {
        r.error.as_ref().map(|e| e.message.clone()).unwrap_or_default()
    };
    match r.outcome {
        BatchOutcome::Applied => match r.application {
            Some(app) => Ok(Json(app).into_response()),
            None => Err(ApiError::Internal("applied decision without application".into())),
        },
        BatchOutcome::Conflict => match r.application {
            Some(app) => Err(ApiError::Conflict(Box::new(app))),
            None => Err(ApiError::Internal("conflict without application".into())),
        },
        BatchOutcome::Refused => {
            Err(ApiError::Unprocessable { code: refused_code(&r), message: message(&r), fields: None })
        }
        BatchOutcome::Forbidden => Err(ApiError::Forbidden),
        BatchOutcome::NotFound => Err(ApiError::NotFound("no such application")),
    }
}

/// The rule's own code for a refused decision (a static str for the error type).
fn refused_code(r: &binddesk_domain::api::BatchDecisionResult) -> &'static str {
    match r.error.as_ref().map(|e| e.code.as_str()) {
        Some("account_limit") => "account_limit",
        Some("not_pending") => "not_pending",
        Some("reason_required") => "reason_required",
        Some("reason_too_long") => "reason_too_long",
        Some("reason_not_text") => "reason_not_text",
        Some("decision_id_reused") => "decision_id_reused",
        _ => "rules_refused",
    }
}

#[utoipa::path(post, path = "/api/v1/review/decisions", tag = "review", security(("bearer" = [])), request_body = BatchDecisionRequest, responses((status = 200, body = BatchDecisionResponse), (status = 422, body = ErrorResponse)))]
pub async fn batch_decisions(
    State(state): State<AppState>,
    auth: StaffAuth,
    Json(req): Json<BatchDecisionRequest>,
) -> ApiResult<Json<BatchDecisionResponse>> {
    if req.decisions.is_empty() || req.decisions.len() > MAX_BATCH {
        return Err(ApiError::field(
            "invalid_fields",
            "decisions",
            format!("a batch holds 1 to {MAX_BATCH} decisions, this one {}", req.decisions.len()),
        ));
    }
    for (i, d) in req.decisions.iter().enumerate() {
        check_decision_id(&d.decision_id, &format!("decisions[{i}].decision_id"))?;
    }
    let staff = auth.record.staff.clone();
    let scope = auth.record.scope();
    let results = state.run(move |s| s.decide(&staff, &scope, &req.decisions, chrono::Utc::now())).await?;
    Ok(Json(BatchDecisionResponse { results }))
}

/// Reveals in one report.
pub const MAX_REVEALS: usize = 1000;

#[utoipa::path(post, path = "/api/v1/review/reveals", tag = "review", security(("bearer" = [])), description = "The reviewer's app reports each look at a full ID number, so the school can see who looked at whose. Reveals of applications outside the caller's scope are skipped.", request_body = RevealReport, responses((status = 200, description = "`{\"accepted\": n}`, the reveals not stored before"), (status = 422, body = ErrorResponse)))]
pub async fn record_reveals(
    State(state): State<AppState>,
    auth: StaffAuth,
    Json(req): Json<RevealReport>,
) -> ApiResult<Json<serde_json::Value>> {
    if req.reveals.len() > MAX_REVEALS {
        return Err(ApiError::field(
            "invalid_fields",
            "reveals",
            format!("at most {MAX_REVEALS} reveals a report"),
        ));
    }
    let mut rows = Vec::with_capacity(req.reveals.len());
    for (i, r) in req.reveals.into_iter().enumerate() {
        if uuid::Uuid::parse_str(&r.reveal_id).is_err()
            || chrono::DateTime::parse_from_rfc3339(&r.at).is_err()
        {
            return Err(ApiError::field(
                "invalid_fields",
                format!("reveals[{i}]"),
                "reveal_id must be a UUID and at an RFC 3339 time",
            ));
        }
        let field = r
            .field
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | ','))
            .take(120)
            .collect();
        rows.push(crate::store::RevealRecord {
            reveal_id: r.reveal_id,
            application_id: r.application_id,
            field,
            at: r.at,
            staff_id: auth.record.staff.id.clone(),
        });
    }
    let (staff, scope) = (auth.record.staff.clone(), auth.record.scope());
    let n = state.run(move |s| s.record_reveals(&staff, &scope, &rows, chrono::Utc::now())).await?;
    Ok(Json(serde_json::json!({ "accepted": n })))
}

#[utoipa::path(get, path = "/api/v1/review/reveals", tag = "review", security(("bearer" = [])), description = "Administrators: the reveals of the school, newest first (optionally of one application).", params(("application_id" = Option<String>, Query)), responses((status = 200, description = "`{\"reveals\": [{reveal_id, application_id, field, at, staff_id}]}`"), (status = 403, body = ErrorResponse)))]
pub async fn list_reveals(
    State(state): State<AppState>,
    auth: StaffAuth,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult<Json<serde_json::Value>> {
    if auth.record.staff.role != binddesk_domain::Role::Admin {
        return Err(ApiError::Forbidden);
    }
    let scope = auth.record.scope();
    let app = q.get("application_id").cloned();
    let list = state.run(move |s| s.reveals(&scope, app.as_deref(), 1000)).await?;
    Ok(Json(serde_json::json!({ "reveals": list })))
}
