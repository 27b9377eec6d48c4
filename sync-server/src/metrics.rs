//! [`Metrics`]: the server's counters, rendered at `GET /metrics` in the Prometheus text
//! exposition format (version 0.0.4).
//!
//! A small registry of atomics, no dependency. Labels are bounded by construction: HTTP
//! requests by route *template* (axum's [`MatchedPath`], `unmatched` otherwise), method
//! (the common verbs, `other` otherwise) and status class; refused changes by the short
//! reason code of the audit log. Never a case id, device id or anything personal.
//!
//! | metric | type | labels |
//! |---|---|---|
//! | `keis_http_requests_total` | counter | `route`, `method`, `status` (`2xx`…) |
//! | `keis_sync_frames_total` | counter | `direction` (`in`, `out`) |
//! | `keis_sync_frame_bytes_total` | counter | `direction` |
//! | `keis_sync_changes_accepted_total` | counter | |
//! | `keis_sync_changes_rejected_total` | counter | `reason` |
//! | `keis_sync_clients` | gauge | |
//! | `keis_store_append_seconds` | histogram | `le` |
//! | `keis_blob_bytes_total` | counter | `direction` (`in` uploaded, `out` downloaded) |
//! | `keis_uplink_connected` | gauge | (an edge only: 1 while connected to the central server) |
//! | `keis_uplink_idle` | gauge | (1 while everything known is in sync upstream) |
//! | `keis_uplink_pending_documents` | gauge | (documents queued or in flight upstream) |
//! | `keis_uplink_connects_total` | counter | |
//! | `keis_uplink_rejected_total` | counter | (documents the central server refused) |

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tokio::sync::watch;

use crate::sync::upstream::UplinkStatus;

/// The content type of the Prometheus text format.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// Upper bounds (seconds) of the store append latency buckets.
const APPEND_BUCKETS: [f64; 10] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0];

/// Which way a sync frame went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    In,
    Out,
}

/// HTTP request key: route template, method, status class.
type HttpKey = (String, &'static str, &'static str);

/// The counters of one server; share it as `Arc<Metrics>`.
#[derive(Debug, Default)]
pub struct Metrics {
    http: Mutex<BTreeMap<HttpKey, u64>>,
    frames: [AtomicU64; 2],
    frame_bytes: [AtomicU64; 2],
    blob_bytes: [AtomicU64; 2],
    accepted: AtomicU64,
    rejected: Mutex<BTreeMap<&'static str, u64>>,
    clients: AtomicI64,
    append: Histogram,
    /// An edge's uplink, once started ([`Metrics::watch_uplink`]).
    uplink: Mutex<Option<watch::Receiver<UplinkStatus>>>,
}

#[derive(Debug, Default)]
struct Histogram {
    buckets: [AtomicU64; APPEND_BUCKETS.len()],
    count: AtomicU64,
    sum_nanos: AtomicU64,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

fn method_label(m: &Method) -> &'static str {
    match *m {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::PATCH => "PATCH",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

fn status_class(status: u16) -> &'static str {
    match status / 100 {
        1 => "1xx",
        2 => "2xx",
        3 => "3xx",
        4 => "4xx",
        _ => "5xx",
    }
}

/// Decrements the connected-clients gauge when the connection ends.
#[derive(Debug)]
pub struct ClientGuard(Arc<Metrics>);

impl Drop for ClientGuard {
    fn drop(&mut self) {
        self.0.clients.fetch_sub(1, Ordering::Relaxed);
    }
}

impl Metrics {
    pub fn new() -> Self {
        Self::default()
    }

    /// One HTTP request answered. `route` must be a route template (bounded), not a path.
    pub fn http_request(&self, route: &str, method: &Method, status: u16) {
        let key = (route.to_owned(), method_label(method), status_class(status));
        *lock(&self.http).entry(key).or_default() += 1;
    }

    /// One sync frame of `bytes` bytes.
    pub fn frame(&self, dir: Direction, bytes: usize) {
        let i = dir as usize;
        self.frames[i].fetch_add(1, Ordering::Relaxed);
        self.frame_bytes[i].fetch_add(u64::try_from(bytes).unwrap_or(u64::MAX), Ordering::Relaxed);
    }

    /// `bytes` of blob data received (a chunk) or sent (a download).
    pub fn blob_bytes(&self, dir: Direction, bytes: usize) {
        self.blob_bytes[dir as usize].fetch_add(u64::try_from(bytes).unwrap_or(u64::MAX), Ordering::Relaxed);
    }

    /// A batch of changes stored.
    pub fn change_accepted(&self) {
        self.accepted.fetch_add(1, Ordering::Relaxed);
    }

    /// A batch of changes refused, by its short reason code (a fixed set).
    pub fn change_rejected(&self, reason: &'static str) {
        *lock(&self.rejected).entry(reason).or_default() += 1;
    }

    /// A sync client connected; it counts until the guard drops.
    pub fn client_connected(self: &Arc<Self>) -> ClientGuard {
        self.clients.fetch_add(1, Ordering::Relaxed);
        ClientGuard(self.clone())
    }

    /// How long one durable append to the store took.
    pub fn store_append(&self, took: Duration) {
        let secs = took.as_secs_f64();
        let h = &self.append;
        for (bound, bucket) in APPEND_BUCKETS.iter().zip(&h.buckets) {
            if secs <= *bound {
                bucket.fetch_add(1, Ordering::Relaxed);
            }
        }
        h.count.fetch_add(1, Ordering::Relaxed);
        h.sum_nanos.fetch_add(u64::try_from(took.as_nanos()).unwrap_or(u64::MAX), Ordering::Relaxed);
    }

    /// Connected sync clients now.
    pub fn clients(&self) -> i64 {
        self.clients.load(Ordering::Relaxed)
    }

    /// Everything, in the Prometheus text exposition format.
    pub fn render(&self) -> String {
        let mut out = String::new();
        header_lines(
            &mut out,
            "keis_http_requests_total",
            "counter",
            "HTTP requests by route template, method and status class.",
        );
        for ((route, method, status), n) in lock(&self.http).iter() {
            let labels = [("route", route.as_str()), ("method", method), ("status", status)];
            sample(&mut out, "keis_http_requests_total", &labels, &n.to_string());
        }
        let dirs = [("in", 0), ("out", 1)];
        header_lines(&mut out, "keis_sync_frames_total", "counter", "Sync protocol frames, by direction.");
        for (d, i) in dirs {
            sample(
                &mut out,
                "keis_sync_frames_total",
                &[("direction", d)],
                &self.frames[i].load(Ordering::Relaxed).to_string(),
            );
        }
        header_lines(
            &mut out,
            "keis_sync_frame_bytes_total",
            "counter",
            "Bytes of sync protocol frames, by direction.",
        );
        for (d, i) in dirs {
            let v = self.frame_bytes[i].load(Ordering::Relaxed).to_string();
            sample(&mut out, "keis_sync_frame_bytes_total", &[("direction", d)], &v);
        }
        header_lines(
            &mut out,
            "keis_sync_changes_accepted_total",
            "counter",
            "Batches of device changes authorised and stored.",
        );
        sample(&mut out, "keis_sync_changes_accepted_total", &[], &self.accepted.load(Ordering::Relaxed).to_string());
        header_lines(
            &mut out,
            "keis_sync_changes_rejected_total",
            "counter",
            "Batches of device changes refused, by reason code.",
        );
        for (reason, n) in lock(&self.rejected).iter() {
            sample(&mut out, "keis_sync_changes_rejected_total", &[("reason", reason)], &n.to_string());
        }
        header_lines(&mut out, "keis_sync_clients", "gauge", "Sync WebSocket connections open now.");
        sample(&mut out, "keis_sync_clients", &[], &self.clients().to_string());
        header_lines(
            &mut out,
            "keis_blob_bytes_total",
            "counter",
            "Bytes of blob data uploaded (in) and downloaded (out).",
        );
        for (d, i) in dirs {
            let v = self.blob_bytes[i].load(Ordering::Relaxed).to_string();
            sample(&mut out, "keis_blob_bytes_total", &[("direction", d)], &v);
        }
        self.render_append(&mut out);
        if let Some(u) = self.uplink() {
            render_uplink(&mut out, &u);
        }
        out
    }

    /// Reports the uplink whose status `rx` follows (an edge server's, once started).
    pub fn watch_uplink(&self, rx: watch::Receiver<UplinkStatus>) {
        *lock(&self.uplink) = Some(rx);
    }

    /// The uplink's status now, on an edge server.
    pub fn uplink(&self) -> Option<UplinkStatus> {
        lock(&self.uplink).as_ref().map(|rx| rx.borrow().clone())
    }

    fn render_append(&self, out: &mut String) {
        let name = "keis_store_append_seconds";
        header_lines(out, name, "histogram", "Latency of durable appends of device changes to the store.");
        let h = &self.append;
        let bucket = format!("{name}_bucket");
        for (bound, n) in APPEND_BUCKETS.iter().zip(&h.buckets) {
            sample(out, &bucket, &[("le", &bound.to_string())], &n.load(Ordering::Relaxed).to_string());
        }
        let count = h.count.load(Ordering::Relaxed).to_string();
        sample(out, &bucket, &[("le", "+Inf")], &count);
        #[allow(clippy::cast_precision_loss)] // a sum of latencies; f64 is what Prometheus keeps
        let sum = h.sum_nanos.load(Ordering::Relaxed) as f64 / 1e9;
        sample(out, &format!("{name}_sum"), &[], &sum.to_string());
        sample(out, &format!("{name}_count"), &[], &count);
    }
}

fn render_uplink(out: &mut String, u: &UplinkStatus) {
    let flag = |b: bool| if b { "1" } else { "0" };
    let gauges = [
        ("keis_uplink_connected", "gauge", "1 while the edge is connected to the central server.", flag(u.connected)),
        ("keis_uplink_idle", "gauge", "1 while everything known is in sync with the central server.", flag(u.idle)),
    ];
    for (name, kind, help, v) in gauges {
        header_lines(out, name, kind, help);
        sample(out, name, &[], v);
    }
    let numbers = [
        ("keis_uplink_pending_documents", "gauge", "Documents queued or in flight upstream.", u.pending as u64),
        ("keis_uplink_connects_total", "counter", "Connections opened to the central server.", u.connects),
        ("keis_uplink_rejected_total", "counter", "Documents whose changes the central server refused.", u.rejected),
    ];
    for (name, kind, help, v) in numbers {
        header_lines(out, name, kind, help);
        sample(out, name, &[], &v.to_string());
    }
}

fn header_lines(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {}", help.replace('\\', "\\\\").replace('\n', "\\n"));
    let _ = writeln!(out, "# TYPE {name} {kind}");
}

/// A label value escaped as the text format requires: `\`, `"` and newline.
pub fn escape_label(v: &str) -> String {
    v.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

fn sample(out: &mut String, name: &str, labels: &[(&str, &str)], value: &str) {
    out.push_str(name);
    if !labels.is_empty() {
        let inner: Vec<String> = labels.iter().map(|(k, v)| format!("{k}=\"{}\"", escape_label(v))).collect();
        let _ = write!(out, "{{{}}}", inner.join(","));
    }
    let _ = writeln!(out, " {value}");
}

/// `GET /metrics`.
pub async fn handler(State(metrics): State<Arc<Metrics>>) -> Response {
    ([(header::CONTENT_TYPE, CONTENT_TYPE)], metrics.render()).into_response()
}

/// Middleware counting every request by route template, method and status class. Add with
/// `axum::middleware::from_fn_with_state(metrics, metrics::track)` as the router's outer
/// layer.
pub async fn track(State(metrics): State<Arc<Metrics>>, req: Request, next: Next) -> Response {
    let route = req.extensions().get::<MatchedPath>().map_or("unmatched", MatchedPath::as_str).to_owned();
    let method = req.method().clone();
    let res = next.run(req).await;
    metrics.http_request(&route, &method, res.status().as_u16());
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_edge_reports_its_uplink_and_a_central_server_does_not() {
        let m = Metrics::new();
        assert!(!m.render().contains("keis_uplink"), "no uplink, no uplink metrics");
        let status = UplinkStatus { connected: false, pending: 3, connects: 2, rejected: 1, ..UplinkStatus::default() };
        let (tx, rx) = watch::channel(status);
        m.watch_uplink(rx);
        let text = m.render();
        for line in [
            "keis_uplink_connected 0\n",
            "keis_uplink_idle 0\n",
            "keis_uplink_pending_documents 3\n",
            "keis_uplink_connects_total 2\n",
            "keis_uplink_rejected_total 1\n",
        ] {
            assert!(text.contains(line), "{line} in {text}");
        }
        tx.send_modify(|s| {
            s.connected = true;
            s.idle = true;
        });
        let text = m.render();
        assert!(text.contains("keis_uplink_connected 1\n") && text.contains("keis_uplink_idle 1\n"), "{text}");
    }

    #[test]
    fn labels_are_escaped_and_histograms_are_cumulative() {
        assert_eq!(escape_label("a\\b\"c\nd"), "a\\\\b\\\"c\\nd");
        let m = Metrics::new();
        m.store_append(Duration::from_micros(700));
        m.store_append(Duration::from_secs(5));
        let text = m.render();
        assert!(text.contains("keis_store_append_seconds_bucket{le=\"0.0005\"} 0\n"), "{text}");
        assert!(text.contains("keis_store_append_seconds_bucket{le=\"0.001\"} 1\n"), "{text}");
        assert!(text.contains("keis_store_append_seconds_bucket{le=\"1\"} 1\n"), "{text}");
        assert!(text.contains("keis_store_append_seconds_bucket{le=\"+Inf\"} 2\n"), "{text}");
        assert!(text.contains("keis_store_append_seconds_count 2\n"), "{text}");
    }
}
