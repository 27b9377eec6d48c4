//! Blobs of the SQLite backend: bytes as files, metadata in SQLite.
//!
//! Layout under the data directory: `blobs/partial/<sha256>` holds an upload in progress,
//! `blobs/<first two hex>/<sha256>` a verified blob. Each chunk is written at its offset
//! and fsynced before `blob_uploads.received` moves past it, so `received` never claims
//! bytes the disk may lose. Finishing hashes the partial file; only a matching file is
//! fsynced and renamed into place (then the directory is fsynced) and recorded in `blobs`.
//! A mismatching one is deleted with its upload record: nothing corrupt is kept.
//!
//! Uploads of one hash are serialised by a striped lock ([`UploadLocks`]), so two clients
//! sending the same blob at once take turns; the `received` update is also conditional on
//! the offset, and whatever the file ends up holding is verified at the end.

use std::fs::{self, File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use rusqlite::{Connection, OptionalExtension, params};
use sha2::{Digest, Sha256};

use super::{SqliteStore, from_i64, now_ms, to_i64};
use crate::store::{BlobStatus, StoreError, check_blob_hash};

/// Stripes of locks held while an upload's file and record change, picked by hash.
#[derive(Debug)]
pub(crate) struct UploadLocks(Vec<tokio::sync::Mutex<()>>);

impl UploadLocks {
    pub(crate) fn new() -> Self {
        Self((0..64).map(|_| tokio::sync::Mutex::new(())).collect())
    }

    fn for_hash(&self, hash: &str) -> &tokio::sync::Mutex<()> {
        let stripe = hash.bytes().fold(0usize, |acc, b| acc.wrapping_mul(31).wrapping_add(usize::from(b)));
        &self.0[stripe % self.0.len()]
    }
}

/// Where blob files live.
#[derive(Debug, Clone)]
pub(crate) struct BlobFiles {
    root: PathBuf,
}

impl BlobFiles {
    pub(crate) fn create(data_dir: &Path) -> Result<Self, StoreError> {
        let root = data_dir.join("blobs");
        let partial = root.join("partial");
        fs::create_dir_all(&partial).map_err(|source| StoreError::DataDir { path: partial, source })?;
        Ok(Self { root })
    }

    fn partial(&self, hash: &str) -> PathBuf {
        self.root.join("partial").join(hash)
    }

    fn stored(&self, hash: &str) -> PathBuf {
        self.root.join(&hash[..2]).join(hash)
    }

    /// Writes `bytes` at `offset` (dropping anything after it) and fsyncs.
    fn write_chunk(&self, hash: &str, offset: u64, bytes: &[u8]) -> Result<(), StoreError> {
        let path = self.partial(hash);
        let io = |source| StoreError::BlobFile { path: path.clone(), source };
        let mut file = OpenOptions::new().create(true).truncate(false).write(true).open(&path).map_err(io)?;
        file.set_len(offset).map_err(io)?;
        file.seek(SeekFrom::Start(offset)).map_err(io)?;
        file.write_all(bytes).map_err(io)?;
        file.sync_data().map_err(io)
    }

    /// Verifies the upload and moves it into place. A stored file already there (a crash
    /// after the rename) is verified instead.
    fn verify_and_store(&self, hash: &str, size: u64) -> Result<(), StoreError> {
        let partial = self.partial(hash);
        let stored = self.stored(hash);
        if !partial.exists() && stored.exists() {
            return verify(&stored, hash, size);
        }
        let io = |source| StoreError::BlobFile { path: partial.clone(), source };
        let file = OpenOptions::new().create(true).truncate(false).write(true).open(&partial).map_err(io)?;
        file.set_len(size).map_err(io)?;
        file.sync_all().map_err(io)?;
        drop(file);
        if let Err(e) = verify(&partial, hash, size) {
            let _ = fs::remove_file(&partial);
            return Err(e);
        }
        let dir = stored.parent().unwrap_or(&self.root).to_path_buf();
        let dir_io = |source| StoreError::BlobFile { path: dir.clone(), source };
        fs::create_dir_all(&dir).map_err(dir_io)?;
        fs::rename(&partial, &stored).map_err(io)?;
        File::open(&dir).and_then(|d| d.sync_all()).map_err(dir_io)?;
        Ok(())
    }

    fn read(&self, hash: &str) -> Result<Vec<u8>, StoreError> {
        let path = self.stored(hash);
        fs::read(&path).map_err(|source| StoreError::BlobFile { path, source })
    }
}

/// Hashes the first `size` bytes of `path` and compares with `hash`.
fn verify(path: &Path, hash: &str, size: u64) -> Result<(), StoreError> {
    let io = |source| StoreError::BlobFile { path: path.to_path_buf(), source };
    let mut file = File::open(path).map_err(io)?.take(size);
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = file.read(&mut buf).map_err(io)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    let actual = hex::encode(hasher.finalize());
    if actual == hash { Ok(()) } else { Err(StoreError::BlobHashMismatch { expected: hash.to_owned(), actual }) }
}

/// The stored size if `hash` is stored, else the upload's (size, received).
fn status(conn: &Connection, hash: &str) -> Result<Option<BlobStatus>, StoreError> {
    let stored: Option<i64> =
        conn.prepare_cached("SELECT size FROM blobs WHERE sha256 = ?1")?.query_row([hash], |r| r.get(0)).optional()?;
    if let Some(size) = stored {
        let size = from_i64(size);
        return Ok(Some(BlobStatus { size, received: size, complete: true }));
    }
    let upload: Option<(i64, i64)> = conn
        .prepare_cached("SELECT size, received FROM blob_uploads WHERE sha256 = ?1")?
        .query_row([hash], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    Ok(upload.map(|(s, r)| BlobStatus { size: from_i64(s), received: from_i64(r), complete: false }))
}

impl SqliteStore {
    pub(crate) async fn blob_begin(&self, hash: &str, size: u64) -> Result<BlobStatus, StoreError> {
        check_blob_hash(hash)?;
        let max = self.config.max_blob_size;
        if size > max {
            return Err(StoreError::BlobTooLarge { size, max });
        }
        let _turn = self.upload_locks.for_hash(hash).lock().await;
        let hash = hash.to_owned();
        self.workers
            .write(move |conn| {
                match status(conn, &hash)? {
                    Some(s) if s.complete || s.size == size => return Ok(s),
                    _ => {}
                }
                // New, or announced again with another size: start over (the next chunk
                // at offset 0 truncates the partial file).
                conn.execute(
                    "INSERT INTO blob_uploads (sha256, size, received) VALUES (?1, ?2, 0)
                     ON CONFLICT (sha256) DO UPDATE SET size = excluded.size, received = 0",
                    params![hash, to_i64(size)],
                )?;
                Ok(BlobStatus { size, received: 0, complete: false })
            })
            .await
    }

    pub(crate) async fn blob_put_chunk(&self, hash: &str, offset: u64, bytes: &[u8]) -> Result<BlobStatus, StoreError> {
        check_blob_hash(hash)?;
        let _turn = self.upload_locks.for_hash(hash).lock().await;
        let Some(current) = self.blob_state(hash).await? else {
            return Err(StoreError::NoUpload { hash: hash.to_owned() });
        };
        if current.complete {
            return Ok(current);
        }
        if offset != current.received {
            return Err(StoreError::ChunkOffset { hash: hash.to_owned(), expected: current.received, got: offset });
        }
        let end = offset.saturating_add(bytes.len() as u64);
        if end > current.size {
            return Err(StoreError::ChunkBeyondSize { hash: hash.to_owned(), end, size: current.size });
        }
        let (files, h, b) = (self.blobs.clone(), hash.to_owned(), bytes.to_vec());
        tokio::task::spawn_blocking(move || files.write_chunk(&h, offset, &b)).await??;
        let h = hash.to_owned();
        self.workers
            .write(move |conn| {
                let moved = conn.execute(
                    "UPDATE blob_uploads SET received = ?3 WHERE sha256 = ?1 AND received = ?2",
                    params![h, to_i64(offset), to_i64(end)],
                )?;
                match status(conn, &h)? {
                    Some(s) if moved == 1 || s.complete => Ok(s),
                    Some(s) => Err(StoreError::ChunkOffset { hash: h, expected: s.received, got: offset }),
                    None => Err(StoreError::NoUpload { hash: h }),
                }
            })
            .await
    }

    pub(crate) async fn blob_state(&self, hash: &str) -> Result<Option<BlobStatus>, StoreError> {
        check_blob_hash(hash)?;
        let hash = hash.to_owned();
        self.workers.read(move |conn| status(conn, &hash)).await
    }

    pub(crate) async fn blob_finish(&self, hash: &str) -> Result<BlobStatus, StoreError> {
        check_blob_hash(hash)?;
        let _turn = self.upload_locks.for_hash(hash).lock().await;
        let Some(current) = self.blob_state(hash).await? else {
            return Err(StoreError::NoUpload { hash: hash.to_owned() });
        };
        if current.complete {
            return Ok(current);
        }
        if current.received != current.size {
            return Err(StoreError::BlobIncomplete {
                hash: hash.to_owned(),
                received: current.received,
                size: current.size,
            });
        }
        let (files, h, size) = (self.blobs.clone(), hash.to_owned(), current.size);
        let verified = tokio::task::spawn_blocking(move || files.verify_and_store(&h, size)).await?;
        let h = hash.to_owned();
        match verified {
            Ok(()) => {
                self.workers
                    .write(move |conn| {
                        conn.execute(
                            "INSERT INTO blobs (sha256, size, stored_at) VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING",
                            params![h, to_i64(size), now_ms()],
                        )?;
                        conn.execute("DELETE FROM blob_uploads WHERE sha256 = ?1", [&h])?;
                        Ok(())
                    })
                    .await?;
                Ok(BlobStatus { size, received: size, complete: true })
            }
            Err(refused @ StoreError::BlobHashMismatch { .. }) => {
                // The partial file is gone; forget the upload so a retry starts at 0.
                self.workers
                    .write(move |conn| Ok(conn.execute("DELETE FROM blob_uploads WHERE sha256 = ?1", [&h])?))
                    .await?;
                Err(refused)
            }
            Err(e) => Err(e),
        }
    }

    pub(crate) async fn blob_bytes(&self, hash: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let Some(s) = self.blob_state(hash).await? else { return Ok(None) };
        if !s.complete {
            return Ok(None);
        }
        let (files, h) = (self.blobs.clone(), hash.to_owned());
        Ok(Some(tokio::task::spawn_blocking(move || files.read(&h)).await??))
    }
}
