//! The reviewer's side: the change feed, applications, signatures, decisions, reveals.

use super::*;
use binddesk_domain::BatchOutcome;
use binddesk_domain::rules::apply_decision;

/// Applies one decision inside the batch's transaction. The application's row is locked
/// first, so two instances deciding it wait for each other and the second sees the
/// first's version. A refusal writes nothing, so items need no savepoint of their own.
fn decide_one(
    tx: &mut Transaction,
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
    let Some((mut app, school, class, owner)) = load_app_for_update(tx, &item.application_id)? else {
        return Ok(result(BatchOutcome::NotFound, None, Some(shared::not_found_detail())));
    };
    if !scope.contains(&school, &class) {
        return Ok(result(BatchOutcome::Forbidden, None, Some(shared::out_of_scope_detail())));
    }
    // Idempotency is per staff member: one reviewer's key never answers for another.
    let previous = tx.query_opt(
        "SELECT application_id, result FROM decisions WHERE staff_id = $1 AND decision_id = $2",
        &[&staff.id, &item.decision_id],
    )?;
    if let Some(r) = previous {
        let (app_id, stored): (String, String) = (r.try_get(0)?, r.try_get(1)?);
        if app_id == item.application_id {
            return Ok(result(BatchOutcome::Applied, Some(serde_json::from_str(&stored)?), None));
        }
        return Ok(result(BatchOutcome::Refused, None, Some(shared::reused_id_detail())));
    }
    if app.version != item.expected_version {
        let e = shared::conflict_detail(&app, item.expected_version);
        return Ok(result(BatchOutcome::Conflict, Some(app), Some(e)));
    }
    // The facts behind the flags are the same after the decision: they count other
    // parents only. Read once, they serve the rule and the new flags.
    let facts = facts_for(tx, &app)?;
    let bound = facts.bound_accounts;
    if let Err(e) = apply_decision(&mut app, item.action, item.reason.as_deref(), bound, &staff.name, now) {
        return Ok(result(BatchOutcome::Refused, Some(app), Some(shared::detail(e.code(), e.to_string()))));
    }
    save_app_with_facts(tx, &mut app, &owner, now, &facts)?;
    match item.action {
        DecisionAction::Approve => ensure_account_and_notify(tx, &app, now)?,
        DecisionAction::Return => queue_mail(tx, &mail::returned_notice(&app), now)?,
    }
    tx.execute(
        "INSERT INTO decisions (decision_id, application_id, staff_id, result, at) VALUES ($1, $2, $3, $4, $5)",
        &[&item.decision_id, &app.id, &staff.id, &serde_json::to_string(&app)?, &now.to_rfc3339()],
    )?;
    refresh_related(
        tx,
        std::slice::from_ref(&app.student.id_number),
        &[app.parent.email.to_lowercase()],
        now,
    )?;
    Ok(result(BatchOutcome::Applied, Some(app), None))
}

impl ReviewRepo for PgStore {
    fn changes(&self, scope: &Scope, since: i64, limit: u32) -> StoreResult<ChangesPage> {
        self.read(|c| {
            let fetch = i64::from(limit) + 1;
            let rows = match &scope.class_ids {
                None => c.query(
                    "SELECT change_seq, body FROM applications WHERE school_code = $1 AND change_seq > $2
                     ORDER BY change_seq LIMIT $3",
                    &[&scope.school_code, &since, &fetch],
                )?,
                Some(classes) => c.query(
                    "SELECT change_seq, body FROM applications WHERE school_code = $1 AND class_id = ANY($2)
                     AND change_seq > $3 ORDER BY change_seq LIMIT $4",
                    &[&scope.school_code, classes, &since, &fetch],
                )?,
            };
            let mut rows: Vec<(i64, String)> = rows
                .iter()
                .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
                .collect::<Result<_, postgres::Error>>()?;
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
            let row =
                c.query_opt("SELECT last FROM feed_counters WHERE school_code = $1", &[&school_code])?;
            Ok(row.map(|r| r.try_get(0)).transpose()?.unwrap_or(0))
        })
    }

    fn application(&self, id: &str) -> StoreResult<Option<(Application, String, String)>> {
        self.read(|c| Ok(load_app(c, id)?.map(|(a, s, cl, _)| (a, s, cl))))
    }

    fn signature_png(&self, sha256: &str, scope: &Scope) -> StoreResult<Option<Vec<u8>>> {
        self.read(|c| {
            let places: Vec<(String, String)> = c
                .query(
                    "SELECT DISTINCT school_code, class_id FROM applications WHERE signature_sha256 = $1",
                    &[&sha256],
                )?
                .iter()
                .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
                .collect::<Result<_, postgres::Error>>()?;
            if places.is_empty() {
                return Ok(None);
            }
            if !places.iter().any(|(s, cl)| scope.contains(s, cl)) {
                return Err(StoreError::OutOfScope);
            }
            Ok(c.query_opt("SELECT png FROM signatures WHERE sha256 = $1", &[&sha256])?.map(|r| r.get(0)))
        })
    }

    fn decide(
        &self,
        staff: &Staff,
        scope: &Scope,
        items: &[BatchDecisionItem],
        now: Timestamp,
    ) -> StoreResult<Vec<BatchDecisionResult>> {
        self.write(|tx| {
            // A conflict or refusal returns before writing; a storage error ends the whole
            // batch (and the store runs it again after a deadlock).
            items.iter().map(|item| decide_one(tx, staff, scope, item, now)).collect()
        })
    }

    fn record_reveals(
        &self,
        staff: &Staff,
        scope: &Scope,
        reveals: &[RevealRecord],
        now: Timestamp,
    ) -> StoreResult<u32> {
        self.write(|tx| {
            let now = now.to_rfc3339();
            let mut new = 0;
            for r in reveals {
                let place = tx.query_opt("SELECT school_code, class_id FROM applications WHERE id = $1", &[&r.application_id])?;
                let place: Option<(String, String)> = place.map(|x| (x.get(0), x.get(1)));
                let Some((school, _)) = place.filter(|(s, c)| scope.contains(s, c)) else { continue };
                new += tx.execute(
                    "INSERT INTO reveals (staff_id, reveal_id, application_id, school_code, field, at, received_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING",
                    &[&staff.id, &r.reveal_id, &r.application_id, &school, &r.field, &r.at, &now],
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
        self.read(|c| {
            let rows = c.query(
                "SELECT r.reveal_id, r.application_id, r.field, r.at, r.staff_id, a.school_code, a.class_id
                 FROM reveals r JOIN applications a ON a.id = r.application_id
                 WHERE r.school_code = $1 AND ($2::TEXT IS NULL OR r.application_id = $2)
                 ORDER BY r.at DESC LIMIT $3",
                &[&scope.school_code, &application_id, &i64::from(limit)],
            )?;
            let mut out = Vec::new();
            for r in rows {
                let (school, class): (String, String) = (r.try_get(5)?, r.try_get(6)?);
                if scope.contains(&school, &class) {
                    out.push(RevealRecord {
                        reveal_id: r.try_get(0)?,
                        application_id: r.try_get(1)?,
                        field: r.try_get(2)?,
                        at: r.try_get(3)?,
                        staff_id: r.try_get(4)?,
                    });
                }
            }
            Ok(out)
        })
    }

    fn signature_by_sha(&self, sha256: &str) -> StoreResult<Option<Vec<u8>>> {
        self.read(|c| {
            Ok(c.query_opt("SELECT png FROM signatures WHERE sha256 = $1", &[&sha256])?.map(|r| r.get(0)))
        })
    }

    fn school_name(&self, code: &str) -> StoreResult<Option<String>> {
        self.read(|c| {
            Ok(c.query_opt("SELECT name FROM schools WHERE code = $1", &[&code])?.map(|r| r.get(0)))
        })
    }
}
