//! Start-up, background tasks and graceful shutdown.

use crate::http::{AppState, HttpConfig, router};
use crate::registry::{BuiltinRegistry, Registry};
use crate::store::Store;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

/// How `serve` runs.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// Address to listen on; port 0 picks a free port.
    pub listen: SocketAddr,
    /// The store: a SQLite file's path or a `postgres://` URL; `None` with `demo` means
    /// a fresh temporary SQLite store.
    pub db: Option<String>,
    /// Demo mode: fill an empty store with demo data, answer the dev endpoints.
    pub demo: bool,
    /// Applications in the demo store.
    pub demo_applications: usize,
    /// SMTP URL (e.g. `smtp://mail.example:25`); without it mail stays in the outbox.
    pub smtp_url: Option<String>,
    /// The sender of notices.
    pub mail_from: String,
    /// Seconds between retries of unavailable registry checks.
    pub registry_retry_secs: u64,
    /// Staff session length in minutes.
    pub staff_session_minutes: i64,
    /// Parent session length in minutes.
    pub parent_session_minutes: i64,
    /// Reader connections.
    pub readers: usize,
    /// Limits of verification codes.
    pub code_limits: crate::store::CodeLimits,
    /// Seconds a connection may take to send a request's headers.
    pub header_timeout_secs: u64,
    /// Seconds a request's body may take to arrive.
    pub body_timeout_secs: u64,
    /// Open connections at most; 0 for the open-files limit less a margin.
    pub max_connections: usize,
    /// Open connections from one client address at most.
    pub max_connections_per_client: usize,
    /// Seconds between purges of expired sessions, codes and counters.
    pub purge_every_secs: u64,
    /// Stop (gracefully) when standard input reaches its end.
    pub stop_on_stdin_close: bool,
    /// Serve HTTPS with this certificate chain and key (PEM files).
    pub tls: Option<(PathBuf, PathBuf)>,
    /// The bearer token `/metrics` asks for (else loopback clients only).
    pub metrics_token: Option<String>,
    /// Seconds between a stop signal and closing the listener, with `/readyz` answering
    /// 503 meanwhile, so a load balancer takes the instance out first.
    pub drain_secs: u64,
}

/// What can stop the service from starting.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// The store could not be opened or migrated.
    #[error("{0}")]
    Store(String),
    /// The address could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Listen { addr: SocketAddr, source: std::io::Error },
    /// Demo data could not be written.
    #[error("cannot fill demo data: {0}")]
    Demo(String),
    /// The server failed while running.
    #[error("server error: {0}")]
    Io(#[from] std::io::Error),
}

/// Opens the store, fills demo data when asked, binds, prints the start-up line
/// (`{"listen": …, "accounts": […]}`) and serves until SIGTERM or Ctrl-C, finishing
/// in-flight requests.
pub async fn serve(opts: ServeOptions) -> Result<(), ServeError> {
    let mut temp_dir = None;
    let path = match &opts.db {
        Some(p) => p.clone(),
        None => {
            let dir = std::env::temp_dir().join(format!("binddesk-demo-{}", uuid::Uuid::new_v4()));
            std::fs::create_dir_all(&dir)?;
            let p = dir.join("service.sqlite");
            temp_dir = Some(dir);
            p.display().to_string()
        }
    };
    let tls = match &opts.tls {
        Some((cert, key)) => Some(crate::tls::acceptor(cert, key).map_err(ServeError::Store)?),
        None => None,
    };
    let readers = opts.readers;
    let store: Arc<dyn Store> = tokio::task::spawn_blocking(move || crate::store::open(&path, readers))
        .await
        .map_err(|e| ServeError::Store(e.to_string()))?
        .map_err(ServeError::Store)?;
    let accounts = if opts.demo {
        let s = store.clone();
        let n = opts.demo_applications;
        tokio::task::spawn_blocking(move || crate::demo::ensure_demo(s.as_ref(), n))
            .await
            .map_err(|e| ServeError::Demo(e.to_string()))?
            .map_err(|e| ServeError::Demo(e.to_string()))?
    } else {
        Vec::new()
    };
    let registry: Arc<dyn Registry> = Arc::new(BuiltinRegistry::new(store.clone()));
    let cache = Arc::new(crate::app::cache::Cache::default());
    let listener = tokio::net::TcpListener::bind(opts.listen)
        .await
        .map_err(|source| ServeError::Listen { addr: opts.listen, source })?;
    let local = listener.local_addr()?;
    // The first line on stdout is for scripts and tests: one JSON object.
    let scheme = if tls.is_some() { "https" } else { "http" };
    println!(
        "{}",
        serde_json::json!({ "listen": local.to_string(), "scheme": scheme, "accounts": accounts })
    );
    tracing::info!(listen = %local, demo = opts.demo, "binding service started");

    let (stop_tx, stop_rx) = watch::channel(false);
    let mut tasks = Vec::new();
    tasks.push(tokio::spawn(registry_retry_loop(
        store.clone(),
        registry.clone(),
        cache.clone(),
        Duration::from_secs(opts.registry_retry_secs.max(1)),
        stop_rx.clone(),
    )));
    tasks.push(tokio::spawn(first_password_loop(store.clone(), stop_rx.clone())));
    tasks.push(tokio::spawn(purge_loop(
        store.clone(),
        Duration::from_secs(opts.purge_every_secs),
        stop_rx.clone(),
    )));
    if let Some(url) = opts.smtp_url.clone() {
        tasks.push(tokio::spawn(crate::mail::run_smtp_sender(
            store.clone(),
            url,
            opts.mail_from.clone(),
            stop_rx.clone(),
        )));
    }

    let state = AppState {
        store: store.clone(),
        registry,
        config: Arc::new(HttpConfig {
            demo: opts.demo,
            staff_session_minutes: opts.staff_session_minutes,
            parent_session_minutes: opts.parent_session_minutes,
            code_limits: opts.code_limits,
            https: tls.is_some() || !local.ip().is_loopback(),
            metrics_token: opts.metrics_token.clone(),
        }),
        forms: Arc::new(std::sync::OnceLock::new()),
        decoders: Arc::new(tokio::sync::Semaphore::new(crate::http::SIGNATURE_DECODERS)),
        metrics: Arc::new(crate::metrics::Metrics::default()),
        cache: cache.clone(),
        draining: Arc::new(std::sync::atomic::AtomicBool::new(false)),
    };
    let draining = state.draining.clone();
    let app = router(state)
        .layer(tower_http::timeout::RequestBodyTimeoutLayer::new(Duration::from_secs(opts.body_timeout_secs)))
        .layer(crate::connections::trace_layer());
    let limits = crate::connections::Limits {
        header_timeout: Duration::from_secs(opts.header_timeout_secs),
        max_connections: crate::connections::max_connections(opts.max_connections),
        max_per_client: opts.max_connections_per_client.max(1),
    };
    tracing::info!(max_connections = limits.max_connections, "accepting connections");
    let (stop_on_stdin_close, drain) = (opts.stop_on_stdin_close, Duration::from_secs(opts.drain_secs));
    let shutdown = async move {
        shutdown_signal(stop_on_stdin_close).await;
        // Not ready any more; still serving while the load balancer notices.
        draining.store(true, std::sync::atomic::Ordering::SeqCst);
        tracing::info!(drain_secs = drain.as_secs(), "stop asked: draining");
        tokio::time::sleep(drain).await;
    };
    crate::connections::serve(listener, app, limits, tls, shutdown).await;
    tracing::info!("shutting down: in-flight requests finished");
    let _ = stop_tx.send(true);
    for t in tasks {
        let _ = t.await;
    }
    drop(store);
    if let Some(dir) = temp_dir {
        let _ = std::fs::remove_dir_all(dir);
    }
    Ok(())
}

/// Ctrl-C, SIGTERM, or (when asked) the end of standard input: a stop a parent process
/// can give on every platform, Windows included, by closing the pipe.
async fn shutdown_signal(stop_on_stdin_close: bool) {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    let stdin_closed = async {
        if !stop_on_stdin_close {
            return std::future::pending::<()>().await;
        }
        // A plain thread reads (and ignores) standard input; its end is the stop.
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        std::thread::spawn(move || {
            use std::io::Read;
            let mut buf = [0u8; 256];
            while matches!(std::io::stdin().read(&mut buf), Ok(n) if n > 0) {}
            let _ = tx.send(());
        });
        let _ = rx.await;
    };
    tokio::select! { _ = ctrl_c => {}, _ = term => {}, _ = stdin_closed => {} }
}

async fn sleep_or_stop(d: Duration, stop: &mut watch::Receiver<bool>) -> bool {
    tokio::select! {
        _ = tokio::time::sleep(d) => !*stop.borrow(),
        _ = stop.changed() => false,
    }
}

/// Re-asks the registry about applications whose check was unavailable.
async fn registry_retry_loop(
    store: Arc<dyn Store>,
    registry: Arc<dyn Registry>,
    cache: Arc<crate::app::cache::Cache>,
    every: Duration,
    mut stop: watch::Receiver<bool>,
) {
    while sleep_or_stop(every, &mut stop).await {
        let (s, r) = (store.clone(), registry.clone());
        let result = tokio::task::spawn_blocking(move || -> crate::error::ApiResult<usize> {
            // Claimed for ten minutes: another instance does not ask about the same ones.
            let candidates = s.claim_registry_retries(200, chrono::Utc::now().timestamp(), 600)?;
            let mut done = 0;
            for (id, parent, student) in candidates {
                let outcome = r.check(&parent, &student);
                if outcome != crate::registry::RegistryOutcome::Unavailable {
                    s.apply_registry_result(&id, &outcome, chrono::Utc::now())?;
                    done += 1;
                }
            }
            Ok(done)
        })
        .await;
        match result {
            Ok(Ok(n)) if n > 0 => {
                cache.forget_heads();
                tracing::info!(count = n, "registry checks retried")
            }
            Ok(Err(e)) => tracing::warn!(error = %e, "registry retry failed"),
            _ => {}
        }
    }
}

/// Deletes expired sessions, old codes and ended counters now and then.
async fn purge_loop(store: Arc<dyn Store>, every: Duration, mut stop: watch::Receiver<bool>) {
    while sleep_or_stop(every, &mut stop).await {
        let s = store.clone();
        let now = chrono::Utc::now().timestamp();
        match tokio::task::spawn_blocking(move || s.purge_expired(now)).await {
            Ok(Ok(n)) if n > 0 => tracing::debug!(rows = n, "expired sessions and codes purged"),
            Ok(Err(e)) => tracing::warn!(error = %e, "purge failed"),
            _ => {}
        }
    }
}

/// Hashes the first password (last six characters of the ID number) of new parent
/// accounts, off the request path.
async fn first_password_loop(store: Arc<dyn Store>, mut stop: watch::Receiver<bool>) {
    while sleep_or_stop(Duration::from_millis(500), &mut stop).await {
        let s = store.clone();
        let _ = tokio::task::spawn_blocking(move || -> crate::error::ApiResult<()> {
            // Claimed for a minute: another instance does not hash the same passwords.
            for (email, parent_id) in
                s.claim_accounts_without_password(50, chrono::Utc::now().timestamp(), 60)?
            {
                let six: String =
                    parent_id.chars().rev().take(6).collect::<Vec<_>>().into_iter().rev().collect();
                let hash = crate::auth::hash_password(&six).map_err(crate::error::ApiError::Internal)?;
                s.set_account_password(&email, &hash)?;
            }
            Ok(())
        })
        .await;
    }
}
