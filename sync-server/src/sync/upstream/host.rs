//! [`UpstreamHost`]: the [`ClientHost`] of the uplink over the edge's own store.
//!
//! Runs on a blocking thread (store calls are `Handle::block_on`), like the server's
//! `StoreHost`. The edge is the client here: its sync state per document is kept under
//! the pseudo-peer [`PEER`](super::PEER), in the same persisted form as a device's
//! (`held` = the edge's change sequence up to which the central server holds the
//! document). What the central server sends is trusted: it is applied under the
//! document's writer lock and stored through [`Hub::store_change`] (durable append,
//! journal row, audit, live notices to the edge's devices) before the next message goes
//! out, without a device's authorisation.

use std::collections::HashSet;
use std::sync::Arc;

use automerge::sync::{self, SyncDoc};
use automerge::{AutoCommit, ChangeHash};
use keis_crdt::sync::{ClientHost, HostError};
use tokio::runtime::Handle;

use super::super::check::case_of;
use super::super::peer::{Lru, Peer};
use super::super::{Hub, SyncError, Write};
use super::{META, PEER, Shared};
use crate::store::StoreError;

/// Documents kept loaded.
const DOC_CACHE: usize = 16;
/// Sync states kept in memory (the rest are persisted).
const PEER_CACHE: usize = 256;

struct Loaded {
    doc: AutoCommit,
    covers: u64,
}

fn host_err(e: impl Into<SyncError>) -> HostError {
    HostError::new(e.into())
}

/// Why a document from the central server cannot be stored on the edge.
#[derive(Debug, thiserror::Error)]
#[error("the central server's version of {doc} cannot be stored here: {why}")]
pub(crate) struct Unstorable {
    doc: String,
    why: String,
}

fn heads_equal(a: &[ChangeHash], b: &[ChangeHash]) -> bool {
    a.len() == b.len() && a.iter().all(|h| b.contains(h))
}

/// The edge's store as the uplink's client session sees it.
pub(crate) struct UpstreamHost {
    hub: Arc<Hub>,
    rt: Handle,
    shared: Arc<Shared>,
    docs: Lru<Option<Loaded>>,
    peers: Lru<Peer>,
    /// Documents the central server refused during this connection.
    refused: HashSet<String>,
}

impl UpstreamHost {
    pub(crate) fn new(hub: Arc<Hub>, rt: Handle, shared: Arc<Shared>) -> Self {
        Self { hub, rt, shared, docs: Lru::new(DOC_CACHE), peers: Lru::new(PEER_CACHE), refused: HashSet::new() }
    }

    /// Whether the central server refused `doc`'s changes during this connection.
    pub(crate) fn refused(&self, doc: &str) -> bool {
        self.refused.contains(doc)
    }

    /// The stored document, reloaded if this process changed it since it was cached.
    fn loaded(&mut self, doc: &str) -> Result<Option<&mut Loaded>, HostError> {
        let fresh = match (self.docs.get(doc), self.hub.version(doc)) {
            (Some(Some(l)), Some(v)) => l.covers >= v,
            (Some(None), Some(_)) | (None, _) => false,
            (Some(_), None) => true,
        };
        if !fresh {
            let stored = self.rt.block_on(self.hub.store.load(doc)).map_err(host_err)?;
            let loaded = match stored {
                None => None,
                Some(s) => {
                    let am = AutoCommit::load(&s.concatenated())
                        .map_err(|source| host_err(SyncError::StoredDoc { doc_id: s.doc_id.clone(), source }))?;
                    Some(Loaded { doc: am, covers: s.covers.0 })
                }
            };
            self.docs.put(doc, loaded);
        }
        Ok(self.docs.get(doc).and_then(Option::as_mut))
    }

    /// The central server announced that `doc` changed: drop the in-flight part of its
    /// sync state (as after a reconnect), so the next message asks about it even if the
    /// last exchange ended in agreement.
    pub(crate) fn announced(&mut self, doc: &str) {
        // Every state in the cache is persisted; the next use decodes it afresh.
        self.peers.remove(doc);
    }

    fn peer(&mut self, doc: &str) -> Result<Peer, HostError> {
        if let Some(p) = self.peers.remove(doc) {
            return Ok(p);
        }
        let bytes = self.rt.block_on(self.hub.store.sync_state(PEER, doc)).map_err(host_err)?;
        Ok(bytes.as_deref().map(Peer::decode).unwrap_or_default())
    }

    /// Records what the central server holds and persists the state if it changed.
    fn keep(&mut self, doc: &str, mut peer: Peer, ours: &[ChangeHash], covers: u64) -> Result<(), HostError> {
        if peer.state.their_heads.as_deref().is_some_and(|theirs| heads_equal(theirs, ours)) {
            peer.held = peer.held.max(covers);
        }
        self.persist(doc, peer)
    }

    fn persist(&mut self, doc: &str, mut peer: Peer) -> Result<(), HostError> {
        let bytes = peer.encode();
        if peer.persisted.as_deref() != Some(&bytes) {
            self.rt.block_on(self.hub.store.put_sync_state(PEER, doc, &bytes)).map_err(host_err)?;
            peer.persisted = Some(bytes);
        }
        self.peers.put(doc, peer);
        Ok(())
    }

    fn receive_locked(&mut self, doc: &str, msg: sync::Message) -> Result<(), HostError> {
        let (mut fork, old_heads) = match self.loaded(doc)? {
            Some(l) => (l.doc.fork(), l.doc.get_heads()),
            None => (AutoCommit::new(), Vec::new()),
        };
        let mut peer = self.peer(doc)?;
        let unstorable = |why: String| HostError::new(Unstorable { doc: doc.to_owned(), why });
        if let Err(e) = fork.sync().receive_sync_message(&mut peer.state, msg) {
            return Err(unstorable(e.to_string()));
        }
        let new_heads = fork.get_heads();
        if new_heads == old_heads {
            let covers = self.docs.get(doc).and_then(|l| l.as_ref()).map_or(0, |l| l.covers);
            return self.keep(doc, peer, &new_heads, covers);
        }
        let case = case_of(&mut fork).map_err(|e| unstorable(e.to_string()))?;
        if case.id != doc {
            return Err(unstorable(format!("it holds another case ({})", case.id)));
        }
        let bytes = if old_heads.is_empty() { fork.save() } else { fork.save_after(&old_heads) };
        let write = Write {
            doc,
            case: &case,
            bytes: &bytes,
            device: PEER,
            origin: PEER,
            position: None,
            what: Some("from the central server"),
            state: None,
        };
        let seq = match self.rt.block_on(self.hub.store_change(write)).map_err(host_err)? {
            Ok(seq) => seq,
            Err(refusal) => return Err(unstorable(refusal.to_string())),
        };
        self.docs.put(doc, Some(Loaded { doc: fork, covers: seq }));
        self.keep(doc, peer, &new_heads, seq)
    }

    fn save_meta(&self, key: &str, value: u64) -> Result<(), HostError> {
        self.rt.block_on(self.hub.store.put_sync_state(META, key, &value.to_le_bytes())).map_err(host_err)
    }
}

impl ClientHost for UpstreamHost {
    fn generate(&mut self, doc: &str) -> Result<Option<Vec<u8>>, HostError> {
        let mut peer = self.peer(doc)?;
        let mut empty = AutoCommit::new();
        let (msg, heads, covers) = match self.loaded(doc)? {
            Some(l) => {
                let msg = l.doc.sync().generate_sync_message(&mut peer.state);
                (msg, l.doc.get_heads(), l.covers)
            }
            None => (empty.sync().generate_sync_message(&mut peer.state), Vec::new(), 0),
        };
        self.keep(doc, peer, &heads, covers)?;
        Ok(msg.map(sync::Message::encode))
    }

    fn receive(&mut self, doc: &str, message: &[u8]) -> Result<(), HostError> {
        let msg = sync::Message::decode(message)
            .map_err(|e| HostError::new(Unstorable { doc: doc.to_owned(), why: e.to_string() }))?;
        let _held = self.hub.hold(doc);
        self.receive_locked(doc, msg)
    }

    fn confirmed(&mut self, doc: &str, heads: &[[u8; 32]]) -> Result<(), HostError> {
        let theirs: Vec<ChangeHash> = heads.iter().map(|h| ChangeHash(*h)).collect();
        let (ours, covers) = match self.loaded(doc)? {
            Some(l) => (l.doc.get_heads(), l.covers),
            None => return Ok(()),
        };
        let mut peer = self.peer(doc)?;
        if heads_equal(&theirs, &ours) {
            peer.held = peer.held.max(covers);
        }
        keis_crdt::sync::acknowledge(&mut peer.state, &ours, heads);
        self.persist(doc, peer)
    }

    fn settled(&mut self, doc: &str) -> Result<(), HostError> {
        let (ours, covers) = match self.loaded(doc)? {
            Some(l) => (l.doc.get_heads(), l.covers),
            None => return Ok(()),
        };
        let peer = self.peer(doc)?;
        self.keep(doc, peer, &ours, covers)
    }

    fn rejected(&mut self, doc: &str, code: u16, reason: &str) -> Result<(), HostError> {
        tracing::warn!(code, reason, "the central server refused this edge's changes to a case");
        self.shared.rejected();
        self.refused.insert(doc.to_owned());
        let detail = format!("refused upstream ({code})");
        self.rt.block_on(self.hub.audit(PEER, doc, None, "reject-upstream", detail));
        Ok(())
    }

    fn save_cursor(&mut self, cursor: u64) -> Result<(), HostError> {
        self.save_meta(super::CURSOR_KEY, cursor)?;
        self.shared.update(|s| s.cursor = cursor);
        Ok(())
    }

    fn restart(&mut self, doc: &str) -> Result<(), HostError> {
        // The next use decodes the persisted state (in-flight knowledge dropped).
        self.peers.remove(doc);
        Ok(())
    }
}

/// A `u64` saved under the uplink's meta pseudo-peer, 0 if never saved.
pub(crate) async fn load_meta(hub: &Hub, key: &str) -> Result<u64, StoreError> {
    let bytes = hub.store.sync_state(META, key).await?;
    Ok(bytes.and_then(|b| <[u8; 8]>::try_from(b.as_slice()).ok()).map_or(0, u64::from_le_bytes))
}

/// Saves a `u64` under the uplink's meta pseudo-peer.
pub(crate) async fn save_meta(hub: &Hub, key: &str, value: u64) -> Result<(), StoreError> {
    hub.store.put_sync_state(META, key, &value.to_le_bytes()).await
}

/// Whether the central server holds `doc` at the edge's change `seq`.
pub(crate) async fn held(hub: &Hub, doc: &str, seq: u64) -> Result<bool, StoreError> {
    let bytes = hub.store.sync_state(PEER, doc).await?;
    Ok(bytes.as_deref().map(Peer::decode).is_some_and(|p| p.held >= seq))
}
