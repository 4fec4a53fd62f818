//! Metrics in the Prometheus text format (`GET /metrics`): requests and their latencies
//! by route, how late changes reach the reviewers' incremental syncs (the feed lag), and,
//! read from the store at each scrape, the mail outbox's depth and the registry checks
//! waiting for a retry. Labels are route templates and status codes, never ids or
//! addresses: nothing personal.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Upper bounds of the latency buckets, in seconds.
const LATENCY_BUCKETS: [f64; 11] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5];
/// Upper bounds of the feed-lag buckets, in seconds.
const LAG_BUCKETS: [f64; 8] = [1.0, 5.0, 15.0, 60.0, 300.0, 900.0, 3600.0, 86_400.0];

/// A histogram with fixed buckets.
#[derive(Debug)]
struct Histogram {
    bounds: &'static [f64],
    counts: Vec<AtomicU64>,
    count: AtomicU64,
    /// The sum in microseconds (whole numbers add without a lock).
    sum_micros: AtomicU64,
}

impl Histogram {
    fn new(bounds: &'static [f64]) -> Histogram {
        Histogram {
            bounds,
            counts: bounds.iter().map(|_| AtomicU64::new(0)).collect(),
            count: AtomicU64::new(0),
            sum_micros: AtomicU64::new(0),
        }
    }

    fn observe(&self, secs: f64) {
        for (bound, c) in self.bounds.iter().zip(&self.counts) {
            if secs <= *bound {
                c.fetch_add(1, Ordering::Relaxed);
            }
        }
        self.count.fetch_add(1, Ordering::Relaxed);
        self.sum_micros.fetch_add((secs * 1e6) as u64, Ordering::Relaxed);
    }

    fn render(&self, out: &mut String, name: &str, labels: &str) {
        let sep = if labels.is_empty() { "" } else { "," };
        for (bound, c) in self.bounds.iter().zip(&self.counts) {
            let _ =
                writeln!(out, "{name}_bucket{{{labels}{sep}le=\"{bound}\"}} {}", c.load(Ordering::Relaxed));
        }
        let n = self.count.load(Ordering::Relaxed);
        let _ = writeln!(out, "{name}_bucket{{{labels}{sep}le=\"+Inf\"}} {n}");
        let sum = self.sum_micros.load(Ordering::Relaxed) as f64 / 1e6;
        let braces = if labels.is_empty() { String::new() } else { format!("{{{labels}}}") };
        let _ = writeln!(out, "{name}_sum{braces} {sum}");
        let _ = writeln!(out, "{name}_count{braces} {n}");
    }
}

/// The service's metrics.
#[derive(Debug)]
pub struct Metrics {
    /// (method, route, status) → requests.
    requests: Mutex<BTreeMap<(String, String, u16), u64>>,
    /// route → latency.
    latency: Mutex<BTreeMap<String, std::sync::Arc<Histogram>>>,
    feed_lag: Histogram,
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics {
            requests: Mutex::default(),
            latency: Mutex::default(),
            feed_lag: Histogram::new(&LAG_BUCKETS),
        }
    }
}

impl Metrics {
    /// Counts a finished request.
    pub fn request(&self, method: &str, route: &str, status: u16, elapsed: Duration) {
        if let Ok(mut m) = self.requests.lock() {
            *m.entry((method.to_string(), route.to_string(), status)).or_insert(0) += 1;
        }
        let h = self.latency.lock().map(|mut m| {
            m.entry(route.to_string()).or_insert_with(|| Histogram::new(&LATENCY_BUCKETS).into()).clone()
        });
        if let Ok(h) = h {
            h.observe(elapsed.as_secs_f64());
        }
    }

    /// Records how late the oldest change of an incremental sync page reached it.
    pub fn feed_lag(&self, lag: Duration) {
        self.feed_lag.observe(lag.as_secs_f64());
    }

    /// The text exposition.
    pub fn render(&self, store: crate::store::Backlog) -> String {
        let mut out = String::new();
        out.push_str(
            "# HELP binddesk_http_requests_total HTTP requests by method, route template and status.\n",
        );
        out.push_str("# TYPE binddesk_http_requests_total counter\n");
        if let Ok(m) = self.requests.lock() {
            for ((method, route, status), n) in m.iter() {
                let _ = writeln!(
                    out,
                    "binddesk_http_requests_total{{method=\"{method}\",route=\"{route}\",status=\"{status}\"}} {n}"
                );
            }
        }
        out.push_str("# HELP binddesk_http_request_duration_seconds Time to answer, by route template.\n");
        out.push_str("# TYPE binddesk_http_request_duration_seconds histogram\n");
        if let Ok(m) = self.latency.lock() {
            for (route, h) in m.iter() {
                h.render(&mut out, "binddesk_http_request_duration_seconds", &format!("route=\"{route}\""));
            }
        }
        out.push_str(
            "# HELP binddesk_feed_lag_seconds Age of the oldest change an incremental sync received: how late changes reach reviewers.\n",
        );
        out.push_str("# TYPE binddesk_feed_lag_seconds histogram\n");
        self.feed_lag.render(&mut out, "binddesk_feed_lag_seconds", "");
        out.push_str("# HELP binddesk_outbox_depth Messages waiting in the outbox.\n");
        out.push_str("# TYPE binddesk_outbox_depth gauge\n");
        let _ = writeln!(out, "binddesk_outbox_depth {}", store.outbox_depth);
        out.push_str("# HELP binddesk_registry_retry_backlog Pending applications waiting to re-ask the civil registry.\n");
        out.push_str("# TYPE binddesk_registry_retry_backlog gauge\n");
        let _ = writeln!(out, "binddesk_registry_retry_backlog {}", store.registry_backlog);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_text_format_counts_and_buckets() {
        let m = Metrics::default();
        m.request("GET", "/api/v1/review/changes", 200, Duration::from_millis(3));
        m.request("GET", "/api/v1/review/changes", 200, Duration::from_millis(30));
        m.feed_lag(Duration::from_secs(2));
        let text = m.render(crate::store::Backlog { outbox_depth: 4, registry_backlog: 1 });
        assert!(text.contains(
            "binddesk_http_requests_total{method=\"GET\",route=\"/api/v1/review/changes\",status=\"200\"} 2"
        ));
        assert!(text.contains(
            "binddesk_http_request_duration_seconds_bucket{route=\"/api/v1/review/changes\",le=\"0.005\"} 1"
        ));
        assert!(text.contains(
            "binddesk_http_request_duration_seconds_bucket{route=\"/api/v1/review/changes\",le=\"+Inf\"} 2"
        ));
        assert!(text.contains(
            "binddesk_feed_lag_seconds_bucket{le=\"1\"} 0\nbinddesk_feed_lag_seconds_bucket{le=\"5\"} 1"
        ));
        assert!(text.contains("binddesk_outbox_depth 4\n"));
        assert!(text.contains("binddesk_registry_retry_backlog 1\n"));
    }
}
