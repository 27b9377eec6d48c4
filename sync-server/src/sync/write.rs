//! Storing an authorised change to a case: what a change synced by a device and a
//! workflow action taken over HTTP ([`crate::cases`]) have in common once the change is
//! authorised. The caller holds the document's writer lock ([`Hub::writer`]).
//!
//! Append durably with the recomputed journal row and the audit line of the `write` (one
//! commit), then announce it (live notices to connected devices, the version map that
//! keeps the connections' caches fresh) and count it.

use automerge::ActorId;
use keis_crdt::Position;
use keis_crdt::authz::Refusal;
use keis_crdt::model::Case;
use sha2::{Digest, Sha256};

use super::Hub;
use crate::journal::JournalEntry;
use crate::store::{AuditEntry, StateWith, StoreError};

/// One authorised change to store.
#[derive(Debug)]
pub(crate) struct Write<'a> {
    pub(crate) doc: &'a str,
    /// The case after the change (its hromada is where the document is filed).
    pub(crate) case: &'a Case,
    /// The new changes (`save_after` the stored heads; a whole `save` for a new document).
    pub(crate) bytes: &'a [u8],
    /// The device that made it, for the audit log.
    pub(crate) device: &'a str,
    /// Who the live notice comes from: connections of this device are not told of it
    /// (they hold it already). A server-side action names no connection.
    pub(crate) origin: &'a str,
    pub(crate) position: Option<&'a Position>,
    /// Added to the audit line (e.g. the workflow action's code).
    pub(crate) what: Option<&'a str>,
    /// The sending device's sync state, saved in the same commit.
    pub(crate) state: Option<StateWith>,
}

/// A random id for this server process (falls back to the clock and process id if the
/// system's random source fails, which it does not in practice).
pub(super) fn instance_id() -> [u8; 16] {
    let mut id = [0u8; 16];
    if ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut id).is_err() {
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
        let mut h = Sha256::new();
        h.update(now.as_nanos().to_be_bytes());
        h.update(std::process::id().to_be_bytes());
        id.copy_from_slice(&h.finalize()[..16]);
    }
    id
}

impl Hub {
    /// The Automerge actor of workflow actions the server takes on behalf of `device`:
    /// the first 16 bytes of SHA-256 over a fixed label, this process's random instance
    /// id and the device id. Distinct per server process and device, so no two writers
    /// ever share an actor (an actor must never make two different changes with the same
    /// sequence number); within a process, writes to a document are serialised by its
    /// writer lock and always start from the whole stored document, so the actor's
    /// changes continue in order. Stable for the life of the process; not secret.
    pub(crate) fn action_actor(&self, device: &str) -> ActorId {
        let mut h = Sha256::new();
        h.update(b"keis-sync-server/action/v1\0");
        h.update(self.instance);
        h.update(device.as_bytes());
        ActorId::from(&h.finalize()[..16])
    }

    /// Appends `w` durably, with its journal row and its audit line in the same commit, and
    /// announces it. `Ok(Err(_))` if the store refused it (a document filed under another
    /// hromada): nothing stored.
    pub(crate) async fn store_change(&self, mut w: Write<'_>) -> Result<Result<u64, Refusal>, StoreError> {
        let started = std::time::Instant::now();
        let row = crate::journal::catalogue().map(|c| JournalEntry::of_case(w.case, c, self.auth.now_ms()));
        let mut detail = format!("{} bytes", w.bytes.len());
        if let Some(what) = w.what {
            detail.push_str(", ");
            detail.push_str(what);
        }
        let audit = self.audit_entry(w.device, w.doc, w.position, "write", detail);
        let appended = self.store.append_recorded(w.doc, &w.case.hromada, w.bytes, row, audit, w.state.take()).await;
        self.metrics.store_append(started.elapsed());
        let seq = match appended {
            Ok(seq) => seq.0,
            Err(e) if e.is_refusal() => {
                tracing::warn!(error = %e, "the store refused the changes");
                return Ok(Err(Refusal::Moved { field: "hromada" }));
            }
            Err(e) => return Err(e),
        };
        self.appended(w.doc, &w.case.hromada, seq, w.origin);
        self.metrics.change_accepted();
        tracing::debug!(seq, bytes = w.bytes.len(), "changes stored");
        Ok(Ok(seq))
    }

    /// Appends to the audit log. A failure is logged, not answered: by then the change
    /// is durable (or refused) either way, and failing the request would not undo it.
    pub(crate) async fn audit(
        &self,
        device: &str,
        case: &str,
        position: Option<&Position>,
        action: &str,
        detail: String,
    ) {
        let entry = self.audit_entry(device, case, position, action, detail);
        if let Err(e) = self.store.append_audit(entry).await {
            tracing::error!(action, error = %e, "could not append to the audit log");
        }
    }

    fn audit_entry(
        &self,
        device: &str,
        case: &str,
        position: Option<&Position>,
        action: &str,
        detail: String,
    ) -> AuditEntry {
        AuditEntry {
            at: self.auth.now_ms(),
            device_id: device.to_owned(),
            position_id: position.map(|p| p.id.clone()),
            case_id: Some(case.to_owned()),
            action: action.to_owned(),
            detail,
        }
    }
}
