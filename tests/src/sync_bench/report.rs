//! The figures of a run, the byte counters they come from, and how they are printed: a
//! plain-text table side by side, or JSON.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use serde::Serialize;

use super::proc::Memory;
use crate::queue_bench::stats::Summary;

/// WebSocket payload bytes (the binary message bodies, without WebSocket, TCP or IP
/// headers), client → server (`up`) and server → client (`down`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Traffic {
    pub up: u64,
    pub down: u64,
}

impl Traffic {
    /// Both ways.
    pub fn total(&self) -> u64 {
        self.up + self.down
    }

    /// What moved since `before`.
    pub fn since(&self, before: Traffic) -> Traffic {
        Traffic { up: self.up - before.up, down: self.down - before.down }
    }
}

/// Shared counters for connections driven by other tasks (samod's).
#[derive(Debug, Default)]
pub struct Counters {
    up: AtomicU64,
    down: AtomicU64,
}

impl Counters {
    pub fn add_up(&self, n: usize) {
        self.up.fetch_add(n as u64, Ordering::Relaxed);
    }

    pub fn add_down(&self, n: usize) {
        self.down.fetch_add(n as u64, Ordering::Relaxed);
    }

    pub fn now(&self) -> Traffic {
        Traffic { up: self.up.load(Ordering::Relaxed), down: self.down.load(Ordering::Relaxed) }
    }
}

/// One measured step: how long it took, how many documents, what moved.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct Step {
    pub docs: usize,
    pub seconds: f64,
    pub bytes: Traffic,
}

impl Step {
    pub fn new(docs: usize, took: Duration, bytes: Traffic) -> Self {
        Self { docs, seconds: took.as_secs_f64(), bytes }
    }
}

/// Latency percentiles in milliseconds.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct Latency {
    pub count: usize,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
}

impl Latency {
    /// Summarises `delays` (empty: all zero).
    pub fn of(delays: &mut [Duration]) -> Self {
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        Summary::of(delays)
            .map(|s| Self { count: s.count, p50_ms: ms(s.p50), p99_ms: ms(s.p99), max_ms: ms(s.max) })
            .unwrap_or_default()
    }
}

/// Everything measured for one system.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Figures {
    pub system: String,
    /// 1. New case documents uploaded from one device, until the server acknowledged all.
    pub upload: Step,
    /// 2. One field changed in a share of them, on the live connection.
    pub change_some: Step,
    /// 3. The device holding every document reconnects with nothing changed.
    pub idle_reconnect: Step,
    /// 4. One field of one document changed, on the live connection.
    pub one_change: Step,
    /// 5. Many devices connected, each changing one field at the same moment …
    pub devices_burst: Latency,
    /// … and the same spread evenly over the pacing window.
    pub devices_paced: Latency,
    pub memory_start: Memory,
    pub memory_after_upload: Memory,
    pub memory_end: Memory,
    /// Data directory size at the end.
    pub disk_bytes: u64,
}

impl Figures {
    /// Server RSS growth per uploaded document, in KiB.
    pub fn rss_per_doc_kib(&self) -> f64 {
        let grown = self.memory_after_upload.rss_kib.saturating_sub(self.memory_start.rss_kib);
        grown as f64 / self.upload.docs.max(1) as f64
    }
}

/// The table of `runs` side by side.
pub fn table(runs: &[Figures]) -> String {
    let mut rows: Vec<(String, Vec<String>)> = Vec::new();
    let mut row = |name: &str, f: &dyn Fn(&Figures) -> String| rows.push((name.into(), runs.iter().map(f).collect()));
    let step = |s: &Step| format!("{:.2} s, {} B up / {} B down", s.seconds, s.bytes.up, s.bytes.down);
    row("documents uploaded", &|f| f.upload.docs.to_string());
    row("1. upload: wall time, bytes", &|f| step(&f.upload));
    row("   per document", &|f| format!("{:.2} ms", f.upload.seconds * 1000.0 / f.upload.docs.max(1) as f64));
    row("2. documents changed", &|f| f.change_some.docs.to_string());
    row("   wall time, bytes", &|f| step(&f.change_some));
    row("3. idle reconnect: bytes", &|f| {
        format!("{} B ({:.2} s)", f.idle_reconnect.bytes.total(), f.idle_reconnect.seconds)
    });
    row("4. one-field change: bytes", &|f| {
        format!("{} B ({} up / {} down)", f.one_change.bytes.total(), f.one_change.bytes.up, f.one_change.bytes.down)
    });
    let lat =
        |l: &Latency| format!("p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms (n={})", l.p50_ms, l.p99_ms, l.max_ms, l.count);
    row("5. devices, all at once", &|f| lat(&f.devices_burst));
    row("   devices, paced", &|f| lat(&f.devices_paced));
    row("server RSS start", &|f| format!("{} KiB", f.memory_start.rss_kib));
    row("server RSS after upload", &|f| format!("{} KiB", f.memory_after_upload.rss_kib));
    row("   growth per document", &|f| format!("{:.1} KiB", f.rss_per_doc_kib()));
    row("server RSS end / peak", &|f| format!("{} / {} KiB", f.memory_end.rss_kib, f.memory_end.peak_kib));
    row("data on disk", &|f| format!("{:.1} MB", f.disk_bytes as f64 / 1e6));
    let width = rows.iter().map(|(n, _)| n.chars().count()).max().unwrap_or(0);
    let mut out = String::new();
    let _ = write!(out, "{:width$}", "");
    runs.iter().for_each(|f| {
        let _ = write!(out, " | {:48}", f.system);
    });
    out.push('\n');
    for (name, cells) in rows {
        let pad = width - name.chars().count();
        let _ = write!(out, "{name}{:pad$}", "");
        cells.iter().for_each(|c| {
            let _ = write!(out, " | {c:48}");
        });
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_shows_each_system_and_growth_per_document() {
        let mut k = Figures { system: "keis".into(), ..Default::default() };
        k.upload = Step::new(100, Duration::from_millis(1500), Traffic { up: 1000, down: 200 });
        k.memory_start.rss_kib = 10_000;
        k.memory_after_upload.rss_kib = 10_300;
        let s = Figures { system: "samod".into(), ..Default::default() };
        let t = table(&[k.clone(), s]);
        assert!(t.contains("keis") && t.contains("samod"), "{t}");
        assert!(t.contains("1.50 s, 1000 B up / 200 B down"), "{t}");
        assert!((k.rss_per_doc_kib() - 3.0).abs() < 1e-9);
        assert_eq!(Traffic { up: 5, down: 9 }.since(Traffic { up: 2, down: 4 }), Traffic { up: 3, down: 5 });
    }
}
