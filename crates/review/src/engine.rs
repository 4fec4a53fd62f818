//! The engine: one logged-in (or offline) reviewer, their cache, sync and outbox.
//!
//! The desktop app holds one [`Engine`] and calls it from its commands. Reads come from
//! the cache only; decisions go to the cache's outbox first and reach the service when
//! [`Engine::send_outbox`] or [`Engine::sync`] runs, each carrying its decision id and
//! the version the reviewer saw, so a resend is harmless and a stale decision becomes
//! a conflict instead of overwriting anything.

use crate::cache::{Cache, CacheError, CacheKey, OutboxRow, QueueError};
use crate::client::{Client, ClientError};
use crate::secrets::{SecretError, SecretStore};
use crate::views::*;
use binddesk_domain::api::{Application, BatchDecisionItem, BatchDecisionRequest, DecisionRequest, Staff};
use binddesk_domain::{BatchOutcome, DecisionAction, Role};
use chrono::Utc;
use sha2::{Digest, Sha256};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

/// Change-feed page size of a sync (the API's maximum).
pub const DEFAULT_PAGE: u32 = 2000;
/// Signatures fetched at the same time.
pub const SIGNATURE_FETCHES: usize = 8;
/// Reveals reported in one request.
pub const REVEALS_PER_REPORT: u32 = 500;
/// Decisions sent in one request (the API's maximum batch).
pub const SEND_BATCH: u32 = 1000;

/// Why an engine call failed.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// Talking to the service failed.
    #[error(transparent)]
    Client(#[from] ClientError),
    /// The cache failed.
    #[error(transparent)]
    Cache(#[from] CacheError),
    /// The credential store failed.
    #[error(transparent)]
    Secret(#[from] SecretError),
    /// The offline copy's key did not open (wrong password, too many tries).
    #[error(transparent)]
    Key(#[from] crate::keywrap::WrapError),
    /// A decision was not queued.
    #[error(transparent)]
    Queue(#[from] QueueError),
    /// No offline copy exists for this service and account.
    #[error("there is no offline copy for this account on this computer; log in while online first")]
    NoOfflineCache,
    /// Logging out with a wipe would throw away decisions not yet sent.
    #[error("{0} decisions have not reached the service yet; send them first, or wipe anyway")]
    UnsentDecisions(u32),
    /// The engine's cache was wiped at logout.
    #[error("logged out")]
    LoggedOut,
    /// The sync was asked to stop.
    #[error("stopped as asked")]
    Cancelled,
}

/// Where engines keep their files and secrets.
#[derive(Debug, Clone)]
pub struct EngineConfig {
    /// The app's data folder; caches go in `caches/` under it.
    pub data_dir: PathBuf,
    /// The credential store for tokens and cache keys.
    pub secrets: SecretStore,
}

/// Asks a running sync or print to stop at the next step.
#[derive(Debug, Clone, Default)]
pub struct CancelToken(Arc<AtomicBool>);

impl CancelToken {
    /// A token not yet cancelled.
    pub fn new() -> CancelToken {
        CancelToken::default()
    }
    /// Asks to stop.
    pub fn cancel(&self) {
        self.0.store(true, Ordering::SeqCst);
    }
    /// Whether stopping was asked.
    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}

/// A stable, non-personal name for one service address and username: it names the cache
/// file and the secrets, so neither reveals who the reviewer is.
pub fn account_id(service_url: &str, username: &str) -> String {
    let url = service_url.trim().trim_end_matches('/').to_lowercase();
    let digest = Sha256::digest(format!("{url}\n{}", username.trim()).as_bytes());
    hex::encode(&digest[..16])
}

fn cache_path(cfg: &EngineConfig, id: &str) -> PathBuf {
    cfg.data_dir.join("caches").join(format!("{id}.sqlite"))
}

/// Where releases before the password-wrapped key kept it: the credential store.
fn legacy_key_name(id: &str) -> String {
    format!("cache-key-{id}")
}

fn key_path(cfg: &EngineConfig, id: &str) -> PathBuf {
    cfg.data_dir.join("caches").join(format!("{id}.key"))
}

/// Moves a cache file (and its WAL) aside, untouched, when no key opens it.
fn set_aside(path: &std::path::Path) -> Result<(), CacheError> {
    if path.exists() {
        let aside = path.with_extension(format!("unreadable-{}", Utc::now().timestamp()));
        std::fs::rename(path, aside).map_err(|e| CacheError::Io(e.to_string()))?;
        for ext in ["sqlite-wal", "sqlite-shm"] {
            let _ = std::fs::remove_file(path.with_extension(ext));
        }
    }
    Ok(())
}

/// The cache key at online login, with the password the service has just accepted: the
/// wrapped key beside the cache; else (a cache of an older release) the credential
/// store's, wrapped now and removed from there; else a new key for a new cache.
fn key_at_login(cfg: &EngineConfig, id: &str, password: &str) -> Result<CacheKey, EngineError> {
    let (path, kpath) = (cache_path(cfg, id), key_path(cfg, id));
    if kpath.exists() {
        // Online, the password is right: a wait for offline tries does not apply.
        match crate::keywrap::open_verified(&kpath, password) {
            Ok(k) => return Ok(k),
            // The password was changed elsewhere since the key was wrapped: the old copy
            // cannot be read; keep it aside, untouched, and start again.
            Err(
                crate::keywrap::WrapError::WrongPassword { .. }
                | crate::keywrap::WrapError::TooManyTries { .. },
            ) => {
                set_aside(&path)?;
            }
            Err(e) => return Err(e.into()),
        }
    } else if let Some(k) = cfg.secrets.get(&legacy_key_name(id))?.as_deref().and_then(CacheKey::from_bytes) {
        if path.exists() {
            crate::keywrap::store(&kpath, &k, password)?;
            cfg.secrets.delete(&legacy_key_name(id))?;
            return Ok(k);
        }
    } else {
        set_aside(&path)?;
    }
    let k = CacheKey::random()?;
    if let Some(dir) = kpath.parent() {
        std::fs::create_dir_all(dir).map_err(|e| CacheError::Io(e.to_string()))?;
    }
    crate::keywrap::store(&kpath, &k, password)?;
    let _ = cfg.secrets.delete(&legacy_key_name(id));
    Ok(k)
}

fn token_name(id: &str) -> String {
    format!("session-{id}")
}

/// Whether an offline copy exists for this account (for the login screen).
pub fn has_offline_cache(cfg: &EngineConfig, service_url: &str, username: &str) -> bool {
    cache_path(cfg, &account_id(service_url, username)).exists()
}

/// One reviewer's engine.
pub struct Engine {
    client: std::sync::RwLock<Client>,
    cache: Mutex<Option<Cache>>,
    cfg: EngineConfig,
    id: String,
    username: String,
    staff: std::sync::RwLock<Staff>,
    online: AtomicBool,
    page_size: AtomicU32,
    send_lock: tokio::sync::Mutex<()>,
    sync_lock: tokio::sync::Mutex<()>,
    /// The cache key, to wrap it again under a password the service has just accepted.
    key: CacheKey,
}

impl Engine {
    /// Logs in and opens (or creates) the account's cache.
    pub async fn login(
        cfg: &EngineConfig,
        service_url: &str,
        username: &str,
        password: &str,
    ) -> Result<Engine, EngineError> {
        let mut client = Client::new(service_url)?;
        let session = client.login(username, password).await?;
        let id = account_id(client.base(), username);
        let path = cache_path(cfg, &id);
        let key = key_at_login(cfg, &id, password)?;
        let mut cache = Cache::open(&path, &key)?;
        let staff_json =
            serde_json::to_string(&session.staff).map_err(|e| CacheError::Damaged(e.to_string()))?;
        cache.set_meta("staff", &staff_json)?;
        cache.set_meta("service_url", client.base())?;
        cache.set_meta("username", username)?;
        if session.staff.role == Role::Teacher {
            let classes: Vec<String> = session.staff.classes.iter().map(|c| c.id.clone()).collect();
            cache.keep_only_classes(&classes)?;
        }
        cfg.secrets.set(&token_name(&id), session.token.as_bytes())?;
        Ok(Engine::assemble(client, cache, key, cfg, id, username, session.staff, true))
    }

    /// Opens the account's cache without the service (offline), with the reviewer's
    /// password, which unwraps the cache key (wrong tries are counted; see
    /// [`crate::keywrap`]). Decisions made now are sent once the service answers again.
    pub fn open_offline(
        cfg: &EngineConfig,
        service_url: &str,
        username: &str,
        password: &str,
    ) -> Result<Engine, EngineError> {
        let mut client = Client::new(service_url)?;
        let id = account_id(client.base(), username);
        let path = cache_path(cfg, &id);
        if !path.exists() {
            return Err(EngineError::NoOfflineCache);
        }
        let kpath = key_path(cfg, &id);
        if !kpath.exists() {
            return Err(EngineError::NoOfflineCache);
        }
        let key = crate::keywrap::open(&kpath, password, Utc::now().timestamp())?;
        let cache = Cache::open(&path, &key)?;
        let staff: Staff = cache
            .meta("staff")?
            .and_then(|s| serde_json::from_str(&s).ok())
            .ok_or(EngineError::NoOfflineCache)?;
        if let Some(token) = cfg.secrets.get(&token_name(&id))? {
            client = client.with_token(String::from_utf8_lossy(&token).into_owned());
        }
        Ok(Engine::assemble(client, cache, key, cfg, id, username, staff, false))
    }

    #[allow(clippy::too_many_arguments)]
    fn assemble(
        client: Client,
        cache: Cache,
        key: CacheKey,
        cfg: &EngineConfig,
        id: String,
        username: &str,
        staff: Staff,
        online: bool,
    ) -> Engine {
        Engine {
            client: std::sync::RwLock::new(client),
            cache: Mutex::new(Some(cache)),
            cfg: cfg.clone(),
            id,
            username: username.to_string(),
            staff: std::sync::RwLock::new(staff),
            online: AtomicBool::new(online),
            page_size: AtomicU32::new(DEFAULT_PAGE),
            send_lock: tokio::sync::Mutex::new(()),
            sync_lock: tokio::sync::Mutex::new(()),
            key,
        }
    }

    /// Logs in again (the session expired) without closing the cache.
    pub async fn relogin(&self, password: &str) -> Result<(), EngineError> {
        let mut client = self.client();
        let session = client.login(&self.username, password).await?;
        // The password may have changed since the key was wrapped: wrap it again.
        crate::keywrap::store(&key_path(&self.cfg, &self.id), &self.key, password)?;
        self.cfg.secrets.set(&token_name(&self.id), session.token.as_bytes())?;
        *self.client.write().unwrap_or_else(|p| p.into_inner()) = client;
        *self.staff.write().unwrap_or_else(|p| p.into_inner()) = session.staff;
        self.online.store(true, Ordering::SeqCst);
        Ok(())
    }

    /// Ends the session. With `wipe` the cache file and its key are deleted too; that is
    /// refused while decisions are unsent unless `force`.
    pub async fn logout(&self, wipe: bool, force: bool) -> Result<(), EngineError> {
        if wipe && !force {
            let unsent = self.with_cache(|c| c.outbox_len())?;
            if unsent > 0 {
                return Err(EngineError::UnsentDecisions(unsent));
            }
        }
        // The service may be unreachable; the local end of the session ends regardless.
        let mut client = self.client();
        let _ = client.logout().await;
        *self.client.write().unwrap_or_else(|p| p.into_inner()) = client;
        self.cfg.secrets.delete(&token_name(&self.id))?;
        if wipe {
            let cache = self.lock().take();
            drop(cache);
            let path = cache_path(&self.cfg, &self.id);
            for p in [path.clone(), path.with_extension("sqlite-wal"), path.with_extension("sqlite-shm")] {
                match std::fs::remove_file(&p) {
                    Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                        return Err(CacheError::Io(e.to_string()).into());
                    }
                    _ => {}
                }
            }
            match std::fs::remove_file(key_path(&self.cfg, &self.id)) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                    return Err(CacheError::Io(e.to_string()).into());
                }
                _ => {}
            }
            self.cfg.secrets.delete(&legacy_key_name(&self.id))?;
        }
        Ok(())
    }

    /// The cache file of this engine.
    pub fn cache_path(&self) -> PathBuf {
        cache_path(&self.cfg, &self.id)
    }

    /// The logged-in staff member.
    pub fn staff(&self) -> Staff {
        self.staff.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// A copy of the client with the current token (for network calls, and for tests).
    pub fn client(&self) -> Client {
        self.client.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// The username this engine is for.
    pub fn username(&self) -> &str {
        &self.username
    }

    /// Sets the change-feed page size (tests use small pages to stop mid-sync).
    pub fn set_page_size(&self, n: u32) {
        self.page_size.store(n.clamp(1, DEFAULT_PAGE), Ordering::SeqCst);
    }

    fn lock(&self) -> MutexGuard<'_, Option<Cache>> {
        // A panic while holding the lock cannot leave SQLite half-written (transactions
        // roll back), so a poisoned lock is safe to keep using.
        self.cache.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn with_cache<T>(&self, f: impl FnOnce(&mut Cache) -> Result<T, CacheError>) -> Result<T, EngineError> {
        let mut guard = self.lock();
        let cache = guard.as_mut().ok_or(EngineError::LoggedOut)?;
        Ok(f(cache)?)
    }

    fn note(&self, r: &Result<impl Sized, ClientError>) {
        match r {
            Ok(_) => self.online.store(true, Ordering::SeqCst),
            Err(ClientError::Unreachable(_)) => self.online.store(false, Ordering::SeqCst),
            Err(_) => self.online.store(true, Ordering::SeqCst),
        }
    }

    /// What the status bar shows.
    pub fn status(&self) -> Result<EngineStatus, EngineError> {
        let (last, queued, conflicts, cached) = self
            .with_cache(|c| Ok((c.meta("last_sync_at")?, c.outbox_len()?, c.conflicts_len()?, c.count()?)))?;
        Ok(EngineStatus {
            service_url: self.client().base().to_string(),
            staff: self.staff(),
            online: self.online.load(Ordering::SeqCst),
            last_sync_at: last.as_deref().map(crate::cache::parse_ts).transpose()?,
            queued,
            conflicts,
            cached,
        })
    }

    // ---- reading (cache only) ----

    /// One page of the list.
    pub fn list(&self, q: &ListQuery) -> Result<ListPage, EngineError> {
        self.with_cache(|c| c.list(q))
    }

    /// Counts per class and status.
    pub fn counts(&self) -> Result<Vec<StatusCount>, EngineError> {
        self.with_cache(|c| c.counts())
    }

    /// Ids of everything matching a query.
    pub fn ids_matching(&self, q: &ListQuery) -> Result<Vec<String>, EngineError> {
        self.with_cache(|c| c.ids_matching(q))
    }

    /// One application, masked.
    pub fn view(&self, id: &str) -> Result<ApplicationView, EngineError> {
        self.with_cache(|c| c.view(id, None, Utc::now()))
    }

    /// One application with full ID numbers and phone, the reveal recorded.
    pub fn reveal(&self, id: &str) -> Result<ApplicationView, EngineError> {
        let who = self.username.clone();
        self.with_cache(|c| c.view(id, Some(&who), Utc::now()))
    }

    /// A cached signature PNG.
    pub fn signature(&self, sha256: &str) -> Result<Option<Vec<u8>>, EngineError> {
        self.with_cache(|c| c.signature(sha256))
    }

    /// Decisions waiting to be sent.
    pub fn outbox(&self) -> Result<Vec<QueuedDecision>, EngineError> {
        self.with_cache(|c| c.outbox())
    }

    /// Conflicts waiting for the reviewer.
    pub fn conflicts(&self) -> Result<Vec<Conflict>, EngineError> {
        self.with_cache(|c| c.conflicts())
    }

    /// The reveal audit: (at, username, application id, fields), newest first.
    pub fn reveal_audit(&self) -> Result<Vec<(String, String, String, String)>, EngineError> {
        self.with_cache(|c| c.reveal_audit())
    }

    // ---- deciding (cache first) ----

    /// Approves or returns one application: queued, effective locally at once.
    pub fn decide(
        &self,
        id: &str,
        action: DecisionAction,
        reason: Option<&str>,
    ) -> Result<QueuedDecision, EngineError> {
        let mut guard = self.lock();
        let cache = guard.as_mut().ok_or(EngineError::LoggedOut)?;
        Ok(cache.queue_decision(id, action, reason, Utc::now())?)
    }

    /// The same decision on many applications; refused ones are listed with why.
    pub fn decide_many(
        &self,
        ids: &[String],
        action: DecisionAction,
        reason: Option<&str>,
    ) -> Result<BulkQueued, EngineError> {
        let (queued, skipped) = self.with_cache(|c| c.queue_many(ids, action, reason, Utc::now()))?;
        Ok(BulkQueued {
            queued,
            skipped: skipped
                .into_iter()
                .map(|(application_id, e)| Skipped {
                    application_id,
                    code: e.code().to_string(),
                    message: e.to_string(),
                })
                .collect(),
        })
    }

    /// Which of these a bulk decision would skip, and why; nothing is queued.
    pub fn preview_many(
        &self,
        ids: &[String],
        action: DecisionAction,
        reason: Option<&str>,
    ) -> Result<Vec<Skipped>, EngineError> {
        let skipped = self.with_cache(|c| c.preview_many(ids, action, reason, Utc::now()))?;
        Ok(skipped
            .into_iter()
            .map(|(application_id, e)| Skipped {
                application_id,
                code: e.code().to_string(),
                message: e.to_string(),
            })
            .collect())
    }

    /// Takes back a decision not yet sent.
    pub fn undo(&self, id: &str) -> Result<(), EngineError> {
        let mut guard = self.lock();
        let cache = guard.as_mut().ok_or(EngineError::LoggedOut)?;
        Ok(cache.undo(id)?)
    }

    /// Drops a conflict: the reviewer accepts what the service holds.
    pub fn drop_conflict(&self, decision_id: &str) -> Result<bool, EngineError> {
        self.with_cache(|c| c.drop_conflict(decision_id))
    }

    /// Deletes decided applications older than `days` from the cache.
    pub fn purge_decided(&self, days: u32) -> Result<u32, EngineError> {
        self.with_cache(|c| c.purge_decided(days, Utc::now()))
    }

    // ---- the network ----

    /// Sends queued decisions that are due (all of them with `force`). Transient failures
    /// leave them queued with a backoff; the service's refusals become conflicts.
    pub async fn send_outbox(&self, force: bool) -> Result<SendReport, EngineError> {
        self.send_outbox_inner(force, false).await
    }

    /// Like [`Engine::send_outbox`], but stops right after the service answered, before
    /// the answer is stored: what a crash at that moment leaves behind.
    #[doc(hidden)]
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

    // ---- printing ----

    /// Renders the forms of these applications from the cache alone, in the order given.
    pub fn print(
        &self,
        renderer: &binddesk_forms::Renderer,
        ids: &[String],
        reveal: bool,
        progress: &mut dyn FnMut(binddesk_forms::Progress) -> bool,
    ) -> Result<binddesk_forms::Rendered, PrintError> {
        let mut items: Vec<(Application, Option<Vec<u8>>)> = Vec::with_capacity(ids.len());
        {
            let guard = self.lock();
            let cache = guard.as_ref().ok_or(EngineError::LoggedOut)?;
            for id in ids {
                let app = cache.application(id).map_err(EngineError::from)?;
                let png = cache.signature(&app.signature.sha256).map_err(EngineError::from)?;
                items.push((app, png));
            }
            if reveal {
                for id in ids {
                    cache
                        .record_reveal(&self.username, id, &["print"], Utc::now())
                        .map_err(EngineError::from)?;
                }
            }
        }
        let staff = self.staff();
        let school = staff.school.name.as_str();
        let inputs: Vec<binddesk_forms::FormInput<'_>> = items
            .iter()
            .map(|(a, png)| binddesk_forms::FormInput {
                application: a,
                signature_png: png.as_deref(),
                school_name: Some(school),
            })
            .collect();
        let opts = binddesk_forms::RenderOptions { reveal, printed_at: Utc::now() };
        Ok(renderer.render(&inputs, &opts, progress)?)
    }

    /// The application and signature a form needs, from the cache alone.
    pub fn form_input(&self, id: &str) -> Result<(Application, Option<Vec<u8>>), EngineError> {
        self.with_cache(|c| {
            let app = c.application(id)?;
            let png = c.signature(&app.signature.sha256)?;
            Ok((app, png))
        })
    }
}

/// Why printing failed.
#[derive(Debug, thiserror::Error)]
pub enum PrintError {
    /// Reading the cache failed.
    #[error(transparent)]
    Engine(#[from] EngineError),
    /// Rendering failed (no font, a bad signature, cancelled).
    #[error(transparent)]
    Form(#[from] binddesk_forms::FormError),
}

/// Where the cache file of an account lives (for tests and the about box).
pub fn cache_file(cfg: &EngineConfig, service_url: &str, username: &str) -> PathBuf {
    cache_path(cfg, &account_id(service_url, username))
}
