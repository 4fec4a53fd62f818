//! What the engine hands to the UI: rows, counts, one application, conflicts, progress.
//! Plain data with serde and generated TypeScript twins (see [`crate::typescript`]).

use binddesk_domain::api::{Application, Staff, Timestamp};
use binddesk_domain::{DecisionAction, Flag, RegistryResult, RelationshipTitle, SchoolLevel, Status};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// A decision made here and not yet acknowledged by the service.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct QueuedDecision {
    /// The idempotency key sent with it.
    pub decision_id: String,
    /// Approve or return.
    pub action: DecisionAction,
    /// The reason of a return.
    pub reason: Option<String>,
    /// The version the reviewer saw.
    pub expected_version: u32,
    /// When the reviewer decided.
    pub decided_at: Timestamp,
    /// Send attempts so far; 0 means it can still be undone.
    pub attempts: u32,
    /// The last transient failure, if any.
    pub last_error: Option<String>,
}

/// One row of the review list; ID numbers always masked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct ListItem {
    /// Application id.
    pub id: String,
    /// The service's version.
    pub version: u32,
    /// What the reviewer sees: a queued decision's effect included.
    pub status: Status,
    /// What the service last said.
    pub server_status: Status,
    /// The decision waiting to be sent, if any.
    pub queued: Option<QueuedDecision>,
    /// Whether a decision on it came back as a conflict not yet dealt with.
    pub has_conflict: bool,
    /// Class id.
    pub class_id: String,
    /// Class name, e.g. 資訊二忠.
    pub class_name: String,
    /// School level.
    pub school_level: SchoolLevel,
    /// Student name.
    pub student_name: String,
    /// Student ID number, masked.
    pub student_id_masked: String,
    /// Parent name.
    pub parent_name: String,
    /// Parent ID number, masked.
    pub parent_id_masked: String,
    /// Relationship title (父親, 母親, …).
    pub relationship_title: RelationshipTitle,
    /// The civil-registry check's result.
    pub registry_result: RegistryResult,
    /// Review flags.
    pub flags: Vec<Flag>,
    /// Submission time.
    pub submitted_at: Timestamp,
    /// Last change.
    pub updated_at: Timestamp,
}

/// The part of a row kept as JSON in the cache (what filters never touch).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct RowSummary {
    pub class_name: String,
    pub school_level: SchoolLevel,
    pub student_id_masked: String,
    pub parent_name: String,
    pub parent_id_masked: String,
    pub relationship_title: RelationshipTitle,
    pub registry_result: RegistryResult,
}

/// How the list is sorted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum SortKey {
    /// Oldest submission first (the default: first come, first served).
    #[default]
    SubmittedAsc,
    /// Newest submission first.
    SubmittedDesc,
    /// Recently changed first.
    UpdatedDesc,
    /// By student name.
    StudentName,
    /// By class, then submission.
    Class,
}

/// A list query; every filter is optional.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[serde(default)]
pub struct ListQuery {
    /// Only this status (as the reviewer sees it).
    pub status: Option<Status>,
    /// Only this class.
    pub class_id: Option<String>,
    /// Only applications with this flag.
    pub flag: Option<Flag>,
    /// Text in a name, a masked ID number, the class name or the application id.
    pub text: Option<String>,
    /// Only applications with a decision waiting to be sent.
    pub queued_only: bool,
    /// Sort order.
    pub sort: SortKey,
    /// Rows to skip.
    pub offset: u32,
    /// Rows to return (at most 500; 0 means 100).
    pub limit: u32,
}

/// One page of the list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct ListPage {
    /// The rows.
    pub items: Vec<ListItem>,
    /// Rows matching the query in all.
    pub total: u32,
}

/// How many applications a class holds in one status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct StatusCount {
    /// Class id.
    pub class_id: String,
    /// Class name.
    pub class_name: String,
    /// Status as the reviewer sees it.
    pub status: Status,
    /// How many.
    pub count: u32,
}

/// One application for the detail pane.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct ApplicationView {
    /// The service's copy; ID numbers and phones masked unless `revealed`.
    pub application: Application,
    /// Whether the full values are shown (and the reveal was recorded).
    pub revealed: bool,
    /// What the reviewer sees: a queued decision's effect included.
    pub status: Status,
    /// The decision waiting to be sent, if any.
    pub queued: Option<QueuedDecision>,
    /// For a resubmission: the fields that changed since it was returned.
    pub changed_fields: Vec<String>,
    /// A conflict on it not yet dealt with.
    pub conflict: Option<Conflict>,
    /// Accounts already bound to the student, as far as this cache knows.
    pub bound_accounts: u32,
    /// Whether the signature image is in the cache.
    pub signature_cached: bool,
}

/// What kind of answer turned a decision into a conflict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ConflictKind {
    /// The application changed since the reviewer saw it (409).
    VersionMoved,
    /// The rules refuse the decision (422).
    Refused,
    /// Outside the reviewer's scope now (403).
    Forbidden,
    /// The application is gone (404).
    NotFound,
}

impl ConflictKind {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            ConflictKind::VersionMoved => "version_moved",
            ConflictKind::Refused => "refused",
            ConflictKind::Forbidden => "forbidden",
            ConflictKind::NotFound => "not_found",
        }
    }
    pub(crate) fn from_str(s: &str) -> ConflictKind {
        match s {
            "version_moved" => ConflictKind::VersionMoved,
            "forbidden" => ConflictKind::Forbidden,
            "not_found" => ConflictKind::NotFound,
            _ => ConflictKind::Refused,
        }
    }
}

/// A decision the service did not apply: both sides, for the reviewer to settle.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct Conflict {
    /// The decision's id.
    pub decision_id: String,
    /// The application.
    pub application_id: String,
    /// What the reviewer decided.
    pub action: DecisionAction,
    /// The reviewer's reason (returns).
    pub reason: Option<String>,
    /// The version the reviewer saw.
    pub expected_version: u32,
    /// When the reviewer decided.
    pub decided_at: Timestamp,
    /// Why it was not applied.
    pub kind: ConflictKind,
    /// The service's error code, e.g. `account_limit`.
    pub code: String,
    /// The service's sentence.
    pub message: String,
    /// What the service holds now (masked), when known.
    pub current: Option<Application>,
    /// When the answer came.
    pub at: Timestamp,
}

/// The outcome of queuing one decision among many.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct Skipped {
    /// The application.
    pub application_id: String,
    /// The rule's code, e.g. `not_pending`, `account_limit`, `already_decided`.
    pub code: String,
    /// Why, in a sentence.
    pub message: String,
}

/// What a bulk decision queued and what it skipped.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct BulkQueued {
    /// Decisions queued.
    pub queued: u32,
    /// Applications left alone, with why.
    pub skipped: Vec<Skipped>,
}

/// Which part of a sync is running.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum SyncPhase {
    /// Pulling the change feed.
    Changes,
    /// Fetching signatures not yet cached.
    Signatures,
    /// Sending queued decisions.
    Sending,
    /// Finished.
    Done,
}

/// Progress of a sync, reported as it goes (for a progress bar).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
pub struct SyncProgress {
    /// The phase, `None` before the first step.
    pub phase: Option<SyncPhase>,
    /// Applications received so far.
    pub applications: u32,
    /// Signatures fetched so far.
    pub signatures_done: u32,
    /// Signatures to fetch in all (known once the feed is read).
    pub signatures_total: u32,
    /// Bytes received so far (JSON and images).
    #[ts(type = "number")]
    pub bytes: u64,
}

/// What a finished (or stopped) sync did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct SyncReport {
    /// Applications received.
    pub applications: u32,
    /// Signatures fetched.
    pub signatures: u32,
    /// Bytes received.
    #[ts(type = "number")]
    pub bytes: u64,
    /// Decisions acknowledged by the service.
    pub sent: u32,
    /// Decisions that came back as conflicts.
    pub conflicts: u32,
    /// Whether it stopped because it was asked to.
    pub cancelled: bool,
    /// When it finished.
    pub finished_at: Timestamp,
}

/// What sending the outbox did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct SendReport {
    /// Decisions the service applied.
    pub applied: u32,
    /// Decisions that became conflicts.
    pub conflicts: u32,
    /// Decisions still waiting (offline, or retry later).
    pub waiting: u32,
}

/// The state the status bar shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct EngineStatus {
    /// The service address.
    pub service_url: String,
    /// The logged-in staff member.
    pub staff: Staff,
    /// Whether the last contact with the service worked.
    pub online: bool,
    /// When the last sync finished.
    pub last_sync_at: Option<Timestamp>,
    /// Decisions waiting to be sent.
    pub queued: u32,
    /// Conflicts waiting for the reviewer.
    pub conflicts: u32,
    /// Applications in the cache.
    pub cached: u32,
}
