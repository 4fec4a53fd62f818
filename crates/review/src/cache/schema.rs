//! Versioned migrations of the offline cache (`PRAGMA user_version`).
//!
//! Append a migration to change the schema; never edit one that has shipped: a cache
//! written by an older app is migrated step by step when it is opened.

use rusqlite::Connection;

/// Each entry moves the schema from version `i` to `i + 1`.
pub const MIGRATIONS: &[&str] = &[
    // 1: the first release.
    r#"
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
    -- One row per application: the columns the list filters and sorts on, a small JSON
    -- summary for drawing a row, and the service's copy in `bodies`. `status` is what the
    -- service last said; `local_status` is what the reviewer sees, a queued decision's
    -- effect included.
    CREATE TABLE applications (
        id TEXT PRIMARY KEY,
        version INTEGER NOT NULL,
        status TEXT NOT NULL,
        local_status TEXT NOT NULL,
        class_id TEXT NOT NULL,
        student_id TEXT NOT NULL,
        student_name TEXT NOT NULL,
        submitted_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        flags TEXT NOT NULL,
        search TEXT NOT NULL,
        signature_sha256 TEXT NOT NULL,
        summary TEXT NOT NULL);
    CREATE INDEX applications_list ON applications(local_status, class_id, submitted_at);
    CREATE INDEX applications_student ON applications(student_id);
    CREATE TABLE bodies (id TEXT PRIMARY KEY, json TEXT NOT NULL);
    CREATE TABLE signatures (sha256 TEXT PRIMARY KEY, png BLOB NOT NULL);
    -- Decisions not yet acknowledged by the service, oldest first. One per application:
    -- a second decision on the same application needs the first undone or answered.
    CREATE TABLE outbox (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        decision_id TEXT NOT NULL UNIQUE,
        application_id TEXT NOT NULL UNIQUE,
        action TEXT NOT NULL,
        reason TEXT,
        expected_version INTEGER NOT NULL,
        decided_at TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_at TEXT,
        last_error TEXT);
    -- Decisions the service did not apply, with what it holds now.
    CREATE TABLE conflicts (
        decision_id TEXT PRIMARY KEY,
        application_id TEXT NOT NULL,
        action TEXT NOT NULL,
        reason TEXT,
        expected_version INTEGER NOT NULL,
        decided_at TEXT NOT NULL,
        kind TEXT NOT NULL,
        code TEXT NOT NULL,
        message TEXT NOT NULL,
        current_json TEXT,
        at TEXT NOT NULL);
    "#,
    // 2: the audit of full-value reveals, and purging by age.
    r#"
    CREATE TABLE reveal_audit (
        id INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        username TEXT NOT NULL,
        application_id TEXT NOT NULL,
        fields TEXT NOT NULL);
    CREATE INDEX applications_updated ON applications(local_status, updated_at);
    "#,
    // 3: reveals are reported to the service: an id for each (a resend is harmless) and
    // when it was sent.
    r#"
    ALTER TABLE reveal_audit ADD COLUMN reveal_id TEXT;
    ALTER TABLE reveal_audit ADD COLUMN sent_at TEXT;
    UPDATE reveal_audit SET reveal_id = lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4'
        || substr(lower(hex(randomblob(2))), 2) || '-a' || substr(lower(hex(randomblob(2))), 2) || '-'
        || lower(hex(randomblob(6)));
    "#,
];

/// The schema version this build writes.
pub const CURRENT: u32 = MIGRATIONS.len() as u32;

/// Brings a cache up to `target` (normally [`CURRENT`]), one transaction per step.
/// Returns the version found on opening.
pub fn migrate_to(conn: &mut Connection, target: u32) -> Result<u32, MigrateError> {
    let found: u32 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if found > CURRENT {
        return Err(MigrateError::Newer { found, known: CURRENT });
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().take(target as usize).skip(found as usize) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", (i + 1) as u32)?;
        tx.commit()?;
    }
    Ok(found)
}

/// Why a migration failed.
#[derive(Debug, thiserror::Error)]
pub enum MigrateError {
    /// The cache was written by a newer BindDesk.
    #[error("the cache was written by a newer BindDesk (schema {found}, this one knows {known})")]
    Newer {
        /// Version in the file.
        found: u32,
        /// Version this build knows.
        known: u32,
    },
    /// SQLite failed.
    #[error(transparent)]
    Sqlite(#[from] rusqlite::Error),
}
