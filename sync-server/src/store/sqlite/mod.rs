//! [`SqliteStore`]: the default [`Store`] backend, one SQLite database in a data directory.
//!
//! `open(dir)` creates the directory, `dir/keis.sqlite3` (WAL, `synchronous=FULL`,
//! foreign keys on) and `dir/blobs/`, and applies the migrations. Writes run on one
//! writer thread with group commit, reads on the blocking pool (`worker`); nothing
//! blocks the async runtime.
//!
//! - `migrate`: the schema and its versions (SQL files in `sync-server/migrations/`).
//! - `docs`: documents, the change cursor, sync state.
//! - `blobs`: blob files and upload records.
//! - `devices`: devices, positions, the audit log.
//! - the journal's SQL lives with the journal: `crate::journal::sql`.

mod blobs;
mod devices;
mod docs;
mod migrate;
mod worker;

use std::path::{Path, PathBuf};
use std::time::Duration;

use async_trait::async_trait;
use keis_crdt::Position;
use rusqlite::{Connection, OpenFlags};
use tracing::instrument;

use super::{AuditEntry, AuditPage, AuditQuery, BlobStatus, Changed, Device, DeviceStatus, NewDevice, Seq};
use super::{StateWith, Store, StoreError, StoredDoc};
use crate::journal::{JournalEntry, JournalPage, JournalQuery, sql as journal};
use blobs::{BlobFiles, UploadLocks};
use worker::Workers;

/// The database file in the data directory.
pub const DB_FILE: &str = "keis.sqlite3";

/// Settings of the SQLite backend.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoreConfig {
    /// Largest blob accepted, in bytes.
    pub max_blob_size: u64,
}

impl Default for StoreConfig {
    fn default() -> Self {
        Self { max_blob_size: 64 * 1024 * 1024 }
    }
}

/// The SQLite backend. Cheap to share behind an `Arc`; [`SqliteStore::close`] before
/// dropping to wait for the last writes and the WAL checkpoint.
pub struct SqliteStore {
    dir: PathBuf,
    config: StoreConfig,
    workers: Workers,
    blobs: BlobFiles,
    upload_locks: UploadLocks,
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore").field("dir", &self.dir).field("config", &self.config).finish_non_exhaustive()
    }
}

impl SqliteStore {
    /// Opens (creating if needed) the store in `dir` with the default settings.
    pub async fn open(dir: impl AsRef<Path>) -> Result<Self, StoreError> {
        Self::open_with(dir, StoreConfig::default()).await
    }

    /// Opens (creating if needed) the store in `dir`.
    #[instrument(skip_all)]
    pub async fn open_with(dir: impl AsRef<Path>, config: StoreConfig) -> Result<Self, StoreError> {
        let dir = dir.as_ref().to_path_buf();
        tokio::task::spawn_blocking(move || {
            std::fs::create_dir_all(&dir).map_err(|source| StoreError::DataDir { path: dir.clone(), source })?;
            let blobs = BlobFiles::create(&dir)?;
            let path = dir.join(DB_FILE);
            let mut writer = connect(&path, false)?;
            let ran = migrate::apply(&mut writer, now_ms())?;
            tracing::info!(migrations_applied = ran, schema = migrate::latest(), "store opened");
            let workers = Workers::start(writer, path)?;
            Ok(Self { dir, config, workers, blobs, upload_locks: UploadLocks::new() })
        })
        .await?
    }

    /// Waits for the writes already made, then closes the database. Calls after this
    /// answer [`StoreError::Closed`].
    pub async fn close(&self) -> Result<(), StoreError> {
        self.workers.close().await
    }

    /// The data directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn config(&self) -> StoreConfig {
        self.config
    }

    /// The schema versions applied to the database, in order.
    pub async fn schema_versions(&self) -> Result<Vec<i64>, StoreError> {
        self.workers.read(migrate::applied).await
    }
}

/// Opens a connection with the settings every connection of the store uses.
pub(crate) fn connect(path: &Path, read_only: bool) -> Result<Connection, StoreError> {
    let conn = if read_only {
        Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX)?
    } else {
        let conn = Connection::open(path)?;
        let mode: String = conn.pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get(0))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(StoreError::Corrupt { what: format!("journal mode {mode} instead of WAL") });
        }
        conn
    };
    conn.busy_timeout(Duration::from_secs(10))?;
    // FULL: a commit in WAL mode is fsynced before it returns, so it survives power loss.
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    Ok(conn)
}

/// SQLite integers are signed; our counters never reach 2^63.
pub(crate) fn to_i64(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

pub(crate) fn from_i64(v: i64) -> u64 {
    u64::try_from(v).unwrap_or(0)
}

pub(crate) fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

#[async_trait]
impl Store for SqliteStore {
    #[instrument(skip_all, fields(doc_id = %doc_id, scope = %scope, bytes = bytes.len()))]
    async fn append_changes(&self, doc_id: &str, scope: &str, bytes: &[u8]) -> Result<Seq, StoreError> {
        let (d, s, b) = (doc_id.to_owned(), scope.to_owned(), bytes.to_vec());
        self.workers.write(move |c| docs::append(c, &d, &s, &b)).await
    }

    #[instrument(skip_all, fields(doc_id = %doc_id, scope = %scope, bytes = bytes.len()))]
    async fn append_recorded(
        &self,
        doc_id: &str,
        scope: &str,
        bytes: &[u8],
        row: Option<JournalEntry>,
        mut audit: AuditEntry,
        state: Option<StateWith>,
    ) -> Result<Seq, StoreError> {
        let (d, s, b) = (doc_id.to_owned(), scope.to_owned(), bytes.to_vec());
        self.workers
            .write(move |c| {
                let seq = docs::append(c, &d, &s, &b)?;
                if let Some(entry) = &row {
                    journal::upsert(c, entry)?;
                }
                audit.detail = format!("seq {}, {}", seq.0, audit.detail);
                devices::append_audit(c, &audit)?;
                if let Some(state) = state {
                    docs::put_sync_state(c, &state.peer_id, &d, &(state.encode)(seq))?;
                }
                Ok(seq)
            })
            .await
    }

    #[instrument(skip_all, fields(doc_id = %doc_id))]
    async fn load(&self, doc_id: &str) -> Result<Option<StoredDoc>, StoreError> {
        let d = doc_id.to_owned();
        self.workers.read(move |c| docs::load(c, &d)).await
    }

    #[instrument(skip_all, fields(doc_id = %doc_id, bytes = snapshot.len(), up_to = replaced_up_to.0))]
    async fn compact(&self, doc_id: &str, snapshot: &[u8], replaced_up_to: Seq) -> Result<(), StoreError> {
        let (d, s) = (doc_id.to_owned(), snapshot.to_vec());
        self.workers.write(move |c| docs::compact(c, &d, &s, replaced_up_to)).await
    }

    #[instrument(skip_all, fields(scope = %scope, cursor = cursor.0, limit = limit))]
    async fn changed_since(&self, scope: &str, cursor: Seq, limit: u32) -> Result<Changed, StoreError> {
        let s = scope.to_owned();
        self.workers.read(move |c| docs::changed_since(c, &s, cursor, limit)).await
    }

    #[instrument(skip_all, fields(peer_id = %peer_id, doc_id = %doc_id))]
    async fn sync_state(&self, peer_id: &str, doc_id: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let (p, d) = (peer_id.to_owned(), doc_id.to_owned());
        self.workers.read(move |c| docs::sync_state(c, &p, &d)).await
    }

    #[instrument(skip_all, fields(peer_id = %peer_id, doc_id = %doc_id, bytes = state.len()))]
    async fn put_sync_state(&self, peer_id: &str, doc_id: &str, state: &[u8]) -> Result<(), StoreError> {
        let (p, d, s) = (peer_id.to_owned(), doc_id.to_owned(), state.to_vec());
        self.workers.write(move |c| docs::put_sync_state(c, &p, &d, &s)).await
    }

    #[instrument(skip_all, fields(sha256 = %sha256, size = size))]
    async fn begin_blob(&self, sha256: &str, size: u64) -> Result<BlobStatus, StoreError> {
        self.blob_begin(sha256, size).await
    }

    #[instrument(skip_all, fields(sha256 = %sha256, offset = offset, bytes = bytes.len()))]
    async fn put_blob_chunk(&self, sha256: &str, offset: u64, bytes: &[u8]) -> Result<BlobStatus, StoreError> {
        self.blob_put_chunk(sha256, offset, bytes).await
    }

    #[instrument(skip_all, fields(sha256 = %sha256))]
    async fn blob_status(&self, sha256: &str) -> Result<Option<BlobStatus>, StoreError> {
        self.blob_state(sha256).await
    }

    #[instrument(skip_all, fields(sha256 = %sha256))]
    async fn finish_blob(&self, sha256: &str) -> Result<BlobStatus, StoreError> {
        self.blob_finish(sha256).await
    }

    #[instrument(skip_all, fields(sha256 = %sha256))]
    async fn blob(&self, sha256: &str) -> Result<Option<Vec<u8>>, StoreError> {
        self.blob_bytes(sha256).await
    }

    #[instrument(skip_all, fields(device_id = %device.device_id))]
    async fn enrol_device(&self, device: NewDevice) -> Result<(), StoreError> {
        self.workers.write(move |c| devices::enrol(c, &device)).await
    }

    #[instrument(skip_all, fields(device_id = %device_id))]
    async fn device(&self, device_id: &str) -> Result<Option<Device>, StoreError> {
        let d = device_id.to_owned();
        self.workers.read(move |c| devices::get(c, &d)).await
    }

    #[instrument(skip_all, fields(status = status.map(DeviceStatus::code)))]
    async fn devices(&self, status: Option<DeviceStatus>) -> Result<Vec<Device>, StoreError> {
        self.workers.read(move |c| devices::list(c, status)).await
    }

    #[instrument(skip_all, fields(device_id = %device_id, positions = positions.len()))]
    async fn approve_device(
        &self,
        device_id: &str,
        approval_code_hash: [u8; 32],
        positions: &[Position],
        at: i64,
    ) -> Result<Device, StoreError> {
        let (d, p) = (device_id.to_owned(), positions.to_vec());
        self.workers.write(move |c| devices::approve(c, &d, &approval_code_hash, &p, at)).await
    }

    #[instrument(skip_all, fields(device_id = %device_id, positions = positions.len()))]
    async fn set_device_positions(&self, device_id: &str, positions: &[Position]) -> Result<Device, StoreError> {
        let (d, p) = (device_id.to_owned(), positions.to_vec());
        self.workers.write(move |c| devices::set_positions(c, &d, &p)).await
    }

    #[instrument(skip_all, fields(device_id = %device_id, edge))]
    async fn set_device_edge(&self, device_id: &str, edge: bool) -> Result<Device, StoreError> {
        let d = device_id.to_owned();
        self.workers.write(move |c| devices::set_edge(c, &d, edge)).await
    }

    #[instrument(skip_all, fields(device_id = %device_id))]
    async fn revoke_device(&self, device_id: &str, at: i64) -> Result<Device, StoreError> {
        let d = device_id.to_owned();
        self.workers.write(move |c| devices::revoke(c, &d, at)).await
    }

    #[instrument(skip_all, fields(device_id = %entry.device_id, action = %entry.action))]
    async fn append_audit(&self, entry: AuditEntry) -> Result<i64, StoreError> {
        self.workers.write(move |c| devices::append_audit(c, &entry)).await
    }

    #[instrument(skip_all, fields(case_id = query.case_id.as_deref(), limit = query.limit))]
    async fn audit(&self, query: AuditQuery) -> Result<AuditPage, StoreError> {
        self.workers.read(move |c| devices::audit(c, &query)).await
    }

    // No fields: the row is personal data.
    #[instrument(skip_all)]
    async fn upsert_journal(&self, entry: JournalEntry) -> Result<(), StoreError> {
        self.workers.write(move |c| journal::upsert(c, &entry)).await
    }

    #[instrument(skip_all, fields(limit = query.limit, offset = query.offset))]
    async fn journal(&self, query: JournalQuery) -> Result<JournalPage, StoreError> {
        self.workers.read(move |c| journal::page(c, &query)).await
    }
}
