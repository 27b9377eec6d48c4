//! `keis-tests`: end-to-end scenarios across crates and processes. The scenarios live in
//! `tests/`; this library holds what they share.

use keis_crdt::{CaseDoc, RecordMap, Signature};
use keis_device::signature::{
    Canvas, DeviceKey, DevicePublicKey, DeviceSignature, HandwrittenSignature, Point, SignedContent, SignerIdentity,
    Stroke, applicant_record, render_png,
};

/// A handwritten signature as a finger would draw it on the tablet's pad.
pub fn pad_signature() -> HandwrittenSignature {
    let stroke = Stroke {
        points: (0..60u32)
            .map(|i| Point::new(40.0 + i as f32 * 8.0, 120.0 + (i as f32 * 0.4).sin() * 45.0, i * 15))
            .collect(),
    };
    HandwrittenSignature::new(Canvas { width: 600.0, height: 240.0 }, vec![stroke]).expect("a real signature")
}

/// Takes the applicant's signature on `doc` as the kit does: renders the strokes, signs the
/// case's content digest with the device key, and records it in the case. Returns the PNG
/// the blob store would keep.
pub fn take_applicant_signature(doc: &mut CaseDoc, key: &DeviceKey, witness: &str, at: i64) -> Vec<u8> {
    let image = render_png(&pad_signature(), 600).expect("render");
    let record = applicant_record(doc, &image.png, key, witness, at).expect("sign");
    doc.edit(at, |case, ids| case.signatures.add(Signature { id: ids.next_id(), ..record })).expect("record");
    image.png
}

/// Checks a recorded signature against the case: whether the device signature verifies
/// for the digest it names, and whether that digest is still the case's content.
pub fn verify_recorded(doc: &CaseDoc, sig: &Signature, image_png: &[u8], organisation: &str) -> (bool, bool) {
    let digest = hex::decode(&sig.content_digest).ok().and_then(|d| <[u8; 32]>::try_from(d).ok());
    let key = hex::decode(&sig.device_key).ok().and_then(|k| DevicePublicKey::from_bytes(&k).ok());
    let device_sig = hex::decode(&sig.device_signature).ok().and_then(|s| DeviceSignature::from_bytes(&s).ok());
    let verified = match (digest, key, device_sig) {
        (Some(digest), Some(key), Some(device_sig)) => {
            let signer = SignerIdentity {
                role: sig.signer.clone(),
                full_name: sig.signer_name.clone(),
                position_id: sig.witnessed_by.clone(),
                organisation_id: organisation.into(),
            };
            key.verify(&SignedContent::new(digest, image_png, signer, sig.signed_at), &device_sig).is_ok()
        }
        _ => false,
    };
    let current = sig.content_digest == doc.content_digest().to_hex();
    (verified, current)
}

pub mod queue_bench;
pub mod sync_bench;
