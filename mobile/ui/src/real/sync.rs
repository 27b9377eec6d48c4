//! The real [`SyncService`]: the sync client on a thread of its own with a
//! single-threaded tokio runtime. The screens ask for a round ([`SyncService::sync_now`])
//! and poll [`SyncService::status`], read from the client's progress channel without
//! waiting for the store.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use keis_mobile::sync::{self, Phase, SyncClient, SyncConfig, SyncProgress};
use tokio::sync::watch;

use super::{Shared, lock};
use crate::services::{ServiceError, SyncService, SyncStatus};

/// Rounds tried for one request: one, so a request is answered promptly when the
/// network is down; the next request or the timer retries.
const ATTEMPTS: u32 = 1;

enum Request {
    /// A round now.
    Sync,
    /// Publish what waits to go up.
    Refresh,
}

/// The sync worker's handle; dropping it ends the worker after its current round.
pub struct RealSync {
    tx: mpsc::Sender<Request>,
    progress: watch::Receiver<SyncProgress>,
    /// The last successful round as stored (before this process synced).
    stored_last: Arc<Mutex<Option<i64>>>,
    /// A round was asked for and has not ended yet.
    busy: Arc<AtomicBool>,
}

impl RealSync {
    /// Starts the worker over `store`; with `auto`, it also syncs that often while the
    /// store is unlocked.
    pub(crate) fn start(store: Shared, config: SyncConfig, auto: Option<Duration>) -> std::io::Result<Self> {
        let client = SyncClient::new(config);
        let progress = client.progress();
        let (tx, rx) = mpsc::channel();
        let stored_last = Arc::new(Mutex::new(None));
        let busy = Arc::new(AtomicBool::new(false));
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
        let worker = Worker { store, client, rt, stored_last: stored_last.clone(), busy: busy.clone() };
        std::thread::Builder::new().name("keis-sync".into()).spawn(move || worker.run(&rx, auto))?;
        Ok(Self { tx, progress, stored_last, busy })
    }

    /// Asks the worker to publish the pending changes (after an edit or unlock).
    pub(crate) fn refresh(&self) {
        let _ = self.tx.send(Request::Refresh);
    }
}

struct Worker {
    store: Shared,
    client: SyncClient,
    rt: tokio::runtime::Runtime,
    stored_last: Arc<Mutex<Option<i64>>>,
    busy: Arc<AtomicBool>,
}

impl Worker {
    fn run(mut self, rx: &mpsc::Receiver<Request>, auto: Option<Duration>) {
        loop {
            let request = match auto {
                Some(every) => match rx.recv_timeout(every) {
                    Ok(r) => r,
                    Err(RecvTimeoutError::Timeout) => Request::Sync,
                    Err(RecvTimeoutError::Disconnected) => break,
                },
                None => match rx.recv() {
                    Ok(r) => r,
                    Err(_) => break,
                },
            };
            match request {
                Request::Refresh => self.refresh(),
                Request::Sync => {
                    // Requests that queued up meanwhile are served by this round.
                    while rx.try_recv().is_ok() {}
                    self.round();
                    self.busy.store(false, Ordering::SeqCst);
                }
            }
        }
        tracing::debug!("sync worker stopped");
    }

    fn refresh(&mut self) {
        let mut store = lock(&self.store);
        if !store.is_unlocked() {
            return;
        }
        if let Err(e) = self.client.refresh_pending(&mut store) {
            tracing::warn!(error = %e, "could not count the pending changes");
        }
        match sync::last_sync_ms(&mut store) {
            Ok(ms) => *self.stored_last.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = ms,
            Err(e) => tracing::warn!(error = %e, "could not read the last sync time"),
        }
    }

    fn round(&mut self) {
        if !lock(&self.store).is_unlocked() {
            tracing::info!("sync skipped: the store is locked");
            return;
        }
        // The client takes the store for each step only: the screens stay responsive.
        match self.rt.block_on(self.client.sync_until_done(&*self.store, ATTEMPTS)) {
            Ok(report) => tracing::info!(
                documents = report.docs.docs_done,
                rejected = report.docs.docs_rejected,
                pending = report.pending_changes,
                "sync round done"
            ),
            Err(e) => tracing::warn!(error = %e, "sync failed"),
        }
        self.refresh();
    }
}

/// What the sync bar shows, from the client's progress.
pub(crate) fn status_of(p: &SyncProgress, stored_last: Option<i64>, busy: bool) -> SyncStatus {
    let progress = match p.phase {
        Phase::Documents | Phase::Blobs if p.docs_total > 0 => Some(p.docs_done as f32 / p.docs_total as f32),
        Phase::Connecting | Phase::Documents | Phase::Blobs => Some(0.0),
        Phase::Idle | Phase::Waiting if busy => Some(0.0),
        Phase::Idle | Phase::Waiting => None,
    };
    SyncStatus {
        last_sync_ms: p.last_sync_ms.or(stored_last),
        pending_changes: u32::try_from(p.pending_changes).unwrap_or(u32::MAX),
        pending_bytes: p.pending_bytes,
        progress,
        offline: p.offline,
    }
}

impl SyncService for RealSync {
    fn status(&self) -> SyncStatus {
        let stored = *self.stored_last.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        status_of(&self.progress.borrow(), stored, self.busy.load(Ordering::SeqCst))
    }

    fn sync_now(&self) -> Result<(), ServiceError> {
        self.busy.store(true, Ordering::SeqCst);
        self.tx.send(Request::Sync).map_err(|_| {
            self.busy.store(false, Ordering::SeqCst);
            ServiceError(
                "синхронізація зупинилася; перезапустіть застосунок / sync has stopped; restart the app".into(),
            )
        })
    }
}
