//! The computations of PACE generic mapping (Doc 9303 Part 11 §4.4.3, §4.4.3.3.1), shared
//! by the terminal and the emulated chip: Kπ, the nonce cipher, the mapped generator,
//! session keys and authentication tokens.

use super::ec::{Curve, EcError};
use crate::chip::crypto::{Cipher, CipherKind, CryptoError, kdf, mac8};
use crate::chip::tlv;

/// Kπ = KDF(π, 3).
pub(crate) fn password_key(cipher: CipherKind, secret: &[u8]) -> Vec<u8> {
    kdf(cipher, secret, 3)
}

/// s = D(Kπ, z): CBC with a zero IV over one block (the same as ECB).
pub(crate) fn decrypt_nonce(cipher: CipherKind, k_pi: &[u8], encrypted: &[u8]) -> Result<Vec<u8>, CryptoError> {
    Cipher::new(cipher, k_pi)?.cbc_decrypt(&vec![0; cipher.block_len()], encrypted)
}

/// z = E(Kπ, s), the chip side.
#[cfg(any(test, feature = "test-support"))]
pub(crate) fn encrypt_nonce(cipher: CipherKind, k_pi: &[u8], nonce: &[u8]) -> Result<Vec<u8>, CryptoError> {
    Cipher::new(cipher, k_pi)?.cbc_encrypt(&vec![0; cipher.block_len()], nonce)
}

/// G' = s·G + H with H = SK_map · PK_map(other side).
pub(crate) fn mapped_generator(
    curve: Curve,
    nonce: &[u8],
    own_private: &[u8],
    other_public: &[u8],
) -> Result<Vec<u8>, EcError> {
    let h = curve.mul(other_public, own_private)?;
    curve.map_generator(nonce, &h)
}

/// KSenc = KDF(K, 1), KSmac = KDF(K, 2).
pub(crate) fn session_keys(cipher: CipherKind, shared_secret: &[u8]) -> (Vec<u8>, Vec<u8>) {
    (kdf(cipher, shared_secret, 1), kdf(cipher, shared_secret, 2))
}

/// The public key data object `7F49 { 06 OID, 86 point }` a token authenticates.
pub(crate) fn public_key_object(oid: &[u8], point: &[u8]) -> Vec<u8> {
    let mut inner = tlv::encode(0x06, oid);
    inner.extend(tlv::encode(0x86, point));
    tlv::encode(0x7F49, &inner)
}

/// T = MAC(KSmac, PK of the other side).
pub(crate) fn auth_token(
    cipher: CipherKind,
    ks_mac: &[u8],
    oid: &[u8],
    other_public: &[u8],
) -> Result<[u8; 8], CryptoError> {
    mac8(cipher, ks_mac, &public_key_object(oid, other_public))
}
