//! Durable storage of the server, behind one narrow trait: [`Store`].
//!
//! The trait owns what must survive a restart: case documents (an Automerge snapshot plus
//! appended change chunks, with compaction), the per-scope change cursor, Automerge sync
//! state per (peer, document), content-addressed blobs with resumable upload, enrolled
//! devices with their positions, the audit log, and the journal of cases (a projection
//! of the documents the sync layer keeps, see [`crate::journal`]). It knows nothing of HTTP, sessions
//! or authorisation: the sync layer decides *whether* a change may be stored; the store
//! makes it durable and says so only once it is.
//!
//! - [`types`]: the records the trait takes and returns.
//! - [`error`]: the error type, [`StoreError`].
//! - [`sqlite`]: the default backend, [`SqliteStore`]: one SQLite file in a data
//!   directory (WAL, `synchronous=FULL`), blob bytes as files beside it.
//!
//! # Contract every backend keeps
//!
//! - A call that returns `Ok` is durable: it survives a crash or power loss right after.
//! - Every append gets a [`Seq`] larger than every `Seq` already visible to a reader, so a
//!   cursor never skips a change. (SQLite: one writer connection, ids assigned in commit
//!   order.)
//! - [`Store::compact`] removes exactly the chunks up to the `Seq` the caller read, in the
//!   same transaction that replaces the snapshot; chunks appended meanwhile stay.
//!
//! # A PostgreSQL backend
//!
//! Implement [`Store`] in a `store::postgres` module (sqlx or tokio-postgres, natively
//! async, so no blocking threads) with its own numbered migrations, mapping tables one to
//! one: `BYTEA` for blobs of bytes, `BIGINT` for `Seq`. Two things need care:
//! the change sequence must be assigned in commit order (take it from a one-row counter
//! `UPDATE seq_counter SET v = v + 1 RETURNING v` inside the appending transaction: the row
//! lock serialises appenders until commit, so a reader never sees `n + 1` before `n`;
//! a plain `SEQUENCE` does not guarantee that); and blob bytes go to a table
//! (`blob_chunks`) or object storage instead of the local directory. Tests in
//! `tests/store_*.rs` are written against `Arc<dyn Store>` and can run on both.

pub mod error;
pub mod sqlite;
pub mod types;

use async_trait::async_trait;
use keis_crdt::Position;

use crate::journal::{JournalEntry, JournalPage, JournalQuery};

pub use error::StoreError;
pub use sqlite::{SqliteStore, StoreConfig};
pub use types::{
    ALL_SCOPES, AuditCursor, AuditEntry, AuditPage, AuditQuery, AuditRecord, BlobStatus, Changed, Chunk, Device,
    DeviceStatus, NewDevice, Seq, StateWith, StoredDoc, check_blob_hash,
};

/// Durable storage of one server. Object-safe: share it as `Arc<dyn Store>`.
///
/// Ids (document, peer, device, position) are opaque strings; times are milliseconds
/// since the Unix epoch, given by the caller.
#[async_trait]
pub trait Store: Send + Sync + 'static {
    // Documents and the change cursor.

    /// Appends a change chunk (`save_incremental`, or a whole `save` for a new document)
    /// to the document, creating it in `scope` (a hromada code) if new. Durable when it
    /// returns; the answer is the change's sequence number.
    async fn append_changes(&self, doc_id: &str, scope: &str, bytes: &[u8]) -> Result<Seq, StoreError>;

    /// [`append_changes`](Self::append_changes) with what follows a stored change: the
    /// case's journal row (if any), the audit line of the write, whose `detail` is
    /// prefixed with `seq N, `, and the sending peer's sync state (if any). A backend
    /// should do all of it in one transaction (one durable commit, and no change without
    /// its audit line); this default runs them one after the other.
    async fn append_recorded(
        &self,
        doc_id: &str,
        scope: &str,
        bytes: &[u8],
        journal: Option<JournalEntry>,
        mut audit: AuditEntry,
        state: Option<StateWith>,
    ) -> Result<Seq, StoreError> {
        let seq = self.append_changes(doc_id, scope, bytes).await?;
        if let Some(entry) = journal {
            self.upsert_journal(entry).await?;
        }
        audit.detail = format!("seq {}, {}", seq.0, audit.detail);
        self.append_audit(audit).await?;
        if let Some(s) = state {
            self.put_sync_state(&s.peer_id, doc_id, &(s.encode)(seq)).await?;
        }
        Ok(seq)
    }

    /// The document's snapshot and the chunks appended after it, or `None` if unknown.
    async fn load(&self, doc_id: &str) -> Result<Option<StoredDoc>, StoreError>;

    /// Replaces the snapshot with `snapshot` (which includes every change up to
    /// `replaced_up_to`, the `covers` of the [`StoredDoc`] it was built from) and drops the
    /// chunks it covers, atomically. Chunks appended after that load are kept. Does not
    /// move the change cursor: the content is the same.
    async fn compact(&self, doc_id: &str, snapshot: &[u8], replaced_up_to: Seq) -> Result<(), StoreError>;

    /// The documents of `scope` (a hromada code, or [`ALL_SCOPES`]) changed after
    /// `cursor`, at most `limit` of them, oldest change first.
    async fn changed_since(&self, scope: &str, cursor: Seq, limit: u32) -> Result<Changed, StoreError>;

    // Sync state.

    /// The encoded `automerge::sync::State` of `peer_id` for `doc_id`, if saved.
    async fn sync_state(&self, peer_id: &str, doc_id: &str) -> Result<Option<Vec<u8>>, StoreError>;

    /// Saves (replaces) the encoded sync state of `peer_id` for `doc_id`.
    async fn put_sync_state(&self, peer_id: &str, doc_id: &str, state: &[u8]) -> Result<(), StoreError>;

    // Blobs, by SHA-256 in lowercase hex.

    /// Announces an upload of `size` bytes hashing to `sha256`. If the blob is already
    /// stored the answer is `complete` (nothing to send); if an upload of it is under way,
    /// the answer says how much is held, so the client resumes there.
    async fn begin_blob(&self, sha256: &str, size: u64) -> Result<BlobStatus, StoreError>;

    /// Writes `bytes` at `offset`, which must equal what the server holds (`received`).
    /// Durable when it returns.
    async fn put_blob_chunk(&self, sha256: &str, offset: u64, bytes: &[u8]) -> Result<BlobStatus, StoreError>;

    /// Where the upload of `sha256` stands; `None` if neither stored nor under way.
    async fn blob_status(&self, sha256: &str) -> Result<Option<BlobStatus>, StoreError>;

    /// Verifies size and SHA-256 of the uploaded bytes and stores the blob; on a mismatch
    /// discards the upload and refuses with [`StoreError::BlobHashMismatch`].
    async fn finish_blob(&self, sha256: &str) -> Result<BlobStatus, StoreError>;

    /// The bytes of a stored blob, or `None`.
    async fn blob(&self, sha256: &str) -> Result<Option<Vec<u8>>, StoreError>;

    // Devices.

    /// Records a new device as pending.
    async fn enrol_device(&self, device: NewDevice) -> Result<(), StoreError>;

    /// The device and its positions, or `None`.
    async fn device(&self, device_id: &str) -> Result<Option<Device>, StoreError>;

    /// Every device (optionally only those with `status`), ordered by id.
    async fn devices(&self, status: Option<DeviceStatus>) -> Result<Vec<Device>, StoreError>;

    /// Approves a pending device if `approval_code_hash` matches its one-time code (which
    /// is then used up), binding it to `positions`.
    async fn approve_device(
        &self,
        device_id: &str,
        approval_code_hash: [u8; 32],
        positions: &[Position],
        at: i64,
    ) -> Result<Device, StoreError>;

    /// Replaces the positions of an approved device.
    async fn set_device_positions(&self, device_id: &str, positions: &[Position]) -> Result<Device, StoreError>;

    /// Marks an approved device as a trusted edge server, or not ([`Device::edge`]).
    async fn set_device_edge(&self, device_id: &str, edge: bool) -> Result<Device, StoreError>;

    /// Revokes a device (any status). Its positions are kept for the record.
    async fn revoke_device(&self, device_id: &str, at: i64) -> Result<Device, StoreError>;

    // Audit log.

    /// Appends a line to the audit log; durable when it returns.
    async fn append_audit(&self, entry: AuditEntry) -> Result<i64, StoreError>;

    /// Audit lines matching `query`, newest first, one page.
    async fn audit(&self, query: AuditQuery) -> Result<AuditPage, StoreError>;

    // The journal: a projection of the documents, kept by the sync layer.

    /// Inserts or replaces the journal row of a case (after a change of it was stored).
    /// Durable when it returns.
    async fn upsert_journal(&self, entry: JournalEntry) -> Result<(), StoreError>;

    /// One page of the journal rows matching `query`, newest case first, with the total.
    async fn journal(&self, query: JournalQuery) -> Result<JournalPage, StoreError>;
}
