//! The sync protocol, sans I/O: many case documents over one connection per device.
//!
//! Each document syncs with the raw Automerge sync protocol; [`Frame`] multiplexes them
//! (document id + message) with a versioned framing of our own. [`ClientSession`] and
//! [`ServerSession`] are state machines with no sockets, clocks or threads: the caller
//! moves bytes and supplies storage through [`ClientHost`] and [`ServerHost`]. The
//! server keeps a per-scope change cursor, so a reconnecting device asks only for what
//! changed since its cursor and pushes only its dirty documents: the cost of a reconnect
//! follows the documents changed, not the documents held.
//!
//! [`memory`] (feature `test-support`) has in-memory hosts, used by the tests and as the
//! reference for real ones.

mod client;
mod frame;
#[cfg(any(test, feature = "test-support"))]
pub mod memory;
mod server;

pub use client::{ClientHost, ClientSession, Progress, SessionError};
pub use frame::{Frame, FrameError, MAX_DOC_ID, MAX_FRAME, PROTOCOL_VERSION};
pub use server::{ChangedPage, Receipt, Reply, ServerHost, ServerSession, codes};

/// A failure of the storage behind a session, from the host's own error type.
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub struct HostError(#[from] pub Box<dyn std::error::Error + Send + Sync>);

impl HostError {
    pub fn new(e: impl std::error::Error + Send + Sync + 'static) -> Self {
        Self(Box::new(e))
    }
}

/// The ids of a document's heads as they travel in frames.
pub fn head_bytes(heads: &[automerge::ChangeHash]) -> Vec<[u8; 32]> {
    heads.iter().map(|h| h.0).collect()
}

/// Records the server's `Done{heads}` in the Automerge sync state of a document whose
/// heads are `ours`. If `heads` are exactly ours, the state learns what an acknowledging
/// sync message would have taught it (the server's heads, and that it has every change up
/// to them), so the next message carries only later changes, not the whole document
/// again. Answers whether the heads were ours; if not, the state is left as it was.
pub fn acknowledge(state: &mut automerge::sync::State, ours: &[automerge::ChangeHash], heads: &[[u8; 32]]) -> bool {
    let mut theirs: Vec<automerge::ChangeHash> = heads.iter().map(|h| automerge::ChangeHash(*h)).collect();
    let mut ours = ours.to_vec();
    theirs.sort_unstable();
    ours.sort_unstable();
    if theirs != ours {
        return false;
    }
    let have = automerge::sync::Have { last_sync: ours.clone(), bloom: automerge::sync::BloomFilter::default() };
    state.their_heads = Some(ours.clone());
    state.their_need = Some(Vec::new());
    state.their_have = Some(vec![have]);
    state.shared_heads = ours;
    state.in_flight = false;
    true
}

/// Prepares the sync state of a document this device made and never synced: the server
/// is presumed not to have it, so the first message carries the whole document and the
/// server answers `Done` at once (one round trip instead of two). If the server has it
/// after all, it only receives changes it already holds. Call it only for a document with
/// changes and no saved sync state.
pub fn presume_new(state: &mut automerge::sync::State) {
    use automerge::sync::{BloomFilter, Capability, Have};
    state.their_heads = Some(Vec::new());
    state.their_need = Some(Vec::new());
    state.their_have = Some(vec![Have { last_sync: Vec::new(), bloom: BloomFilter::default() }]);
    state.their_capabilities = Some(vec![Capability::MessageV2]);
}
