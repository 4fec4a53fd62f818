//! The use cases of the binding service, between the HTTP handlers and the store: each
//! loads what it needs, applies the domain's rules, persists and notifies. They know
//! nothing of requests and responses beyond the API's JSON shapes.
//!
//! - [`cache`]: the staff behind session tokens and the schools' newest change numbers,
//!   kept for a second so that a no-change poll needs no database round trip.
//! - [`codes`]: verification codes and parent sessions (limits, one answer for every
//!   wrong code, the proved e-mail).
//! - [`staff`]: the staff login under the lockout policy.
//! - [`submission`]: checking a parent's submission against the roster, the rules and
//!   the civil registry, into a plan the store writes in one transaction.

pub mod cache;
pub mod codes;
pub mod staff;
pub mod submission;

use crate::error::{ApiError, ApiResult};
use crate::registry::Registry;
use crate::store::Store;
use std::sync::Arc;

/// Settings the handlers need.
#[derive(Debug, Clone)]
pub struct HttpConfig {
    /// Demo mode: the dev endpoints answer.
    pub demo: bool,
    /// How long a staff session lasts.
    pub staff_session_minutes: i64,
    /// How long a parent session lasts.
    pub parent_session_minutes: i64,
    /// Limits of verification codes (the phone's per-window count is set per request).
    pub code_limits: crate::store::CodeLimits,
    /// The service is reached over HTTPS (it serves TLS itself, or it listens beyond
    /// loopback, so a TLS proxy stands in front): session cookies are `Secure` and pages
    /// send HSTS.
    pub https: bool,
    /// The bearer token `/metrics` asks for; without one only loopback clients may read it.
    pub metrics_token: Option<String>,
}

/// Shared state of the handlers.
#[derive(Clone)]
pub struct AppState {
    /// The store.
    pub store: Arc<dyn Store>,
    /// The civil registry.
    pub registry: Arc<dyn Registry>,
    /// Settings.
    pub config: Arc<HttpConfig>,
    /// The form renderer, made on first use (parsing the fonts takes a moment).
    pub forms: Arc<std::sync::OnceLock<Result<binddesk_forms::Renderer, String>>>,
    /// Permits to decode an uploaded signature: a few at a time, on the blocking pool.
    pub decoders: Arc<tokio::sync::Semaphore>,
    /// Requests, latencies and the feed lag, for `/metrics`.
    pub metrics: Arc<crate::metrics::Metrics>,
    /// Short-lived answers for the no-change poll.
    pub cache: Arc<cache::Cache>,
    /// Set once shutdown begins: `/readyz` answers 503 so a load balancer sends no more.
    pub draining: Arc<std::sync::atomic::AtomicBool>,
}

/// Signatures decoded at the same time.
pub const SIGNATURE_DECODERS: usize = 2;

impl AppState {
    /// Runs a store operation on the blocking pool.
    pub async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce(&dyn Store) -> crate::store::StoreResult<T> + Send + 'static,
    ) -> ApiResult<T> {
        let store = self.store.clone();
        tokio::task::spawn_blocking(move || f(store.as_ref()))
            .await
            .map_err(|e| ApiError::Internal(format!("blocking task: {e}")))?
            .map_err(ApiError::from)
    }
}
