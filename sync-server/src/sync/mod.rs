//! The sync endpoint: `GET /api/v1/sync`, a WebSocket per device carrying the frames of
//! [`keis_crdt::sync`], one [`ServerSession`](keis_crdt::sync::ServerSession) per
//! connection, authenticated by the session's Bearer token.
//!
//! - [`ws`]: the route, the upgrade and the message loop.
//! - `host`: `StoreHost`, the [`ServerHost`](keis_crdt::sync::ServerHost) of one
//!   connected device over the [`Store`]: documents loaded on demand into a small
//!   per-connection cache, incoming changes applied to a fork, authorised, appended
//!   durably, audited.
//! - `check`: reading the case before and after a change and asking
//!   [`keis_crdt::authz::authorize`].
//! - `peer`: the per-(device, document) sync state as persisted, and the small caches.
//! - `lock`: the writer lock of a document, held until a change's commit is durable.
//! - `outbox`: replies waiting for the commit of the changes they answer.
//! - `write`: storing an authorised change (append, notices, journal row, audit), shared
//!   by the sync host and the workflow actions over HTTP ([`crate::cases`]), and the
//!   actor of server-side actions.
//! - [`upstream`]: server tiers, the uplink of an edge server (`serve --upstream URL`)
//!   that syncs its documents with a central server as a peer with its own identity.
//!
//! # Blocking
//!
//! `ServerHost` is synchronous, the [`Store`] async. Each binary message is handled inside
//! `tokio::task::spawn_blocking`: the session and its host move into the blocking task,
//! which drives store calls with `Handle::block_on`, and come back with the reply. This
//! works on any runtime flavour (unlike `block_in_place`), never blocks a runtime worker,
//! and a panic in the handling (a bug, or Automerge on hostile input) ends that one
//! connection with an `Error` frame instead of taking a worker down. Frames of one
//! connection are handled in order, in batches of those already received; a batch's
//! replies go out once its changes are durable (`host`'s group commit, `outbox`).
//!
//! # Scope
//!
//! A device's documents are those of the hromadas of its positions (`Hromadas` and
//! `District` scopes name them; `All` means every document, the store's `"all"`). A
//! starosta district is narrower than its hromada: change-level authorisation judges
//! writes by the district, while reads follow the hromada, which is how the store files
//! documents.
//!
//! # A device's own changes
//!
//! The store records no origin of a change, yet a device must not be told of its own
//! changes (the reference `keis_crdt::sync::memory::MemoryServer` does not). The host keeps, with each persisted sync state, the sequence number up to which
//! the device is known to hold the document in full (`held`: set when the device's last
//! stated heads equal the server's, e.g. right after its own change was stored).
//! [`changed_since`](keis_crdt::sync::ServerHost::changed_since) walks the changed
//! documents one by one in sequence order and skips those the device holds at their
//! latest change. This survives reconnects, so an idle reconnect after an upload is
//! `Hello`/`Welcome`/`Changed` only. The walk costs one store query per changed document;
//! a store that returned each document's latest `Seq` in [`Changed`](crate::store::Changed),
//! or kept the origin device per chunk, would make it one query per page.
//!
//! # Consistency between connections
//!
//! Receiving is serialised per document across connections (the writer locks of `Hub`):
//! fork, authorise and append see no other append in between, so the fork a connection
//! keeps in its cache is exactly the stored document. A cached document that another
//! connection of this process changed since is reloaded before use. A stored change is
//! announced live to the other connected devices of its hromada (`Changed`). The audit
//! log gets `write` and `reject` for every received batch and `read` the first time a
//! connection sends a case's content.

pub(crate) mod check;
mod host;
mod lock;
mod outbox;
mod peer;
pub mod upstream;
mod write;
pub mod ws;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use tokio::runtime::Handle;
use tokio::sync::broadcast;

use crate::auth::Auth;
use crate::metrics::Metrics;
use crate::store::{ALL_SCOPES, Seq, Store, StoreError};
use lock::DocLock;
pub(crate) use lock::Held;

pub(crate) use write::Write;
pub use ws::{routes, routes_with};

/// How many changed documents one `Changed` frame lists.
pub const PAGE_SIZE: usize = 256;
/// Live notices buffered per connection before it just re-checks everything.
const NOTICES: usize = 1024;

/// Why the sync layer failed (not a refusal of the device's changes, which is a
/// `Rejected` frame): the connection is answered with an `Error` frame and closed.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error("storage failed: {0}")]
    Store(#[from] StoreError),
    #[error("a stored document cannot be read ({doc_id}): {source}; the data may be damaged")]
    StoredDoc {
        doc_id: String,
        #[source]
        source: automerge::AutomergeError,
    },
    #[error("the handling of a frame did not finish: {0}")]
    Task(#[from] tokio::task::JoinError),
    /// Authorised, yet the store did not take it (a document filed under another
    /// hromada meanwhile). Nothing was stored or acknowledged; the device sends it again.
    #[error("the store did not take the changes to {doc_id} ({reason}); sync again")]
    NotStored { doc_id: String, reason: String },
}

/// What every connection of one server shares: the store, the auth service (for the
/// clock and the extractor), the latest change sequence and which documents changed
/// in this process (so a connection's cached copy is never used stale).
pub struct Hub {
    pub(crate) store: Arc<dyn Store>,
    pub(crate) auth: Arc<Auth>,
    /// Frames, changes, clients and append latency (no ids as labels).
    pub(crate) metrics: Arc<Metrics>,
    /// Changed documents per `Changed` frame.
    pub(crate) page_size: usize,
    /// The largest `Seq` stored, once known.
    latest: Mutex<Option<u64>>,
    /// The latest `Seq` appended by this process per document.
    versions: Mutex<HashMap<String, u64>>,
    /// Stored changes, for live notices to the other connections.
    notices: broadcast::Sender<Notice>,
    /// One writer lock per document being written (entries go when unused).
    writers: Mutex<HashMap<String, Arc<DocLock>>>,
    /// Random, per process: what the Automerge actors of server-side actions derive
    /// from (see [`Hub::action_actor`]).
    instance: [u8; 16],
}

/// A change stored by a connection: which hromada, and from which device.
#[derive(Debug, Clone)]
pub(crate) struct Notice {
    pub(crate) scope: String,
    pub(crate) device: String,
}

impl std::fmt::Debug for Hub {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Hub").finish_non_exhaustive()
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Hub {
    /// The hub of one server: `page_size` changed documents per `Changed` frame.
    pub fn new(auth: Arc<Auth>, metrics: Arc<Metrics>, page_size: usize) -> Self {
        Self {
            store: auth.store().clone(),
            auth,
            metrics,
            page_size: page_size.max(1),
            latest: Mutex::new(None),
            versions: Mutex::new(HashMap::new()),
            notices: broadcast::channel(NOTICES).0,
            writers: Mutex::new(HashMap::new()),
            instance: write::instance_id(),
        }
    }

    /// The largest `Seq` stored: scanned once per process, then kept up to date by
    /// [`Hub::appended`].
    pub(crate) fn latest(&self, rt: &Handle) -> Result<u64, StoreError> {
        if let Some(l) = *lock(&self.latest) {
            return Ok(l);
        }
        let mut cursor = Seq::START;
        loop {
            let page = rt.block_on(self.store.changed_since(ALL_SCOPES, cursor, 10_000))?;
            cursor = page.cursor;
            if !page.more {
                break;
            }
        }
        let mut l = lock(&self.latest);
        let v = l.map_or(cursor.0, |old| old.max(cursor.0));
        *l = Some(v);
        Ok(v)
    }

    /// Live notices of stored changes (a lagging receiver just checks everything).
    pub(crate) fn subscribe(&self) -> broadcast::Receiver<Notice> {
        self.notices.subscribe()
    }

    /// `device` appended change `seq` to `doc` of hromada `scope`.
    pub(crate) fn appended(&self, doc: &str, scope: &str, seq: u64, device: &str) {
        // No receiver is not an error: nobody else is connected.
        let _ = self.notices.send(Notice { scope: scope.to_owned(), device: device.to_owned() });
        if let Some(l) = lock(&self.latest).as_mut() {
            *l = (*l).max(seq);
        }
        let mut v = lock(&self.versions);
        let e = v.entry(doc.to_owned()).or_default();
        *e = (*e).max(seq);
    }

    /// The writer lock of `doc` (take it with [`Hub::hold`]).
    fn writer(&self, doc: &str) -> Arc<DocLock> {
        lock(&self.writers).entry(doc.to_owned()).or_default().clone()
    }

    /// Drops the lock entry of `doc` once no one holds or waits for it.
    fn release_writer(&self, doc: &str, writer: Arc<DocLock>) {
        let mut writers = lock(&self.writers);
        drop(writer);
        if writers.get(doc).is_some_and(|w| Arc::strong_count(w) == 1) {
            writers.remove(doc);
        }
    }

    /// The latest `Seq` of `doc` appended by this process, if any.
    pub(crate) fn version(&self, doc: &str) -> Option<u64> {
        lock(&self.versions).get(doc).copied()
    }
}
