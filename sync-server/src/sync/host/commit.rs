//! The group commit of a connection's changes (see the [module documentation](super)):
//! an authorised change is handed to the store without waiting for its commit; the
//! connection sends the replies of a batch once its [`Ticket`] resolves; the host records
//! what was stored (the cached document's sequence number, what the device holds) when it
//! next looks, and persists the sync states that changed without waiting for them.

use std::sync::{Arc, OnceLock};

use automerge::ChangeHash;
use futures_util::FutureExt;
use futures_util::future::{BoxFuture, Shared};
use keis_crdt::Position;
use keis_crdt::model::Case;
use keis_crdt::sync::HostError;
use tracing::Instrument;

use super::{StoreHost, host_err};
use crate::store::{Seq, StateWith};
use crate::sync::peer::Peer;
use crate::sync::{Held, SyncError, Write};

/// Resolves once a change's commit is over (`Err`: it was not stored).
type Durable = Shared<BoxFuture<'static, Result<(), String>>>;

/// A stored change's sequence number once durable, or why it was not stored: set before
/// the document's writer lock is released, so while it is unset no one else has written
/// the document since this connection's fork.
type Outcome = Arc<OnceLock<Result<u64, String>>>;

/// Resolves once every change of a batch is durable (`Err`: one was not stored, and the
/// batch's replies must not go out).
pub(crate) type Ticket = BoxFuture<'static, Result<(), String>>;

/// A change handed to the store, not yet recorded by the host.
pub(super) struct Pending {
    pub(super) doc: String,
    /// The document's heads with the change.
    heads: Vec<ChangeHash>,
    outcome: Outcome,
    stored: Durable,
}

/// An authorised change to a document, as the host hands it to the store.
pub(super) struct Authorised {
    /// The case after the change.
    pub(super) after: Case,
    /// The new changes (`save_after` the stored heads, or a whole `save`).
    pub(super) bytes: Vec<u8>,
    /// The sending device's position, for the audit log.
    pub(super) position: Option<Position>,
    /// The document's heads with the change.
    pub(super) heads: Vec<ChangeHash>,
}

impl StoreHost {
    /// Hands an authorised change to the store. `held` (the document's writer lock) is
    /// released once the commit is durable, or failed; `peer` is the device's sync state
    /// after its message.
    pub(super) fn store(&mut self, doc: &str, change: Authorised, peer: &Peer, held: Held) {
        let Authorised { after, bytes, position, heads } = change;
        let (hub, id, device) = (Arc::clone(&self.hub), doc.to_owned(), self.device.clone());
        // The device's state as it will be once the change is stored: it holds the change.
        let mut after_state = peer.clone();
        let ours = heads.clone();
        let state = StateWith {
            peer_id: device.clone(),
            encode: Box::new(move |seq: Seq| {
                after_state.held_if_at(&ours, seq.0);
                after_state.encode()
            }),
        };
        let outcome: Outcome = Arc::default();
        let set = Arc::clone(&outcome);
        let task = async move {
            let write = Write {
                doc: &id,
                case: &after,
                bytes: &bytes,
                device: &device,
                origin: &device,
                position: position.as_ref(),
                what: None,
                state: Some(state),
            };
            let stored = match hub.store_change(write).await {
                Ok(Ok(seq)) => Ok(seq),
                Ok(Err(refusal)) => Err(refusal.to_string()),
                Err(e) => Err(e.to_string()),
            };
            let done = stored.as_ref().map(|_| ()).map_err(Clone::clone);
            let _ = set.set(stored);
            drop(held);
            done
        };
        let task = self.rt.spawn(task.in_current_span());
        let stored = async move { task.await.unwrap_or_else(|e| Err(e.to_string())) }.boxed().shared();
        self.pending.push(Pending { doc: doc.to_owned(), heads, outcome, stored });
    }

    /// Records the changes already durable; with `wait`, waits for all of them first
    /// (which also releases this connection's writer locks). `Err` if one was not
    /// stored: its document leaves the caches, and the connection ends.
    pub(super) fn settle(&mut self, wait: bool) -> Result<(), HostError> {
        let mut failed = None;
        for p in std::mem::take(&mut self.pending) {
            let outcome = match (wait, p.outcome.get()) {
                (_, Some(o)) => Some(o.clone()),
                (false, None) => None,
                // In flight: wait for it (no outcome after that: the task panicked).
                (true, None) => Some(
                    self.rt
                        .block_on(p.stored.clone())
                        .and_then(|()| p.outcome.get().cloned().unwrap_or_else(|| Err("the store task ended".into()))),
                ),
            };
            match outcome {
                None => self.pending.push(p),
                Some(Ok(seq)) => {
                    if let Some(Some(l)) = self.docs.get(&p.doc) {
                        l.covers = seq;
                        l.pending = false;
                    }
                    // The state saved with the change (`store`) is this one.
                    if let Some(peer) = self.peers.get(&p.doc) {
                        peer.held_if_at(&p.heads, seq);
                        peer.persisted = Some(peer.encode());
                    }
                }
                Some(Err(reason)) => {
                    self.docs.remove(&p.doc);
                    self.peers.remove(&p.doc);
                    failed.get_or_insert(SyncError::NotStored { doc_id: p.doc, reason });
                }
            }
        }
        failed.map_or(Ok(()), |e| Err(host_err(e)))
    }

    /// Ends the handling of a batch: records what is durable, starts persisting the sync
    /// states that changed (not awaited: a lost one costs a round trip, never a change),
    /// and returns the ticket the batch's replies wait for.
    pub(crate) fn end_batch(&mut self) -> Result<Ticket, HostError> {
        self.settle(false)?;
        let mut waiting = Vec::new();
        for doc in std::mem::take(&mut self.dirty) {
            // Its state is persisted with what the device holds once its change is.
            if self.pending.iter().any(|p| p.doc == doc) {
                waiting.push(doc);
                continue;
            }
            let Some(peer) = self.peers.get(&doc) else { continue };
            let bytes = peer.encode();
            if peer.persisted.as_deref() == Some(&bytes) {
                continue;
            }
            peer.persisted = Some(bytes.clone());
            let (hub, device) = (Arc::clone(&self.hub), self.device.clone());
            let save = async move {
                if let Err(e) = hub.store.put_sync_state(&device, &doc, &bytes).await {
                    tracing::warn!(error = %e, "could not persist a sync state; the next sync repeats a round trip");
                }
            };
            self.rt.spawn(save.in_current_span());
        }
        self.dirty = waiting;
        let all: Vec<Durable> = self.pending.iter().map(|p| p.stored.clone()).collect();
        Ok(async move {
            for stored in all {
                stored.await?;
            }
            Ok(())
        }
        .boxed())
    }
}
