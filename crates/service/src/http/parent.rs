//! Parent routes: verification codes, session, student lookup, submission, correction,
//! cancellation, and the form download.

use super::{AppState, ClientAddr, Json, ParentAuth};
use crate::auth;
use crate::error::{ApiError, ApiResult, FieldErrors};
use crate::registry::RegistryOutcome;
use crate::signature::parse_signature;
use crate::store::{CodeCheck, CodeRefused, PlannedStudent, SessionSubject, SubmitPlan};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use binddesk_domain::api::ErrorResponse;
use binddesk_domain::api::{
    ApplicationList, CodeRequest, Parent, ParentSessionRequest, ParentSessionResponse, ResubmitRequest,
    StudentChoice, StudentVerifyRequest, StudentVerifyResponse, SubmitRequest,
};
use binddesk_domain::throttle::codes;
use binddesk_domain::{CodeChannel, IdNumber, TextError, clean_text, contact};

/// Students in one submission.
pub const MAX_STUDENTS: usize = 10;
/// Longest name accepted.
pub const MAX_NAME_CHARS: usize = 50;

/// A lower-case e-mail, if it looks like one.
pub fn normalize_email(s: &str) -> Option<String> {
    contact::canonical_email(s).ok()
}

fn check_name(s: &str) -> Result<String, String> {
    clean_text(s, MAX_NAME_CHARS).map_err(|e| match e {
        TextError::Empty => "姓名必填 (the name is required)".to_string(),
        TextError::TooLong(n) => format!("姓名最多 {n} 個字 (at most {n} characters)"),
        TextError::Control | TextError::Bidi => {
            "姓名含有無法顯示的字元，請重新輸入 (the name holds characters that are not text; type it again)"
                .to_string()
        }
    })
}

fn id_error_text(e: &binddesk_domain::IdError) -> String {
    format!("身分證字號或居留證號碼有誤 (invalid ID number: {e})")
}

/// Checks the parent block; the e-mail must be one this session proved (it becomes the
/// account's login and the address of every notice).
fn validate_parent(p: &Parent, proved_email: Option<&str>, fields: &mut FieldErrors) -> Parent {
    let mut out = p.clone();
    match check_name(&p.name) {
        Ok(n) => out.name = n,
        Err(e) => {
            fields.insert("parent.name".into(), e);
        }
    }
    match IdNumber::parse(&p.id_number) {
        Ok(id) => out.id_number = id.as_str().to_string(),
        Err(e) => {
            fields.insert("parent.id_number".into(), id_error_text(&e));
        }
    }
    match normalize_email(&p.email) {
        Some(e) if proved_email == Some(e.as_str()) => out.email = e,
        Some(_) => {
            fields.insert(
                "parent.email".into(),
                "請先以驗證碼驗證此 E-mail，它將是您的登入帳號 (verify this e-mail with a code first: it becomes your login)"
                    .into(),
            );
        }
        None => {
            fields.insert("parent.email".into(), "E-mail 格式有誤 (not an e-mail address)".into());
        }
    }
    match contact::canonical_phone(&p.phone) {
        Ok(ph) => out.phone = ph,
        Err(_) => {
            fields.insert(
                "parent.phone".into(),
                "請輸入行動電話 (09…) 或含區碼的市話 (02…) (a mobile 09… or a landline with its area code)"
                    .into(),
            );
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
    auth: &ParentAuth,
    parent: &Parent,
    students: &[(StudentChoice, String)],
    consent: Option<bool>,
    signature_png: &str,
) -> ApiResult<SubmitPlan> {
    let owner = auth.address.as_str();
    let mut fields = FieldErrors::new();
    // Limits before work: a body of 12,000 students is refused before one is looked up.
    if students.is_empty() || students.len() > MAX_STUDENTS {
        fields.insert(
            "students".into(),
            format!("一次可申請 1 到 {MAX_STUDENTS} 位學生 (1 to {MAX_STUDENTS} students)"),
        );
        return Err(ApiError::fields("invalid_fields", "some fields are not valid", fields));
    }
    let parent = validate_parent(parent, auth.email.as_deref(), &mut fields);
    if consent == Some(false) {
        fields.insert(
            "consent".into(),
            "請先同意個資使用聲明 (the personal-data statement must be accepted)".into(),
        );
    }
    let signature = match decode_signature(state, signature_png).await? {
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

/// Signatures are decoded on the blocking pool, a few at a time, so a burst of large
/// uploads neither stalls the async workers nor multiplies the memory they take.
async fn decode_signature(
    state: &AppState,
    base64_png: &str,
) -> ApiResult<Result<crate::store::SignatureBlob, crate::signature::SignatureError>> {
    let permit = state
        .decoders
        .clone()
        .acquire_owned()
        .await
        .map_err(|e| ApiError::Internal(format!("decoders: {e}")))?;
    let text = base64_png.to_string();
    tokio::task::spawn_blocking(move || {
        let _permit = permit;
        parse_signature(&text)
    })
    .await
    .map_err(|e| ApiError::Internal(format!("signature decoding: {e}")))
}

#[utoipa::path(post, path = "/api/v1/parent/codes", tag = "parent", request_body = CodeRequest, responses((status = 202), (status = 422, body = ErrorResponse), (status = 429, description = "wait `retry_after_secs`: the resend wait (code_cooldown), the phone's two codes an hour (phone_limit), or too many requests from this network (client_limit)", body = ErrorResponse)))]
pub async fn request_code(
    State(state): State<AppState>,
    client: ClientAddr,
    Json(req): Json<CodeRequest>,
) -> ApiResult<StatusCode> {
    let mut limits = state.config.code_limits;
    let (address, channel) = match req.channel {
        CodeChannel::Email => (contact::canonical_email(&req.address), "email"),
        CodeChannel::Phone => {
            limits.per_window = Some(codes::PHONE_CODES_PER_WINDOW);
            (contact::canonical_mobile(&req.address), "sms")
        }
    };
    let address = address.map_err(|e| {
        let text = match e {
            contact::ContactError::Mobile => "驗證碼只能傳送到臺灣的手機號碼 09 開頭 10 碼，或改用 E-mail (codes go only to a Taiwanese mobile number: 10 digits starting with 09; or use e-mail)",
            _ => "E-mail 格式有誤 (not an e-mail address)",
        };
        ApiError::field("invalid_fields", "address", text)
    })?;
    let code = auth::new_code();
    let hash = auth::digest(&code);
    let now = chrono::Utc::now();
    let a = address.clone();
    let ch = req.channel.as_str().to_string();
    let stored = state.run(move |s| s.put_code(&a, &ch, &hash, &client.0, &limits, now.timestamp())).await?;
    match stored {
        Ok(()) => {}
        Err(CodeRefused::Cooldown(secs)) => {
            return Err(ApiError::RateLimited {
                code: "code_cooldown",
                message: format!(
                    "驗證碼已寄出，請等 {secs} 秒後再重新取得；寄送可能需要幾分鐘 (a code is on its way; ask again in {secs} seconds, as delivery can take minutes)"
                ),
                retry_after_secs: secs,
            });
        }
        Err(CodeRefused::AddressLimit(secs)) => {
            return Err(ApiError::RateLimited {
                code: "phone_limit",
                message: format!(
                    "同一支手機號碼 1 小時內只能取得驗證碼 {n} 次，建議改用信箱 (a phone gets at most {n} codes an hour; try e-mail)",
                    n = codes::PHONE_CODES_PER_WINDOW
                ),
                retry_after_secs: secs,
            });
        }
        Err(CodeRefused::ClientLimit(secs)) => {
            return Err(ApiError::RateLimited {
                code: "client_limit",
                message: format!(
                    "此網路要求驗證碼的次數過多，請 {} 分鐘後再試 (too many codes asked from this network; try again in {} minutes)",
                    secs.div_ceil(60),
                    secs.div_ceil(60)
                ),
                retry_after_secs: secs,
            });
        }
    }
    let msg = crate::mail::verification_code(channel, &address, &code);
    state.run(move |s| s.queue(&msg, now)).await?;
    Ok(StatusCode::ACCEPTED)
}

/// Checks a code for an address: the one answer for wrong, used, expired, dead or no code.
async fn check_code(state: &AppState, client: &ClientAddr, address: &str, code: &str) -> ApiResult<()> {
    let now = chrono::Utc::now().timestamp();
    let (a, h, c, limits) =
        (address.to_string(), auth::digest(code.trim()), client.0.clone(), state.config.code_limits);
    match state.run(move |s| s.take_code(&a, &h, &c, &limits, now)).await? {
        CodeCheck::Valid => Ok(()),
        CodeCheck::Wrong => Err(ApiError::unauthorized(
            "invalid_code",
            "驗證碼錯誤、已使用或已過期，請重新取得 (the code is wrong, used or expired; ask for a new one)",
        )),
        CodeCheck::TooManyTries(secs) => Err(ApiError::RateLimited {
            code: "too_many_tries",
            message: format!(
                "錯誤次數過多，請 {} 分鐘後重新取得驗證碼 (too many wrong codes; ask for a new one in {} minutes)",
                secs.div_ceil(60),
                secs.div_ceil(60)
            ),
            retry_after_secs: secs,
        }),
    }
}

#[utoipa::path(post, path = "/api/v1/parent/session", tag = "parent", request_body = ParentSessionRequest, responses((status = 200, body = ParentSessionResponse), (status = 401, body = ErrorResponse), (status = 429, description = "too many wrong codes for this address or from this network", body = ErrorResponse)))]
pub async fn login(
    State(state): State<AppState>,
    client: ClientAddr,
    Json(req): Json<ParentSessionRequest>,
) -> ApiResult<Json<ParentSessionResponse>> {
    // An address that is neither is checked like any other, so the answer is the same.
    let address = contact::canonical_login(&req.address).unwrap_or_else(|| req.address.trim().to_lowercase());
    check_code(&state, &client, &address, &req.code).await?;
    let now = chrono::Utc::now();
    let token = auth::new_token();
    let expires_at = now + chrono::Duration::minutes(state.config.parent_session_minutes);
    let th = auth::digest(&token);
    let email = address.contains('@').then(|| address.clone());
    let subject = SessionSubject::Parent { owner: address, email };
    state.run(move |s| s.insert_session(&th, &subject, expires_at.timestamp())).await?;
    Ok(Json(ParentSessionResponse { token, expires_at }))
}

#[utoipa::path(post, path = "/api/v1/parent/session/email", tag = "parent", security(("bearer" = [])), description = "Proves an e-mail inside a parent session (a parent who logged in by phone): the code sent to that e-mail. Only a proved e-mail may be the account's login on an application.", request_body = ParentSessionRequest, responses((status = 204), (status = 401, body = ErrorResponse), (status = 422, body = ErrorResponse), (status = 429, body = ErrorResponse)))]
pub async fn verify_email(
    State(state): State<AppState>,
    auth: ParentAuth,
    client: ClientAddr,
    Json(req): Json<ParentSessionRequest>,
) -> ApiResult<StatusCode> {
    let email = normalize_email(&req.address).ok_or_else(|| {
        ApiError::field("invalid_fields", "address", "E-mail 格式有誤 (not an e-mail address)")
    })?;
    check_code(&state, &client, &email, &req.code).await?;
    let th = auth.token_hash.clone();
    state.run(move |s| s.set_session_email(&th, &email)).await?;
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
        build_plan(&state, &auth, &req.parent, &students, Some(req.consent), &req.signature_png).await?;
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
    let mut plan = build_plan(&state, &auth, &req.parent, &students, None, &req.signature_png)
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
