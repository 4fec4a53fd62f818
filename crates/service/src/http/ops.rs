//! Operations routes: health, the OpenAPI document, demo-only helpers, and the 404.

use super::{AppState, Json};
use crate::error::{ApiError, ApiResult};
use crate::store::OutboxMail;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use binddesk_domain::api::ErrorResponse;
use serde::Deserialize;
use std::collections::HashMap;

#[utoipa::path(get, path = "/healthz", tag = "operations", description = "The store answers (kept for older checks; see /readyz).", responses((status = 200, description = "the store answers")))]
pub async fn healthz(State(state): State<AppState>) -> ApiResult<&'static str> {
    state.run(|s| s.ping()).await?;
    Ok("ok")
}

#[utoipa::path(get, path = "/livez", tag = "operations", description = "Liveness: the process answers HTTP, whatever the store does (restart it if not).", responses((status = 200)))]
pub async fn livez() -> &'static str {
    "ok"
}

#[utoipa::path(get, path = "/readyz", tag = "operations", description = "Readiness: the store answers and the service is not shutting down (send it traffic).", responses((status = 200), (status = 503, body = ErrorResponse)))]
pub async fn readyz(State(state): State<AppState>) -> ApiResult<&'static str> {
    if state.draining.load(std::sync::atomic::Ordering::SeqCst) {
        return Err(ApiError::Unavailable("shutting down".into()));
    }
    state.run(|s| s.ping()).await?;
    Ok("ok")
}

#[utoipa::path(get, path = "/metrics", tag = "operations", description = "Prometheus text format. Loopback clients, or the bearer token of --metrics-token.", responses((status = 200), (status = 401, body = ErrorResponse)))]
pub async fn metrics(
    State(state): State<AppState>,
    headers: HeaderMap,
    client: super::ClientAddr,
) -> ApiResult<Response> {
    let bearer = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    let allowed = match &state.config.metrics_token {
        // Compared as digests: the time taken tells nothing about the token.
        Some(token) => bearer.is_some_and(|b| crate::auth::digest(b) == crate::auth::digest(token)),
        None => client.0.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback()),
    };
    if !allowed {
        return Err(ApiError::unauthorized("metrics_token", "metrics need the --metrics-token bearer token"));
    }
    let backlog = state.run(|s| s.backlog()).await?;
    let body = state.metrics.render(backlog);
    Ok(([(axum::http::header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], body)
        .into_response())
}

/// Counts every request by method, route template and status, with its latency; after a
/// write, forgets the kept feed heads.
pub async fn count_request(
    State(state): State<AppState>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let method = req.method().to_string();
    let route =
        req.extensions().get::<axum::extract::MatchedPath>().map_or("(no route)", |m| m.as_str()).to_string();
    let started = std::time::Instant::now();
    let writes = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    let response = next.run(req).await;
    if writes {
        // This instance's own changes are seen at once by its next poll.
        state.cache.forget_heads();
    }
    state.metrics.request(&method, &route, response.status().as_u16(), started.elapsed());
    response
}

#[utoipa::path(get, path = "/api/v1/openapi.json", tag = "operations", responses((status = 200, description = "this document")))]
pub async fn openapi() -> ApiResult<axum::Json<serde_json::Value>> {
    Ok(axum::Json(crate::openapi::document()))
}

#[utoipa::path(get, path = "/api/v1/dev/outbox", tag = "operations", description = "Demo mode only: the messages the service would have sent, newest first.", responses((status = 200), (status = 404, body = ErrorResponse)))]
pub async fn dev_outbox(
    State(state): State<AppState>,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult<axum::Json<serde_json::Value>> {
    if !state.config.demo {
        return Err(ApiError::NotFound("no such route"));
    }
    let limit = q.get("limit").and_then(|l| l.parse().ok()).unwrap_or(100u32).min(1000);
    let messages: Vec<OutboxMail> = state.run(move |s| s.outbox(limit, false)).await?;
    Ok(axum::Json(serde_json::json!({ "messages": messages })))
}

/// Demo only: switch the built-in civil registry on or off.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegistrySwitch {
    available: bool,
}

pub async fn dev_registry(
    State(state): State<AppState>,
    Json(req): Json<RegistrySwitch>,
) -> ApiResult<StatusCode> {
    if !state.config.demo {
        return Err(ApiError::NotFound("no such route"));
    }
    let v = if req.available { "true" } else { "false" };
    state.run(move |s| s.set_setting(crate::registry::AVAILABLE_SETTING, v)).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(delete, path = "/api/v1/session", tag = "staff", security(("bearer" = [])), description = "Ends the caller's session, a staff member's or a parent's.", responses((status = 204), (status = 401, body = ErrorResponse)))]
pub async fn logout(
    State(state): State<AppState>,
    headers: HeaderMap,
    auth: super::AnySession,
) -> ApiResult<Response> {
    let h = auth.token_hash;
    state.cache.forget_session(&h);
    state.run(move |s| s.delete_session(&h)).await?;
    let clear = super::cookie::clear_session(super::cookie::over_https(state.config.https, &headers));
    Ok((StatusCode::NO_CONTENT, [(axum::http::header::SET_COOKIE, clear)]).into_response())
}

/// `/`: the parents' pages.
pub async fn parent_page(State(state): State<AppState>, headers: HeaderMap) -> Response {
    match super::pages::asset("", &headers, super::cookie::over_https(state.config.https, &headers)) {
        Some(page) => page,
        None => ApiError::Unavailable(
            "the parents' pages were not built into this service (run `npm --prefix ui run build`, then build the service)"
                .into(),
        )
        .into_response(),
    }
}

/// A page asset for a GET, else the API's 404.
pub async fn not_found(
    State(state): State<AppState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let path = uri.path().trim_start_matches('/');
    let page_request = (method == Method::GET || method == Method::HEAD) && !path.starts_with("api/");
    let https = super::cookie::over_https(state.config.https, &headers);
    if page_request && let Some(asset) = super::pages::asset(path, &headers, https) {
        return asset;
    }
    ApiError::NotFound("no such route").into_response()
}
