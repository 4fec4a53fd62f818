//! Checking a parent's submission (or correction): the parent block, the students
//! against the roster, the relationship, the signature (decoded off the async workers, a
//! few at a time), the civil registry; limits before any work. The result is a
//! [`SubmitPlan`] the store writes, with the checks that need stored facts, in one
//! transaction.

use super::AppState;
use crate::error::{ApiError, ApiResult, FieldErrors};
use crate::registry::RegistryOutcome;
use crate::signature::parse_signature;
use crate::store::{PlannedStudent, SubmitPlan};
use binddesk_domain::api::{Parent, StudentChoice};
use binddesk_domain::{IdNumber, TextError, clean_text, contact};

/// Students in one submission.
pub const MAX_STUDENTS: usize = 10;
/// Longest name accepted.
pub const MAX_NAME_CHARS: usize = 50;

/// What a parent reads when another parent uses the e-mail (FAQ 11's advice).
pub const EMAIL_IN_USE: &str = "此E-mail已有申請紀錄，不得再次申請。若您已申請過親子帳號，請先登入酷課雲再新增綁定（忘記密碼請至單一身分驗證系統重設）；若沒有申請過，請確認是否與另一位家長填了同一個信箱，或聯繫客服中心 02-8798-6336 (this e-mail already has an application: if you already have a parent account, log in to CooC Cloud and add the child there, resetting a forgotten password at the single sign-on site; if not, check that the other parent did not use the same address, or call the help desk on 02-8798-6336)";

/// What a parent reads when the child already has two bound accounts (FAQ 6).
pub const ACCOUNT_LIMIT: &str = "此學生已綁定兩個家長帳號，一位學生最多只能綁定兩個帳號；如有疑問請洽學校 (a child may have at most two parent accounts and this one has two; ask the school if this seems wrong)";

/// What a parent reads for an address that is not an e-mail.
pub const EMAIL_INVALID: &str = "E-mail 格式有誤 (not an e-mail address)";

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

pub fn id_error_text(e: &binddesk_domain::IdError) -> String {
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
    match contact::canonical_email(&p.email) {
        Ok(e) if proved_email == Some(e.as_str()) => out.email = e,
        Ok(_) => {
            fields.insert(
                "parent.email".into(),
                "請先以驗證碼驗證此 E-mail，它將是您的登入帳號 (verify this e-mail with a code first: it becomes your login)"
                    .into(),
            );
        }
        Err(_) => {
            fields.insert("parent.email".into(), EMAIL_INVALID.into());
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

pub async fn build_plan(
    state: &AppState,
    owner: &str,
    proved_email: Option<&str>,
    parent: &Parent,
    students: &[(StudentChoice, String)],
    consent: Option<bool>,
    signature_png: &str,
) -> ApiResult<SubmitPlan> {
    let mut fields = FieldErrors::new();
    // Limits before work: a body of 12,000 students is refused before one is looked up.
    if students.is_empty() || students.len() > MAX_STUDENTS {
        fields.insert(
            "students".into(),
            format!("一次可申請 1 到 {MAX_STUDENTS} 位學生 (1 to {MAX_STUDENTS} students)"),
        );
        return Err(ApiError::fields("invalid_fields", "some fields are not valid", fields));
    }
    let parent = validate_parent(parent, proved_email, &mut fields);
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
