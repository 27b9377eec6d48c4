//! Symmetric primitives of ICAO Doc 9303 Part 11 §9: padding method 2, the key derivation
//! function, 3DES/AES in CBC mode, the ISO 9797-1 retail MAC and AES-CMAC.
//!
//! Everything here works on byte slices and returns typed errors; callers never hand it
//! card data of a length it would panic on.

use aes::cipher::{Block, BlockCipherDecrypt, BlockCipherEncrypt, KeyInit};
use aes::{Aes128, Aes192, Aes256};
use cmac::{Cmac, Mac};
use des::{Des, TdesEde2};
use sha1::{Digest as _, Sha1};
use sha2::{Digest as _, Sha256};

/// The block cipher a secure-messaging session (or a PACE protocol) uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CipherKind {
    /// Two-key 3DES, CBC, retail MAC: BAC and PACE-3DES.
    Tdes,
    /// AES-128, CBC, CMAC.
    Aes128,
    /// AES-192, CBC, CMAC.
    Aes192,
    /// AES-256, CBC, CMAC.
    Aes256,
}

impl CipherKind {
    /// Key length in bytes (two-key 3DES is 16).
    pub fn key_len(self) -> usize {
        match self {
            Self::Tdes | Self::Aes128 => 16,
            Self::Aes192 => 24,
            Self::Aes256 => 32,
        }
    }

    /// Block length in bytes, also the width of the send-sequence counter.
    pub fn block_len(self) -> usize {
        match self {
            Self::Tdes => 8,
            _ => 16,
        }
    }
}

/// A key of the wrong length or padding that is not ISO 9797-1 method 2.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CryptoError {
    /// Key length does not match the cipher.
    #[error("a key of {len} bytes does not fit the cipher")]
    KeyLength { len: usize },
    /// Data to decrypt or MAC is not a whole number of blocks.
    #[error("encrypted data of {len} bytes is not a whole number of cipher blocks")]
    NotBlockAligned { len: usize },
    /// The plaintext does not end in 80 00..00.
    #[error("decrypted data does not carry ISO 9797-1 padding")]
    BadPadding,
}

/// ISO 9797-1 padding method 2: append 80 then zeros up to a whole block (always adds a byte).
pub(crate) fn pad(data: &[u8], block: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len() + block);
    out.extend_from_slice(data);
    out.push(0x80);
    while !out.len().is_multiple_of(block) {
        out.push(0x00);
    }
    out
}

/// Removes ISO 9797-1 padding method 2.
pub(crate) fn unpad(data: &[u8]) -> Result<&[u8], CryptoError> {
    let end = data.iter().rposition(|&b| b != 0x00).ok_or(CryptoError::BadPadding)?;
    match data.get(end) {
        Some(0x80) => Ok(data.get(..end).unwrap_or_default()),
        _ => Err(CryptoError::BadPadding),
    }
}

/// Sets the low bit of each byte so that every byte has odd parity (DES key convention).
pub(crate) fn adjust_des_parity(key: &mut [u8]) {
    for byte in key {
        let high = *byte & 0xFE;
        *byte = high | u8::from(high.count_ones() % 2 == 0);
    }
}

/// KDF(K, c) of Doc 9303 Part 11 §9.7.1: hash of `secret ‖ c` truncated to the key length.
/// SHA-1 for 3DES and AES-128, SHA-256 for AES-192/256; 3DES keys get DES parity.
pub(crate) fn kdf(kind: CipherKind, secret: &[u8], counter: u32) -> Vec<u8> {
    let mut input = Vec::with_capacity(secret.len() + 4);
    input.extend_from_slice(secret);
    input.extend_from_slice(&counter.to_be_bytes());
    let mut key = match kind {
        CipherKind::Tdes | CipherKind::Aes128 => Sha1::digest(&input).to_vec(),
        CipherKind::Aes192 | CipherKind::Aes256 => Sha256::digest(&input).to_vec(),
    };
    key.truncate(kind.key_len());
    if kind == CipherKind::Tdes {
        adjust_des_parity(&mut key);
    }
    key
}

/// SHA-1, used for the BAC key seed and the MRZ-derived PACE password.
pub(crate) fn sha1(data: &[u8]) -> [u8; 20] {
    Sha1::digest(data).into()
}

/// A keyed block cipher of one of the [`CipherKind`]s.
pub(crate) enum Cipher {
    Tdes(TdesEde2),
    Aes128(Aes128),
    Aes192(Aes192),
    Aes256(Aes256),
}

fn each_block<C: BlockCipherEncrypt + BlockCipherDecrypt>(cipher: &C, block: &mut [u8], encrypt: bool) {
    if let Ok(block) = <&mut Block<C>>::try_from(block) {
        if encrypt {
            cipher.encrypt_block(block);
        } else {
            cipher.decrypt_block(block);
        }
    }
}

impl Cipher {
    pub(crate) fn new(kind: CipherKind, key: &[u8]) -> Result<Self, CryptoError> {
        let err = CryptoError::KeyLength { len: key.len() };
        Ok(match kind {
            CipherKind::Tdes => Self::Tdes(TdesEde2::new_from_slice(key).map_err(|_| err)?),
            CipherKind::Aes128 => Self::Aes128(Aes128::new_from_slice(key).map_err(|_| err)?),
            CipherKind::Aes192 => Self::Aes192(Aes192::new_from_slice(key).map_err(|_| err)?),
            CipherKind::Aes256 => Self::Aes256(Aes256::new_from_slice(key).map_err(|_| err)?),
        })
    }

    pub(crate) fn block_len(&self) -> usize {
        match self {
            Self::Tdes(_) => 8,
            _ => 16,
        }
    }

    fn block(&self, block: &mut [u8], encrypt: bool) {
        match self {
            Self::Tdes(c) => each_block(c, block, encrypt),
            Self::Aes128(c) => each_block(c, block, encrypt),
            Self::Aes192(c) => each_block(c, block, encrypt),
            Self::Aes256(c) => each_block(c, block, encrypt),
        }
    }

    /// Encrypts one block in place (ECB of a single block).
    pub(crate) fn encrypt_block(&self, block: &mut [u8]) {
        self.block(block, true);
    }

    fn check_aligned(&self, data: &[u8]) -> Result<(), CryptoError> {
        if data.len().is_multiple_of(self.block_len()) {
            Ok(())
        } else {
            Err(CryptoError::NotBlockAligned { len: data.len() })
        }
    }

    /// CBC encryption of block-aligned data (the caller pads).
    pub(crate) fn cbc_encrypt(&self, iv: &[u8], data: &[u8]) -> Result<Vec<u8>, CryptoError> {
        self.check_aligned(data)?;
        let mut out = data.to_vec();
        let mut chain = iv.to_vec();
        for block in out.chunks_exact_mut(self.block_len()) {
            block.iter_mut().zip(&chain).for_each(|(b, c)| *b ^= c);
            self.block(block, true);
            chain.copy_from_slice(block);
        }
        Ok(out)
    }

    /// CBC decryption of block-aligned data; padding is left in place.
    pub(crate) fn cbc_decrypt(&self, iv: &[u8], data: &[u8]) -> Result<Vec<u8>, CryptoError> {
        self.check_aligned(data)?;
        let mut out = data.to_vec();
        let mut chain = iv.to_vec();
        for block in out.chunks_exact_mut(self.block_len()) {
            let cipher_text = block.to_vec();
            self.block(block, false);
            block.iter_mut().zip(&chain).for_each(|(b, c)| *b ^= c);
            chain = cipher_text;
        }
        Ok(out)
    }
}

/// ISO 9797-1 MAC algorithm 3 ("retail MAC") with DES over already padded data:
/// single-DES CBC with Ka, then the last block decrypted with Kb and encrypted with Ka.
pub(crate) fn retail_mac(key: &[u8], padded: &[u8]) -> Result<[u8; 8], CryptoError> {
    let (Some(ka), Some(kb)) = (key.get(..8), key.get(8..16)) else {
        return Err(CryptoError::KeyLength { len: key.len() });
    };
    if !padded.len().is_multiple_of(8) || padded.is_empty() {
        return Err(CryptoError::NotBlockAligned { len: padded.len() });
    }
    let err = CryptoError::KeyLength { len: key.len() };
    let des_a = Des::new_from_slice(ka).map_err(|_| err)?;
    let des_b = Des::new_from_slice(kb).map_err(|_| err)?;
    let mut state = [0u8; 8];
    for chunk in padded.chunks_exact(8) {
        state.iter_mut().zip(chunk).for_each(|(s, c)| *s ^= c);
        each_block(&des_a, &mut state, true);
    }
    each_block(&des_b, &mut state, false);
    each_block(&des_a, &mut state, true);
    Ok(state)
}

fn cmac_8<M: Mac + KeyInit>(key: &[u8], data: &[u8]) -> Result<[u8; 8], CryptoError> {
    let mut mac = <M as KeyInit>::new_from_slice(key).map_err(|_| CryptoError::KeyLength { len: key.len() })?;
    mac.update(data);
    let tag = mac.finalize().into_bytes();
    let mut out = [0u8; 8];
    out.iter_mut().zip(tag.iter()).for_each(|(o, t)| *o = *t);
    Ok(out)
}

/// AES-CMAC truncated to 8 bytes; the key length picks AES-128/192/256.
pub(crate) fn aes_cmac8(key: &[u8], data: &[u8]) -> Result<[u8; 8], CryptoError> {
    match key.len() {
        16 => cmac_8::<Cmac<Aes128>>(key, data),
        24 => cmac_8::<Cmac<Aes192>>(key, data),
        32 => cmac_8::<Cmac<Aes256>>(key, data),
        len => Err(CryptoError::KeyLength { len }),
    }
}

/// The 8-byte MAC of a secure-messaging session or PACE token.
/// 3DES uses the retail MAC over `data` padded here; AES uses CMAC over `data` as given.
pub(crate) fn mac8(kind: CipherKind, key: &[u8], data: &[u8]) -> Result<[u8; 8], CryptoError> {
    match kind {
        CipherKind::Tdes => retail_mac(key, &pad(data, 8)),
        _ => aes_cmac8(key, data),
    }
}

/// Constant-time comparison of two MACs.
pub(crate) fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn padding_always_adds_a_marker_and_round_trips() {
        assert_eq!(pad(&[1, 2, 3], 8), [1, 2, 3, 0x80, 0, 0, 0, 0]);
        assert_eq!(pad(&[0; 8], 8).len(), 16);
        for len in 0..40 {
            let data = vec![0xAB; len];
            assert_eq!(unpad(&pad(&data, 16)), Ok(&data[..]));
        }
        assert_eq!(unpad(&[0, 0, 0]), Err(CryptoError::BadPadding));
        assert_eq!(unpad(&[1, 2, 3]), Err(CryptoError::BadPadding));
        assert_eq!(unpad(&[]), Err(CryptoError::BadPadding));
    }

    #[test]
    fn wrong_key_lengths_are_errors_not_panics() {
        assert!(Cipher::new(CipherKind::Aes128, &[0; 15]).is_err());
        assert!(retail_mac(&[0; 7], &[0; 8]).is_err());
        assert!(retail_mac(&[0; 16], &[0; 7]).is_err());
        assert!(aes_cmac8(&[0; 17], &[]).is_err());
        let c = Cipher::new(CipherKind::Tdes, &[1; 16]).expect("16-byte 3DES key");
        assert!(c.cbc_decrypt(&[0; 8], &[0; 9]).is_err());
    }
}
