//! Row encryption: every payload is sealed with the data key under ChaCha20-Poly1305, a
//! fresh random 96-bit nonce per write, and associated data naming the row it belongs to
//! (table, key, part), so a ciphertext moved to another row, or another chunk number,
//! fails to open.
//!
//! Sealed layout: `format (1) | nonce (12) | ciphertext | tag (16)`.
//!
//! Random nonces are safe for about 2^32 writes per key; a device writes far fewer rows
//! in its life than that (a re-enrolment makes a new key).

use ring::aead::{Aad, CHACHA20_POLY1305, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use ring::rand::SecureRandom;

use super::StoreError;

const FORMAT: u8 = 1;
const TAG_LEN: usize = 16;
const DOMAIN: &[u8] = b"keis-store/v1\0";

/// Which row a payload belongs to; bound into the seal as associated data.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RowId<'a> {
    pub(crate) table: &'static str,
    pub(crate) key: &'a str,
    pub(crate) part: u64,
}

impl<'a> RowId<'a> {
    pub(crate) fn new(table: &'static str, key: &'a str, part: u64) -> Self {
        Self { table, key, part }
    }

    fn aad(&self) -> Vec<u8> {
        let mut a = Vec::with_capacity(DOMAIN.len() + self.table.len() + self.key.len() + 24);
        a.extend_from_slice(DOMAIN);
        a.extend_from_slice(self.table.as_bytes());
        a.push(0);
        a.extend_from_slice(&(self.key.len() as u64).to_be_bytes());
        a.extend_from_slice(self.key.as_bytes());
        a.extend_from_slice(&self.part.to_be_bytes());
        a
    }
}

/// An AEAD key: the data key, or the key derived from the PIN that wraps it.
pub(crate) struct SealKey(LessSafeKey);

impl std::fmt::Debug for SealKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SealKey(..)")
    }
}

impl SealKey {
    pub(crate) fn new(bytes: &[u8; 32]) -> Result<Self, StoreError> {
        Ok(Self(LessSafeKey::new(UnboundKey::new(&CHACHA20_POLY1305, bytes)?)))
    }

    pub(crate) fn seal(&self, rng: &dyn SecureRandom, row: RowId<'_>, plain: &[u8]) -> Result<Vec<u8>, StoreError> {
        let mut nonce = [0u8; NONCE_LEN];
        rng.fill(&mut nonce)?;
        let mut out = Vec::with_capacity(1 + NONCE_LEN + plain.len() + TAG_LEN);
        out.push(FORMAT);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(plain);
        let tag = self.0.seal_in_place_separate_tag(
            Nonce::assume_unique_for_key(nonce),
            Aad::from(row.aad()),
            &mut out[1 + NONCE_LEN..],
        )?;
        out.extend_from_slice(tag.as_ref());
        Ok(out)
    }

    /// Opens a sealed payload; `None` if it does not authenticate for `row` under this key.
    pub(crate) fn try_open(&self, row: RowId<'_>, sealed: &[u8]) -> Option<Vec<u8>> {
        if sealed.len() < 1 + NONCE_LEN + TAG_LEN || sealed[0] != FORMAT {
            return None;
        }
        let nonce = Nonce::try_assume_unique_for_key(&sealed[1..1 + NONCE_LEN]).ok()?;
        let mut buf = sealed[1 + NONCE_LEN..].to_vec();
        let len = self.0.open_in_place(nonce, Aad::from(row.aad()), &mut buf).ok()?.len();
        buf.truncate(len);
        Some(buf)
    }

    /// Opens a stored row; a failure is reported as tampering with that table.
    pub(crate) fn open(&self, row: RowId<'_>, sealed: &[u8]) -> Result<Vec<u8>, StoreError> {
        self.try_open(row, sealed).ok_or_else(|| {
            tracing::warn!(table = row.table, "a stored row failed authentication");
            StoreError::Tampered { what: row.table }
        })
    }
}
