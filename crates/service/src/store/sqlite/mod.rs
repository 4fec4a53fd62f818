//! The SQLite implementation of the repositories: one file in WAL mode, one writer
//! connection (so change-feed sequence numbers commit in order) and a few read-only
//! readers. This module holds the connection handling and the helpers every aggregate's
//! writes share (saving an application with its flags and change-feed row, the mail
//! outbox); each aggregate's repository is in a file of its own.

use super::schema::migrate;
use super::*;
use crate::mail;
use binddesk_domain::rules::{FlagFacts, compute_flags};
use binddesk_domain::{DecisionAction, Status};
use rusqlite::{Connection, OpenFlags, OptionalExtension, Transaction, TransactionBehavior, params};
use std::path::Path;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

/// The domain's status sets as SQL lists (see `binddesk_domain::rules::binding`).
pub(super) fn live() -> String {
    binddesk_domain::rules::sql_list(&binddesk_domain::rules::LIVE)
}

pub(super) fn open_statuses() -> String {
    binddesk_domain::rules::sql_list(&binddesk_domain::rules::OPEN)
}

/// The SQLite store.
pub struct SqliteStore {
    writer: Mutex<Connection>,
    readers: Vec<Mutex<Connection>>,
    next_reader: AtomicUsize,
}

pub(super) fn configure(conn: &Connection) -> rusqlite::Result<()> {
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    Ok(())
}

pub(super) fn internal(e: impl std::fmt::Display) -> StoreError {
    StoreError::Storage(e.to_string())
}

impl SqliteStore {
    /// Opens (creating and migrating) the store at `path`.
    pub fn open(path: &Path, readers: usize) -> rusqlite::Result<SqliteStore> {
        let mut writer = Connection::open(path)?;
        writer.pragma_update(None, "journal_mode", "WAL")?;
        configure(&writer)?;
        migrate(&mut writer)?;
        let mut rs = Vec::new();
        for _ in 0..readers.max(1) {
            let r = Connection::open_with_flags(
                path,
                OpenFlags::SQLITE_OPEN_READ_ONLY
                    | OpenFlags::SQLITE_OPEN_NO_MUTEX
                    | OpenFlags::SQLITE_OPEN_URI,
            )?;
            configure(&r)?;
            rs.push(Mutex::new(r));
        }
        Ok(SqliteStore { writer: Mutex::new(writer), readers: rs, next_reader: AtomicUsize::new(0) })
    }

    /// Copies the store at `from` to a new file `to` with SQLite's online backup (writers
    /// go on meanwhile; the copy is one consistent moment), then checks the copy's
    /// integrity. Returns (pages, bytes).
    pub fn backup(from: &Path, to: &Path) -> Result<(i64, u64), String> {
        if to.exists() {
            return Err(format!("{} exists; back up to a new file", to.display()));
        }
        let src = Connection::open_with_flags(from, OpenFlags::SQLITE_OPEN_READ_ONLY)
            .map_err(|e| format!("cannot open {}: {e}", from.display()))?;
        configure(&src).map_err(|e| e.to_string())?;
        let mut dst = Connection::open(to).map_err(|e| format!("cannot create {}: {e}", to.display()))?;
        {
            let backup = rusqlite::backup::Backup::new(&src, &mut dst).map_err(|e| e.to_string())?;
            // A few hundred pages a step, with a pause, so writers are not held up.
            backup
                .run_to_completion(256, std::time::Duration::from_millis(5), None)
                .map_err(|e| format!("the backup failed: {e}"))?;
        }
        let pages: i64 =
            dst.pragma_query_value(None, "page_count", |r| r.get(0)).map_err(|e| e.to_string())?;
        let check: String =
            dst.pragma_query_value(None, "integrity_check", |r| r.get(0)).map_err(|e| e.to_string())?;
        if check != "ok" {
            return Err(format!("the copy failed its integrity check: {check}"));
        }
        drop(dst);
        let bytes = std::fs::metadata(to).map(|m| m.len()).unwrap_or(0);
        Ok((pages, bytes))
    }

    pub(super) fn read<T>(&self, f: impl FnOnce(&Connection) -> StoreResult<T>) -> StoreResult<T> {
        let n = self.next_reader.fetch_add(1, Ordering::Relaxed) % self.readers.len();
        let conn = self.readers[n].lock().map_err(|_| internal("reader lock poisoned"))?;
        f(&conn)
    }

    pub(super) fn write<T>(&self, f: impl FnOnce(&Transaction) -> StoreResult<T>) -> StoreResult<T> {
        let mut conn = self.writer.lock().map_err(|_| internal("writer lock poisoned"))?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let out = f(&tx)?;
        tx.commit()?;
        Ok(out)
    }
}

// ------------------------------------------------------------------ helpers in a transaction

pub(super) fn load_app(
    conn: &Connection,
    id: &str,
) -> StoreResult<Option<(Application, String, String, String)>> {
    let row = conn
        .query_row("SELECT body, school_code, class_id, owner FROM applications WHERE id = ?1", [id], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
            ))
        })
        .optional()?;
    match row {
        None => Ok(None),
        Some((body, school, class, owner)) => Ok(Some((serde_json::from_str(&body)?, school, class, owner))),
    }
}

/// The two-account count of the domain, over the student's applications.
pub(super) fn bound_accounts(conn: &Connection, student_id: &str, parent_id: &str) -> StoreResult<u32> {
    let mut st = conn.prepare_cached("SELECT parent_id, status FROM applications WHERE student_id = ?1")?;
    let rows = st
        .query_map([student_id], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let apps = rows.iter().filter_map(|(p, s)| {
        Status::from_wire(s).map(|status| binddesk_domain::rules::StudentApplication { parent_id: p, status })
    });
    Ok(binddesk_domain::rules::bound_accounts(apps, parent_id))
}

pub(super) fn email_used_by_another(conn: &Connection, email: &str, parent_id: &str) -> StoreResult<bool> {
    Ok(conn.query_row(
        &format!(
            "SELECT EXISTS(SELECT 1 FROM applications WHERE parent_email = ?1 AND parent_id <> ?2 AND status IN {live})
                 OR EXISTS(SELECT 1 FROM parent_accounts WHERE email = ?1 AND parent_id <> ?2)",
            live = live()
        ),
        params![email, parent_id],
        |r| r.get(0),
    )?)
}

pub(super) fn facts_for(conn: &Connection, app: &Application) -> StoreResult<FlagFacts> {
    let email = app.parent.email.to_lowercase();
    let ink: f64 = conn
        .query_row("SELECT ink_ratio FROM signatures WHERE sha256 = ?1", [&app.signature.sha256], |r| {
            r.get(0)
        })
        .optional()?
        .unwrap_or(0.0);
    Ok(FlagFacts {
        bound_accounts: bound_accounts(conn, &app.student.id_number, &app.parent.id_number)?,
        email_used_by_another_parent: email_used_by_another(conn, &email, &app.parent.id_number)?,
        signature_ink_ratio: ink,
    })
}

/// Writes an application (new or changed) with fresh flags and a new change-feed entry.
pub(super) fn save_app(
    tx: &Connection,
    app: &mut Application,
    owner: &str,
    now: Timestamp,
) -> StoreResult<()> {
    app.flags = compute_flags(app, &facts_for(tx, app)?);
    tx.execute(
        "INSERT INTO changes (application_id, version, at) VALUES (?1, ?2, ?3)",
        params![app.id, app.version, now.to_rfc3339()],
    )?;
    let seq = tx.last_insert_rowid();
    let body = serde_json::to_string(app)?;
    tx.execute(
        "INSERT INTO applications (id, version, status, school_code, class_id, student_id, parent_id, parent_email,
                                   owner, batch_id, registry_result, signature_sha256, change_seq, body)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)
         ON CONFLICT(id) DO UPDATE SET version = excluded.version, status = excluded.status,
             school_code = excluded.school_code, class_id = excluded.class_id, student_id = excluded.student_id,
             parent_id = excluded.parent_id, parent_email = excluded.parent_email,
             registry_result = excluded.registry_result, signature_sha256 = excluded.signature_sha256,
             change_seq = excluded.change_seq, body = excluded.body",
        params![
            app.id,
            app.version,
            app.status.as_str(),
            app.student.school_code,
            app.student.class_id,
            app.student.id_number,
            app.parent.id_number,
            app.parent.email.to_lowercase(),
            owner,
            app.batch_id,
            app.registry_check.result.as_str(),
            app.signature.sha256,
            seq,
            body
        ],
    )?;
    Ok(())
}

/// Recomputes the flags of the other undecided applications that share a student or an
/// e-mail with a changed one (the account limit and e-mail checks depend on them), and
/// publishes those whose flags changed. Their version stays: nothing the parent wrote
/// changed, so a reviewer's decision on them is not a conflict.
pub(super) fn refresh_related(
    tx: &Connection,
    students: &[String],
    emails: &[String],
    now: Timestamp,
) -> StoreResult<()> {
    let mut ids: Vec<String> = Vec::new();
    {
        let mut by_student = tx.prepare_cached(&format!(
            "SELECT id FROM applications WHERE student_id = ?1 AND status IN {}",
            open_statuses()
        ))?;
        for s in students {
            for id in by_student.query_map([s], |r| r.get::<_, String>(0))? {
                ids.push(id?);
            }
        }
        let mut by_email = tx.prepare_cached(&format!(
            "SELECT id FROM applications WHERE parent_email = ?1 AND status IN {}",
            open_statuses()
        ))?;
        for e in emails {
            for id in by_email.query_map([e], |r| r.get::<_, String>(0))? {
                ids.push(id?);
            }
        }
    }
    ids.sort();
    ids.dedup();
    for id in ids {
        if let Some((mut app, _, _, owner)) = load_app(tx, &id)? {
            let before = app.flags.clone();
            let facts = facts_for(tx, &app)?;
            if compute_flags(&app, &facts) != before {
                save_app(tx, &mut app, &owner, now)?;
            }
        }
    }
    Ok(())
}

pub(super) fn queue_mail(tx: &Connection, m: &mail::Message, now: Timestamp) -> StoreResult<()> {
    tx.execute(
        "INSERT INTO mail_outbox (channel, to_address, kind, subject, body, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![m.channel, m.to, m.kind, m.subject, m.body, now.to_rfc3339()],
    )?;
    Ok(())
}

/// On approval: the parent's account (login = e-mail) exists afterwards; its first
/// password (last six characters of the ID number) is hashed by a background task, so a
/// batch of a thousand approvals does not wait for a thousand argon2 hashes.
pub(super) fn ensure_account_and_notify(
    tx: &Connection,
    app: &Application,
    now: Timestamp,
) -> StoreResult<()> {
    let email = app.parent.email.to_lowercase();
    tx.execute(
        "INSERT OR IGNORE INTO parent_accounts (email, parent_id, name, password_hash, must_change_password, created_at)
         VALUES (?1, ?2, ?3, NULL, 1, ?4)",
        params![email, app.parent.id_number, app.parent.name, now.to_rfc3339()],
    )?;
    queue_mail(tx, &mail::approved_notice(app), now)
}

mod codes;
mod imports;
mod outbox;
mod parent;
mod registry;
mod review;
mod sessions;
mod staff;
