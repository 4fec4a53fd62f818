//! The staff side: login, the change feed, decisions, reveals.

use super::*;

/// `POST /api/v1/session`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SessionRequest {
    /// The staff login.
    pub username: String,
    /// The password.
    pub password: String,
}

/// A school's code and name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct School {
    /// The school's code.
    pub code: String,
    /// The school's name.
    pub name: String,
}

/// A class's id and name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ClassRef {
    /// The class's id.
    pub id: String,
    /// The class's name, e.g. 資訊二忠.
    pub name: String,
}

/// The logged-in staff member.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Staff {
    /// Stable id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// teacher or admin.
    pub role: Role,
    /// The school.
    pub school: School,
    /// The classes a teacher is homeroom teacher of (all classes for an admin).
    pub classes: Vec<ClassRef>,
}

/// The answer to a staff login.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SessionResponse {
    /// The bearer token.
    pub token: String,
    /// When the token stops working.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub expires_at: Timestamp,
    /// Who logged in.
    pub staff: Staff,
}

/// `GET /api/v1/review/changes`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChangesPage {
    /// Applications changed after the cursor, oldest change first.
    pub items: Vec<Application>,
    /// The cursor to ask from next time.
    pub next_cursor: i64,
    /// Whether more changes follow.
    pub has_more: bool,
}

/// `POST /api/v1/review/applications/{id}/decision`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct DecisionRequest {
    /// approve or return.
    pub action: DecisionAction,
    /// Required for return.
    #[serde(default)]
    pub reason: Option<String>,
    /// The version the reviewer saw.
    pub expected_version: u32,
    /// A UUID chosen by the client; the same id twice has one effect.
    pub decision_id: String,
}

/// One item of `POST /api/v1/review/decisions`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct BatchDecisionItem {
    /// The application decided.
    pub application_id: String,
    /// approve or return.
    pub action: DecisionAction,
    /// Required for return.
    #[serde(default)]
    pub reason: Option<String>,
    /// The version the reviewer saw.
    pub expected_version: u32,
    /// A UUID chosen by the client.
    pub decision_id: String,
}

/// `POST /api/v1/review/decisions` (at most 1000 items).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct BatchDecisionRequest {
    /// The decisions, applied in order.
    pub decisions: Vec<BatchDecisionItem>,
}

/// The result of one item of a batch, in the request's order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BatchDecisionResult {
    /// The application decided.
    pub application_id: String,
    /// What happened.
    pub outcome: BatchOutcome,
    /// The application as it now is, where it exists and is in scope.
    pub application: Option<Application>,
    /// Why it was not applied.
    pub error: Option<ErrorDetail>,
}

/// The answer to a batch of decisions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BatchDecisionResponse {
    /// One result per decision, in the same order.
    pub results: Vec<BatchDecisionResult>,
}

/// One look at a full ID number, as a reviewer's app reports it to the service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RevealItem {
    /// The app's id for this reveal (a UUID; a resend is harmless).
    pub reveal_id: String,
    /// Whose application.
    pub application_id: String,
    /// What was shown in full, e.g. `ids`.
    pub field: String,
    /// When (RFC 3339).
    pub at: String,
}

/// `POST /api/v1/review/reveals`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RevealReport {
    /// At most 1000 reveals.
    pub reveals: Vec<RevealItem>,
}
