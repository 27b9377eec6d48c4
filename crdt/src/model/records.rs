//! The records of a case besides people: requested services, attachments, chip reads,
//! signatures, notes and resolutions. Each is kept in a map under its stable id, so
//! concurrent inserts, edits and deletes on different devices merge by identity, and is
//! stored as one value ([`super::atomic`]): a record is written and replaced whole.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::Person;
use super::atomic::atomic_record;

atomic_record!(RequestedService, Attachment, ChipRead, Signature, Note, Resolution);

/// A service (a code of the catalogue) the applicant asks for.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct RequestedService {
    /// The key of the record in its map (not stored inside the record).
    #[serde(skip)]
    pub id: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub code: String,
}

/// A reference to a content-addressed blob: a scanned document, a chip face image, a
/// signature image. The bytes travel separately (blob upload); the case holds the hash.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Attachment {
    /// The key of the record in its map (not stored inside the record).
    #[serde(skip)]
    pub id: String,
    /// SHA-256 of the stored blob, lowercase hex.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub sha256: String,
    /// A document kind code of the catalogue (`income_declaration`, …).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub kind: String,
    /// Whose document it is: a household member id, or `None` for the applicant.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub member: Option<String>,
    #[serde(skip_serializing_if = "crate::model::atomic::is_default")]
    pub pages: u32,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub mime: String,
    #[serde(skip_serializing_if = "crate::model::atomic::is_default")]
    pub size: u64,
    /// Position id of who captured it.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub captured_by: String,
    /// Unix milliseconds.
    #[serde(skip_serializing_if = "crate::model::atomic::is_default")]
    pub captured_at: i64,
}

/// What an ID card or passport chip gave, and how far it could be verified.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ChipRead {
    /// The key of the record in its map (not stored inside the record).
    #[serde(skip)]
    pub id: String,
    /// The person as the chip states it.
    pub person: Person,
    /// `PACE` or `BAC`.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub access: String,
    /// `passed`, `failed`, `partial` (hashes matched but the chain could not be checked),
    /// or `not_checked`.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub verdict: String,
    /// Human-readable detail of the verdict, level by level.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub verdict_detail: String,
    /// SHA-256 of the face image blob (DG2), if read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub face_image: Option<String>,
    /// Tags the reader did not map, hex-encoded, kept visible (e.g. DG11/DG12 extras).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub extra: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub read_by: String,
    #[serde(skip_serializing_if = "crate::model::atomic::is_default")]
    pub read_at: i64,
}

/// A handwritten signature bound to the case content by the device's key.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Signature {
    /// The key of the record in its map (not stored inside the record).
    #[serde(skip)]
    pub id: String,
    /// `applicant`, `member:<id>` or `staff`.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub signer: String,
    /// The signer's full name as shown when signing.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub signer_name: String,
    /// Position id of the official who took the signature.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub witnessed_by: String,
    /// SHA-256 of the signature image blob.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub image_sha256: String,
    /// Hex [`crate::ContentDigest`] of the application at the moment of signing.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub content_digest: String,
    #[serde(skip_serializing_if = "crate::model::atomic::is_default")]
    pub signed_at: i64,
    /// Ed25519 public key of the device, hex.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub device_key: String,
    /// Ed25519 signature by the device over digest, image and signer, hex.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub device_signature: String,
}

/// Codes for [`Note::kind`].
pub const NOTE_KINDS: &[&str] = &["visit", "assessment", "plan", "monitoring", "note"];

/// A visit or a case-management record (assessment, plan, monitoring).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Note {
    /// The key of the record in its map (not stored inside the record).
    #[serde(skip)]
    pub id: String,
    /// One of [`NOTE_KINDS`].
    #[serde(skip_serializing_if = "String::is_empty")]
    pub kind: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub author: String,
    #[serde(skip_serializing_if = "crate::model::atomic::is_default")]
    pub at: i64,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub text: String,
}

/// An electronic resolution put on the case by a coordinator or official ("резолюція").
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Resolution {
    /// The key of the record in its map (not stored inside the record).
    #[serde(skip)]
    pub id: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub author: String,
    #[serde(skip_serializing_if = "crate::model::atomic::is_default")]
    pub at: i64,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub text: String,
    /// Position id the resolution is addressed to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assignee: Option<String>,
    /// `YYYY-MM-DD`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub due: Option<String>,
}
