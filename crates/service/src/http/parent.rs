//! Parent routes: verification codes, session, student lookup, submission, correction,
//! cancellation, and the form download.

use super::{AppState, ClientAddr, Json, ParentAuth};
use crate::app::submission::{build_plan, id_error_text};
use crate::error::{ApiError, ApiResult};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use binddesk_domain::IdNumber;
use binddesk_domain::api::ErrorResponse;
use binddesk_domain::api::{
    ApplicationList, CodeRequest, CodeSent, ParentSessionRequest, ParentSessionResponse, ProfileRequest,
    ProfileResponse, ResubmitRequest, StudentChoice, StudentMatch, StudentVerifyRequest,
    StudentVerifyResponse, SubmitRequest,
};

#[utoipa::path(post, path = "/api/v1/parent/codes", tag = "parent", request_body = CodeRequest, responses((status = 202, body = CodeSent), (status = 422, body = ErrorResponse), (status = 429, description = "wait `retry_after_secs`: the resend wait (code_cooldown), the phone's two codes an hour (phone_limit), or too many requests from this network (client_limit)", body = ErrorResponse)))]
pub async fn request_code(
    State(state): State<AppState>,
    client: ClientAddr,
    Json(req): Json<CodeRequest>,
) -> ApiResult<(StatusCode, Json<CodeSent>)> {
    crate::app::codes::send_code(&state, &client.0, req.channel, &req.address).await?;
    let retry_after_secs = u64::try_from(state.config.code_limits.resend_secs).unwrap_or(0);
    Ok((StatusCode::ACCEPTED, Json(CodeSent { retry_after_secs })))
}

#[utoipa::path(post, path = "/api/v1/parent/session", tag = "parent", request_body = ParentSessionRequest, responses((status = 200, body = ParentSessionResponse), (status = 401, body = ErrorResponse), (status = 429, description = "too many wrong codes for this address or from this network", body = ErrorResponse)))]
pub async fn login(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
    client: ClientAddr,
    Json(req): Json<ParentSessionRequest>,
) -> ApiResult<([(axum::http::HeaderName, axum::http::HeaderValue); 1], Json<ParentSessionResponse>)> {
    let session = crate::app::codes::start_session(&state, &client.0, &req.address, &req.code).await?;
    // The parents' pages use the cookie (their script never sees it); API clients the token.
    let max_age = state.config.parent_session_minutes * 60;
    let secure = super::cookie::over_https(state.config.https, &headers);
    let cookie = super::cookie::set_session(&session.token, max_age, secure);
    Ok(([(axum::http::header::SET_COOKIE, cookie)], Json(session)))
}

#[utoipa::path(post, path = "/api/v1/parent/session/email", tag = "parent", security(("bearer" = [])), description = "Proves an e-mail inside a parent session (a parent who logged in by phone): the code sent to that e-mail. Only a proved e-mail may be the account's login on an application.", request_body = ParentSessionRequest, responses((status = 204), (status = 401, body = ErrorResponse), (status = 422, body = ErrorResponse), (status = 429, body = ErrorResponse)))]
pub async fn verify_email(
    State(state): State<AppState>,
    auth: ParentAuth,
    client: ClientAddr,
    Json(req): Json<ParentSessionRequest>,
) -> ApiResult<StatusCode> {
    crate::app::codes::prove_email(&state, &client.0, &auth.token_hash, &req.address, &req.code).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/api/v1/parent/students/verify", tag = "parent", security(("bearer" = [])), request_body = StudentVerifyRequest, responses((status = 200, body = StudentVerifyResponse), (status = 422, body = ErrorResponse)))]
pub async fn verify_student(
    State(state): State<AppState>,
    _auth: ParentAuth,
    Json(req): Json<StudentVerifyRequest>,
) -> ApiResult<Json<StudentVerifyResponse>> {
    let id = IdNumber::parse(&req.id_number)
        .map_err(|e| ApiError::field("invalid_fields", "id_number", id_error_text(&e)))?;
    let level = req.school_level;
    let (schools, students) = state
        .run(move |s| {
            let schools = s.schools_for_student(level, id.as_str())?;
            let mut students = Vec::new();
            for school in &schools {
                if let Some(found) = s.roster_student(id.as_str(), &school.code, level)? {
                    students.push(StudentMatch {
                        school_code: school.code.clone(),
                        name_masked: binddesk_domain::mask_name(&found.name),
                        class_name: found.class.name,
                    });
                }
            }
            Ok((schools, students))
        })
        .await?;
    Ok(Json(StudentVerifyResponse { schools, students }))
}

#[utoipa::path(post, path = "/api/v1/parent/profile", tag = "parent", security(("bearer" = [])), description = "Checks the parent's ID number and returns the parent data of this session's own latest application with that number (never another account's).", request_body = ProfileRequest, responses((status = 200, body = ProfileResponse), (status = 422, body = ErrorResponse)))]
pub async fn profile(
    State(state): State<AppState>,
    auth: ParentAuth,
    Json(req): Json<ProfileRequest>,
) -> ApiResult<Json<ProfileResponse>> {
    let id = IdNumber::parse(&req.id_number)
        .map_err(|e| ApiError::field("invalid_fields", "id_number", id_error_text(&e)))?;
    let own = state.run(move |s| s.parent_applications(&auth.address)).await?;
    let parent = own
        .into_iter()
        .filter(|a| a.parent.id_number == id.as_str())
        .max_by(|a, b| a.submitted_at.cmp(&b.submitted_at))
        .map(|a| a.parent);
    Ok(Json(ProfileResponse { id_number: id.as_str().to_string(), parent }))
}

#[utoipa::path(post, path = "/api/v1/parent/applications", tag = "parent", security(("bearer" = [])), request_body = SubmitRequest, responses((status = 201, body = ApplicationList), (status = 413, body = ErrorResponse), (status = 422, body = ErrorResponse)))]
pub async fn submit(
    State(state): State<AppState>,
    auth: ParentAuth,
    Json(req): Json<SubmitRequest>,
) -> ApiResult<(StatusCode, Json<ApplicationList>)> {
    let students: Vec<(StudentChoice, String)> =
        req.students.iter().enumerate().map(|(i, s)| (s.clone(), format!("students[{i}]"))).collect();
    let plan = build_plan(
        &state,
        &auth.address,
        auth.email.as_deref(),
        &req.parent,
        &students,
        Some(req.consent),
        &req.signature_png,
    )
    .await?;
    let applications = state.run(move |s| s.submit(&plan, chrono::Utc::now())).await?;
    tracing::info!(count = applications.len(), "applications submitted");
    Ok((StatusCode::CREATED, Json(ApplicationList { applications })))
}

#[utoipa::path(get, path = "/api/v1/parent/applications", tag = "parent", security(("bearer" = [])), responses((status = 200, body = ApplicationList)))]
pub async fn list(State(state): State<AppState>, auth: ParentAuth) -> ApiResult<Json<ApplicationList>> {
    let applications = state.run(move |s| s.parent_applications(&auth.address)).await?;
    Ok(Json(ApplicationList { applications }))
}

#[utoipa::path(put, path = "/api/v1/parent/applications/{id}", tag = "parent", security(("bearer" = [])), params(("id" = String, Path)), request_body = ResubmitRequest, responses((status = 200, body = binddesk_domain::api::Application), (status = 404, body = ErrorResponse), (status = 422, body = ErrorResponse)))]
pub async fn resubmit(
    State(state): State<AppState>,
    auth: ParentAuth,
    Path(id): Path<String>,
    Json(req): Json<ResubmitRequest>,
) -> ApiResult<Json<binddesk_domain::api::Application>> {
    let choice = StudentChoice {
        id_number: req.id_number,
        school_level: req.school_level,
        school_code: req.school_code,
        relationship: req.relationship,
    };
    let students = vec![(choice, String::new())];
    let mut plan = build_plan(
        &state,
        &auth.address,
        auth.email.as_deref(),
        &req.parent,
        &students,
        None,
        &req.signature_png,
    )
    .await
    .map_err(strip_empty_prefix)?;
    for s in &mut plan.students {
        s.path = String::new();
    }
    let app =
        state.run(move |s| s.resubmit(&id, &plan, chrono::Utc::now())).await.map_err(strip_empty_prefix)?;
    Ok(Json(app))
}

/// Field paths of a resubmission have no `students[i]` prefix: `.id_number` → `id_number`.
fn strip_empty_prefix(e: ApiError) -> ApiError {
    match e {
        ApiError::Unprocessable { code, message, fields: Some(f) } => ApiError::Unprocessable {
            code,
            message,
            fields: Some(f.into_iter().map(|(k, v)| (k.trim_start_matches('.').to_string(), v)).collect()),
        },
        other => other,
    }
}

#[utoipa::path(delete, path = "/api/v1/parent/applications/{id}", tag = "parent", security(("bearer" = [])), params(("id" = String, Path)), responses((status = 204), (status = 404, body = ErrorResponse), (status = 422, body = ErrorResponse)))]
pub async fn cancel_one(
    State(state): State<AppState>,
    auth: ParentAuth,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    state.run(move |s| s.cancel(&auth.address, Some(&id), chrono::Utc::now())).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(delete, path = "/api/v1/parent/applications", tag = "parent", security(("bearer" = [])), responses((status = 204)))]
pub async fn cancel_all(State(state): State<AppState>, auth: ParentAuth) -> ApiResult<StatusCode> {
    state.run(move |s| s.cancel(&auth.address, None, chrono::Utc::now())).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = "/api/v1/parent/applications/{id}/form.pdf", tag = "parent", security(("bearer" = [])), params(("id" = String, Path)), responses((status = 200, content_type = "application/pdf"), (status = 404, body = ErrorResponse), (status = 503, description = "no CJK font on the server", body = ErrorResponse)))]
pub async fn form_pdf(
    State(state): State<AppState>,
    auth: ParentAuth,
    Path(id): Path<String>,
) -> ApiResult<axum::response::Response> {
    use axum::http::header;
    use axum::response::IntoResponse;
    let app = state
        .run(move |s| s.parent_applications(&auth.address))
        .await?
        .into_iter()
        .find(|a| a.id == id)
        .ok_or(ApiError::NotFound("no such application"))?;
    let (sha, code) = (app.signature.sha256.clone(), app.student.school_code.clone());
    let (png, school) = state.run(move |s| Ok((s.signature_by_sha(&sha)?, s.school_name(&code)?))).await?;
    let forms = state.forms.clone();
    let pdf = tokio::task::spawn_blocking(move || -> ApiResult<Vec<u8>> {
        let renderer = forms
            .get_or_init(|| binddesk_forms::Renderer::discover().map_err(|e| e.to_string()))
            .as_ref()
            .map_err(|e| ApiError::Unavailable(format!("forms cannot be printed on this server: {e}")))?;
        let input = binddesk_forms::FormInput {
            application: &app,
            signature_png: png.as_deref(),
            school_name: school.as_deref(),
        };
        // The parent's own download: their data, masked as on every parent page.
        let out = renderer
            .render_one(input, &binddesk_forms::RenderOptions::default())
            .map_err(|e| ApiError::Internal(format!("form: {e}")))?;
        Ok(out.pdf)
    })
    .await
    .map_err(|e| ApiError::Internal(e.to_string()))??;
    let disposition = format!("attachment; filename=\"application-{id}.pdf\"", id = id_safe(&id));
    Ok((
        [(header::CONTENT_TYPE, "application/pdf".to_string()), (header::CONTENT_DISPOSITION, disposition)],
        pdf,
    )
        .into_response())
}

/// An id reduced to characters safe in a header's quoted file name.
fn id_safe(id: &str) -> String {
    id.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '-').take(64).collect()
}
