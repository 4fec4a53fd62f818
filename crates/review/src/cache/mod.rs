//! The offline cache: one encrypted SQLite file per service address and staff account.
//!
//! Every write goes through a method here, each one transaction: a change-feed page with
//! its cursor, a decision with its local effect, an answer with the outbox row it settles.
//! The file is encrypted with SQLCipher under a random 256-bit key that the engine keeps
//! in the credential store; a wrong key is refused before anything is written.

mod index;
pub mod query;
pub mod schema;

use crate::views::{ConflictKind, QueuedDecision, RowSummary};
use binddesk_domain::api::{Application, Timestamp};
use binddesk_domain::{DecisionAction, Flag, Status, mask_id_str, mask_phone};
use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::{Connection, OpenFlags, OptionalExtension, params};
use std::path::Path;

/// A cache's 256-bit key.
#[derive(Clone, PartialEq, Eq)]
pub struct CacheKey(pub [u8; 32]);

impl CacheKey {
    /// A fresh random key.
    pub fn random() -> Result<CacheKey, CacheError> {
        let mut k = [0u8; 32];
        getrandom::fill(&mut k).map_err(|e| CacheError::Io(format!("no randomness: {e}")))?;
        Ok(CacheKey(k))
    }

    /// From stored bytes (exactly 32).
    pub fn from_bytes(b: &[u8]) -> Option<CacheKey> {
        <[u8; 32]>::try_from(b).ok().map(CacheKey)
    }
}

impl std::fmt::Debug for CacheKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CacheKey(…)")
    }
}

/// Why the cache failed.
#[derive(Debug, thiserror::Error)]
pub enum CacheError {
    /// The key does not open the file (or the file is not a cache at all). Nothing was
    /// written to it.
    #[error("the offline cache cannot be opened with its key (wrong key, or the file is damaged)")]
    WrongKey,
    /// The file was written by a newer BindDesk.
    #[error("the offline cache was written by a newer BindDesk (schema {found}, this one knows {known})")]
    NewerSchema {
        /// Version in the file.
        found: u32,
        /// Version this build knows.
        known: u32,
    },
    /// No such application in the cache.
    #[error("application {0} is not in the offline cache")]
    NotCached(String),
    /// A stored row does not read back (a damaged cache).
    #[error("the offline cache holds a damaged row: {0}")]
    Damaged(String),
    /// The file system failed.
    #[error("the offline cache's file failed: {0}")]
    Io(String),
    /// SQLite failed.
    #[error("the offline cache failed: {0}")]
    Sqlite(#[from] rusqlite::Error),
}

/// A queued decision as the sender needs it.
#[derive(Debug, Clone, PartialEq)]
pub struct OutboxRow {
    /// The idempotency key.
    pub decision_id: String,
    /// The application.
    pub application_id: String,
    /// Approve or return.
    pub action: DecisionAction,
    /// A return's reason.
    pub reason: Option<String>,
    /// The version the reviewer saw.
    pub expected_version: u32,
    /// When decided.
    pub decided_at: Timestamp,
}

/// The open cache.
pub struct Cache {
    pub(crate) conn: Connection,
    /// The list's in-memory index; `None` until a query needs it or after a large write.
    pub(crate) index: Option<index::ListIndex>,
}

/// A time as stored: fixed-width UTC, so text order is time order.
pub(crate) fn ts(t: Timestamp) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

pub(crate) fn parse_ts(s: &str) -> Result<Timestamp, CacheError> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| CacheError::Damaged(format!("a time that does not parse: {s}")))
}

/// Hides ID numbers and phones in a copy of an application (and its previous version).
pub fn mask_application(app: &mut Application) {
    app.student.id_number = mask_id_str(&app.student.id_number);
    app.parent.id_number = mask_id_str(&app.parent.id_number);
    app.parent.phone = mask_phone(&app.parent.phone);
    if let Some(p) = app.previous.as_mut() {
        p.student.id_number = mask_id_str(&p.student.id_number);
        p.parent.id_number = mask_id_str(&p.parent.id_number);
        p.parent.phone = mask_phone(&p.parent.phone);
    }
}

fn flags_column(flags: &[Flag]) -> String {
    // Space-delimited on both ends, so `instr(flags, ' x ')` finds whole words.
    let mut s = String::from(" ");
    for f in flags {
        s.push_str(f.as_str());
        s.push(' ');
    }
    s
}

fn search_column(app: &Application) -> String {
    format!(
        "{} {} {} {} {} {}",
        app.student.name,
        app.parent.name,
        mask_id_str(&app.student.id_number),
        mask_id_str(&app.parent.id_number),
        app.student.class_name,
        app.id
    )
    .to_lowercase()
}

impl Cache {
    /// Opens (creating if absent) the cache at `path` with `key`, migrating an older
    /// schema. A wrong key gives [`CacheError::WrongKey`] and leaves the file untouched.
    pub fn open(path: &Path, key: &CacheKey) -> Result<Cache, CacheError> {
        Cache::open_migrated_to(path, key, schema::CURRENT)
    }

    /// Opens and migrates only up to `version`: for tests that need a cache written by
    /// an older release.
    #[cfg(feature = "test-hooks")]
    pub fn open_at(path: &Path, key: &CacheKey, version: u32) -> Result<Cache, CacheError> {
        Cache::open_migrated_to(path, key, version)
    }

    fn open_migrated_to(path: &Path, key: &CacheKey, version: u32) -> Result<Cache, CacheError> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| CacheError::Io(e.to_string()))?;
        }
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let mut conn = Connection::open_with_flags(path, flags)?;
        // A wrong key is reported as our typed error; SQLCipher need not print it too.
        conn.execute_batch("PRAGMA cipher_log_level = NONE;")?;
        // A raw key (x'…') skips SQLCipher's password stretching: the key is already random.
        conn.execute_batch(&format!("PRAGMA key = \"x'{}'\";", hex::encode(key.0)))?;
        // The first read proves the key; until then nothing has been written.
        if let Err(e) = conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get::<_, i64>(0)) {
            return Err(match e.sqlite_error_code() {
                Some(rusqlite::ErrorCode::NotADatabase) => CacheError::WrongKey,
                _ => CacheError::Sqlite(e),
            });
        }
        conn.execute_batch(
            "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;
             PRAGMA cache_size = -32000; PRAGMA temp_store = MEMORY;",
        )?;
        match schema::migrate_to(&mut conn, version) {
            Ok(_) => {}
            Err(schema::MigrateError::Newer { found, known }) => {
                return Err(CacheError::NewerSchema { found, known });
            }
            Err(schema::MigrateError::Sqlite(e)) => return Err(e.into()),
        }
        Ok(Cache { conn, index: None })
    }

    /// Keeps the list index in step with a write that touched these applications.
    fn touched(&mut self, ids: &[String]) {
        if ids.len() > index::PATCH_LIMIT {
            self.index = None;
        } else if let Some(idx) = self.index.as_mut()
            && idx.patch(&self.conn, ids).is_err()
        {
            self.index = None;
        }
    }

    /// The schema version of the open file.
    pub fn schema_version(&self) -> Result<u32, CacheError> {
        Ok(self.conn.query_row("PRAGMA user_version", [], |r| r.get(0))?)
    }

    /// A value from the meta table.
    pub fn meta(&self, key: &str) -> Result<Option<String>, CacheError> {
        Ok(self.conn.query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0)).optional()?)
    }

    /// Sets a value in the meta table.
    pub fn set_meta(&self, key: &str, value: &str) -> Result<(), CacheError> {
        self.conn.execute(
            "INSERT INTO meta(key, value) VALUES (?1, ?2) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            params![key, value],
        )?;
        Ok(())
    }

    /// The change-feed cursor: everything up to it is in the cache.
    pub fn cursor(&self) -> Result<i64, CacheError> {
        Ok(self.meta("cursor")?.and_then(|v| v.parse().ok()).unwrap_or(0))
    }

    /// Stores one change-feed page and moves the cursor, in one transaction: a crash
    /// leaves either the whole page or none of it, and the next sync resumes there.
    pub fn apply_page(&mut self, items: &[Application], next_cursor: i64) -> Result<(), CacheError> {
        let tx = self.conn.transaction()?;
        for app in items {
            upsert(&tx, app)?;
        }
        tx.execute(
            "INSERT INTO meta(key, value) VALUES ('cursor', ?1) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            [next_cursor.to_string()],
        )?;
        if !items.is_empty() {
            // Signatures are fetched after the pages; until that finishes, a later sync
            // must look for missing ones even if the feed brings nothing new.
            tx.execute(
                "INSERT INTO meta(key, value) VALUES ('signatures_pending', '1')
                 ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                [],
            )?;
        }
        tx.commit()?;
        self.touched(&items.iter().map(|a| a.id.clone()).collect::<Vec<_>>());
        Ok(())
    }

    /// Replaces the cached copy of applications the service just sent (e.g. a decision's
    /// answer), keeping a queued decision's local effect.
    pub fn store_applications(&mut self, items: &[Application]) -> Result<(), CacheError> {
        let tx = self.conn.transaction()?;
        for app in items {
            upsert(&tx, app)?;
        }
        tx.commit()?;
        self.touched(&items.iter().map(|a| a.id.clone()).collect::<Vec<_>>());
        Ok(())
    }

    /// Signature hashes that applications refer to and the cache lacks.
    pub fn missing_signatures(&self) -> Result<Vec<String>, CacheError> {
        let mut st = self.conn.prepare(
            "SELECT DISTINCT a.signature_sha256 FROM applications a
             WHERE NOT EXISTS (SELECT 1 FROM signatures s WHERE s.sha256 = a.signature_sha256)",
        )?;
        let rows = st.query_map([], |r| r.get::<_, String>(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Stores fetched signatures (already checked against their hashes).
    pub fn store_signatures(&mut self, sigs: &[(String, Vec<u8>)]) -> Result<(), CacheError> {
        let tx = self.conn.transaction()?;
        {
            let mut st =
                tx.prepare_cached("INSERT OR IGNORE INTO signatures(sha256, png) VALUES (?1, ?2)")?;
            for (sha, png) in sigs {
                st.execute(params![sha, png])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// A cached signature PNG.
    pub fn signature(&self, sha256: &str) -> Result<Option<Vec<u8>>, CacheError> {
        Ok(self
            .conn
            .query_row("SELECT png FROM signatures WHERE sha256 = ?1", [sha256], |r| r.get(0))
            .optional()?)
    }

    /// The service's copy of one application, full values included.
    pub fn application(&self, id: &str) -> Result<Application, CacheError> {
        let json: String = self
            .conn
            .query_row("SELECT json FROM bodies WHERE id = ?1", [id], |r| r.get(0))
            .optional()?
            .ok_or_else(|| CacheError::NotCached(id.to_string()))?;
        serde_json::from_str(&json).map_err(|e| CacheError::Damaged(e.to_string()))
    }

    /// Applications in the cache.
    pub fn count(&self) -> Result<u32, CacheError> {
        Ok(self.conn.query_row("SELECT count(*) FROM applications", [], |r| r.get(0))?)
    }

    /// Removes applications outside the given classes (a teacher whose classes changed).
    pub fn keep_only_classes(&mut self, class_ids: &[String]) -> Result<u32, CacheError> {
        let tx = self.conn.transaction()?;
        let ids: Vec<String> = {
            let mut st = tx.prepare("SELECT id, class_id FROM applications")?;
            let rows = st.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
            let mut out = Vec::new();
            for row in rows {
                let (id, class) = row?;
                if !class_ids.contains(&class) {
                    out.push(id);
                }
            }
            out
        };
        for id in &ids {
            delete_application(&tx, id)?;
        }
        tx.commit()?;
        self.touched(&ids);
        Ok(ids.len() as u32)
    }

    /// Queues a decision and shows its effect locally, in one transaction. The rules are
    /// checked first against the cached copy, so what the service would refuse is
    /// refused here, with the same reason.
    pub fn queue_decision(
        &mut self,
        application_id: &str,
        action: DecisionAction,
        reason: Option<&str>,
        now: Timestamp,
    ) -> Result<QueuedDecision, QueueError> {
        let tx = self.conn.transaction().map_err(CacheError::from)?;
        let q = queue_in(&tx, application_id, action, reason, now)?;
        tx.commit().map_err(CacheError::from)?;
        self.touched(&[application_id.to_string()]);
        Ok(q)
    }

    /// Queues the same decision for many applications in one transaction; those the
    /// rules refuse are skipped and listed with why.
    pub fn queue_many(
        &mut self,
        ids: &[String],
        action: DecisionAction,
        reason: Option<&str>,
        now: Timestamp,
    ) -> Result<(u32, Vec<(String, QueueError)>), CacheError> {
        let tx = self.conn.transaction()?;
        let mut queued = 0;
        let mut skipped = Vec::new();
        for id in ids {
            match queue_in(&tx, id, action, reason, now) {
                Ok(_) => queued += 1,
                Err(QueueError::Cache(e)) => return Err(e),
                Err(e) => skipped.push((id.clone(), e)),
            }
        }
        tx.commit()?;
        self.touched(ids);
        Ok((queued, skipped))
    }

    /// What [`Cache::queue_many`] would skip, without queuing anything: the same checks
    /// in a transaction that is rolled back (for the bulk confirmation).
    pub fn preview_many(
        &mut self,
        ids: &[String],
        action: DecisionAction,
        reason: Option<&str>,
        now: Timestamp,
    ) -> Result<Vec<(String, QueueError)>, CacheError> {
        let tx = self.conn.transaction()?;
        let mut skipped = Vec::new();
        for id in ids {
            match queue_in(&tx, id, action, reason, now) {
                Ok(_) => {}
                Err(QueueError::Cache(e)) => return Err(e),
                Err(e) => skipped.push((id.clone(), e)),
            }
        }
        tx.rollback()?;
        Ok(skipped)
    }

    /// Takes back a decision that has not been sent yet.
    pub fn undo(&mut self, application_id: &str) -> Result<(), QueueError> {
        let tx = self.conn.transaction().map_err(CacheError::from)?;
        let attempts: Option<u32> = tx
            .query_row("SELECT attempts FROM outbox WHERE application_id = ?1", [application_id], |r| {
                r.get(0)
            })
            .optional()
            .map_err(CacheError::from)?;
        match attempts {
            None => return Err(QueueError::NothingToUndo),
            // Once a send was tried the service may have applied it: undoing here could
            // not undo it there, so it is no longer offered.
            Some(n) if n > 0 => return Err(QueueError::AlreadySent),
            Some(_) => {}
        }
        tx.execute("DELETE FROM outbox WHERE application_id = ?1", [application_id])
            .map_err(CacheError::from)?;
        tx.execute("UPDATE applications SET local_status = status WHERE id = ?1", [application_id])
            .map_err(CacheError::from)?;
        tx.commit().map_err(CacheError::from)?;
        self.touched(&[application_id.to_string()]);
        Ok(())
    }

    /// Queued decisions in the order made.
    pub fn outbox(&self) -> Result<Vec<QueuedDecision>, CacheError> {
        let mut st = self.conn.prepare(
            "SELECT decision_id, action, reason, expected_version, decided_at, attempts, last_error
             FROM outbox ORDER BY seq",
        )?;
        let rows = st.query_map([], queued_from_row)?;
        rows.map(|r| r.map_err(CacheError::from).and_then(|x| x)).collect()
    }

    /// Decisions waiting to be sent.
    pub fn outbox_len(&self) -> Result<u32, CacheError> {
        Ok(self.conn.query_row("SELECT count(*) FROM outbox", [], |r| r.get(0))?)
    }

    /// Picks up to `limit` decisions due for sending (all of them when `force`), oldest
    /// first, and counts the attempt before the request leaves: from then on they can no
    /// longer be undone, and a crash before the answer resends them with the same id.
    pub fn take_due(
        &mut self,
        now: Timestamp,
        limit: u32,
        force: bool,
    ) -> Result<Vec<OutboxRow>, CacheError> {
        let tx = self.conn.transaction()?;
        let rows = {
            let mut st = tx.prepare(
                "SELECT decision_id, application_id, action, reason, expected_version, decided_at FROM outbox
                 WHERE ?1 OR next_attempt_at IS NULL OR next_attempt_at <= ?2 ORDER BY seq LIMIT ?3",
            )?;
            let mapped = st.query_map(params![force, ts(now), limit], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, Option<String>>(3)?,
                    r.get::<_, u32>(4)?,
                    r.get::<_, String>(5)?,
                ))
            })?;
            let mut out = Vec::new();
            for row in mapped {
                let (decision_id, application_id, action, reason, expected_version, decided_at) = row?;
                out.push(OutboxRow {
                    decision_id,
                    application_id,
                    action: DecisionAction::from_wire(&action)
                        .ok_or_else(|| CacheError::Damaged(format!("an outbox action {action}")))?,
                    reason,
                    expected_version,
                    decided_at: parse_ts(&decided_at)?,
                });
            }
            out
        };
        {
            let mut st =
                tx.prepare_cached("UPDATE outbox SET attempts = attempts + 1 WHERE decision_id = ?1")?;
            for r in &rows {
                st.execute([&r.decision_id])?;
            }
        }
        tx.commit()?;
        Ok(rows)
    }

    /// The service applied these decisions: store its answers and clear the outbox rows,
    /// together.
    pub fn settle_applied(&mut self, answers: &[(String, Application)]) -> Result<(), CacheError> {
        let tx = self.conn.transaction()?;
        for (decision_id, app) in answers {
            tx.execute("DELETE FROM outbox WHERE decision_id = ?1", [decision_id])?;
            tx.execute("DELETE FROM conflicts WHERE application_id = ?1", [&app.id])?;
            upsert(&tx, app)?;
        }
        tx.commit()?;
        self.touched(&answers.iter().map(|(_, a)| a.id.clone()).collect::<Vec<_>>());
        Ok(())
    }

    /// The service did not apply this decision: keep it as a conflict with what the
    /// service holds now, clear the outbox row, and stop showing the decision's effect.
    pub fn settle_conflict(
        &mut self,
        row: &OutboxRow,
        kind: ConflictKind,
        code: &str,
        message: &str,
        current: Option<&Application>,
        now: Timestamp,
    ) -> Result<(), CacheError> {
        let tx = self.conn.transaction()?;
        tx.execute("DELETE FROM outbox WHERE decision_id = ?1", [&row.decision_id])?;
        let current_json =
            current.map(serde_json::to_string).transpose().map_err(|e| CacheError::Damaged(e.to_string()))?;
        tx.execute(
            "INSERT OR REPLACE INTO conflicts(decision_id, application_id, action, reason, expected_version,
                 decided_at, kind, code, message, current_json, at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            params![
                row.decision_id,
                row.application_id,
                row.action.as_str(),
                row.reason,
                row.expected_version,
                ts(row.decided_at),
                kind.as_str(),
                code,
                message,
                current_json,
                ts(now)
            ],
        )?;
        match current {
            Some(app) => upsert(&tx, app)?,
            None => {
                tx.execute(
                    "UPDATE applications SET local_status = status WHERE id = ?1",
                    [&row.application_id],
                )?;
            }
        }
        tx.commit()?;
        self.touched(std::slice::from_ref(&row.application_id));
        Ok(())
    }

    /// A send failed for a reason that may pass (offline, service busy): try again later.
    pub fn retry_later(
        &mut self,
        decision_ids: &[String],
        error: &str,
        now: Timestamp,
    ) -> Result<(), CacheError> {
        let tx = self.conn.transaction()?;
        {
            let mut st = tx.prepare_cached(
                "UPDATE outbox SET last_error = ?2, next_attempt_at = ?3 WHERE decision_id = ?1 RETURNING attempts",
            )?;
            for id in decision_ids {
                let attempts: u32 = tx
                    .query_row("SELECT attempts FROM outbox WHERE decision_id = ?1", [id], |r| r.get(0))
                    .optional()?
                    .unwrap_or(1);
                let next = now + backoff(attempts);
                let _ = st.query_row(params![id, error, ts(next)], |r| r.get::<_, u32>(0)).optional()?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Drops a conflict: the reviewer keeps what the service holds.
    pub fn drop_conflict(&mut self, decision_id: &str) -> Result<bool, CacheError> {
        Ok(self.conn.execute("DELETE FROM conflicts WHERE decision_id = ?1", [decision_id])? > 0)
    }

    /// Conflicts waiting for the reviewer.
    pub fn conflicts_len(&self) -> Result<u32, CacheError> {
        Ok(self.conn.query_row("SELECT count(*) FROM conflicts", [], |r| r.get(0))?)
    }

    /// Deletes decided applications (approved, auto-approved, returned, cancelled) last
    /// changed more than `days` ago, with signatures no longer referred to. Applications
    /// with a queued decision or an open conflict stay.
    pub fn purge_decided(&mut self, days: u32, now: Timestamp) -> Result<u32, CacheError> {
        let cutoff = ts(now - chrono::Duration::days(i64::from(days)));
        let tx = self.conn.transaction()?;
        let ids: Vec<String> = {
            let mut st = tx.prepare(
                "SELECT id FROM applications a
                 WHERE local_status IN ('approved', 'auto_approved', 'returned', 'cancelled')
                   AND updated_at < ?1
                   AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.application_id = a.id)
                   AND NOT EXISTS (SELECT 1 FROM conflicts c WHERE c.application_id = a.id)",
            )?;
            let rows = st.query_map([cutoff], |r| r.get::<_, String>(0))?;
            rows.collect::<Result<_, _>>()?
        };
        for id in &ids {
            delete_application(&tx, id)?;
        }
        tx.execute(
            "DELETE FROM signatures WHERE NOT EXISTS
               (SELECT 1 FROM applications a WHERE a.signature_sha256 = signatures.sha256)",
            [],
        )?;
        tx.commit()?;
        self.touched(&ids);
        Ok(ids.len() as u32)
    }

    /// Records that full values were shown.
    pub fn record_reveal(
        &self,
        username: &str,
        application_id: &str,
        fields: &[&str],
        now: Timestamp,
    ) -> Result<(), CacheError> {
        self.conn.execute(
            "INSERT INTO reveal_audit(at, username, application_id, fields, reveal_id) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![ts(now), username, application_id, fields.join(","), uuid::Uuid::new_v4().to_string()],
        )?;
        Ok(())
    }

    /// Reveals not yet reported to the service, oldest first (at most `limit`).
    pub fn unsent_reveals(&self, limit: u32) -> Result<Vec<binddesk_domain::api::RevealItem>, CacheError> {
        let mut st = self.conn.prepare(
            "SELECT reveal_id, application_id, fields, at FROM reveal_audit WHERE sent_at IS NULL ORDER BY id LIMIT ?1",
        )?;
        let rows = st.query_map([limit], |r| {
            Ok(binddesk_domain::api::RevealItem {
                reveal_id: r.get(0)?,
                application_id: r.get(1)?,
                field: r.get(2)?,
                at: r.get(3)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Marks reveals as reported.
    pub fn mark_reveals_sent(&self, ids: &[String], now: Timestamp) -> Result<(), CacheError> {
        let mut st = self.conn.prepare("UPDATE reveal_audit SET sent_at = ?2 WHERE reveal_id = ?1")?;
        for id in ids {
            st.execute(params![id, ts(now)])?;
        }
        Ok(())
    }

    /// The reveal audit, newest first: (at, username, application id, fields).
    pub fn reveal_audit(&self) -> Result<Vec<(String, String, String, String)>, CacheError> {
        let mut st = self
            .conn
            .prepare("SELECT at, username, application_id, fields FROM reveal_audit ORDER BY id DESC")?;
        let rows = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

/// Why a decision was not queued.
#[derive(Debug, thiserror::Error)]
pub enum QueueError {
    /// The rules refuse it (the same rules the service applies).
    #[error("{0}")]
    Rule(#[from] binddesk_domain::RuleError),
    /// A decision on it is already queued: undo that first.
    #[error("a decision on this application is already waiting to be sent")]
    AlreadyDecided,
    /// Nothing queued to undo.
    #[error("there is no unsent decision to undo")]
    NothingToUndo,
    /// Sending has begun: it can no longer be undone here.
    #[error("the decision is already being sent and can no longer be undone")]
    AlreadySent,
    /// The cache failed, or does not hold the application.
    #[error(transparent)]
    Cache(#[from] CacheError),
}

impl QueueError {
    /// A short code for the UI, e.g. `account_limit`.
    pub fn code(&self) -> &'static str {
        match self {
            QueueError::Rule(r) => r.code(),
            QueueError::AlreadyDecided => "already_decided",
            QueueError::NothingToUndo => "nothing_to_undo",
            QueueError::AlreadySent => "already_sent",
            QueueError::Cache(CacheError::NotCached(_)) => "not_found",
            QueueError::Cache(_) => "cache_failed",
        }
    }
}

fn queue_in(
    tx: &rusqlite::Transaction<'_>,
    application_id: &str,
    action: DecisionAction,
    reason: Option<&str>,
    now: Timestamp,
) -> Result<QueuedDecision, QueueError> {
    let row: Option<(u32, String, String, String)> = tx
        .query_row(
            "SELECT version, status, student_id, flags FROM applications WHERE id = ?1",
            [application_id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .optional()
        .map_err(CacheError::from)?;
    let (version, status, student_id, flags) =
        row.ok_or_else(|| CacheError::NotCached(application_id.to_string()))?;
    let queued: bool = tx
        .query_row("SELECT count(*) FROM outbox WHERE application_id = ?1", [application_id], |r| {
            r.get::<_, u32>(0)
        })
        .map_err(CacheError::from)?
        > 0;
    if queued {
        return Err(QueueError::AlreadyDecided);
    }
    let status =
        Status::from_wire(&status).ok_or_else(|| CacheError::Damaged(format!("a status {status}")))?;
    let bound = bound_accounts(tx, &student_id, application_id, &flags)?;
    let to = binddesk_domain::check_decision(status, action, reason, bound)?;
    let decision = QueuedDecision {
        decision_id: uuid::Uuid::new_v4().to_string(),
        action,
        // Stored as the service will store it (composed, trimmed: the one text rule).
        reason: match action {
            DecisionAction::Return => binddesk_domain::rules::return_reason(reason).ok(),
            DecisionAction::Approve => None,
        },
        expected_version: version,
        decided_at: now,
        attempts: 0,
        last_error: None,
    };
    tx.execute(
        "INSERT INTO outbox(decision_id, application_id, action, reason, expected_version, decided_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![decision.decision_id, application_id, action.as_str(), decision.reason, version, ts(now)],
    )
    .map_err(CacheError::from)?;
    tx.execute(
        "UPDATE applications SET local_status = ?2 WHERE id = ?1",
        params![application_id, to.as_str()],
    )
    .map_err(CacheError::from)?;
    // Deciding again settles an earlier conflict on the same application.
    tx.execute("DELETE FROM conflicts WHERE application_id = ?1", [application_id])
        .map_err(CacheError::from)?;
    Ok(decision)
}

/// Accounts bound to a student by other applications, as far as the cache knows: the
/// service's `account_limit` flag, or the approved applications cached here (queued
/// approvals included).
/// The two-account count of the domain (`binddesk_domain::rules::bound_accounts`) over
/// the cached applications of the student, as seen by application `id`'s parent; at
/// least the limit when the service flagged it (a binding outside this cache's scope).
pub(crate) fn bound_accounts(
    conn: &Connection,
    student_id: &str,
    id: &str,
    flags: &str,
) -> Result<u32, CacheError> {
    let mut st = conn.prepare_cached(
        "SELECT a.id, json_extract(b.json, '$.parent.id_number'), a.local_status
         FROM applications a JOIN bodies b ON b.id = a.id WHERE a.student_id = ?1",
    )?;
    let rows = st
        .query_map([student_id], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, Option<String>>(1)?, r.get::<_, String>(2)?))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    let own_parent =
        rows.iter().find(|(a, _, _)| a == id).and_then(|(_, p, _)| p.clone()).unwrap_or_default();
    let others = rows.iter().filter(|(a, _, _)| a != id).filter_map(|(_, p, s)| {
        Some(binddesk_domain::rules::StudentApplication {
            parent_id: p.as_deref()?,
            status: Status::from_wire(s)?,
        })
    });
    let cached = binddesk_domain::rules::bound_accounts(others, &own_parent);
    let flagged =
        if flags.contains(" account_limit ") { binddesk_domain::rules::MAX_BOUND_ACCOUNTS } else { 0 };
    Ok(cached.max(flagged))
}

fn queued_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Result<QueuedDecision, CacheError>> {
    let action: String = r.get(1)?;
    let decided_at: String = r.get(4)?;
    Ok((|| {
        Ok(QueuedDecision {
            decision_id: r.get(0)?,
            action: DecisionAction::from_wire(&action)
                .ok_or_else(|| CacheError::Damaged(format!("an outbox action {action}")))?,
            reason: r.get(2)?,
            expected_version: r.get(3)?,
            decided_at: parse_ts(&decided_at)?,
            attempts: r.get(5)?,
            last_error: r.get(6)?,
        })
    })())
}

/// Waits 2, 4, 8 … seconds after each failed attempt, at most five minutes.
fn backoff(attempts: u32) -> chrono::Duration {
    chrono::Duration::seconds(2i64.saturating_pow(attempts.clamp(1, 9)).min(300))
}

fn upsert(tx: &Connection, app: &Application) -> Result<(), CacheError> {
    let summary = RowSummary {
        class_name: app.student.class_name.clone(),
        school_level: app.student.school_level,
        student_id_masked: mask_id_str(&app.student.id_number),
        parent_name: app.parent.name.clone(),
        parent_id_masked: mask_id_str(&app.parent.id_number),
        relationship_title: app.relationship.title,
        registry_result: app.registry_check.result,
    };
    let summary = serde_json::to_string(&summary).map_err(|e| CacheError::Damaged(e.to_string()))?;
    let body = serde_json::to_string(app).map_err(|e| CacheError::Damaged(e.to_string()))?;
    // An older copy never replaces a newer one; a queued decision keeps its local effect.
    let changed = tx
        .prepare_cached(
            "INSERT INTO applications(id, version, status, local_status, class_id, student_id, student_name,
             submitted_at, updated_at, flags, search, signature_sha256, summary)
         VALUES (?1, ?2, ?3, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)
         ON CONFLICT(id) DO UPDATE SET
             version = excluded.version, status = excluded.status,
             local_status = CASE WHEN EXISTS (SELECT 1 FROM outbox o WHERE o.application_id = excluded.id)
                                 THEN applications.local_status ELSE excluded.status END,
             class_id = excluded.class_id, student_id = excluded.student_id,
             student_name = excluded.student_name, submitted_at = excluded.submitted_at,
             updated_at = excluded.updated_at, flags = excluded.flags, search = excluded.search,
             signature_sha256 = excluded.signature_sha256, summary = excluded.summary
         WHERE excluded.version >= applications.version",
        )?
        .execute(params![
            app.id,
            app.version,
            app.status.as_str(),
            app.student.class_id,
            app.student.id_number,
            app.student.name,
            ts(app.submitted_at),
            ts(app.updated_at),
            flags_column(&app.flags),
            search_column(app),
            app.signature.sha256,
            summary
        ])?;
    if changed > 0 {
        tx.prepare_cached(
            "INSERT INTO bodies(id, json) VALUES (?1, ?2) ON CONFLICT(id) DO UPDATE SET json = excluded.json",
        )?
        .execute(params![app.id, body])?;
    }
    Ok(())
}

fn delete_application(tx: &Connection, id: &str) -> Result<(), CacheError> {
    tx.execute("DELETE FROM applications WHERE id = ?1", [id])?;
    tx.execute("DELETE FROM bodies WHERE id = ?1", [id])?;
    Ok(())
}
