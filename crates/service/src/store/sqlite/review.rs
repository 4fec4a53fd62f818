//! The reviewer's side: the change feed, applications, signatures, decisions, reveals.

use super::*;
use binddesk_domain::BatchOutcome;
use binddesk_domain::rules::apply_decision;
use rusqlite::{Connection, OptionalExtension, params};

/// Applies one decision inside the batch's transaction (under a savepoint).
fn decide_one(
    tx: &Connection,
    staff: &Staff,
    scope: &Scope,
    item: &BatchDecisionItem,
    now: Timestamp,
) -> StoreResult<BatchDecisionResult> {
    let result = |outcome, application, error| BatchDecisionResult {
        application_id: item.application_id.clone(),
        outcome,
        application,
        error,
    };
    // Scope first: a decision_id replayed by someone else must show them nothing.
    let Some((mut app, school, class, owner)) = load_app(tx, &item.application_id)? else {
        return Ok(result(BatchOutcome::NotFound, None, Some(shared::not_found_detail())));
    };
    if !scope.contains(&school, &class) {
        return Ok(result(BatchOutcome::Forbidden, None, Some(shared::out_of_scope_detail())));
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
        return Ok(result(BatchOutcome::Refused, None, Some(shared::reused_id_detail())));
    }
    if app.version != item.expected_version {
        let e = shared::conflict_detail(&app, item.expected_version);
        return Ok(result(BatchOutcome::Conflict, Some(app), Some(e)));
    }
    let bound = bound_accounts(tx, &app.student.id_number, &app.parent.id_number)?;
    if let Err(e) = apply_decision(&mut app, item.action, item.reason.as_deref(), bound, &staff.name, now) {
        return Ok(result(BatchOutcome::Refused, Some(app), Some(shared::detail(e.code(), e.to_string()))));
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

impl ReviewRepo for SqliteStore {
    fn changes(&self, scope: &Scope, since: i64, limit: u32) -> StoreResult<ChangesPage> {
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

    fn feed_head(&self, school_code: &str) -> StoreResult<i64> {
        self.read(|c| {
            Ok(c.query_row(
                "SELECT COALESCE(MAX(change_seq), 0) FROM applications WHERE school_code = ?1",
                [school_code],
                |r| r.get(0),
            )?)
        })
    }

    fn application(&self, id: &str) -> StoreResult<Option<(Application, String, String)>> {
        self.read(|c| Ok(load_app(c, id)?.map(|(a, s, cl, _)| (a, s, cl))))
    }

    fn signature_png(&self, sha256: &str, scope: &Scope) -> StoreResult<Option<Vec<u8>>> {
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
                return Err(StoreError::OutOfScope);
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
    ) -> StoreResult<Vec<BatchDecisionResult>> {
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

    fn record_reveals(
        &self,
        staff: &Staff,
        scope: &Scope,
        reveals: &[RevealRecord],
        now: Timestamp,
    ) -> StoreResult<u32> {
        self.write(|tx| {
            let (staff_id, now) = (&staff.id, now.to_rfc3339());
            let mut new = 0;
            for r in reveals {
                let place: Option<(String, String)> = tx
                    .query_row(
                        "SELECT school_code, class_id FROM applications WHERE id = ?1",
                        [&r.application_id],
                        |x| Ok((x.get(0)?, x.get(1)?)),
                    )
                    .optional()?;
                let Some((school, _)) = place.filter(|(s, c)| scope.contains(s, c)) else { continue };
                new += tx.execute(
                    "INSERT OR IGNORE INTO reveals (staff_id, reveal_id, application_id, school_code, field, at, received_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                    params![staff_id, r.reveal_id, r.application_id, school, r.field, r.at, now],
                )? as u32;
            }
            Ok(new)
        })
    }

    fn reveals(
        &self,
        scope: &Scope,
        application_id: Option<&str>,
        limit: u32,
    ) -> StoreResult<Vec<RevealRecord>> {
        self.read(|conn| {
            let mut st = conn.prepare_cached(
                "SELECT r.reveal_id, r.application_id, r.field, r.at, r.staff_id, a.school_code, a.class_id
                 FROM reveals r JOIN applications a ON a.id = r.application_id
                 WHERE r.school_code = ?1 AND (?2 IS NULL OR r.application_id = ?2)
                 ORDER BY r.at DESC LIMIT ?3",
            )?;
            let rows = st
                .query_map(params![scope.school_code, application_id, limit], |r| {
                    Ok((
                        RevealRecord {
                            reveal_id: r.get(0)?,
                            application_id: r.get(1)?,
                            field: r.get(2)?,
                            at: r.get(3)?,
                            staff_id: r.get(4)?,
                        },
                        r.get::<_, String>(5)?,
                        r.get::<_, String>(6)?,
                    ))
                })?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(rows.into_iter().filter(|(_, s, c)| scope.contains(s, c)).map(|(r, _, _)| r).collect())
        })
    }

    fn signature_by_sha(&self, sha256: &str) -> StoreResult<Option<Vec<u8>>> {
        self.read(|c| {
            Ok(c.query_row("SELECT png FROM signatures WHERE sha256 = ?1", [sha256], |r| r.get(0))
                .optional()?)
        })
    }

    fn school_name(&self, code: &str) -> StoreResult<Option<String>> {
        self.read(|c| {
            Ok(c.query_row("SELECT name FROM schools WHERE code = ?1", [code], |r| r.get(0)).optional()?)
        })
    }
}
