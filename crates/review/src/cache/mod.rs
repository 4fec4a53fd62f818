//! The offline cache: one encrypted SQLite file per service address and staff account.
//!
//! Every write goes through a method here, each one transaction: a change-feed page with
//! its cursor, a decision with its local effect, an answer with the outbox row it settles.
//! The file is encrypted with SQLCipher under a random 256-bit key that the engine keeps
//! in the credential store; a wrong key is refused before anything is written.

mod index;
mod outbox;
pub mod query;
mod reveals;

pub use outbox::{OutboxRow, QueueError};
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
