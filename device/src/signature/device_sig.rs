//! The device's Ed25519 signature binding a handwritten signature image to the case content.
//!
//! The signed payload is canonical and domain-separated:
//!
//! ```text
//! "keis-signature-v1"                      17 bytes, ASCII
//! content digest                           32 bytes, the case's canonical content digest
//! SHA-256 of the signature image (PNG)     32 bytes
//! signer: role, full name, position id, organisation id
//!                                          each u32 big-endian length ‖ UTF-8 bytes
//! signed at                                i64 big-endian, Unix milliseconds
//! ```
//!
//! No clock and no randomness live here: the caller passes the time and the RNG.

use ring::rand::SecureRandom;
use ring::signature::{ED25519, Ed25519KeyPair, KeyPair, UnparsedPublicKey};
use sha2::{Digest, Sha256};

use super::error::DeviceSignatureError;

/// Domain separation tag: a signature made for anything else never verifies as this.
pub const DOMAIN_TAG: &[u8] = b"keis-signature-v1";

/// Longest signer field accepted, in bytes.
pub const MAX_FIELD_BYTES: usize = 1024;

/// Who signs: the person at the table, as the case records them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignerIdentity {
    /// Role in the case, e.g. `applicant`, `starosta`, `representative`.
    pub role: String,
    /// Full name as written in the application.
    pub full_name: String,
    /// Staff position id for officials; empty for applicants.
    pub position_id: String,
    /// Hromada or organisation id the signature is given in.
    pub organisation_id: String,
}

/// Everything the device signature covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedContent {
    /// The case's canonical content digest (SHA-256), computed by the caller.
    pub content_digest: [u8; 32],
    /// SHA-256 of the signature image's PNG bytes.
    pub image_sha256: [u8; 32],
    /// Who signed.
    pub signer: SignerIdentity,
    /// When, in Unix milliseconds, from the caller's clock.
    pub signed_at_ms: i64,
}

impl SignedContent {
    /// Binds `content_digest`, the PNG bytes of the signature image, the signer and the time.
    pub fn new(content_digest: [u8; 32], image_png: &[u8], signer: SignerIdentity, signed_at_ms: i64) -> Self {
        Self { content_digest, image_sha256: Sha256::digest(image_png).into(), signer, signed_at_ms }
    }

    /// The exact bytes that are signed (see the module docs for the layout).
    pub fn canonical_bytes(&self) -> Result<Vec<u8>, DeviceSignatureError> {
        let s = &self.signer;
        let fields = [
            ("role", &s.role),
            ("full name", &s.full_name),
            ("position id", &s.position_id),
            ("organisation id", &s.organisation_id),
        ];
        let text_len: usize = fields.iter().map(|(_, v)| 4 + v.len()).sum();
        let mut out = Vec::with_capacity(DOMAIN_TAG.len() + 64 + text_len + 8);
        out.extend_from_slice(DOMAIN_TAG);
        out.extend_from_slice(&self.content_digest);
        out.extend_from_slice(&self.image_sha256);
        for (field, value) in fields {
            let len = value.len();
            let prefix = u32::try_from(len)
                .ok()
                .filter(|_| len <= MAX_FIELD_BYTES)
                .ok_or(DeviceSignatureError::FieldTooLong { field, len, max: MAX_FIELD_BYTES })?;
            out.extend_from_slice(&prefix.to_be_bytes());
            out.extend_from_slice(value.as_bytes());
        }
        out.extend_from_slice(&self.signed_at_ms.to_be_bytes());
        Ok(out)
    }
}

/// A detached Ed25519 signature made by a device key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeviceSignature(pub [u8; 64]);

impl DeviceSignature {
    /// Reads a signature from stored bytes.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, DeviceSignatureError> {
        <[u8; 64]>::try_from(bytes).map(Self).map_err(|_| DeviceSignatureError::SignatureLength { len: bytes.len() })
    }
}

/// A device's Ed25519 public key, as recorded at enrolment; verifies on any node.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DevicePublicKey(pub [u8; 32]);

impl DevicePublicKey {
    /// Reads a public key from stored bytes.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, DeviceSignatureError> {
        <[u8; 32]>::try_from(bytes).map(Self).map_err(|_| DeviceSignatureError::PublicKeyLength { len: bytes.len() })
    }

    /// Checks that `signature` was made by this key over exactly `content`.
    pub fn verify(&self, content: &SignedContent, signature: &DeviceSignature) -> Result<(), DeviceSignatureError> {
        let msg = content.canonical_bytes()?;
        UnparsedPublicKey::new(&ED25519, &self.0).verify(&msg, &signature.0).map_err(|_| DeviceSignatureError::Invalid)
    }
}

/// The device's private signing key. Its `Debug` never shows the secret.
pub struct DeviceKey {
    pair: Ed25519KeyPair,
    pkcs8: Vec<u8>,
}

impl std::fmt::Debug for DeviceKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeviceKey").field("public", &hex::encode(self.pair.public_key())).finish()
    }
}

impl DeviceKey {
    /// Creates a new key from `rng` (in production `ring::rand::SystemRandom`).
    pub fn generate(rng: &dyn SecureRandom) -> Result<Self, DeviceSignatureError> {
        let doc = Ed25519KeyPair::generate_pkcs8(rng).map_err(|_| DeviceSignatureError::KeyGeneration)?;
        Self::from_pkcs8(doc.as_ref())
    }

    /// Loads a key from PKCS#8 v2 bytes, as written by [`DeviceKey::to_pkcs8`].
    pub fn from_pkcs8(pkcs8: &[u8]) -> Result<Self, DeviceSignatureError> {
        let pair = Ed25519KeyPair::from_pkcs8(pkcs8)
            .map_err(|e| DeviceSignatureError::KeyRejected { reason: e.to_string() })?;
        Ok(Self { pair, pkcs8: pkcs8.to_vec() })
    }

    /// The PKCS#8 v2 document to store in the device's secure storage. Secret.
    pub fn to_pkcs8(&self) -> &[u8] {
        &self.pkcs8
    }

    /// The public half, to register with the server at enrolment.
    pub fn public_key(&self) -> DevicePublicKey {
        let mut out = [0u8; 32];
        out.copy_from_slice(self.pair.public_key().as_ref());
        DevicePublicKey(out)
    }

    /// Signs `content`.
    pub fn sign(&self, content: &SignedContent) -> Result<DeviceSignature, DeviceSignatureError> {
        let msg = content.canonical_bytes()?;
        let sig = self.pair.sign(&msg);
        let mut out = [0u8; 64];
        out.copy_from_slice(sig.as_ref());
        Ok(DeviceSignature(out))
    }
}
