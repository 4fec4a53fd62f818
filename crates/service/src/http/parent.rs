//! Parent routes: verification codes, session, student lookup, submission, correction,
//! cancellation, and the form download.

use super::{AppState, Json, ParentAuth};
use crate::auth;
use crate::error::{ApiError, ApiResult, FieldErrors};
use crate::registry::RegistryOutcome;
use crate::signature::parse_signature;
use crate::store::{PlannedStudent, SessionSubject, SubmitPlan};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use binddesk_domain::api::ErrorResponse;
use binddesk_domain::api::{
    ApplicationList, CodeRequest, Parent, ParentSessionRequest, ParentSessionResponse, ResubmitRequest,
    StudentChoice, StudentVerifyRequest, StudentVerifyResponse, SubmitRequest,
};
use binddesk_domain::{CodeChannel, IdNumber};

/// Codes a phone number may receive in an hour.
pub const PHONE_CODES_PER_HOUR: u32 = 2;
/// Students in one submission.
pub const MAX_STUDENTS: usize = 10;
/// Longest name accepted.
pub const MAX_NAME_CHARS: usize = 50;

/// A lower-case e-mail, if it looks like one.
pub fn normalize_email(s: &str) -> Option<String> {
    let s = s.trim().to_lowercase();
    let (local, domain) = s.split_once('@')?;
    let ok = !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && s.len() <= 254
        && !s.contains(char::is_whitespace)
        && !domain.contains('@')
        && !s.chars().any(char::is_control);
    ok.then_some(s)
}

/// The digits of a phone number (spaces, hyphens and brackets dropped), 8–15 of them.
pub fn normalize_phone(s: &str) -> Option<String> {
    let s = s.trim();
    let (plus, rest) = match s.strip_prefix('+') {
        Some(r) => ("+", r),
        None => ("", s),
    };
    if !rest.chars().all(|c| c.is_ascii_digit() || matches!(c, ' ' | '-' | '(' | ')')) {
        return None;
    }
    let digits: String = rest.chars().filter(char::is_ascii_digit).collect();
    (8..=15).contains(&digits.len()).then(|| format!("{plus}{digits}"))
}

fn check_name(s: &str) -> Result<String, &'static str> {
    let t = s.trim();
    if t.is_empty() {
        return Err("姓名必填 (the name is required)");
    }
    if t.chars().count() > MAX_NAME_CHARS || t.chars().any(char::is_control) {
        return Err("姓名過長或含控制字元 (the name is too long or holds control characters)");
    }
    Ok(t.to_string())
}

fn id_error_text(e: &binddesk_domain::IdError) -> String {
    format!("身分證字號或居留證號碼有誤 (invalid ID number: {e})")
}

fn validate_parent(p: &Parent, fields: &mut FieldErrors) -> Parent {
    let mut out = p.clone();
    match check_name(&p.name) {
        Ok(n) => out.name = n,
        Err(e) => {
            fields.insert("parent.name".into(), e.into());
        }
    }
    match IdNumber::parse(&p.id_number) {
        Ok(id) => out.id_number = id.as_str().to_string(),
        Err(e) => {
            fields.insert("parent.id_number".into(), id_error_text(&e));
        }
    }
    match normalize_email(&p.email) {
        Some(e) => out.email = e,
        None => {
            fields.insert("parent.email".into(), "E-mail 格式有誤 (not an e-mail address)".into());
        }
    }
    match normalize_phone(&p.phone) {
        Some(ph) => out.phone = ph,
        None => {
            fields.insert("parent.phone".into(), "電話號碼格式有誤 (not a phone number)".into());
        }
    }
    out
}

/// Checks one student choice: ID, relationship, and the roster (student at that school
/// and level); asks the registry when all is well.
async fn plan_student(
    state: &AppState,
    choice: &StudentChoice,
    path: String,
    parent_id: Option<&str>,
    fields: &mut FieldErrors,
) -> ApiResult<Option<PlannedStudent>> {
    let mut ok = true;
    if let Err(e) = choice.relationship.validate() {
        fields.insert(format!("{path}.relationship.title"), format!("稱謂與關係不符 ({e})"));
        ok = false;
    }
    let id = match IdNumber::parse(&choice.id_number) {
        Ok(id) => id.as_str().to_string(),
        Err(e) => {
            fields.insert(format!("{path}.id_number"), id_error_text(&e));
            return Ok(None);
        }
    };
    let (sid, school, level) = (id.clone(), choice.school_code.clone(), choice.school_level);
    let found = state.run(move |s| s.roster_student(&sid, &school, level)).await?;
    let Some(student) = found else {
        fields.insert(
            format!("{path}.school_code"),
            "查無此學生或學校 (no such student at that school and level)".into(),
        );
        return Ok(None);
    };
    if !ok {
        return Ok(None);
    }
    let registry = match parent_id {
        Some(pid) => {
            let reg = state.registry.clone();
            let (pid, cid) = (pid.to_string(), id.clone());
            tokio::task::spawn_blocking(move || reg.check(&pid, &cid))
                .await
                .unwrap_or(RegistryOutcome::Unavailable)
        }
        None => RegistryOutcome::Unavailable,
    };
    Ok(Some(PlannedStudent { student, relationship: choice.relationship, registry, path }))
}

async fn build_plan(
    state: &AppState,
    owner: &str,
    parent: &Parent,
    students: &[(StudentChoice, String)],
    consent: Option<bool>,
    signature_png: &str,
) -> ApiResult<SubmitPlan> {
    let mut fields = FieldErrors::new();
    let parent = validate_parent(parent, &mut fields);
    if consent == Some(false) {
        fields.insert(
            "consent".into(),
            "請先同意個資使用聲明 (the personal-data statement must be accepted)".into(),
        );
    }
    if students.is_empty() || students.len() > MAX_STUDENTS {
        fields.insert(
            "students".into(),
            format!("一次可申請 1 到 {MAX_STUDENTS} 位學生 (1 to {MAX_STUDENTS} students)"),
        );
    }
    let signature = match parse_signature(signature_png) {
        Ok(s) => Some(s),
        Err(e) => {
            fields.insert("signature_png".into(), format!("電子簽名有誤 ({e})"));
            None
        }
    };
    let parent_ok = !fields.contains_key("parent.id_number");
    let mut planned = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for (choice, path) in students {
        let key = choice.id_number.trim().to_ascii_uppercase();
        if !seen.insert(key) {
            fields.insert(format!("{path}.id_number"), "同一位學生重複 (the same student twice)".into());
            continue;
        }
        let pid = parent_ok.then_some(parent.id_number.as_str());
        if let Some(p) = plan_student(state, choice, path.clone(), pid, &mut fields).await? {
            planned.push(p);
        }
    }
    match signature {
        Some(signature) if fields.is_empty() => Ok(SubmitPlan {
            owner: owner.to_string(),
            parent,
            students: planned,
            signature,
            legacy_import: false,
        }),
        _ => Err(ApiError::fields("invalid_fields", "some fields are not valid", fields)),
    }
}

#[utoipa::path(post, path = "/api/v1/parent/codes", tag = "parent", request_body = CodeRequest, responses((status = 202), (status = 422, body = ErrorResponse), (status = 429, body = ErrorResponse)))]
pub async fn request_code(
    State(state): State<AppState>,
    Json(req): Json<CodeRequest>,
) -> ApiResult<StatusCode> {
    let (address, channel, per_hour) = match req.channel {
        CodeChannel::Email => (normalize_email(&req.address), "email", None),
        CodeChannel::Phone => (normalize_phone(&req.address), "sms", Some(PHONE_CODES_PER_HOUR)),
    };
    let address = address.ok_or_else(|| {
        ApiError::field("invalid_fields", "address", "not a valid address for this channel")
    })?;
    let code = auth::new_code();
    let hash = auth::digest(&code);
    let now = chrono::Utc::now();
    let a = address.clone();
    let ch = req.channel.as_str().to_string();
    let stored = state.run(move |s| s.put_code(&a, &ch, &hash, now.timestamp(), per_hour)).await?;
    if let Err(wait) = stored {
        return Err(ApiError::RateLimited {
            message: format!(
                "同一支手機號碼 1 小時內只能取得驗證碼 {PHONE_CODES_PER_HOUR} 次，建議改用信箱 (a phone gets at most {PHONE_CODES_PER_HOUR} codes an hour; try e-mail)"
            ),
            retry_after_secs: wait,
        });
    }
    let msg = crate::mail::verification_code(channel, &address, &code);
    state.run(move |s| s.queue(&msg, now)).await?;
    Ok(StatusCode::ACCEPTED)
}

#[utoipa::path(post, path = "/api/v1/parent/session", tag = "parent", request_body = ParentSessionRequest, responses((status = 200, body = ParentSessionResponse), (status = 401, body = ErrorResponse)))]
pub async fn login(
    State(state): State<AppState>,
    Json(req): Json<ParentSessionRequest>,
) -> ApiResult<Json<ParentSessionResponse>> {
    let address = normalize_email(&req.address)
        .or_else(|| normalize_phone(&req.address))
        .ok_or_else(|| ApiError::unauthorized("invalid_code", "the code is wrong, used or expired"))?;
    let now = chrono::Utc::now();
    let (a, h) = (address.clone(), auth::digest(req.code.trim()));
    if !state.run(move |s| s.take_code(&a, &h, now.timestamp())).await? {
        return Err(ApiError::unauthorized("invalid_code", "the code is wrong, used or expired"));
    }
    let token = auth::new_token();
    let expires_at = now + chrono::Duration::minutes(state.config.parent_session_minutes);
    let th = auth::digest(&token);
    state
        .run(move |s| s.insert_session(&th, &SessionSubject::Parent(address), expires_at.timestamp()))
        .await?;
    Ok(Json(ParentSessionResponse { token, expires_at }))
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
    let schools = state.run(move |s| s.schools_for_student(level, id.as_str())).await?;
    Ok(Json(StudentVerifyResponse { schools }))
}

#[utoipa::path(post, path = "/api/v1/parent/applications", tag = "parent", security(("bearer" = [])), request_body = SubmitRequest, responses((status = 201, body = ApplicationList), (status = 413, body = ErrorResponse), (status = 422, body = ErrorResponse)))]
pub async fn submit(
    State(state): State<AppState>,
    auth: ParentAuth,
    Json(req): Json<SubmitRequest>,
) -> ApiResult<(StatusCode, Json<ApplicationList>)> {
    let students: Vec<(StudentChoice, String)> =
        req.students.iter().enumerate().map(|(i, s)| (s.clone(), format!("students[{i}]"))).collect();
    let plan =
        build_plan(&state, &auth.address, &req.parent, &students, Some(req.consent), &req.signature_png)
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
    let mut plan = build_plan(&state, &auth.address, &req.parent, &students, None, &req.signature_png)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_and_phones_normalise() {
        assert_eq!(normalize_email(" Annie.Sun2@Example.com.tw "), Some("annie.sun2@example.com.tw".into()));
        assert_eq!(normalize_email("no-at-sign"), None);
        assert_eq!(normalize_email("a@b"), None);
        assert_eq!(normalize_email("a b@c.tw"), None);
        assert_eq!(normalize_phone("0928-942-045"), Some("0928942045".into()));
        assert_eq!(normalize_phone("+886 928 942 045"), Some("+886928942045".into()));
        assert_eq!(normalize_phone("12"), None);
        assert_eq!(normalize_phone("09x8942045"), None);
    }
}
