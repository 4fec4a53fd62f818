//! The JSON shapes of `shared/API.md`, shared by the service and the desktop app.
//!
//! Request bodies refuse unknown fields (the API answers 400 for them); response bodies
//! tolerate them, so an older app keeps working against a newer service. The UI's
//! TypeScript types are generated from these definitions (see `typescript`).

use crate::enums::{
    BatchOutcome, CodeChannel, DecisionAction, Flag, HistoryAction, RegistryReason, RegistryResult,
    RelationshipKind, RelationshipTitle, Role, SchoolLevel, Status,
};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use ts_rs::TS;

/// A point in time; RFC 3339 on the wire.
pub type Timestamp = DateTime<Utc>;

/// The body of every error answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorResponse {
    /// What went wrong.
    pub error: ErrorDetail,
    /// With 409 conflicts: the application as the service now holds it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub current: Option<Box<Application>>,
}

/// A machine-readable code, a sentence for people, and the input fields at fault.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorDetail {
    /// snake_case code, e.g. `version_conflict`.
    pub code: String,
    /// A human sentence.
    pub message: String,
    /// Field path (e.g. `students[0].id_number`) → what is wrong with it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub fields: Option<BTreeMap<String, String>>,
    /// For a 429: the seconds to wait (also in `Retry-After`), for a page to count down.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub retry_after_secs: Option<u64>,
}

/// The parent–student relationship: a kind and a title that must fit it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Relationship {
    /// 法定代理人 or 監護人.
    pub kind: RelationshipKind,
    /// 父親, 母親, 祖父 …
    pub title: RelationshipTitle,
}

/// The student an application is for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Student {
    /// 身分證字號 or 居留證 number.
    pub id_number: String,
    /// The name from the school's records.
    pub name: String,
    /// 學層.
    pub school_level: SchoolLevel,
    /// The school's code.
    pub school_code: String,
    /// The class's id.
    pub class_id: String,
    /// The class's name, e.g. 資訊二忠.
    pub class_name: String,
}

/// The applying parent or guardian.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Parent {
    /// Full name.
    pub name: String,
    /// 身分證字號 or 居留證 number.
    pub id_number: String,
    /// The login of the account to be and the address for notices.
    pub email: String,
    /// Mobile or landline number.
    pub phone: String,
}

/// The stored signature's identity and size; the PNG is fetched by its hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SignatureInfo {
    /// Lower-case hex SHA-256 of the PNG bytes.
    pub sha256: String,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
}

/// What the civil-registry check said, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RegistryCheck {
    /// passed, failed, unavailable or not_checked.
    pub result: RegistryResult,
    /// A short explanation in English, e.g. "parent not registered in Taipei" (kept for
    /// older clients; show [`RegistryCheck::reason`]'s label instead).
    pub detail: Option<String>,
    /// Why, as a code with zh-TW and English labels (absent in records older than it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub reason: Option<RegistryReason>,
}

/// One event in an application's life.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HistoryEntry {
    /// When it happened.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub at: Timestamp,
    /// `parent`, `registry`, or the staff member's name.
    pub actor: String,
    /// What happened.
    pub action: HistoryAction,
    /// The reason given with a return.
    pub reason: Option<String>,
    /// The application's version after the event.
    pub version: u32,
}

/// The fields of an application as they were when it was last returned.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PreviousVersion {
    /// The version that was returned.
    pub version: u32,
    /// The student as it was.
    pub student: Student,
    /// The parent as it was.
    pub parent: Parent,
    /// The relationship as it was.
    pub relationship: Relationship,
    /// The signature as it was.
    pub signature: SignatureInfo,
    /// Why it was returned.
    pub return_reason: Option<String>,
}

/// A binding application (親子綁定申請) for one student.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Application {
    /// Stable id across versions.
    pub id: String,
    /// Grows by one with every change of state or content.
    pub version: u32,
    /// The current state.
    pub status: Status,
    /// When the parent first submitted it.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub submitted_at: Timestamp,
    /// When it last changed.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub updated_at: Timestamp,
    /// One submission, one signature: all the students applied for together share it.
    pub batch_id: String,
    /// The student.
    pub student: Student,
    /// The parent.
    pub parent: Parent,
    /// The relationship.
    pub relationship: Relationship,
    /// The signature.
    pub signature: SignatureInfo,
    /// The civil-registry check.
    pub registry_check: RegistryCheck,
    /// What the reviewer must see at a glance.
    pub flags: Vec<Flag>,
    /// The reason of the last return, while returned.
    pub return_reason: Option<String>,
    /// The fields as they were when last returned.
    pub previous: Option<Box<PreviousVersion>>,
    /// Everything that happened, oldest first.
    pub history: Vec<HistoryEntry>,
}

mod parent;
mod staff;

pub use parent::*;
pub use staff::*;

#[cfg(test)]
mod tests {
    use super::*;

    /// The application example of API.md, filled in, parses and serialises back to the
    /// same JSON (field names and enum spellings exactly as the contract writes them).
    #[test]
    fn the_contract_example_round_trips() {
        let json = serde_json::json!({
            "id": "app-1", "version": 3, "status": "pending",
            "submitted_at": "2026-09-01T08:00:00Z", "updated_at": "2026-09-02T08:00:00Z",
            "batch_id": "b-1",
            "student": {"id_number": "A123456789", "name": "陳曉明", "school_level": "senior_high",
                        "school_code": "353301", "class_id": "c-201", "class_name": "資訊二忠"},
            "parent": {"name": "王曉明", "id_number": "YA94109161", "email": "annie.sun2@example.com.tw", "phone": "0928942045"},
            "relationship": {"kind": "legal_representative", "title": "father"},
            "signature": {"sha256": "ab", "width": 600, "height": 200},
            "registry_check": {"result": "failed", "detail": "parent not registered in Taipei"},
            "flags": ["resubmitted"],
            "return_reason": null,
            "previous": null,
            "history": [{"at": "2026-09-01T08:00:00Z", "actor": "parent", "action": "submitted", "reason": null, "version": 1}]
        });
        let app: Application = serde_json::from_value(json.clone()).unwrap();
        assert_eq!(app.relationship.title, RelationshipTitle::Father);
        assert_eq!(app.flags, vec![Flag::Resubmitted]);
        assert_eq!(serde_json::to_value(&app).unwrap(), json);
    }

    #[test]
    fn requests_refuse_unknown_fields() {
        let bad = r#"{"action":"approve","expected_version":1,"decision_id":"x","admin":true}"#;
        assert!(serde_json::from_str::<DecisionRequest>(bad).is_err());
        let good = r#"{"action":"return","reason":"簽名空白","expected_version":1,"decision_id":"x"}"#;
        let d: DecisionRequest = serde_json::from_str(good).unwrap();
        assert_eq!(d.action, DecisionAction::Return);
    }

    #[test]
    fn errors_omit_fields_when_none() {
        let e = ErrorResponse {
            error: ErrorDetail {
                code: "not_found".into(),
                message: "no such application".into(),
                fields: None,
                retry_after_secs: None,
            },
            current: None,
        };
        assert_eq!(
            serde_json::to_string(&e).unwrap(),
            r#"{"error":{"code":"not_found","message":"no such application"}}"#
        );
    }
}
