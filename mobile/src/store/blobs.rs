//! Blobs (document scans, photos, signature images): one sealed file per blob under
//! `blobs/`, named by the SHA-256 of its plaintext. The hash names the file and is bound
//! into the seal, and the plaintext is checked against it on read.

use std::io::Write;
use std::path::PathBuf;

use sha2::{Digest, Sha256};

use super::crypto::RowId;
use super::{Activity, Parts, Store, StoreError};

pub(crate) const BLOB_DIR: &str = "blobs";

/// A lowercase hex SHA-256: the only names that reach the file system.
fn valid_hash(h: &str) -> bool {
    h.len() == 64 && h.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

impl Parts<'_> {
    fn blob_path(&self, sha256: &str) -> Result<PathBuf, StoreError> {
        if !valid_hash(sha256) {
            return Err(StoreError::BlobNotFound(sha256.to_owned()));
        }
        Ok(self.dir.join(BLOB_DIR).join(sha256))
    }
}

impl Store {
    /// Stores a blob; returns its SHA-256 (lowercase hex), the id cases refer to it by.
    pub fn put_blob(&mut self, bytes: &[u8]) -> Result<String, StoreError> {
        let p = self.parts(Activity::User)?;
        let hash = hex::encode(Sha256::digest(bytes));
        let path = p.blob_path(&hash)?;
        if path.is_file() {
            return Ok(hash);
        }
        let sealed = p.key.seal(p.rng, RowId::new("blob", &hash, 0), bytes)?;
        let dir = p.dir.join(BLOB_DIR);
        std::fs::create_dir_all(&dir)?;
        // Written aside and renamed, so a crash never leaves a half blob under its name.
        let tmp = dir.join(format!("{hash}.tmp"));
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(&sealed)?;
        f.sync_all()?;
        std::fs::rename(&tmp, &path)?;
        Ok(hash)
    }

    /// A stored blob's bytes.
    pub fn blob(&mut self, sha256: &str) -> Result<Vec<u8>, StoreError> {
        let p = self.parts(Activity::User)?;
        let path = p.blob_path(sha256)?;
        let sealed = match std::fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(StoreError::BlobNotFound(sha256.to_owned()));
            }
            Err(e) => return Err(e.into()),
        };
        let plain = p.key.open(RowId::new("blob", sha256, 0), &sealed)?;
        if hex::encode(Sha256::digest(&plain)) != sha256 {
            return Err(StoreError::Tampered { what: "blob" });
        }
        Ok(plain)
    }

    /// Whether a blob is on the device (no key needed: the names are hashes).
    pub fn has_blob(&self, sha256: &str) -> bool {
        valid_hash(sha256) && self.dir.join(BLOB_DIR).join(sha256).is_file()
    }
}
