//! Storage: small repository traits per aggregate, which the HTTP handlers and background
//! tasks use through [`Store`], and their SQLite implementation (`sqlite/`, one file per
//! aggregate).
//!
//! The trait speaks in domain operations ("submit these students", "apply these
//! decisions", "changes after this cursor"), each one transaction, so that a PostgreSQL
//! implementation can be added without touching a handler. Methods are synchronous: the
//! handlers call them on tokio's blocking pool; a PostgreSQL implementation would use a
//! blocking client there too, or the trait would grow async twins.
//!
//! Every state change writes the application's new body, its history entry (inside the
//! body), a change-feed row and, where it applies, the decision record, the parent
//! account and the outgoing mail, in one transaction.

mod pg;
mod schema;
mod shared;
mod sqlite;

pub use pg::{PG_MIGRATIONS, PgStore};
pub use schema::MIGRATIONS;
pub use sqlite::SqliteStore;

use crate::error::FieldErrors;
use crate::registry::RegistryOutcome;
use binddesk_domain::api::{
    Application, BatchDecisionItem, BatchDecisionResult, ChangesPage, ClassRef, Parent, Relationship, School,
    SignatureInfo, Staff, Timestamp,
};
use binddesk_domain::{Role, SchoolLevel};

/// Whether `db` names a PostgreSQL database rather than a SQLite file.
pub fn is_postgres_url(db: &str) -> bool {
    db.starts_with("postgres://") || db.starts_with("postgresql://")
}

/// Opens (creating and migrating) the store `db` names: a `postgres://` URL, or the path
/// of a SQLite file. `connections` is the pool (PostgreSQL) or the readers (SQLite).
/// Call it off the async runtime: the PostgreSQL client blocks. The error names no
/// password.
pub fn open(db: &str, connections: usize) -> Result<std::sync::Arc<dyn Store>, String> {
    if is_postgres_url(db) {
        Ok(std::sync::Arc::new(PgStore::open(db, connections)?))
    } else {
        let store = SqliteStore::open(std::path::Path::new(db), connections)
            .map_err(|e| format!("cannot open the store {db}: {e}"))?;
        Ok(std::sync::Arc::new(store))
    }
}

/// Why a store operation failed. It speaks of the domain, not of HTTP or of a driver:
/// the service maps it to an answer (`crate::error::ApiError`), a second store produces
/// the same variants.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The storage failed (the detail goes to the log, never to a client).
    #[error("storage: {0}")]
    Storage(String),
    /// No such thing (or not the caller's, which answers the same).
    #[error("{0}")]
    NotFound(&'static str),
    /// A concurrent writer got in the way (a deadlock or serialisation failure); the
    /// store already ran the transaction again a few times. Nothing was written.
    #[error("storage busy: {0}")]
    Contention(String),
    /// Outside the caller's scope.
    #[error("outside the caller's scope")]
    OutOfScope,
    /// A rule refuses it; `fields` name the parts at fault.
    #[error("{message}")]
    Refused {
        /// A stable snake_case code.
        code: &'static str,
        /// A sentence for the person.
        message: String,
        /// Field path → what is wrong.
        fields: Option<FieldErrors>,
    },
}

impl StoreError {
    /// A refusal with fields at fault.
    pub fn fields(code: &'static str, message: impl Into<String>, fields: FieldErrors) -> StoreError {
        StoreError::Refused { code, message: message.into(), fields: Some(fields) }
    }
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        StoreError::Storage(e.to_string())
    }
}

impl From<serde_json::Error> for StoreError {
    fn from(e: serde_json::Error) -> Self {
        StoreError::Storage(format!("stored JSON: {e}"))
    }
}

/// The result of a store operation.
pub type StoreResult<T> = Result<T, StoreError>;

/// What a staff member may see and decide: the whole school, or some classes of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope {
    /// The school.
    pub school_code: String,
    /// `None` for the whole school (administrators), else the homeroom classes.
    pub class_ids: Option<Vec<String>>,
}

impl Scope {
    /// Whether an application of this school and class is in scope.
    pub fn contains(&self, school_code: &str, class_id: &str) -> bool {
        self.school_code == school_code
            && self.class_ids.as_ref().is_none_or(|ids| ids.iter().any(|c| c == class_id))
    }
}

/// A staff member as stored, with the password hash.
#[derive(Debug, Clone)]
pub struct StaffRecord {
    /// The public view.
    pub staff: Staff,
    /// The login.
    pub username: String,
    /// argon2 PHC string.
    pub password_hash: String,
}

impl StaffRecord {
    /// The staff member's scope.
    pub fn scope(&self) -> Scope {
        Scope {
            school_code: self.staff.school.code.clone(),
            class_ids: match self.staff.role {
                Role::Admin => None,
                Role::Teacher => Some(self.staff.classes.iter().map(|c| c.id.clone()).collect()),
            },
        }
    }
}

/// Who a session token belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SessionSubject {
    /// A staff member's id.
    Staff(String),
    /// A parent, by the address they proved with a code.
    Parent {
        /// The login address (lower-case e-mail or `09xxxxxxxx`); it owns what they submit.
        owner: String,
        /// The e-mail the session proved (the owner itself for an e-mail login), which
        /// alone may become the account's login.
        email: Option<String>,
    },
}

/// The limits of asking for a verification code.
#[derive(Debug, Clone, Copy)]
pub struct CodeLimits {
    /// Seconds before the same address may get another code.
    pub resend_secs: i64,
    /// Codes the address may get in a window (`None`: no limit, as for e-mail).
    pub per_window: Option<u32>,
    /// Codes one client address may ask for in a window.
    pub client_codes: u32,
    /// Wrong tries one client address may make in a window.
    pub client_tries: u32,
}

/// Why no code was sent; each with the seconds to wait.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeRefused {
    /// The last code is younger than the resend wait.
    Cooldown(u64),
    /// The address had its codes for this window (phones: two an hour).
    AddressLimit(u64),
    /// This client asked for too many codes.
    ClientLimit(u64),
}

/// The answer to a code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeCheck {
    /// The address's live code; it is used up now.
    Valid,
    /// Wrong, used, expired, dead, or no code at all: one answer for all of them.
    Wrong,
    /// Too many wrong tries for this address or client; wait this many seconds.
    TooManyTries(u64),
}

/// A reviewer's look at a full ID number, as the app reports it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RevealRecord {
    /// The app's id for the reveal (a resend is harmless).
    pub reveal_id: String,
    /// Whose application.
    pub application_id: String,
    /// What was revealed, e.g. `student.id_number`.
    pub field: String,
    /// When, as the app recorded it.
    pub at: String,
    /// The staff member (filled in by the store when listing).
    pub staff_id: String,
}

/// A student found in the roster.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RosterStudent {
    /// ID number.
    pub id_number: String,
    /// Name.
    pub name: String,
    /// Level.
    pub school_level: SchoolLevel,
    /// School.
    pub school: School,
    /// Class.
    pub class: ClassRef,
}

/// A validated signature, ready to store.
#[derive(Debug, Clone)]
pub struct SignatureBlob {
    /// Identity and size.
    pub info: SignatureInfo,
    /// The PNG bytes as uploaded.
    pub png: Vec<u8>,
    /// Share of inked pixels.
    pub ink_ratio: f64,
}

/// One student of a validated submission, with the registry's answer.
#[derive(Debug, Clone)]
pub struct PlannedStudent {
    /// The roster entry.
    pub student: RosterStudent,
    /// The relationship (already validated).
    pub relationship: Relationship,
    /// What the civil registry said.
    pub registry: RegistryOutcome,
    /// The field path prefix for errors, e.g. `students[1]`.
    pub path: String,
}

/// A submission that passed every check that needs no storage.
#[derive(Debug, Clone)]
pub struct SubmitPlan {
    /// The verified address that owns the applications.
    pub owner: String,
    /// The parent, normalised.
    pub parent: Parent,
    /// The students.
    pub students: Vec<PlannedStudent>,
    /// The signature.
    pub signature: SignatureBlob,
    /// Applications carried over from the previous system, which did not enforce the
    /// e-mail and two-account rules: skip those checks (the flags still show the breach).
    /// Only the demo and imports set this; the HTTP API never does.
    pub legacy_import: bool,
}

/// A message waiting in, or sent from, the outbox.
#[derive(Debug, Clone, serde::Serialize)]
pub struct OutboxMail {
    /// Row id.
    pub id: i64,
    /// `email` or `sms`.
    pub channel: String,
    /// Recipient.
    pub to: String,
    /// `verification_code`, `approved`, `returned`.
    pub kind: String,
    /// Subject line.
    pub subject: String,
    /// Text body.
    pub body: String,
    /// When it was queued.
    pub created_at: String,
    /// When it was delivered, if it was.
    pub sent_at: Option<String>,
}

/// A roster line of `import-roster`: the domain's checked entry.
pub use binddesk_domain::rules::roster::RosterEntry as RosterRow;

/// Work waiting in the store, for `/metrics`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Backlog {
    /// Unsent messages in the outbox.
    pub outbox_depth: u64,
    /// Pending applications whose registry check waits for a retry.
    pub registry_backlog: u64,
}

/// What a roster import changed (or, when it wrote nothing, would change).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RosterReport {
    /// Each line's change and the leavers.
    pub plan: binddesk_domain::rules::roster::RosterPlan,
    /// Applications that followed their child to a new class or school.
    pub applications_moved: usize,
    /// Whether the import was written.
    pub imported: bool,
}

/// Whether a roster import writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RosterWrite {
    /// Work everything out, write nothing.
    DryRun,
    /// Write, unless a school would lose more than half its students and that is not
    /// allowed (see `RosterPlan::mass_departures`).
    Import {
        /// Write even then.
        allow_many_leavers: bool,
    },
}

impl RosterWrite {
    /// Whether this import writes, given its plan.
    pub fn writes(self, plan: &binddesk_domain::rules::roster::RosterPlan, rows: &[RosterRow]) -> bool {
        match self {
            RosterWrite::DryRun => false,
            RosterWrite::Import { allow_many_leavers } => {
                allow_many_leavers || plan.mass_departures(rows).is_empty()
            }
        }
    }
}

/// A staff line of `import-staff`.
#[derive(Debug, Clone)]
pub struct StaffRow {
    /// Login.
    pub username: String,
    /// Display name.
    pub name: String,
    /// Role.
    pub role: Role,
    /// School.
    pub school_code: String,
    /// argon2 hash of the password.
    pub password_hash: String,
    /// Homeroom classes (teachers).
    pub class_ids: Vec<String>,
}

mod repos;
pub use repos::*;
