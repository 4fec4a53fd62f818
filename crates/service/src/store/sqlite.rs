//! The SQLite implementation of [`Store`]: one file in WAL mode, one writer connection
//! (so change-feed sequence numbers commit in order) and a few read-only readers.

use super::schema::migrate;
use super::*;
use crate::error::{ApiError, FieldErrors};
use crate::mail;
use binddesk_domain::api::{ErrorDetail, PreviousVersion, Student};
use binddesk_domain::rules::{FlagFacts, apply_decision, auto_approve, compute_flags};
use binddesk_domain::{BatchOutcome, DecisionAction, HistoryAction, RegistryResult, Status};
use rusqlite::{Connection, OpenFlags, OptionalExtension, Transaction, TransactionBehavior, params};
use std::path::Path;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

/// The domain's status sets as SQL lists (see `binddesk_domain::rules::binding`).
fn live() -> String {
    binddesk_domain::rules::sql_list(&binddesk_domain::rules::LIVE)
}

fn open_statuses() -> String {
    binddesk_domain::rules::sql_list(&binddesk_domain::rules::OPEN)
}

/// The SQLite store.
pub struct SqliteStore {
    writer: Mutex<Connection>,
    readers: Vec<Mutex<Connection>>,
    next_reader: AtomicUsize,
}

fn configure(conn: &Connection) -> rusqlite::Result<()> {
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    Ok(())
}

fn internal(e: impl std::fmt::Display) -> ApiError {
    ApiError::Internal(e.to_string())
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

    fn read<T>(&self, f: impl FnOnce(&Connection) -> ApiResult<T>) -> ApiResult<T> {
        let n = self.next_reader.fetch_add(1, Ordering::Relaxed) % self.readers.len();
        let conn = self.readers[n].lock().map_err(|_| internal("reader lock poisoned"))?;
        f(&conn)
    }

    fn write<T>(&self, f: impl FnOnce(&Transaction) -> ApiResult<T>) -> ApiResult<T> {
        let mut conn = self.writer.lock().map_err(|_| internal("writer lock poisoned"))?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let out = f(&tx)?;
        tx.commit()?;
        Ok(out)
    }
}

// ------------------------------------------------------------------ helpers in a transaction

fn load_app(conn: &Connection, id: &str) -> ApiResult<Option<(Application, String, String, String)>> {
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
fn bound_accounts(conn: &Connection, student_id: &str, parent_id: &str) -> ApiResult<u32> {
    let mut st = conn.prepare_cached("SELECT parent_id, status FROM applications WHERE student_id = ?1")?;
    let rows = st
        .query_map([student_id], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let apps = rows.iter().filter_map(|(p, s)| {
        Status::from_wire(s).map(|status| binddesk_domain::rules::StudentApplication { parent_id: p, status })
    });
    Ok(binddesk_domain::rules::bound_accounts(apps, parent_id))
}

fn email_used_by_another(conn: &Connection, email: &str, parent_id: &str) -> ApiResult<bool> {
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

fn facts_for(conn: &Connection, app: &Application) -> ApiResult<FlagFacts> {
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
fn save_app(tx: &Connection, app: &mut Application, owner: &str, now: Timestamp) -> ApiResult<()> {
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
fn refresh_related(tx: &Connection, students: &[String], emails: &[String], now: Timestamp) -> ApiResult<()> {
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

fn queue_mail(tx: &Connection, m: &mail::Message, now: Timestamp) -> ApiResult<()> {
    tx.execute(
        "INSERT INTO mail_outbox (channel, to_address, kind, subject, body, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![m.channel, m.to, m.kind, m.subject, m.body, now.to_rfc3339()],
    )?;
    Ok(())
}

/// On approval: the parent's account (login = e-mail) exists afterwards; its first
/// password (last six characters of the ID number) is hashed by a background task, so a
/// batch of a thousand approvals does not wait for a thousand argon2 hashes.
fn ensure_account_and_notify(tx: &Connection, app: &Application, now: Timestamp) -> ApiResult<()> {
    let email = app.parent.email.to_lowercase();
    tx.execute(
        "INSERT OR IGNORE INTO parent_accounts (email, parent_id, name, password_hash, must_change_password, created_at)
         VALUES (?1, ?2, ?3, NULL, 1, ?4)",
        params![email, app.parent.id_number, app.parent.name, now.to_rfc3339()],
    )?;
    queue_mail(tx, &mail::approved_notice(app), now)
}

use binddesk_domain::rules::decision::record as history;

fn rule_error(e: &binddesk_domain::RuleError) -> ErrorDetail {
    ErrorDetail { code: e.code().to_string(), message: e.to_string(), fields: None, retry_after_secs: None }
}

/// The checks of a submission that need storage: two-account limit, one live
/// application per parent and student, e-mail uniqueness across parents.
fn check_submission(tx: &Connection, plan: &SubmitPlan, except_id: Option<&str>) -> ApiResult<()> {
    let mut fields = FieldErrors::new();
    let email = plan.parent.email.to_lowercase();
    if email_used_by_another(tx, &email, &plan.parent.id_number)? {
        fields.insert(
            "parent.email".into(),
            "此E-mail已有申請紀錄 (this e-mail is used by another parent)".into(),
        );
    }
    for ps in &plan.students {
        let sid = &ps.student.id_number;
        if bound_accounts(tx, sid, &plan.parent.id_number)? >= binddesk_domain::rules::MAX_BOUND_ACCOUNTS {
            fields.insert(
                format!("{}.id_number", ps.path),
                "此學生已有兩個綁定帳號 (the student already has two bound accounts)".into(),
            );
            continue;
        }
        let dup: bool = tx.query_row(
            &format!(
                "SELECT EXISTS(SELECT 1 FROM applications WHERE student_id = ?1 AND parent_id = ?2
                 AND status IN {live} AND id <> ?3)",
                live = live()
            ),
            params![sid, plan.parent.id_number, except_id.unwrap_or("")],
            |r| r.get(0),
        )?;
        if dup {
            fields.insert(
                format!("{}.id_number", ps.path),
                "已有此學生的申請 (an application for this student already exists)".into(),
            );
        }
    }
    if fields.is_empty() {
        Ok(())
    } else {
        Err(ApiError::fields("rules_refused", "the application breaks a binding rule", fields))
    }
}

fn store_signature(tx: &Connection, sig: &SignatureBlob) -> ApiResult<()> {
    tx.execute(
        "INSERT OR IGNORE INTO signatures (sha256, png, width, height, ink_ratio) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![sig.info.sha256, sig.png, sig.info.width, sig.info.height, sig.ink_ratio],
    )?;
    Ok(())
}

fn student_of(ps: &PlannedStudent) -> Student {
    Student {
        id_number: ps.student.id_number.clone(),
        name: ps.student.name.clone(),
        school_level: ps.student.school_level,
        school_code: ps.student.school.code.clone(),
        class_id: ps.student.class.id.clone(),
        class_name: ps.student.class.name.clone(),
    }
}

/// Applies one decision inside the batch's transaction (under a savepoint).
fn decide_one(
    tx: &Connection,
    staff: &Staff,
    scope: &Scope,
    item: &BatchDecisionItem,
    now: Timestamp,
) -> ApiResult<BatchDecisionResult> {
    let result = |outcome, application, error| BatchDecisionResult {
        application_id: item.application_id.clone(),
        outcome,
        application,
        error,
    };
    // Scope first: a decision_id replayed by someone else must show them nothing.
    let Some((mut app, school, class, owner)) = load_app(tx, &item.application_id)? else {
        let e = ApiError::NotFound("no such application").detail();
        return Ok(result(BatchOutcome::NotFound, None, Some(e)));
    };
    if !scope.contains(&school, &class) {
        return Ok(result(BatchOutcome::Forbidden, None, Some(ApiError::Forbidden.detail())));
    }
    // Idempotency is per staff member: one reviewer's key never answers for another.
    let previous: Option<(String, String)> = tx
        .query_row(
            "SELECT application_id, result FROM decisions WHERE staff_id = ?1 AND decision_id = ?2",
            params![staff.id, item.decision_id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    if let Some((app_id, stored)) = previous {
        if app_id == item.application_id {
            // Already applied: the same answer again, and nothing changes.
            return Ok(result(BatchOutcome::Applied, Some(serde_json::from_str(&stored)?), None));
        }
        let e = ErrorDetail {
            code: "decision_id_reused".into(),
            message: "this decision_id was already used for another application".into(),
            fields: None,
            retry_after_secs: None,
        };
        return Ok(result(BatchOutcome::Refused, None, Some(e)));
    }
    if app.version != item.expected_version {
        let e = ErrorDetail {
            code: "version_conflict".into(),
            message: format!(
                "the application is at version {} ({}), you saw version {}",
                app.version, app.status, item.expected_version
            ),
            fields: None,
            retry_after_secs: None,
        };
        return Ok(result(BatchOutcome::Conflict, Some(app), Some(e)));
    }
    let bound = bound_accounts(tx, &app.student.id_number, &app.parent.id_number)?;
    if let Err(e) = apply_decision(&mut app, item.action, item.reason.as_deref(), bound, &staff.name, now) {
        return Ok(result(BatchOutcome::Refused, Some(app), Some(rule_error(&e))));
    }
    save_app(tx, &mut app, &owner, now)?;
    match item.action {
        DecisionAction::Approve => ensure_account_and_notify(tx, &app, now)?,
        DecisionAction::Return => queue_mail(tx, &mail::returned_notice(&app), now)?,
    }
    tx.execute(
        "INSERT INTO decisions (decision_id, application_id, staff_id, result, at) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![item.decision_id, app.id, staff.id, serde_json::to_string(&app)?, now.to_rfc3339()],
    )?;
    refresh_related(
        tx,
        std::slice::from_ref(&app.student.id_number),
        &[app.parent.email.to_lowercase()],
        now,
    )?;
    Ok(result(BatchOutcome::Applied, Some(app), None))
}

fn staff_record(conn: &Connection, where_clause: &str, key: &str) -> ApiResult<Option<StaffRecord>> {
    let row = conn
        .query_row(
            &format!(
                "SELECT s.id, s.username, s.name, s.role, s.school_code, sc.name, s.password_hash
                 FROM staff s JOIN schools sc ON sc.code = s.school_code WHERE {where_clause} = ?1"
            ),
            [key],
            |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, String>(5)?,
                    r.get::<_, String>(6)?,
                ))
            },
        )
        .optional()?;
    let Some((id, username, name, role, school_code, school_name, hash)) = row else {
        return Ok(None);
    };
    let role = Role::from_wire(&role).ok_or_else(|| internal("unknown role in store"))?;
    let classes = if role == Role::Admin {
        let mut st =
            conn.prepare_cached("SELECT id, name FROM classes WHERE school_code = ?1 ORDER BY name")?;
        st.query_map([&school_code], |r| Ok(ClassRef { id: r.get(0)?, name: r.get(1)? }))?
            .collect::<rusqlite::Result<Vec<_>>>()?
    } else {
        let mut st = conn.prepare_cached(
            "SELECT c.id, c.name FROM staff_classes x JOIN classes c ON c.id = x.class_id
             WHERE x.staff_id = ?1 ORDER BY c.name",
        )?;
        st.query_map([&id], |r| Ok(ClassRef { id: r.get(0)?, name: r.get(1)? }))?
            .collect::<rusqlite::Result<Vec<_>>>()?
    };
    Ok(Some(StaffRecord {
        staff: Staff { id, name, role, school: School { code: school_code, name: school_name }, classes },
        username,
        password_hash: hash,
    }))
}

impl Store for SqliteStore {
    fn staff_by_username(&self, username: &str) -> ApiResult<Option<StaffRecord>> {
        self.read(|c| staff_record(c, "s.username", username))
    }

    fn staff_by_id(&self, id: &str) -> ApiResult<Option<StaffRecord>> {
        self.read(|c| staff_record(c, "s.id", id))
    }

    fn begin_login(&self, username: &str, now: i64) -> ApiResult<binddesk_domain::throttle::Attempt> {
        self.write(|tx| super::guard::begin_login(tx, username, now))
    }

    fn end_login(&self, username: &str, number: u32, ok: bool, now: i64) -> ApiResult<()> {
        self.write(|tx| super::guard::end_login(tx, username, number, ok, now))
    }

    fn insert_session(&self, token_hash: &str, subject: &SessionSubject, expires_at: i64) -> ApiResult<()> {
        let (kind, who, email) = match subject {
            SessionSubject::Staff(id) => ("staff", id, None),
            SessionSubject::Parent { owner, email } => ("parent", owner, email.as_deref()),
        };
        self.write(|tx| {
            tx.execute(
                "INSERT INTO sessions (token_hash, kind, subject, expires_at, email) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![token_hash, kind, who, expires_at, email],
            )?;
            Ok(())
        })
    }

    fn session(&self, token_hash: &str, now: i64) -> ApiResult<Option<SessionSubject>> {
        self.read(|c| {
            let row = c
                .prepare_cached(
                    "SELECT kind, subject, email FROM sessions WHERE token_hash = ?1 AND expires_at > ?2",
                )?
                .query_row(params![token_hash, now], |r| {
                    Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, Option<String>>(2)?))
                })
                .optional()?;
            Ok(row.map(|(k, s, email)| {
                if k == "staff" {
                    SessionSubject::Staff(s)
                } else {
                    SessionSubject::Parent { owner: s, email }
                }
            }))
        })
    }

    fn delete_session(&self, token_hash: &str) -> ApiResult<()> {
        self.write(|tx| {
            tx.execute("DELETE FROM sessions WHERE token_hash = ?1", [token_hash])?;
            Ok(())
        })
    }

    fn set_session_email(&self, token_hash: &str, email: &str) -> ApiResult<()> {
        self.write(|tx| {
            tx.execute(
                "UPDATE sessions SET email = ?2 WHERE token_hash = ?1 AND kind = 'parent'",
                params![token_hash, email],
            )?;
            Ok(())
        })
    }

    fn purge_expired(&self, now: i64) -> ApiResult<usize> {
        self.write(|tx| super::guard::purge_expired(tx, now))
    }

    fn changes(&self, scope: &Scope, since: i64, limit: u32) -> ApiResult<ChangesPage> {
        self.read(|c| {
            let fetch = i64::from(limit) + 1;
            let mut rows: Vec<(i64, String)> = Vec::new();
            match &scope.class_ids {
                None => {
                    let mut st = c.prepare_cached(
                        "SELECT change_seq, body FROM applications WHERE school_code = ?1 AND change_seq > ?2
                         ORDER BY change_seq LIMIT ?3",
                    )?;
                    for r in st
                        .query_map(params![scope.school_code, since, fetch], |r| Ok((r.get(0)?, r.get(1)?)))?
                    {
                        rows.push(r?);
                    }
                }
                Some(classes) => {
                    // One index range per class, merged by sequence number.
                    let mut st = c.prepare_cached(
                        "SELECT change_seq, body FROM applications WHERE class_id = ?1 AND school_code = ?2
                         AND change_seq > ?3 ORDER BY change_seq LIMIT ?4",
                    )?;
                    for class in classes {
                        for r in st.query_map(params![class, scope.school_code, since, fetch], |r| {
                            Ok((r.get(0)?, r.get(1)?))
                        })? {
                            rows.push(r?);
                        }
                    }
                    rows.sort_by_key(|(seq, _)| *seq);
                    rows.truncate(fetch as usize);
                }
            }
            let has_more = rows.len() > limit as usize;
            rows.truncate(limit as usize);
            let next_cursor = rows.last().map_or(since, |(seq, _)| *seq);
            let items = rows
                .iter()
                .map(|(_, body)| serde_json::from_str::<Application>(body))
                .collect::<Result<Vec<_>, _>>()?;
            Ok(ChangesPage { items, next_cursor, has_more })
        })
    }

    fn application(&self, id: &str) -> ApiResult<Option<(Application, String, String)>> {
        self.read(|c| Ok(load_app(c, id)?.map(|(a, s, cl, _)| (a, s, cl))))
    }

    fn signature_png(&self, sha256: &str, scope: &Scope) -> ApiResult<Option<Vec<u8>>> {
        self.read(|c| {
            let mut st = c.prepare_cached(
                "SELECT DISTINCT school_code, class_id FROM applications WHERE signature_sha256 = ?1",
            )?;
            let places = st
                .query_map([sha256], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            if places.is_empty() {
                return Ok(None);
            }
            if !places.iter().any(|(s, cl)| scope.contains(s, cl)) {
                return Err(ApiError::Forbidden);
            }
            Ok(c.query_row("SELECT png FROM signatures WHERE sha256 = ?1", [sha256], |r| r.get(0))
                .optional()?)
        })
    }

    fn decide(
        &self,
        staff: &Staff,
        scope: &Scope,
        items: &[BatchDecisionItem],
        now: Timestamp,
    ) -> ApiResult<Vec<BatchDecisionResult>> {
        let mut conn = self.writer.lock().map_err(|_| internal("writer lock poisoned"))?;
        let mut tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut out = Vec::with_capacity(items.len());
        for item in items {
            // A savepoint per item: a failure inside one leaves the others applied.
            let sp = tx.savepoint()?;
            let r = decide_one(&sp, staff, scope, item, now)?;
            sp.commit()?;
            out.push(r);
        }
        tx.set_drop_behavior(rusqlite::DropBehavior::Rollback);
        tx.commit()?;
        Ok(out)
    }

    fn put_code(
        &self,
        address: &str,
        channel: &str,
        code_hash: &str,
        client: &str,
        limits: &CodeLimits,
        now: i64,
    ) -> ApiResult<Result<(), CodeRefused>> {
        self.write(|tx| super::guard::put_code(tx, address, channel, code_hash, client, limits, now))
    }

    fn take_code(
        &self,
        address: &str,
        code_hash: &str,
        client: &str,
        limits: &CodeLimits,
        now: i64,
    ) -> ApiResult<CodeCheck> {
        self.write(|tx| super::guard::take_code(tx, address, code_hash, client, limits, now))
    }

    fn record_reveals(
        &self,
        staff: &Staff,
        scope: &Scope,
        reveals: &[RevealRecord],
        now: Timestamp,
    ) -> ApiResult<u32> {
        self.write(|tx| super::guard::record_reveals(tx, &staff.id, scope, reveals, &now.to_rfc3339()))
    }

    fn reveals(
        &self,
        scope: &Scope,
        application_id: Option<&str>,
        limit: u32,
    ) -> ApiResult<Vec<RevealRecord>> {
        self.read(|c| super::guard::reveals(c, scope, application_id, limit))
    }

    fn schools_for_student(&self, level: SchoolLevel, id_number: &str) -> ApiResult<Vec<School>> {
        self.read(|c| {
            let mut st = c.prepare_cached(
                "SELECT sc.code, sc.name FROM students s JOIN schools sc ON sc.code = s.school_code
                 WHERE s.id_number = ?1 AND s.school_level = ?2 ORDER BY sc.name",
            )?;
            Ok(st
                .query_map(params![id_number, level.as_str()], |r| {
                    Ok(School { code: r.get(0)?, name: r.get(1)? })
                })?
                .collect::<rusqlite::Result<Vec<_>>>()?)
        })
    }

    fn roster_student(
        &self,
        id_number: &str,
        school_code: &str,
        level: SchoolLevel,
    ) -> ApiResult<Option<RosterStudent>> {
        self.read(|c| {
            Ok(c.query_row(
                "SELECT s.name, sc.name, c.id, c.name FROM students s JOIN schools sc ON sc.code = s.school_code
                 JOIN classes c ON c.id = s.class_id
                 WHERE s.id_number = ?1 AND s.school_code = ?2 AND s.school_level = ?3",
                params![id_number, school_code, level.as_str()],
                |r| {
                    Ok(RosterStudent {
                        id_number: id_number.to_string(),
                        name: r.get(0)?,
                        school_level: level,
                        school: School { code: school_code.to_string(), name: r.get(1)? },
                        class: ClassRef { id: r.get(2)?, name: r.get(3)? },
                    })
                },
            )
            .optional()?)
        })
    }

    fn submit(&self, plan: &SubmitPlan, now: Timestamp) -> ApiResult<Vec<Application>> {
        self.write(|tx| {
            if !plan.legacy_import {
                check_submission(tx, plan, None)?;
            }
            store_signature(tx, &plan.signature)?;
            let batch_id = uuid::Uuid::new_v4().to_string();
            let mut apps = Vec::new();
            for ps in &plan.students {
                let mut app = Application {
                    id: uuid::Uuid::new_v4().to_string(),
                    version: 1,
                    status: Status::Pending,
                    submitted_at: now,
                    updated_at: now,
                    batch_id: batch_id.clone(),
                    student: student_of(ps),
                    parent: plan.parent.clone(),
                    relationship: ps.relationship,
                    signature: plan.signature.info.clone(),
                    registry_check: ps.registry.to_check(),
                    flags: vec![],
                    return_reason: None,
                    previous: None,
                    history: vec![],
                };
                history(&mut app, now, "parent", HistoryAction::Submitted, None);
                let auto = ps.registry == crate::registry::RegistryOutcome::Passed && {
                    let bound = bound_accounts(tx, &app.student.id_number, &app.parent.id_number)?;
                    auto_approve(&mut app, bound, now)
                };
                save_app(tx, &mut app, &plan.owner, now)?;
                if auto {
                    ensure_account_and_notify(tx, &app, now)?;
                }
                apps.push(app);
            }
            let students: Vec<String> = plan.students.iter().map(|s| s.student.id_number.clone()).collect();
            refresh_related(tx, &students, &[plan.parent.email.to_lowercase()], now)?;
            Ok(apps)
        })
    }

    fn resubmit(&self, id: &str, plan: &SubmitPlan, now: Timestamp) -> ApiResult<Application> {
        self.write(|tx| {
            let Some((mut app, _, _, owner)) = load_app(tx, id)? else {
                return Err(ApiError::NotFound("no such application"));
            };
            if owner != plan.owner && app.parent.email.to_lowercase() != plan.owner {
                return Err(ApiError::NotFound("no such application"));
            }
            if app.status != Status::Returned {
                return Err(ApiError::Unprocessable {
                    code: "not_returned",
                    message: format!(
                        "only a returned application can be corrected; this one is {}",
                        app.status
                    ),
                    fields: None,
                });
            }
            check_submission(tx, plan, Some(id))?;
            store_signature(tx, &plan.signature)?;
            let ps = plan.students.first().ok_or_else(|| internal("resubmission without a student"))?;
            app.previous = Some(Box::new(PreviousVersion {
                version: app.version,
                student: app.student.clone(),
                parent: app.parent.clone(),
                relationship: app.relationship,
                signature: app.signature.clone(),
                return_reason: app.return_reason.clone(),
            }));
            let old_email = app.parent.email.to_lowercase();
            app.student = student_of(ps);
            app.parent = plan.parent.clone();
            app.relationship = ps.relationship;
            app.signature = plan.signature.info.clone();
            app.registry_check = ps.registry.to_check();
            app.return_reason = None;
            app.version += 1;
            app.updated_at = now;
            app.status = Status::Returned.transition(Status::Pending).map_err(internal)?;
            history(&mut app, now, "parent", HistoryAction::Resubmitted, None);
            let auto = ps.registry == crate::registry::RegistryOutcome::Passed && {
                let bound = bound_accounts(tx, &app.student.id_number, &app.parent.id_number)?;
                auto_approve(&mut app, bound, now)
            };
            save_app(tx, &mut app, &owner, now)?;
            if auto {
                ensure_account_and_notify(tx, &app, now)?;
            }
            refresh_related(
                tx,
                std::slice::from_ref(&app.student.id_number),
                &[old_email, app.parent.email.to_lowercase()],
                now,
            )?;
            Ok(app)
        })
    }

    fn parent_applications(&self, owner: &str) -> ApiResult<Vec<Application>> {
        self.read(|c| {
            let mut st = c.prepare_cached(
                "SELECT body FROM applications WHERE owner = ?1 OR parent_email = ?1 ORDER BY change_seq",
            )?;
            let bodies =
                st.query_map([owner], |r| r.get::<_, String>(0))?.collect::<rusqlite::Result<Vec<_>>>()?;
            Ok(bodies.iter().map(|b| serde_json::from_str(b)).collect::<Result<Vec<_>, _>>()?)
        })
    }

    fn cancel(&self, owner: &str, id: Option<&str>, now: Timestamp) -> ApiResult<u32> {
        self.write(|tx| {
            let ids: Vec<String> = match id {
                Some(id) => {
                    let Some((app, _, _, app_owner)) = load_app(tx, id)? else {
                        return Err(ApiError::NotFound("no such application"));
                    };
                    if app_owner != owner && app.parent.email.to_lowercase() != owner {
                        return Err(ApiError::NotFound("no such application"));
                    }
                    if !app.status.can_become(Status::Cancelled) {
                        return Err(ApiError::Unprocessable {
                            code: "not_cancellable",
                            message: format!(
                                "only a pending or returned application can be cancelled; this one is {}",
                                app.status
                            ),
                            fields: None,
                        });
                    }
                    vec![id.to_string()]
                }
                None => {
                    let mut st = tx.prepare_cached(&format!(
                        "SELECT id FROM applications WHERE (owner = ?1 OR parent_email = ?1) AND status IN {}",
                        open_statuses()
                    ))?;
                    st.query_map([owner], |r| r.get(0))?.collect::<rusqlite::Result<Vec<_>>>()?
                }
            };
            let mut students = Vec::new();
            let mut emails = Vec::new();
            for id in &ids {
                if let Some((mut app, _, _, app_owner)) = load_app(tx, id)? {
                    app.status = app.status.transition(Status::Cancelled).map_err(internal)?;
                    app.version += 1;
                    app.updated_at = now;
                    history(&mut app, now, "parent", HistoryAction::Cancelled, None);
                    save_app(tx, &mut app, &app_owner, now)?;
                    students.push(app.student.id_number.clone());
                    emails.push(app.parent.email.to_lowercase());
                }
            }
            refresh_related(tx, &students, &emails, now)?;
            Ok(ids.len() as u32)
        })
    }

    fn registry_retry_candidates(&self, limit: u32) -> ApiResult<Vec<(String, String, String)>> {
        self.read(|c| {
            let mut st = c.prepare_cached(
                "SELECT id, parent_id, student_id FROM applications
                 WHERE registry_result = 'unavailable' AND status = 'pending' LIMIT ?1",
            )?;
            Ok(st
                .query_map([limit], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
                .collect::<rusqlite::Result<Vec<_>>>()?)
        })
    }

    fn apply_registry_result(&self, id: &str, outcome: &RegistryOutcome, now: Timestamp) -> ApiResult<()> {
        self.write(|tx| {
            let Some((mut app, _, _, owner)) = load_app(tx, id)? else { return Ok(()) };
            if app.status != Status::Pending || app.registry_check.result != RegistryResult::Unavailable {
                return Ok(());
            }
            if *outcome == RegistryOutcome::Unavailable {
                return Ok(());
            }
            app.registry_check = outcome.to_check();
            app.updated_at = now;
            // The same rule as a reviewer's approval: never past the two-account limit.
            // A state change of a published application: the version moves, so a
            // reviewer's pending decision on it conflicts.
            let bound = bound_accounts(tx, &app.student.id_number, &app.parent.id_number)?;
            let mut approved = app.clone();
            approved.version += 1;
            let auto = *outcome == RegistryOutcome::Passed && auto_approve(&mut approved, bound, now);
            if auto {
                app = approved;
            }
            save_app(tx, &mut app, &owner, now)?;
            if auto {
                ensure_account_and_notify(tx, &app, now)?;
                refresh_related(tx, std::slice::from_ref(&app.student.id_number), &[], now)?;
            }
            Ok(())
        })
    }

    fn queue(&self, message: &mail::Message, now: Timestamp) -> ApiResult<()> {
        self.write(|tx| queue_mail(tx, message, now))
    }

    fn outbox(&self, limit: u32, unsent_only: bool) -> ApiResult<Vec<OutboxMail>> {
        self.read(|c| {
            let sql = if unsent_only {
                "SELECT id, channel, to_address, kind, subject, body, created_at, sent_at FROM mail_outbox
                 WHERE sent_at IS NULL AND attempts < 10 ORDER BY id LIMIT ?1"
            } else {
                "SELECT id, channel, to_address, kind, subject, body, created_at, sent_at FROM mail_outbox
                 ORDER BY id DESC LIMIT ?1"
            };
            let mut st = c.prepare_cached(sql)?;
            Ok(st
                .query_map([limit], |r| {
                    Ok(OutboxMail {
                        id: r.get(0)?,
                        channel: r.get(1)?,
                        to: r.get(2)?,
                        kind: r.get(3)?,
                        subject: r.get(4)?,
                        body: r.get(5)?,
                        created_at: r.get(6)?,
                        sent_at: r.get(7)?,
                    })
                })?
                .collect::<rusqlite::Result<Vec<_>>>()?)
        })
    }

    fn mark_mail(&self, id: i64, result: Result<(), String>, now: Timestamp) -> ApiResult<()> {
        self.write(|tx| {
            match result {
                Ok(()) => tx.execute(
                    "UPDATE mail_outbox SET sent_at = ?2, attempts = attempts + 1, last_error = NULL WHERE id = ?1",
                    params![id, now.to_rfc3339()],
                )?,
                Err(e) => tx.execute(
                    "UPDATE mail_outbox SET attempts = attempts + 1, last_error = ?2 WHERE id = ?1",
                    params![id, e],
                )?,
            };
            Ok(())
        })
    }

    fn accounts_without_password(&self, limit: u32) -> ApiResult<Vec<(String, String)>> {
        self.read(|c| {
            let mut st = c.prepare_cached(
                "SELECT email, parent_id FROM parent_accounts WHERE password_hash IS NULL LIMIT ?1",
            )?;
            Ok(st
                .query_map([limit], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<rusqlite::Result<Vec<_>>>()?)
        })
    }

    fn set_account_password(&self, email: &str, hash: &str) -> ApiResult<()> {
        self.write(|tx| {
            tx.execute(
                "UPDATE parent_accounts SET password_hash = ?2 WHERE email = ?1 AND password_hash IS NULL",
                params![email, hash],
            )?;
            Ok(())
        })
    }

    fn import_roster(&self, rows: &[RosterRow]) -> ApiResult<usize> {
        self.write(|tx| {
            for r in rows {
                tx.execute(
                    "INSERT INTO schools (code, name) VALUES (?1, ?2) ON CONFLICT(code) DO UPDATE SET name = excluded.name",
                    params![r.school_code, r.school_name],
                )?;
                tx.execute(
                    "INSERT INTO classes (id, school_code, name, school_level) VALUES (?1, ?2, ?3, ?4)
                     ON CONFLICT(id) DO UPDATE SET name = excluded.name, school_level = excluded.school_level",
                    params![r.class_id, r.school_code, r.class_name, r.school_level.as_str()],
                )?;
                tx.execute(
                    "INSERT INTO students (id_number, school_code, school_level, class_id, name) VALUES (?1, ?2, ?3, ?4, ?5)
                     ON CONFLICT(id_number, school_code) DO UPDATE SET school_level = excluded.school_level,
                         class_id = excluded.class_id, name = excluded.name",
                    params![r.student_id, r.school_code, r.school_level.as_str(), r.class_id, r.student_name],
                )?;
            }
            Ok(rows.len())
        })
    }

    fn import_staff(&self, rows: &[StaffRow]) -> ApiResult<usize> {
        self.write(|tx| {
            for r in rows {
                let id: Option<String> =
                    tx.query_row("SELECT id FROM staff WHERE username = ?1", [&r.username], |x| x.get(0)).optional()?;
                let id = id.unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
                tx.execute(
                    "INSERT INTO staff (id, username, name, role, school_code, password_hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                     ON CONFLICT(id) DO UPDATE SET name = excluded.name, role = excluded.role,
                         school_code = excluded.school_code, password_hash = excluded.password_hash",
                    params![id, r.username, r.name, r.role.as_str(), r.school_code, r.password_hash],
                )?;
                tx.execute("DELETE FROM staff_classes WHERE staff_id = ?1", [&id])?;
                tx.execute("DELETE FROM sessions WHERE kind = 'staff' AND subject = ?1", [&id])?;
                for c in &r.class_ids {
                    tx.execute("INSERT INTO staff_classes (staff_id, class_id) VALUES (?1, ?2)", params![id, c])?;
                }
            }
            Ok(rows.len())
        })
    }

    fn import_registry(&self, residents: &[String], links: &[(String, String)]) -> ApiResult<()> {
        self.write(|tx| {
            for r in residents {
                tx.execute("INSERT OR IGNORE INTO registry_residents (id_number) VALUES (?1)", [r])?;
            }
            for (p, c) in links {
                tx.execute(
                    "INSERT OR IGNORE INTO registry_links (parent_id, child_id) VALUES (?1, ?2)",
                    params![p, c],
                )?;
            }
            Ok(())
        })
    }

    fn setting(&self, key: &str) -> ApiResult<Option<String>> {
        self.read(|c| {
            Ok(c.query_row("SELECT value FROM settings WHERE key = ?1", [key], |r| r.get(0)).optional()?)
        })
    }

    fn set_setting(&self, key: &str, value: &str) -> ApiResult<()> {
        self.write(|tx| {
            tx.execute(
                "INSERT INTO settings (key, value) VALUES (?1, ?2) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                params![key, value],
            )?;
            Ok(())
        })
    }

    fn registry_facts(&self, parent_id: &str, child_id: &str) -> ApiResult<(bool, bool, bool)> {
        self.read(|c| {
            Ok(c.query_row(
                "SELECT EXISTS(SELECT 1 FROM registry_residents WHERE id_number = ?1),
                        EXISTS(SELECT 1 FROM registry_residents WHERE id_number = ?2),
                        EXISTS(SELECT 1 FROM registry_links WHERE parent_id = ?1 AND child_id = ?2)",
                params![parent_id, child_id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )?)
        })
    }

    fn signature_by_sha(&self, sha256: &str) -> ApiResult<Option<Vec<u8>>> {
        self.read(|c| {
            Ok(c.query_row("SELECT png FROM signatures WHERE sha256 = ?1", [sha256], |r| r.get(0))
                .optional()?)
        })
    }

    fn school_name(&self, code: &str) -> ApiResult<Option<String>> {
        self.read(|c| {
            Ok(c.query_row("SELECT name FROM schools WHERE code = ?1", [code], |r| r.get(0)).optional()?)
        })
    }

    fn is_empty(&self) -> ApiResult<bool> {
        self.read(|c| {
            Ok(c.query_row(
                "SELECT NOT EXISTS(SELECT 1 FROM staff) AND NOT EXISTS(SELECT 1 FROM applications)",
                [],
                |r| r.get(0),
            )?)
        })
    }

    fn ping(&self) -> ApiResult<()> {
        self.read(|c| Ok(c.query_row("SELECT 1", [], |r| r.get::<_, i64>(0)).map(|_| ())?))
    }
}
