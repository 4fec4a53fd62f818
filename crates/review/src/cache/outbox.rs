//! The decision outbox in the cache: queueing (the domain's rules checked first against
//! the cached copy), undo, what is due to send, and settling the service's answers.

use super::*;

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

impl Cache {
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

pub(crate) fn queued_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Result<QueuedDecision, CacheError>> {
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
