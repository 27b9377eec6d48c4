//! [`StoreHost`]: the [`ServerHost`] of one connected device over the [`Store`](crate::store::Store).
//!
//! Runs on a blocking thread (see the [module documentation](super)): every store call is
//! `Handle::block_on`. Follows the reference `keis_crdt::sync::memory::ServerConn`: the
//! device's sync message is
//! applied to a fork of the stored document; if that changes it, the case before and after
//! is authorised, and only then are the new changes appended (durably), the case's
//! journal row recomputed and upserted, and the fork kept.
//! A refused or unreadable message leaves the stored document and the sync state as they
//! were.
//!
//! # Group commit
//!
//! An authorised change goes to the store's writer without waiting for its commit, so
//! the changes of a connection that arrive close together share a commit (one fsync). The
//! document's writer lock is held until that commit is durable. The host answers at once;
//! the connection holds each batch's replies until its [`Ticket`] resolves, so nothing is
//! acknowledged before it is durable (`ws`). Before the host judges a second change to a
//! document whose first is still pending, or waits for a lock another connection holds,
//! it waits for its own pending commits (so a host never waits for a lock while holding
//! others). The device's sync state goes into the same commit as its change; other
//! sync states are persisted without holding anything up: a lost one costs a round trip,
//! never a change ([`super::peer`]).

use std::collections::HashSet;
use std::sync::Arc;

use automerge::sync::{self, SyncDoc};
use automerge::{AutoCommit, ChangeHash};
use keis_crdt::Position;
use keis_crdt::authz::{Refusal, authorize, authorize_edge};
use keis_crdt::model::Case;
use keis_crdt::sync::{ChangedPage, HostError, Receipt, ServerHost, codes, head_bytes};
use tokio::runtime::Handle;

use super::check::{Hromadas, acting_position, case_of, position_in, refusal_code};
use super::peer::{Lru, Peer};
use super::{Held, Hub, SyncError};
use crate::store::{Seq, StoreError};
pub(crate) use commit::Ticket;
use commit::{Authorised, Pending};

mod commit;

/// Documents kept loaded per connection.
const DOC_CACHE: usize = 16;
/// Sync states kept in memory per connection (the rest are persisted).
const PEER_CACHE: usize = 256;
/// Changed documents looked at for one page, announced or not.
const WALK_BUDGET: usize = 4_096;

/// A stored document as this connection holds it.
struct Loaded {
    doc: AutoCommit,
    /// The hromada it is filed under.
    scope: String,
    /// The last change it includes (unless `pending`).
    covers: u64,
    /// It includes a change of this connection not yet known durable.
    pending: bool,
}

/// Storage and authorisation for one connected device.
pub(crate) struct StoreHost {
    hub: Arc<Hub>,
    rt: Handle,
    device: String,
    positions: Vec<Position>,
    hromadas: Hromadas,
    docs: Lru<Option<Loaded>>,
    peers: Lru<Peer>,
    /// Documents whose content this connection sent (audited once each).
    read: HashSet<String>,
    /// Whether the device is a trusted edge server (read from the store once).
    edge: Option<bool>,
    /// Changes handed to the store, not yet recorded here.
    pending: Vec<Pending>,
    /// Documents whose sync state changed since it was persisted.
    dirty: Vec<String>,
}

fn host_err(e: impl Into<SyncError>) -> HostError {
    HostError::new(e.into())
}

impl StoreHost {
    pub(crate) fn new(hub: Arc<Hub>, rt: Handle, device: String, positions: Vec<Position>) -> Self {
        let hromadas = Hromadas::of(&positions);
        Self {
            hub,
            rt,
            device,
            positions,
            hromadas,
            docs: Lru::new(DOC_CACHE),
            peers: Lru::new(PEER_CACHE),
            read: HashSet::new(),
            edge: None,
            pending: Vec::new(),
            dirty: Vec::new(),
        }
    }

    /// Authorises a change: as a trusted edge server's forwarded changes if the device is
    /// one ([`authorize_edge`]), else as the device's own ([`authorize`]).
    fn judge(&mut self, before: Option<&Case>, after: &Case) -> Result<Result<(), Refusal>, HostError> {
        let edge = match self.edge {
            Some(e) => e,
            None => {
                let d = self.rt.block_on(self.hub.store.device(&self.device)).map_err(host_err)?;
                let e = d.is_some_and(|d| d.edge);
                self.edge = Some(e);
                e
            }
        };
        Ok(if edge {
            authorize_edge(&self.positions, before, after)
        } else {
            authorize(&self.positions, before, after)
        })
    }

    /// The stored document, loaded if not cached or if this process changed it since.
    fn loaded(&mut self, doc: &str) -> Result<Option<&mut Loaded>, HostError> {
        // A change whose commit is over is recorded first: then others may have written.
        self.settle(false)?;
        let fresh = match (self.docs.get(doc), self.hub.version(doc)) {
            // Still in flight: the writer lock is held, no one else has written it.
            (Some(Some(l)), _) if l.pending => true,
            (Some(Some(l)), Some(v)) => l.covers >= v,
            // Unknown when looked up, and not written here since.
            (Some(None), Some(_)) | (None, _) => false,
            (Some(_), None) => true,
        };
        if !fresh {
            let stored = self.rt.block_on(self.hub.store.load(doc)).map_err(host_err)?;
            let loaded = match stored {
                None => None,
                Some(s) => {
                    let doc = AutoCommit::load(&s.concatenated())
                        .map_err(|source| host_err(SyncError::StoredDoc { doc_id: s.doc_id.clone(), source }))?;
                    Some(Loaded { doc, scope: s.scope, covers: s.covers.0, pending: false })
                }
            };
            self.docs.put(doc, loaded);
        }
        Ok(self.docs.get(doc).and_then(Option::as_mut))
    }

    fn peer(&mut self, doc: &str) -> Result<&mut Peer, HostError> {
        if self.peers.get(doc).is_none() {
            let bytes = self.rt.block_on(self.hub.store.sync_state(&self.device, doc)).map_err(host_err)?;
            self.peers.put(doc, bytes.as_deref().map(Peer::decode).unwrap_or_default());
        }
        self.peers.get(doc).ok_or_else(|| host_err(StoreError::Closed))
    }

    /// Records what the device holds; its state is persisted when the batch ends.
    fn keep(&mut self, doc: &str, mut peer: Peer, ours: &[ChangeHash], covers: u64) {
        peer.held_if_at(ours, covers);
        self.peers.put(doc, peer);
        self.touched(doc);
    }

    fn touched(&mut self, doc: &str) {
        if !self.dirty.iter().any(|d| d == doc) {
            self.dirty.push(doc.to_owned());
        }
    }

    /// Whether the device holds `doc` at `seq`, its latest change.
    /// Does not cache what it reads: a walk over many documents must not push out the
    /// states of documents in flight.
    fn holds(&mut self, doc: &str, seq: u64) -> Result<bool, HostError> {
        if let Some(p) = self.peers.get(doc) {
            return Ok(p.held >= seq);
        }
        let bytes = self.rt.block_on(self.hub.store.sync_state(&self.device, doc)).map_err(host_err)?;
        Ok(bytes.as_deref().map(Peer::decode).is_some_and(|p| p.held >= seq))
    }

    /// The first document of `scope` changed after `cursor`, with its latest change.
    fn next_after(&self, scope: &str, cursor: u64) -> Result<Option<(String, u64)>, HostError> {
        let page = self.rt.block_on(self.hub.store.changed_since(scope, Seq(cursor), 1)).map_err(host_err)?;
        Ok(page.doc_ids.into_iter().next().map(|d| (d, page.cursor.0)))
    }

    /// Appends to the audit log ([`Hub::audit`]).
    fn audit(&self, case: &str, position: Option<&Position>, action: &str, detail: String) {
        self.rt.block_on(self.hub.audit(&self.device, case, position, action, detail));
    }

    fn refuse(
        &mut self,
        doc: &str,
        peer: Option<Peer>,
        refusal: &Refusal,
        pos: Option<&Position>,
    ) -> Result<Receipt, HostError> {
        if let Some(peer) = peer {
            self.peers.put(doc, peer);
        }
        let code = refusal_code(refusal);
        self.hub.metrics.change_rejected(code);
        tracing::info!(reason = code, "changes refused");
        self.audit(doc, pos, "reject", code.to_owned());
        Ok(Receipt::Rejected { code: codes::FORBIDDEN, reason: refusal.to_string() })
    }

    fn malformed(&mut self, doc: &str, peer: Option<Peer>, reason: String) -> Receipt {
        if let Some(peer) = peer {
            self.peers.put(doc, peer);
        }
        self.hub.metrics.change_rejected("malformed");
        tracing::info!("unreadable changes refused");
        Receipt::Rejected { code: codes::MALFORMED, reason }
    }

    /// [`ServerHost::receive`] under the document's writer lock (`held`, released on
    /// return or, if a change is stored, once it is durable).
    fn receive_locked(&mut self, doc: &str, msg: sync::Message, held: Held) -> Result<Receipt, HostError> {
        let hromadas = self.hromadas.clone();
        let (mut fork, old_heads) = match self.loaded(doc)? {
            Some(l) if !hromadas.covers(&l.scope) => {
                let refusal = Refusal::OutOfScope { hromada: l.scope.clone(), district: None };
                return self.refuse(doc, None, &refusal, None);
            }
            Some(l) => (l.doc.fork(), l.doc.get_heads()),
            None => (AutoCommit::new(), Vec::new()),
        };
        let mut peer = std::mem::take(self.peer(doc)?);
        // A refused message must leave the state as it was: the server did not take it.
        let saved = Some(peer.clone());
        if let Err(e) = fork.sync().receive_sync_message(&mut peer.state, msg) {
            return Ok(self.malformed(doc, saved, e.to_string()));
        }
        let new_heads = fork.get_heads();
        if new_heads == old_heads {
            let covers = self.docs.get(doc).and_then(|l| l.as_ref()).map_or(0, |l| l.covers);
            self.keep(doc, peer, &new_heads, covers);
            return Ok(Receipt::Accepted);
        }
        let after = match case_of(&mut fork) {
            Ok(c) => c,
            Err(e) => return Ok(self.malformed(doc, saved, e.to_string())),
        };
        if after.id != doc {
            let reason = format!("the document {doc} holds another case; sync it under its own id");
            return Ok(self.malformed(doc, saved, reason));
        }
        // The entry the fork was taken from (just loaded, so still cached).
        let before = match self.docs.get(doc).and_then(Option::as_mut).map(|l| case_of(&mut l.doc)).transpose() {
            Ok(b) => b,
            Err(e) => return Ok(self.malformed(doc, saved, e.to_string())),
        };
        let pos = acting_position(&self.positions, &after).cloned();
        if !hromadas.covers(&after.hromada) {
            let refusal = Refusal::OutOfScope { hromada: after.hromada.clone(), district: after.district.clone() };
            return self.refuse(doc, saved, &refusal, pos.as_ref());
        }
        if let Err(refusal) = self.judge(before.as_ref(), &after)? {
            return self.refuse(doc, saved, &refusal, pos.as_ref());
        }
        let bytes = if old_heads.is_empty() { fork.save() } else { fork.save_after(&old_heads) };
        let covers = self.docs.get(doc).and_then(|l| l.as_ref()).map_or(0, |l| l.covers);
        let scope = after.hromada.clone();
        let change = Authorised { after, bytes, position: pos, heads: new_heads };
        self.store(doc, change, &peer, held);
        self.docs.put(doc, Some(Loaded { doc: fork, scope, covers, pending: true }));
        self.peers.put(doc, peer);
        Ok(Receipt::Accepted)
    }
}

impl ServerHost for StoreHost {
    fn cursor(&mut self) -> Result<u64, HostError> {
        self.hub.latest(&self.rt).map_err(host_err)
    }

    fn changed_since(&mut self, cursor: u64, limit: usize) -> Result<ChangedPage, HostError> {
        // What the device holds of this connection's changes is known once they are stored.
        self.settle(true)?;
        let scopes = self.hromadas.store_scopes();
        let mut next = Vec::with_capacity(scopes.len());
        for s in &scopes {
            next.push(self.next_after(s, cursor)?);
        }
        let (mut docs, mut end, mut walked) = (Vec::new(), cursor, 0);
        loop {
            let Some(i) = (0..next.len()).filter(|&i| next[i].is_some()).min_by_key(|&i| next[i].as_ref().map(|n| n.1))
            else {
                return Ok(ChangedPage { docs, cursor: end, more: false });
            };
            if docs.len() >= limit || walked >= WALK_BUDGET {
                return Ok(ChangedPage { docs, cursor: end, more: true });
            }
            let Some((doc, seq)) = next[i].take() else { continue };
            walked += 1;
            end = end.max(seq);
            // A device has its own changes: it is told only of what it does not hold.
            if !self.holds(&doc, seq)? {
                docs.push(doc);
            }
            next[i] = self.next_after(&scopes[i], seq)?;
        }
    }

    fn receive(&mut self, doc: &str, message: &[u8]) -> Result<Receipt, HostError> {
        let Ok(msg) = sync::Message::decode(message) else {
            self.hub.metrics.change_rejected("malformed");
            return Ok(Receipt::Rejected { code: codes::MALFORMED, reason: "unreadable sync message".into() });
        };
        // A second change to a document of this batch is judged against the first one
        // stored.
        if self.pending.iter().any(|p| p.doc == doc) {
            self.settle(true)?;
        }
        // One writer per document: fork, authorise and append see no one else's append
        // in between, so the fork kept in the cache is the stored document.
        let held = match self.hub.try_hold(doc) {
            Some(held) => held,
            // Never wait for a lock while holding others (they are released once stored).
            None => {
                self.settle(true)?;
                self.hub.hold(doc)
            }
        };
        self.receive_locked(doc, msg, held)
    }

    fn generate(&mut self, doc: &str) -> Result<Option<Vec<u8>>, HostError> {
        let hromadas = self.hromadas.clone();
        let mut peer = std::mem::take(self.peer(doc)?);
        let mut empty = AutoCommit::new();
        let (msg, heads, covers, scope) = match self.loaded(doc)? {
            Some(l) if !hromadas.covers(&l.scope) => {
                self.peers.put(doc, peer);
                return Ok(None);
            }
            Some(l) => {
                let msg = l.doc.sync().generate_sync_message(&mut peer.state);
                (msg, l.doc.get_heads(), l.covers, l.scope.clone())
            }
            None => (empty.sync().generate_sync_message(&mut peer.state), Vec::new(), 0, String::new()),
        };
        self.keep(doc, peer, &heads, covers);
        let Some(msg) = msg else { return Ok(None) };
        // The first time this connection sends a case's content, the read is audited.
        if !msg.changes.is_empty() && self.read.insert(doc.to_owned()) {
            let pos = position_in(&self.positions, &scope).cloned();
            self.audit(doc, pos.as_ref(), "read", format!("{} change chunks", msg.changes.len()));
        }
        Ok(Some(msg.encode()))
    }

    fn heads(&mut self, doc: &str) -> Result<Vec<[u8; 32]>, HostError> {
        let hromadas = self.hromadas.clone();
        Ok(match self.loaded(doc)? {
            Some(l) if hromadas.covers(&l.scope) => head_bytes(&l.doc.get_heads()),
            _ => Vec::new(),
        })
    }
}
