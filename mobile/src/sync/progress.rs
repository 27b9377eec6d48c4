//! What the sync screen shows, as one value the UI reads from a
//! [`tokio::sync::watch`] channel: the phase, documents and bytes moved by the current
//! round, when the last round finished, what is still waiting to go up, and whether the
//! device is offline. The accounting is pure methods on [`SyncProgress`].

use keis_crdt::sync::Progress;

/// Where sync stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Phase {
    /// Not syncing.
    #[default]
    Idle,
    /// Signing in and opening the connection.
    Connecting,
    /// Exchanging case documents.
    Documents,
    /// Moving attachments (scans, signature images).
    Blobs,
    /// Waiting before the next try (see [`SyncProgress::retry_in_ms`]).
    Waiting,
}

/// The state of sync as the UI shows it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SyncProgress {
    pub phase: Phase,
    /// Documents through in this round (confirmed or refused).
    pub docs_done: usize,
    /// Documents known to this round so far (through and still to do).
    pub docs_total: usize,
    /// Documents whose changes the server refused in this round.
    pub docs_rejected: usize,
    /// Bytes sent and received in this round (frames and blobs).
    pub bytes_up: u64,
    pub bytes_down: u64,
    /// Blobs uploaded and downloaded in this round.
    pub blobs_up: usize,
    pub blobs_down: usize,
    /// When the last round finished successfully (ms since the epoch).
    pub last_sync_ms: Option<i64>,
    /// Cases changed here and not yet confirmed by the server.
    pub pending_changes: usize,
    /// Bytes of attachments not yet uploaded.
    pub pending_bytes: u64,
    /// The server could not be reached at the last try.
    pub offline: bool,
    /// The wait before the next try, while [`Phase::Waiting`].
    pub retry_in_ms: Option<u64>,
    /// The last failure, as the user should read it.
    pub last_error: Option<String>,
}

impl SyncProgress {
    /// A new round starts: the per-round counters go back to zero.
    pub fn begin_round(&mut self) {
        self.phase = Phase::Connecting;
        self.docs_done = 0;
        self.docs_total = 0;
        self.docs_rejected = 0;
        self.bytes_up = 0;
        self.bytes_down = 0;
        self.blobs_up = 0;
        self.blobs_down = 0;
        self.retry_in_ms = None;
    }

    /// The document session reports where it stands.
    pub fn documents(&mut self, p: &Progress) {
        self.phase = Phase::Documents;
        self.docs_done = p.docs_done + p.docs_rejected;
        self.docs_rejected = p.docs_rejected;
        self.docs_total = self.docs_done + p.docs_pending;
    }

    /// A frame or blob chunk went up (`up`) or came down.
    pub fn bytes(&mut self, up: bool, n: usize) {
        let n = n as u64;
        if up {
            self.bytes_up += n;
        } else {
            self.bytes_down += n;
        }
    }

    /// A round finished well at `now_ms`: online, nothing to retry.
    pub fn succeeded(&mut self, now_ms: i64) {
        self.phase = Phase::Idle;
        self.offline = false;
        self.last_sync_ms = Some(now_ms);
        self.retry_in_ms = None;
        self.last_error = None;
    }

    /// A round failed; `offline` if the server could not be reached, `retry_in_ms` if a
    /// retry is scheduled.
    pub fn failed(&mut self, error: String, offline: bool, retry_in_ms: Option<u64>) {
        self.phase = if retry_in_ms.is_some() { Phase::Waiting } else { Phase::Idle };
        self.offline = offline;
        self.retry_in_ms = retry_in_ms;
        self.last_error = Some(error);
    }

    /// One line for a terminal: `documents 3/5, ↑ 12.0 KiB ↓ 3.1 KiB`.
    pub fn line(&self) -> String {
        let kib = |b: u64| b as f64 / 1024.0;
        format!(
            "документи / documents {}/{}, ↑ {:.1} KiB ↓ {:.1} KiB, файли / blobs ↑{} ↓{}",
            self.docs_done,
            self.docs_total,
            kib(self.bytes_up),
            kib(self.bytes_down),
            self.blobs_up,
            self.blobs_down
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_round_counts_documents_and_bytes_from_zero() {
        let mut p = SyncProgress { bytes_up: 99, docs_done: 4, last_sync_ms: Some(5), ..Default::default() };
        p.begin_round();
        assert_eq!((p.phase, p.bytes_up, p.docs_done, p.last_sync_ms), (Phase::Connecting, 0, 0, Some(5)));
        p.documents(&Progress { docs_done: 2, docs_rejected: 1, docs_pending: 4 });
        assert_eq!((p.docs_done, p.docs_rejected, p.docs_total), (3, 1, 7));
        p.bytes(true, 100);
        p.bytes(false, 30);
        p.bytes(true, 5);
        assert_eq!((p.bytes_up, p.bytes_down), (105, 30));
        assert!(p.line().contains("3/7"), "{}", p.line());
    }

    #[test]
    fn offline_is_set_by_a_failure_to_reach_and_cleared_by_a_success() {
        let mut p = SyncProgress::default();
        p.failed("no route".into(), true, Some(2_000));
        assert!(p.offline);
        assert_eq!((p.phase, p.retry_in_ms), (Phase::Waiting, Some(2_000)));
        p.begin_round();
        assert!(p.offline, "still offline until a round gets through");
        p.succeeded(1_234);
        assert!(!p.offline);
        assert_eq!((p.phase, p.last_sync_ms, p.last_error.clone()), (Phase::Idle, Some(1_234), None));
        p.failed("revoked".into(), false, None);
        assert_eq!((p.phase, p.offline), (Phase::Idle, false));
    }
}
