//! The store as the device's side of a sync session ([`ClientHost`]), following
//! [`keis_crdt::sync::memory::MemoryDevice`], the reference host.
//!
//! A session starts with no in-flight sync state (each document's state is decoded from
//! its persisted form on first use), keeps the documents of the session in memory (its
//! [`SyncCache`]), and writes every change through to the store before answering. The
//! sync client builds a [`StoreHost`] for each frame from the cache
//! ([`Store::resume_sync`]) and lets go of the store while it waits on the network; a case
//! the user edited in between is loaded afresh, so the session never writes from, nor
//! judges by, a stale copy. Received changes are appended as chunks but do not make a case
//! dirty; a case stays dirty until the server's heads cover ours, and keeps a refusal's
//! reason until then.

use std::collections::HashMap;

use automerge::AutoCommit;
use automerge::sync::{self, SyncDoc};
use keis_crdt::sync::{ClientHost, HostError, head_bytes};

use super::{Activity, Parts, Store, StoreError, db};

/// What a sync session keeps between frames.
#[derive(Default)]
pub struct SyncCache {
    live: HashMap<String, sync::State>,
    docs: HashMap<String, AutoCommit>,
    /// The store's edit count when `docs` were loaded.
    edits: u64,
}

impl std::fmt::Debug for SyncCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SyncCache").field("docs", &self.docs.len()).finish_non_exhaustive()
    }
}

/// One sync session's view of the store.
#[derive(Debug)]
pub struct StoreHost<'a> {
    store: &'a mut Store,
    cache: SyncCache,
}

impl Store {
    /// Starts a sync session: in-flight sync state is dropped, as after a reconnect.
    /// Returns the host with the saved cursor and the dirty cases, for
    /// [`keis_crdt::sync::ClientSession::start`].
    pub fn begin_sync(&mut self) -> Result<(StoreHost<'_>, u64, Vec<String>), StoreError> {
        let p = self.parts(Activity::Background)?;
        let cursor = db::cursor(p.conn)?;
        let dirty = p.dirty()?;
        let cache = SyncCache { edits: self.edits, ..SyncCache::default() };
        Ok((StoreHost { store: self, cache }, cursor, dirty))
    }

    /// The host of a session going on with `cache` (from [`StoreHost::into_cache`]). If
    /// cases were edited since, the documents it loaded are dropped and read again.
    pub fn resume_sync(&mut self, mut cache: SyncCache) -> StoreHost<'_> {
        if cache.edits != self.edits {
            cache.docs.clear();
            cache.edits = self.edits;
        }
        StoreHost { store: self, cache }
    }
}

impl StoreHost<'_> {
    /// The store, e.g. to edit a case during the session (then call
    /// `ClientSession::touch`). Cached documents are dropped, so the session sees the edit.
    pub fn store(&mut self) -> &mut Store {
        self.cache.docs.clear();
        self.store
    }

    /// What the session keeps while it lets go of the store.
    pub fn into_cache(self) -> SyncCache {
        self.cache
    }

    fn with<R>(
        &mut self,
        doc: &str,
        f: impl FnOnce(&Parts<'_>, &mut AutoCommit, &mut sync::State) -> Result<R, StoreError>,
    ) -> Result<R, StoreError> {
        let p = self.store.parts(Activity::Background)?;
        if !self.cache.docs.contains_key(doc) {
            let d = p.load_doc(doc)?.unwrap_or_else(|| AutoCommit::new().with_actor(p.actor.clone()));
            self.cache.docs.insert(doc.to_owned(), d);
        }
        let d = self.cache.docs.get_mut(doc).ok_or(StoreError::NotFound(doc.to_owned()))?;
        let mut state = match self.cache.live.remove(doc) {
            Some(s) => s,
            None => match p.sync_state(doc)? {
                // A state that does not decode is only an optimisation lost: start afresh.
                Some(b) => sync::State::decode(&b).unwrap_or_default(),
                // Never synced: made on this device, unknown to the server.
                None => {
                    let mut state = sync::State::new();
                    if !d.get_heads().is_empty() {
                        keis_crdt::sync::presume_new(&mut state);
                    }
                    state
                }
            },
        };
        let out = f(&p, d, &mut state);
        let persisted = p.set_sync_state(doc, &state.encode());
        self.cache.live.insert(doc.to_owned(), state);
        let out = out?;
        persisted?;
        Ok(out)
    }
}

impl ClientHost for StoreHost<'_> {
    fn generate(&mut self, doc: &str) -> Result<Option<Vec<u8>>, HostError> {
        self.with(doc, |_, d, state| Ok(d.sync().generate_sync_message(state).map(|m| m.encode())))
            .map_err(HostError::new)
    }

    fn receive(&mut self, doc: &str, message: &[u8]) -> Result<(), HostError> {
        let msg = sync::Message::decode(message).map_err(HostError::new)?;
        self.with(doc, |p, d, state| {
            let before = d.get_heads();
            d.sync().receive_sync_message(state, msg)?;
            p.store_changes(doc, d, &before, false)
        })
        .map_err(HostError::new)
    }

    fn confirmed(&mut self, doc: &str, heads: &[[u8; 32]]) -> Result<(), HostError> {
        self.with(doc, |p, d, state| {
            keis_crdt::sync::acknowledge(state, &d.get_heads(), heads);
            if head_bytes(&d.get_heads()).iter().all(|h| heads.contains(h)) {
                p.clear_dirty(doc)?;
                p.clear_rejection(doc)?;
            }
            Ok(())
        })
        .map_err(HostError::new)
    }

    fn settled(&mut self, doc: &str) -> Result<(), HostError> {
        self.with(doc, |p, d, state| {
            let theirs = state.their_heads.clone().unwrap_or_default();
            // The server states only heads it holds durably: if they cover ours, it took
            // everything, including changes it once refused and that were corrected since.
            if d.get_heads().iter().all(|h| theirs.contains(h)) {
                p.clear_dirty(doc)?;
                p.clear_rejection(doc)?;
            }
            Ok(())
        })
        .map_err(HostError::new)
    }

    fn rejected(&mut self, doc: &str, code: u16, reason: &str) -> Result<(), HostError> {
        let p = self.store.parts(Activity::Background).map_err(HostError::new)?;
        p.set_rejection(doc, code, reason).map_err(HostError::new)
    }

    fn save_cursor(&mut self, cursor: u64) -> Result<(), HostError> {
        let p = self.store.parts(Activity::Background).map_err(HostError::new)?;
        db::set_cursor(p.conn, cursor).map_err(HostError::new)
    }

    fn restart(&mut self, doc: &str) -> Result<(), HostError> {
        // The next use decodes the persisted state (in-flight knowledge dropped).
        self.cache.live.remove(doc);
        Ok(())
    }
}
