//! Accepting connections with limits, so slow or idle clients cannot take the service
//! down: a request's headers must arrive within a timeout (hyper's header-read timer), a
//! body within another (tower-http, in the router), and the open connections stay below
//! the process's open-files limit (a connection over the limit is closed at once, so
//! `accept` never fails for want of a file descriptor). Shutdown stops accepting, lets
//! in-flight requests finish, then returns.
//!
//! Logs name the route template (`/api/v1/review/applications/{id}`), never the URI: a
//! query string or a path can carry a person's data.

use crate::http::ClientAddr;
use axum::Router;
use axum::extract::MatchedPath;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tower::ServiceExt;

/// Connection limits.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Time allowed for a request's headers (from the connection's start, and between
    /// requests on a kept-alive connection).
    pub header_timeout: Duration,
    /// Open connections at most.
    pub max_connections: usize,
    /// Open connections from one client address at most, so one source cannot hold
    /// every slot.
    pub max_per_client: usize,
}

/// Open connections per client address.
#[derive(Default)]
struct PerClient(std::sync::Mutex<std::collections::HashMap<std::net::IpAddr, usize>>);

impl PerClient {
    fn enter(&self, ip: std::net::IpAddr, max: usize) -> bool {
        let mut m = self.0.lock().unwrap_or_else(|p| p.into_inner());
        let n = m.entry(ip).or_insert(0);
        if *n >= max {
            return false;
        }
        *n += 1;
        true
    }

    fn leave(&self, ip: std::net::IpAddr) {
        let mut m = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(n) = m.get_mut(&ip) {
            *n -= 1;
            if *n == 0 {
                m.remove(&ip);
            }
        }
    }
}

/// The connection limit: the one asked for, else the open-files limit less room for the
/// store's files and the listener (and never more than that).
pub fn max_connections(asked: usize) -> usize {
    let files = open_files_limit().unwrap_or(1024);
    let ceiling = files.saturating_sub(64).max(16);
    if asked == 0 { ceiling } else { asked.min(ceiling) }
}

#[cfg(unix)]
fn open_files_limit() -> Option<usize> {
    let mut rl = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    // SAFETY: getrlimit writes into the struct we own.
    let ok = unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut rl) } == 0;
    ok.then(|| usize::try_from(rl.rlim_cur).unwrap_or(usize::MAX))
}

#[cfg(not(unix))]
fn open_files_limit() -> Option<usize> {
    None
}

/// The request tracing of the service: spans named by method and route template.
pub type RouteTrace = tower_http::trace::TraceLayer<
    tower_http::classify::SharedClassifier<tower_http::classify::ServerErrorsAsFailures>,
    fn(&axum::http::Request<axum::body::Body>) -> tracing::Span,
>;

/// Tracing that names the method and the matched route only.
pub fn trace_layer() -> RouteTrace {
    fn span(req: &axum::http::Request<axum::body::Body>) -> tracing::Span {
        let route = req.extensions().get::<MatchedPath>().map_or("(no route)", |m| m.as_str());
        tracing::debug_span!("request", method = %req.method(), route = %route)
    }
    tower_http::trace::TraceLayer::new_for_http().make_span_with(span as fn(&_) -> _)
}

/// Serves `app` on `listener` until `shutdown` completes, then waits for open requests.
/// With `tls`, each connection's TLS handshake comes first, within the header timeout.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: Limits,
    tls: Option<tokio_rustls::TlsAcceptor>,
    shutdown: impl Future<Output = ()>,
) {
    let permits = Arc::new(tokio::sync::Semaphore::new(limits.max_connections));
    let per_client = Arc::new(PerClient::default());
    let graceful = GracefulShutdown::new();
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder.timer(TokioTimer::new()).header_read_timeout(limits.header_timeout);
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(c) => c,
                Err(e) => {
                    // Out of descriptors or a reset before accept: wait a moment, go on.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = &mut shutdown => break,
        };
        let Ok(permit) = permits.clone().try_acquire_owned() else {
            tracing::warn!(
                limit = limits.max_connections,
                "connection limit reached; closing a new connection"
            );
            drop(stream);
            continue;
        };
        if !per_client.enter(peer.ip(), limits.max_per_client) {
            tracing::warn!(limit = limits.max_per_client, "per-client connection limit reached; closing");
            drop(stream);
            continue;
        }
        let _ = stream.set_nodelay(true);
        let client = ClientAddr(peer.ip().to_string());
        let app = app.clone();
        let service =
            hyper::service::service_fn(move |mut req: axum::http::Request<hyper::body::Incoming>| {
                req.extensions_mut().insert(client.clone());
                app.clone().oneshot(req.map(axum::body::Body::new))
            });
        let (per_client, ip) = (per_client.clone(), peer.ip());
        let (builder, watcher, tls) = (builder.clone(), graceful.watcher(), tls.clone());
        tokio::spawn(async move {
            match tls {
                None => {
                    let _ = watcher.watch(builder.serve_connection(TokioIo::new(stream), service)).await;
                }
                Some(acceptor) => {
                    // A client that never finishes its handshake is dropped like one that
                    // never sends its headers.
                    if let Ok(Ok(tls_stream)) =
                        tokio::time::timeout(limits.header_timeout, acceptor.accept(stream)).await
                    {
                        let _ =
                            watcher.watch(builder.serve_connection(TokioIo::new(tls_stream), service)).await;
                    }
                }
            }
            per_client.leave(ip);
            drop(permit);
        });
    }
    drop(listener);
    // In-flight requests finish; idle keep-alive connections close.
    let _ = tokio::time::timeout(Duration::from_secs(30), graceful.shutdown()).await;
}
