//! The sync state of one device for one document, as kept in memory during a connection
//! and as persisted with [`Store::put_sync_state`](crate::store::Store::put_sync_state),
//! and the small least-recently-used caches of a connection.
//!
//! Persisted form: `"KSP1" ‖ held: u64 (LE) ‖ automerge::sync::State::encode()`. `held` is
//! the sequence number of the document up to which the device is known to hold it in full
//! (see the [module documentation](super)). Bytes without the prefix are read as a bare
//! Automerge state with `held = 0`; unreadable bytes as a fresh state: the worst case is
//! one more round trip, never a lost change.

use automerge::{ChangeHash, sync};

const MAGIC: &[u8; 4] = b"KSP1";

/// A device's sync state for one document.
#[derive(Debug, Default, Clone)]
pub(crate) struct Peer {
    pub(crate) state: sync::State,
    pub(crate) held: u64,
    /// What was last persisted, to skip writes that change nothing.
    pub(crate) persisted: Option<Vec<u8>>,
}

impl Peer {
    /// Decodes a persisted state; in-flight information is reset, as after a reconnect.
    pub(crate) fn decode(bytes: &[u8]) -> Self {
        let (held, rest) = match bytes.strip_prefix(MAGIC) {
            Some(rest) if rest.len() >= 8 => {
                let (n, rest) = rest.split_at(8);
                let mut b = [0u8; 8];
                b.copy_from_slice(n);
                (u64::from_le_bytes(b), rest)
            }
            _ => (0, bytes),
        };
        let state = sync::State::decode(rest).unwrap_or_default();
        Self { state, held, persisted: Some(bytes.to_vec()) }
    }

    /// Records that the device holds the document up to change `seq` if the heads it
    /// last stated are `ours` (the document's heads with that change).
    pub(crate) fn held_if_at(&mut self, ours: &[ChangeHash], seq: u64) {
        let Some(theirs) = self.state.their_heads.as_deref() else { return };
        if theirs.len() == ours.len() && theirs.iter().all(|h| ours.contains(h)) {
            self.held = self.held.max(seq);
        }
    }

    pub(crate) fn encode(&self) -> Vec<u8> {
        let state = self.state.encode();
        let mut out = Vec::with_capacity(MAGIC.len() + 8 + state.len());
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&self.held.to_le_bytes());
        out.extend_from_slice(&state);
        out
    }
}

/// A tiny least-recently-used map: a connection touches few documents at a time, so a
/// linear scan of a short list is cheaper than anything cleverer.
#[derive(Debug)]
pub(crate) struct Lru<V> {
    cap: usize,
    items: Vec<(String, V)>,
}

impl<V> Lru<V> {
    pub(crate) fn new(cap: usize) -> Self {
        Self { cap: cap.max(1), items: Vec::new() }
    }

    /// The value of `key`, now the most recently used.
    pub(crate) fn get(&mut self, key: &str) -> Option<&mut V> {
        let i = self.items.iter().position(|(k, _)| k == key)?;
        let item = self.items.remove(i);
        self.items.push(item);
        self.items.last_mut().map(|(_, v)| v)
    }

    pub(crate) fn remove(&mut self, key: &str) -> Option<V> {
        let i = self.items.iter().position(|(k, _)| k == key)?;
        Some(self.items.remove(i).1)
    }

    /// Inserts (replacing) `key`, evicting the least recently used beyond the capacity.
    pub(crate) fn put(&mut self, key: &str, value: V) -> &mut V {
        self.remove(key);
        if self.items.len() >= self.cap {
            self.items.remove(0);
        }
        self.items.push((key.to_owned(), value));
        let last = self.items.len() - 1;
        &mut self.items[last].1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_peer_round_trips_and_bare_or_junk_states_are_read() {
        let p = Peer { held: 42, ..Peer::default() };
        let back = Peer::decode(&p.encode());
        assert_eq!(back.held, 42);
        let bare = Peer::decode(&sync::State::new().encode());
        assert_eq!(bare.held, 0);
        let junk = Peer::decode(b"KSP1\x01");
        assert_eq!(junk.held, 0);
    }

    #[test]
    fn the_lru_evicts_the_least_recently_used() {
        let mut l = Lru::new(2);
        l.put("a", 1);
        l.put("b", 2);
        assert_eq!(l.get("a").copied(), Some(1));
        l.put("c", 3);
        assert!(l.get("b").is_none());
        assert_eq!(l.get("a").copied(), Some(1));
        assert_eq!(l.remove("c"), Some(3));
    }
}
