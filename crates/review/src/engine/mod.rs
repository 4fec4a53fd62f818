//! The engine: one logged-in (or offline) reviewer, their cache, sync and outbox.
//!
//! The desktop app holds one [`Engine`] and calls it from its commands. Reads come from
//! the cache only; decisions go to the cache's outbox first and reach the service when
//! [`Engine::send_outbox`] or [`Engine::sync`] runs, each carrying its decision id and
//! the version the reviewer saw, so a resend is harmless and a stale decision becomes
//! a conflict instead of overwriting anything.
//!
//! One concern a file: `account` (login, offline open, logout, the password-wrapped
//! cache key), `outbox` (sending decisions exactly once), `sync` (decisions, reveals, the
//! change feed, signatures), `print` (forms from the cache); reads and local decisions
//! are here.

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
}

/// Where the cache file of an account lives (for tests and the about box).
pub fn cache_file(cfg: &EngineConfig, service_url: &str, username: &str) -> PathBuf {
    cache_path(cfg, &account_id(service_url, username))
}

mod account;
mod outbox;
mod print;
mod sync;

pub use print::PrintError;
