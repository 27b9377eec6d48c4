//! The records the [`Store`](super::Store) trait takes and returns: plain data, no I/O.

use keis_crdt::Position;

use super::StoreError;

/// The scope name that means "every hromada" in [`Store::changed_since`](super::Store::changed_since):
/// what a central server asks for. No document belongs to it.
pub const ALL_SCOPES: &str = "all";

/// A change sequence number. Every durable change to any document gets the next one, so
/// within a scope they only grow; a device keeps the last one it has seen as its cursor.
/// Also identifies a stored change chunk (see [`StoredDoc::chunks`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Seq(pub u64);

impl Seq {
    /// Before any change: a new device starts here.
    pub const START: Seq = Seq(0);
}

/// One appended change chunk (the output of `save_incremental` or `save`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chunk {
    pub seq: Seq,
    pub bytes: Vec<u8>,
}

/// A stored document: load the snapshot (if any), then `load_incremental` every chunk in
/// order. `covers` is what to pass to [`Store::compact`](super::Store::compact) after
/// saving the result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredDoc {
    pub doc_id: String,
    pub scope: String,
    pub snapshot: Option<Vec<u8>>,
    pub chunks: Vec<Chunk>,
    /// The last change included in `snapshot` + `chunks`.
    pub covers: Seq,
}

impl StoredDoc {
    /// Snapshot and chunks concatenated: Automerge's `load` accepts the concatenation.
    pub fn concatenated(&self) -> Vec<u8> {
        let len = self.snapshot.as_ref().map_or(0, Vec::len) + self.chunks.iter().map(|c| c.bytes.len()).sum::<usize>();
        let mut out = Vec::with_capacity(len);
        out.extend_from_slice(self.snapshot.as_deref().unwrap_or_default());
        for c in &self.chunks {
            out.extend_from_slice(&c.bytes);
        }
        out
    }
}

/// What [`Store::changed_since`](super::Store::changed_since) answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Changed {
    /// The documents whose latest change is after the cursor, oldest change first; each
    /// document once.
    pub doc_ids: Vec<String>,
    /// The cursor to ask with next time (unchanged if nothing changed).
    pub cursor: Seq,
    /// `limit` was reached: ask again with `cursor` for the rest.
    pub more: bool,
}

/// Where an upload stands ([`Store::blob_status`](super::Store::blob_status) and friends).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BlobStatus {
    pub size: u64,
    /// Bytes the server holds durably; the next chunk starts here.
    pub received: u64,
    /// The blob is stored and verified (a finished upload, or one that already existed).
    pub complete: bool,
}

/// Validates a content address: SHA-256 in lowercase hex.
pub fn check_blob_hash(hash: &str) -> Result<(), StoreError> {
    let ok = hash.len() == 64 && hash.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    if ok { Ok(()) } else { Err(StoreError::InvalidBlobHash { hash: hash.chars().take(80).collect() }) }
}

/// The enrolment state of a device.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DeviceStatus {
    /// Enrolled by the device, waiting for an administrator's approval code.
    Pending,
    Approved,
    /// No longer trusted; it wipes its local data at its next contact.
    Revoked,
}

impl DeviceStatus {
    pub fn code(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Approved => "approved",
            Self::Revoked => "revoked",
        }
    }

    pub fn from_code(s: &str) -> Option<Self> {
        [Self::Pending, Self::Approved, Self::Revoked].into_iter().find(|d| d.code() == s)
    }
}

/// What a device sends to enrol.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewDevice {
    pub device_id: String,
    /// Ed25519 public key, 32 bytes (not checked here).
    pub public_key: Vec<u8>,
    pub display_name: String,
    /// SHA-256 of the one-time approval code shown on the device.
    pub approval_code_hash: [u8; 32],
    /// Milliseconds since the Unix epoch.
    pub created_at: i64,
}

/// An enrolled device and the positions it may act as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Device {
    pub device_id: String,
    pub public_key: Vec<u8>,
    pub display_name: String,
    pub status: DeviceStatus,
    /// Present until the device is approved; the code is one-time.
    pub approval_code_hash: Option<[u8; 32]>,
    pub created_at: i64,
    pub approved_at: Option<i64>,
    pub revoked_at: Option<i64>,
    /// Ordered by position id.
    pub positions: Vec<Position>,
    /// A trusted edge server (approved with `--edge`): what it forwards is judged with
    /// `keis_crdt::authz::authorize_edge` within the scope of its positions.
    pub edge: bool,
}

/// A peer's sync state to save with a stored change, in the same commit: encoded once
/// the change's sequence number is known (the state records up to which change the peer
/// holds the document).
pub struct StateWith {
    pub peer_id: String,
    pub encode: Box<dyn FnOnce(Seq) -> Vec<u8> + Send>,
}

impl std::fmt::Debug for StateWith {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StateWith").field("peer_id", &self.peer_id).finish_non_exhaustive()
    }
}

/// One line of the audit log, as appended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    /// Milliseconds since the Unix epoch.
    pub at: i64,
    pub device_id: String,
    pub position_id: Option<String>,
    pub case_id: Option<String>,
    /// `read`, `write`, `reject`, …
    pub action: String,
    pub detail: String,
}

/// An audit line as stored, with its id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditRecord {
    pub id: i64,
    pub entry: AuditEntry,
}

/// Where a page of audit lines continues: strictly older than this line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AuditCursor {
    pub at: i64,
    pub id: i64,
}

/// Which audit lines to read, newest first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditQuery {
    /// Only lines about this case.
    pub case_id: Option<String>,
    /// Only lines with `from <= at < to` (milliseconds since the epoch).
    pub from: Option<i64>,
    pub to: Option<i64>,
    /// Continue after the previous page's `next`.
    pub after: Option<AuditCursor>,
    /// At most this many lines (capped at 1,000; 0 means 100).
    pub limit: u32,
}

/// One page of audit lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditPage {
    pub records: Vec<AuditRecord>,
    /// Pass as [`AuditQuery::after`] for the next page; `None` at the end.
    pub next: Option<AuditCursor>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blob_hashes_are_lowercase_sha256_hex() {
        assert!(check_blob_hash(&"ab".repeat(32)).is_ok());
        for bad in ["", "ab", &"AB".repeat(32), &"g0".repeat(32), &"ab".repeat(33), "../../../../etc/passwd"] {
            assert!(matches!(check_blob_hash(bad), Err(StoreError::InvalidBlobHash { .. })), "{bad}");
        }
    }

    #[test]
    fn device_status_codes_round_trip() {
        for s in [DeviceStatus::Pending, DeviceStatus::Approved, DeviceStatus::Revoked] {
            assert_eq!(DeviceStatus::from_code(s.code()), Some(s));
        }
        assert_eq!(DeviceStatus::from_code("lost"), None);
    }

    #[test]
    fn a_stored_doc_concatenates_snapshot_then_chunks() {
        let doc = StoredDoc {
            doc_id: "c".into(),
            scope: "UA".into(),
            snapshot: Some(b"snap".to_vec()),
            chunks: vec![Chunk { seq: Seq(3), bytes: b"-a".to_vec() }, Chunk { seq: Seq(5), bytes: b"-b".to_vec() }],
            covers: Seq(5),
        };
        assert_eq!(doc.concatenated(), b"snap-a-b");
        assert_eq!(StoredDoc { snapshot: None, chunks: vec![], ..doc }.concatenated(), b"");
    }
}
