//! A sync: queued decisions, reveals, the change feed, then missing signatures.

use super::*;

impl Engine {
    /// Sends queued decisions, pulls the change feed from the stored cursor, and fetches
    /// signatures not yet cached. Progress is reported as it goes; `cancel` stops it at
    /// the next step, with everything so far kept.
    pub async fn sync(
        &self,
        progress: &(dyn Fn(SyncProgress) + Send + Sync),
        cancel: &CancelToken,
    ) -> Result<SyncReport, EngineError> {
        self.sync_inner(false, progress, cancel).await
    }

    /// A sync the reviewer asked for: queued decisions are sent now, even those waiting
    /// out a backoff after an earlier failure.
    pub async fn sync_now(
        &self,
        progress: &(dyn Fn(SyncProgress) + Send + Sync),
        cancel: &CancelToken,
    ) -> Result<SyncReport, EngineError> {
        self.sync_inner(true, progress, cancel).await
    }

    /// Reports reveals recorded in the cache that the service has not heard of yet.
    async fn send_reveals(&self) -> Result<(), EngineError> {
        loop {
            let reveals = self.with_cache(|c| c.unsent_reveals(crate::engine::REVEALS_PER_REPORT))?;
            if reveals.is_empty() {
                return Ok(());
            }
            let ids: Vec<String> = reveals.iter().map(|r| r.reveal_id.clone()).collect();
            let r = self.client().report_reveals(&binddesk_domain::api::RevealReport { reveals }).await;
            self.note(&r);
            r?;
            self.with_cache(|c| c.mark_reveals_sent(&ids, Utc::now()))?;
        }
    }

    async fn sync_inner(
        &self,
        force_send: bool,
        progress: &(dyn Fn(SyncProgress) + Send + Sync),
        cancel: &CancelToken,
    ) -> Result<SyncReport, EngineError> {
        let _one_sync = self.sync_lock.lock().await;
        let mut p = SyncProgress { phase: Some(SyncPhase::Sending), ..SyncProgress::default() };
        progress(p);
        let sent = match self.send_outbox(force_send).await {
            Ok(r) => r,
            Err(EngineError::Client(e)) if e.is_transient() => SendReport::default(),
            Err(e) => return Err(e),
        };
        // The school's audit of who looked at whose full ID number.
        match self.send_reveals().await {
            Ok(()) => {}
            Err(EngineError::Client(e)) if e.is_transient() => {}
            Err(e) => return Err(e),
        }
        let mut report = SyncReport {
            applications: 0,
            signatures: 0,
            bytes: 0,
            sent: sent.applied,
            conflicts: sent.conflicts,
            cancelled: false,
            finished_at: Utc::now(),
        };

        p.phase = Some(SyncPhase::Changes);
        progress(p);
        let mut cursor = self.with_cache(|c| c.cursor())?;
        loop {
            if cancel.is_cancelled() {
                report.cancelled = true;
                return Ok(report);
            }
            let r = self.client().changes_sized(cursor, self.page_size.load(Ordering::SeqCst)).await;
            self.note(&r);
            let (page, bytes) = r?;
            if page.next_cursor < cursor {
                return Err(ClientError::NotOurApi("the change feed went backwards".into()).into());
            }
            if !page.items.is_empty() || page.next_cursor != cursor {
                self.with_cache(|c| c.apply_page(&page.items, page.next_cursor))?;
            }
            cursor = page.next_cursor;
            report.applications += page.items.len() as u32;
            report.bytes += bytes as u64;
            p.applications = report.applications;
            p.bytes = report.bytes;
            progress(p);
            if !page.has_more {
                break;
            }
        }

        p.phase = Some(SyncPhase::Signatures);
        let pending = self.with_cache(|c| c.meta("signatures_pending"))?.is_some_and(|v| v == "1");
        let missing = if pending { self.with_cache(|c| c.missing_signatures())? } else { Vec::new() };
        p.signatures_total = missing.len() as u32;
        progress(p);
        let mut queue = missing.into_iter();
        let mut running = tokio::task::JoinSet::new();
        let mut buffer: Vec<(String, Vec<u8>)> = Vec::new();
        let mut failure: Option<ClientError> = None;
        loop {
            while failure.is_none() && !cancel.is_cancelled() && running.len() < SIGNATURE_FETCHES {
                let Some(sha) = queue.next() else { break };
                let client = self.client();
                running.spawn(async move {
                    let r = client.signature(&sha).await;
                    (sha, r)
                });
            }
            let Some(done) = running.join_next().await else { break };
            let (sha, r) = done.map_err(|e| CacheError::Io(format!("a signature fetch failed: {e}")))?;
            self.note(&r);
            match r {
                Ok(png) if hex::encode(Sha256::digest(&png)) == sha => {
                    report.bytes += png.len() as u64;
                    report.signatures += 1;
                    buffer.push((sha, png));
                }
                Ok(_) => {
                    failure.get_or_insert(ClientError::NotOurApi(
                        "a signature that does not match its hash".into(),
                    ));
                }
                // A signature no longer in scope is simply not cached.
                Err(ClientError::NotFound | ClientError::Forbidden) => {}
                Err(e) => {
                    failure.get_or_insert(e);
                }
            }
            if buffer.len() >= 64 {
                let chunk = std::mem::take(&mut buffer);
                self.with_cache(|c| c.store_signatures(&chunk))?;
            }
            p.signatures_done = report.signatures;
            p.bytes = report.bytes;
            progress(p);
        }
        self.with_cache(|c| c.store_signatures(&buffer))?;
        if let Some(e) = failure {
            return Err(e.into());
        }
        if cancel.is_cancelled() {
            report.cancelled = true;
            return Ok(report);
        }
        report.finished_at = Utc::now();
        let finished = crate::cache::ts(report.finished_at);
        self.with_cache(|c| {
            if pending {
                c.set_meta("signatures_pending", "0")?;
            }
            c.set_meta("last_sync_at", &finished)
        })?;
        p.phase = Some(SyncPhase::Done);
        progress(p);
        Ok(report)
    }
}
