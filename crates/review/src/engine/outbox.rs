//! Sending queued decisions exactly once, and settling the service's answers.

use super::*;

impl Engine {
    // ---- the network ----

    /// Sends queued decisions that are due (all of them with `force`). Transient failures
    /// leave them queued with a backoff; the service's refusals become conflicts.
    pub async fn send_outbox(&self, force: bool) -> Result<SendReport, EngineError> {
        self.send_outbox_inner(force, false).await
    }

    /// Like [`Engine::send_outbox`], but stops right after the service answered, before
    /// the answer is stored: what a crash at that moment leaves behind.
    #[cfg(feature = "test-hooks")]
    pub async fn send_outbox_then_crash(&self) -> Result<SendReport, EngineError> {
        self.send_outbox_inner(true, true).await
    }

    async fn send_outbox_inner(
        &self,
        force: bool,
        crash_after_send: bool,
    ) -> Result<SendReport, EngineError> {
        let _one_sender = self.send_lock.lock().await;
        let mut report = SendReport::default();
        loop {
            let rows = self.with_cache(|c| c.take_due(Utc::now(), SEND_BATCH, force))?;
            if rows.is_empty() {
                break;
            }
            let answers = self.send_rows(&rows).await;
            if crash_after_send {
                return Ok(report);
            }
            match answers {
                Ok(outcomes) => self.settle(&rows, outcomes, &mut report).await?,
                Err(e) if e.is_transient() || matches!(e, ClientError::NotOurApi(_)) => {
                    let ids: Vec<String> = rows.iter().map(|r| r.decision_id.clone()).collect();
                    self.with_cache(|c| c.retry_later(&ids, &e.to_string(), Utc::now()))?;
                    break;
                }
                Err(e) => return Err(e.into()),
            }
        }
        report.waiting = self.with_cache(|c| c.outbox_len())?;
        Ok(report)
    }

    /// Sends rows: one through the single endpoint, more through the batch endpoint.
    /// Each outcome: the application as applied, or the refusal.
    async fn send_rows(
        &self,
        rows: &[OutboxRow],
    ) -> Result<Vec<Result<Application, ClientError>>, ClientError> {
        if let [row] = rows {
            let req = DecisionRequest {
                action: row.action,
                reason: row.reason.clone(),
                expected_version: row.expected_version,
                decision_id: row.decision_id.clone(),
            };
            let r = self.client().decide(&row.application_id, &req).await;
            self.note(&r);
            return match r {
                Err(e)
                    if e.is_transient()
                        || matches!(e, ClientError::SessionExpired | ClientError::NotOurApi(_)) =>
                {
                    Err(e)
                }
                other => Ok(vec![other]),
            };
        }
        let batch = BatchDecisionRequest {
            decisions: rows
                .iter()
                .map(|r| BatchDecisionItem {
                    application_id: r.application_id.clone(),
                    action: r.action,
                    reason: r.reason.clone(),
                    expected_version: r.expected_version,
                    decision_id: r.decision_id.clone(),
                })
                .collect(),
        };
        let r = self.client().decide_batch(&batch).await;
        self.note(&r);
        let resp = r?;
        if resp.results.len() != rows.len()
            || resp.results.iter().zip(rows).any(|(a, b)| a.application_id != b.application_id)
        {
            return Err(ClientError::NotOurApi("batch results do not match the decisions sent".into()));
        }
        Ok(resp
            .results
            .into_iter()
            .map(|res| {
                let (code, message) = res
                    .error
                    .map(|e| (e.code, e.message))
                    .unwrap_or_else(|| (res.outcome.as_str().into(), String::new()));
                match (res.outcome, res.application) {
                    (BatchOutcome::Applied, Some(app)) => Ok(app),
                    (BatchOutcome::Applied, None) => {
                        Err(ClientError::NotOurApi("an applied decision without the application".into()))
                    }
                    (BatchOutcome::Conflict, Some(app)) => Err(ClientError::Conflict(Box::new(app))),
                    (BatchOutcome::Conflict, None) | (BatchOutcome::Refused, _) => {
                        Err(ClientError::Refused { code, message })
                    }
                    (BatchOutcome::Forbidden, _) => Err(ClientError::Forbidden),
                    (BatchOutcome::NotFound, _) => Err(ClientError::NotFound),
                }
            })
            .collect())
    }

    async fn settle(
        &self,
        rows: &[OutboxRow],
        outcomes: Vec<Result<Application, ClientError>>,
        report: &mut SendReport,
    ) -> Result<(), EngineError> {
        let mut applied = Vec::new();
        for (row, outcome) in rows.iter().zip(outcomes) {
            let now = Utc::now();
            match outcome {
                Ok(app) => applied.push((row.decision_id.clone(), app)),
                Err(ClientError::Conflict(current)) => {
                    self.with_cache(|c| {
                        c.settle_conflict(
                            row,
                            ConflictKind::VersionMoved,
                            "version_conflict",
                            "the application changed since you saw it",
                            Some(&current),
                            now,
                        )
                    })?;
                    report.conflicts += 1;
                }
                Err(e) => {
                    let (kind, code, message) = match &e {
                        ClientError::Refused { code, message } => {
                            (ConflictKind::Refused, code.clone(), message.clone())
                        }
                        ClientError::Forbidden => {
                            (ConflictKind::Forbidden, "forbidden".into(), e.to_string())
                        }
                        ClientError::NotFound => (ConflictKind::NotFound, "not_found".into(), e.to_string()),
                        other => (ConflictKind::Refused, "service_error".into(), other.to_string()),
                    };
                    // What the service holds now, for the reviewer to compare (best effort).
                    let current = match kind {
                        ConflictKind::Refused => self.client().application(&row.application_id).await.ok(),
                        _ => None,
                    };
                    self.with_cache(|c| {
                        c.settle_conflict(row, kind, &code, &message, current.as_ref(), now)
                    })?;
                    report.conflicts += 1;
                }
            }
        }
        report.applied += applied.len() as u32;
        self.with_cache(|c| c.settle_applied(&applied))?;
        Ok(())
    }
}
