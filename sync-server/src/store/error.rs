//! [`StoreError`]: everything storage can refuse or fail with, each variant saying what
//! happened and what the caller (or the operator) can do about it.

use std::path::PathBuf;
use std::sync::Arc;

/// Why a storage call failed. Refusals (a wrong hash, a stale compaction, an unknown
/// device) are typed so the server can answer the device precisely; failures of the
/// database or the disk carry their source.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot use the data directory {path}: {source}; check that it exists, is writable and the disk has room")]
    DataDir {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("the database refused the operation: {0}; if this repeats, check the disk and the database file")]
    Sqlite(#[from] rusqlite::Error),
    #[error("the write could not be made durable (commit failed: {0}); nothing was acknowledged, retry")]
    Commit(#[source] Arc<rusqlite::Error>),
    #[error("cannot read or write the blob file {path}: {source}; check the disk and the data directory")]
    BlobFile {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("the database has schema version {found}, newer than this server knows ({known}); update the server")]
    NewerSchema { found: i64, known: i64 },
    #[error("the storage worker has stopped (the store was closed or crashed); restart the server")]
    Closed,
    #[error("a storage task did not finish: {0}")]
    Task(#[from] tokio::task::JoinError),
    #[error("the database holds a value this server cannot read ({what}); the file may be damaged")]
    Corrupt { what: String },

    #[error("document {doc_id} belongs to scope {stored}, not {given}; a case never changes hromada")]
    ScopeMismatch { doc_id: String, stored: String, given: String },
    #[error("{scope:?} is not a hromada scope a document can belong to")]
    InvalidScope { scope: String },
    #[error("document {doc_id} is not stored here")]
    UnknownDoc { doc_id: String },
    #[error(
        "document {doc_id} was already compacted up to change {covered}, past {given}; load it again and compact that"
    )]
    StaleCompaction { doc_id: String, covered: u64, given: u64 },
    #[error("document {doc_id} has no change {given} to compact up to (latest is {latest}); load it again")]
    CompactionAhead { doc_id: String, given: u64, latest: u64 },

    #[error("{hash:?} is not a SHA-256 in lowercase hex (64 characters)")]
    InvalidBlobHash { hash: String },
    #[error("a blob of {size} bytes is larger than this server accepts ({max} bytes)")]
    BlobTooLarge { size: u64, max: u64 },
    #[error("no upload of blob {hash} is in progress; begin it first")]
    NoUpload { hash: String },
    #[error("blob {hash}: the server has {expected} bytes, the chunk starts at {got}; resume from {expected}")]
    ChunkOffset { hash: String, expected: u64, got: u64 },
    #[error("blob {hash}: the chunk ends at {end}, past the announced size {size}")]
    ChunkBeyondSize { hash: String, end: u64, size: u64 },
    #[error("blob {hash}: {received} of {size} bytes received; send the rest before finishing")]
    BlobIncomplete { hash: String, received: u64, size: u64 },
    #[error("blob {expected}: the bytes received hash to {actual}; the upload was discarded, send it again")]
    BlobHashMismatch { expected: String, actual: String },

    #[error("device {device_id} is already enrolled (or its key is)")]
    DeviceExists { device_id: String },
    #[error("device {device_id} is not enrolled")]
    UnknownDevice { device_id: String },
    #[error("device {device_id} is {status}; this needs a {wanted} device")]
    DeviceStatus { device_id: String, status: &'static str, wanted: &'static str },
    #[error("the approval code for device {device_id} does not match (or was already used)")]
    ApprovalCodeMismatch { device_id: String },
}

impl StoreError {
    /// Whether the caller did something the store refuses (answer the device with the
    /// reason), rather than the server failing (answer with a retryable server error).
    pub fn is_refusal(&self) -> bool {
        !matches!(
            self,
            Self::DataDir { .. }
                | Self::Sqlite(_)
                | Self::Commit(_)
                | Self::BlobFile { .. }
                | Self::NewerSchema { .. }
                | Self::Closed
                | Self::Task(_)
                | Self::Corrupt { .. }
        )
    }
}
