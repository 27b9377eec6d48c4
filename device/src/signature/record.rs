//! The applicant's signature as a case records it: the device's signature over the case's
//! content digest, the image's hash, the signer and the time, with what a verifier needs
//! to check it (`keis_crdt::Signature`).

use keis_crdt::{CaseDoc, Signature};
use sha2::{Digest, Sha256};

use super::{DeviceKey, DeviceSignatureError, SignedContent, SignerIdentity};

/// The applicant's signature record for the case as it is now: `png` is the signature
/// image, `witness` the position at the table, `at` the time. The caller adds it to the
/// case (`case.signatures.add`) with a fresh record id.
pub fn applicant_record(
    doc: &CaseDoc,
    png: &[u8],
    key: &DeviceKey,
    witness: &str,
    at: i64,
) -> Result<Signature, DeviceSignatureError> {
    let digest = doc.content_digest();
    let name = doc.case().applicant.full_name();
    let signer = SignerIdentity {
        role: "applicant".into(),
        full_name: name.clone(),
        position_id: witness.into(),
        organisation_id: doc.case().hromada.clone(),
    };
    let device_signature = key.sign(&SignedContent::new(digest.0, png, signer, at))?;
    Ok(Signature {
        id: String::new(),
        signer: "applicant".into(),
        signer_name: name,
        witnessed_by: witness.into(),
        image_sha256: hex::encode(Sha256::digest(png)),
        content_digest: digest.to_hex(),
        signed_at: at,
        device_key: hex::encode(key.public_key().0),
        device_signature: hex::encode(device_signature.0),
    })
}
