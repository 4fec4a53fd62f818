//! The repository traits: one per aggregate, each method one transaction, and `Store`,
//! all of them together (what the handlers hold). A second store implements the same
//! traits.

use super::*;
use crate::registry::RegistryOutcome;
use binddesk_domain::SchoolLevel;
use binddesk_domain::api::{
    Application, BatchDecisionItem, BatchDecisionResult, ChangesPage, School, Staff, Timestamp,
};

// The storage interface of the binding service: one small repository trait per
// aggregate, each method one transaction, and `Store`, all of them together (what the
// handlers hold). A second store implements the same traits.

/// Staff accounts and login attempts.
pub trait StaffRepo {
    /// A staff member by login.
    fn staff_by_username(&self, username: &str) -> StoreResult<Option<StaffRecord>>;
    /// A staff member by id.
    fn staff_by_id(&self, id: &str) -> StoreResult<Option<StaffRecord>>;
    /// Counts a login attempt for a username (known or not) before its password is
    /// checked, in one transaction, under [`binddesk_domain::throttle::STAFF_LOGIN`].
    fn begin_login(&self, username: &str, now: i64) -> StoreResult<binddesk_domain::throttle::Attempt>;
    /// Settles attempt `number`: a success clears the count, a failure may lock.
    fn end_login(&self, username: &str, number: u32, ok: bool, now: i64) -> StoreResult<()>;
    /// Adds or updates staff accounts, ending the sessions of every one it touches (a
    /// new password or a new scope must not live on in an old token).
    fn import_staff(&self, rows: &[StaffRow]) -> StoreResult<usize>;
}

/// Sessions of staff and parents.
pub trait SessionRepo {
    /// Stores a session (by the token's hash).
    fn insert_session(&self, token_hash: &str, subject: &SessionSubject, expires_at: i64) -> StoreResult<()>;
    /// The subject of a live session.
    fn session(&self, token_hash: &str, now: i64) -> StoreResult<Option<SessionSubject>>;
    /// Ends a session.
    fn delete_session(&self, token_hash: &str) -> StoreResult<()>;
    /// Records the e-mail a parent session proved with a code.
    fn set_session_email(&self, token_hash: &str, email: &str) -> StoreResult<()>;
    /// Deletes expired sessions, old codes and ended counters; returns the rows removed.
    fn purge_expired(&self, now: i64) -> StoreResult<usize>;
}

/// The reviewer's side: the change feed, applications, signatures, decisions, reveals.
pub trait ReviewRepo {
    /// Applications in scope changed after `since`, oldest change first.
    fn changes(&self, scope: &Scope, since: i64, limit: u32) -> StoreResult<ChangesPage>;
    /// The newest change number of a school's feed (0 for none): a cursor at or past it
    /// has nothing to fetch.
    fn feed_head(&self, school_code: &str) -> StoreResult<i64>;
    /// One application with its school and class (for the scope check).
    fn application(&self, id: &str) -> StoreResult<Option<(Application, String, String)>>;
    /// A signature PNG, if some application in scope uses it.
    fn signature_png(&self, sha256: &str, scope: &Scope) -> StoreResult<Option<Vec<u8>>>;
    /// Applies decisions in order, each in its own transaction; one item's failure does
    /// not stop the others.
    fn decide(
        &self,
        staff: &Staff,
        scope: &Scope,
        items: &[BatchDecisionItem],
        now: Timestamp,
    ) -> StoreResult<Vec<BatchDecisionResult>>;
    /// Stores reveals a reviewer reported (those of applications in scope; a reveal
    /// already stored is skipped); returns how many were new.
    fn record_reveals(
        &self,
        staff: &Staff,
        scope: &Scope,
        reveals: &[RevealRecord],
        now: Timestamp,
    ) -> StoreResult<u32>;
    /// The reveals of applications in scope, newest first.
    fn reveals(
        &self,
        scope: &Scope,
        application_id: Option<&str>,
        limit: u32,
    ) -> StoreResult<Vec<RevealRecord>>;
    /// A signature's PNG by hash, for rendering a form the caller may already see.
    fn signature_by_sha(&self, sha256: &str) -> StoreResult<Option<Vec<u8>>>;
    /// A school's name by code.
    fn school_name(&self, code: &str) -> StoreResult<Option<String>>;
}

/// The parent's side: roster look-ups, submissions, corrections, cancellations.
pub trait ParentRepo {
    /// Schools where a student with this number is enrolled at this level.
    fn schools_for_student(&self, level: SchoolLevel, id_number: &str) -> StoreResult<Vec<School>>;
    /// A student of the roster.
    fn roster_student(
        &self,
        id_number: &str,
        school_code: &str,
        level: SchoolLevel,
    ) -> StoreResult<Option<RosterStudent>>;
    /// Writes a validated submission (one application per student, one batch).
    fn submit(&self, plan: &SubmitPlan, now: Timestamp) -> StoreResult<Vec<Application>>;
    /// A returned application, corrected, as a new version.
    fn resubmit(&self, id: &str, plan: &SubmitPlan, now: Timestamp) -> StoreResult<Application>;
    /// The parent's own applications.
    fn parent_applications(&self, owner: &str) -> StoreResult<Vec<Application>>;
    /// Cancels one pending/returned application of the parent, or all of them.
    fn cancel(&self, owner: &str, id: Option<&str>, now: Timestamp) -> StoreResult<u32>;
}

/// Verification codes and their limits.
pub trait CodeRepo {
    /// Stores a new verification code for an address, replacing its live one, unless a
    /// limit refuses (the resend wait, the address's or the client's count).
    fn put_code(
        &self,
        address: &str,
        channel: &str,
        code_hash: &str,
        client: &str,
        limits: &CodeLimits,
        now: i64,
    ) -> StoreResult<Result<(), CodeRefused>>;
    /// Checks a code against the address's live code, counting a wrong try against the
    /// code, the address and the client (the same whether or not the address has one).
    fn take_code(
        &self,
        address: &str,
        code_hash: &str,
        client: &str,
        limits: &CodeLimits,
        now: i64,
    ) -> StoreResult<CodeCheck>;
}

/// The mail outbox and new accounts' first passwords.
pub trait OutboxRepo {
    /// Queues a message on its own (a verification code).
    fn queue(&self, message: &crate::mail::Message, now: Timestamp) -> StoreResult<()>;
    /// Outbox messages, newest first.
    fn outbox(&self, limit: u32, unsent_only: bool) -> StoreResult<Vec<OutboxMail>>;
    /// Marks an outbox message sent (or failed with an error).
    fn mark_mail(&self, id: i64, result: Result<(), String>, now: Timestamp) -> StoreResult<()>;
    /// Claims unsent messages for `lease_secs` (instances sharing the store never take
    /// one message at once; a claim not settled by [`OutboxRepo::mark_mail`] in time,
    /// because its instance died, lapses and the message is taken again).
    fn claim_mail(&self, limit: u32, now: i64, lease_secs: i64) -> StoreResult<Vec<OutboxMail>>;
    /// Claims, for `lease_secs`, parent accounts whose first password is not hashed yet:
    /// (e-mail, parent ID number).
    fn claim_accounts_without_password(
        &self,
        limit: u32,
        now: i64,
        lease_secs: i64,
    ) -> StoreResult<Vec<(String, String)>>;
    /// Stores an account's first password hash.
    fn set_account_password(&self, email: &str, hash: &str) -> StoreResult<()>;
}

/// Loading rosters and registry facts; liveness and backlog.
pub trait ImportRepo {
    /// Imports whole schools' rosters in one transaction: adds and updates students,
    /// ends the enrolments of those who moved to a school of the file or left one, and
    /// moves the live applications of every child whose class or school changed with
    /// them. When `mode` does not write (a dry run, or too many leavers), all of that is
    /// worked out in the same transaction and nothing is written.
    fn import_roster(
        &self,
        rows: &[RosterRow],
        mode: RosterWrite,
        now: Timestamp,
    ) -> StoreResult<RosterReport>;
    /// Adds registry facts: residents of Taipei and parent–child links.
    fn import_registry(&self, residents: &[String], links: &[(String, String)]) -> StoreResult<()>;
    /// Whether the store holds no staff and no applications (a new store).
    fn is_empty(&self) -> StoreResult<bool>;
    /// Liveness: the store answers.
    fn ping(&self) -> StoreResult<()>;
    /// Work waiting: unsent mail, registry checks to retry.
    fn backlog(&self) -> StoreResult<Backlog>;
}

/// The civil registry's retries, facts and settings.
pub trait RegistryRepo {
    /// Claims, for `lease_secs`, pending applications whose registry check was
    /// unavailable: (id, parent, student).
    fn claim_registry_retries(
        &self,
        limit: u32,
        now: i64,
        lease_secs: i64,
    ) -> StoreResult<Vec<(String, String, String)>>;
    /// Records a retried registry check's answer.
    fn apply_registry_result(&self, id: &str, outcome: &RegistryOutcome, now: Timestamp) -> StoreResult<()>;
    /// Whether a registry resident / link exists (for the built-in registry).
    fn registry_facts(&self, parent_id: &str, child_id: &str) -> StoreResult<(bool, bool, bool)>;
    /// A setting (e.g. the built-in registry's availability).
    fn setting(&self, key: &str) -> StoreResult<Option<String>>;
    /// Sets a setting.
    fn set_setting(&self, key: &str, value: &str) -> StoreResult<()>;
}

/// Every repository of the binding service: what the handlers and background tasks hold.
pub trait Store:
    StaffRepo
    + SessionRepo
    + ReviewRepo
    + ParentRepo
    + CodeRepo
    + OutboxRepo
    + ImportRepo
    + RegistryRepo
    + Send
    + Sync
    + 'static
{
}

impl<T> Store for T where
    T: StaffRepo
        + SessionRepo
        + ReviewRepo
        + ParentRepo
        + CodeRepo
        + OutboxRepo
        + ImportRepo
        + RegistryRepo
        + Send
        + Sync
        + 'static
{
}

/// The repository traits, to call their methods on a `dyn Store`.
pub mod prelude {
    pub use super::{
        CodeRepo, ImportRepo, OutboxRepo, ParentRepo, RegistryRepo, ReviewRepo, SessionRepo, StaffRepo, Store,
    };
}
