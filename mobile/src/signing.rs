//! The applicant's signature as the device records it: the strokes of the signing pad
//! rendered to a 1-bit PNG (the caller stores it as a blob, so it syncs with the case),
//! and the device's Ed25519 signature over the case's content digest, the image's hash,
//! the signer and the time (`keis_device::signature`). The device signature is also what
//! the receipt's status-lookup code is derived from (`keis_crdt::lookup`). Pure: the key,
//! the time and the strokes come in as arguments.

use keis_crdt::{CaseDoc, Signature};
use keis_device::signature::{
    Canvas, CaptureError, DEFAULT_RENDER_WIDTH, DeviceKey, HandwrittenSignature, Lang, Point, Stroke as PadStroke,
    applicant_record, render_png,
};

use crate::views::wizard::Stroke;

/// The signing pad's size in its own coordinates (the wizard's pad is 600 × 200).
pub const PAD: Canvas = Canvas { width: 600.0, height: 200.0 };

/// Milliseconds between two points of a stroke: the pad records positions, not times.
const POINT_MS: u32 = 10;

/// Why the signature could not be taken; each says what to do, in Ukrainian and English.
#[derive(Debug, thiserror::Error)]
pub enum SigningError {
    /// The strokes are not a signature (a tap, a dot, too small), or cannot be drawn.
    #[error("{uk} / {en}")]
    Capture { uk: &'static str, en: &'static str },
    /// The device key did not sign (a field too long, a broken key).
    #[error(
        "Ключ пристрою не зміг підписати заяву; зареєструйте пристрій знову / The device key could not sign the application; enrol the device again"
    )]
    Key,
}

/// The pad's strokes as a handwritten signature, if they are one (not a tap, a dot or a
/// scribble too small to be a signature).
pub fn check_pad(strokes: &[Stroke]) -> Result<HandwrittenSignature, SigningError> {
    let strokes = strokes
        .iter()
        .map(|s| PadStroke {
            points: (0u32..).zip(s).map(|(i, &(x, y))| Point::new(x, y, i.saturating_mul(POINT_MS))).collect(),
        })
        .collect();
    HandwrittenSignature::new(PAD, strokes).map_err(capture)
}

/// Renders the pad's strokes as a 1-bit PNG, after checking that they are a signature.
pub fn render_pad(strokes: &[Stroke]) -> Result<Vec<u8>, SigningError> {
    Ok(render_png(&check_pad(strokes)?, DEFAULT_RENDER_WIDTH).map_err(capture)?.png)
}

fn capture(e: CaptureError) -> SigningError {
    SigningError::Capture { uk: e.user_message(Lang::Uk), en: e.user_message(Lang::En) }
}

/// The applicant's signature record for the case as it is now: `png` is the signature
/// image, `witness` the position at the table, `at` the time. The caller adds it to the
/// case (`case.signatures.add`) with a fresh record id.
pub fn applicant_signature(
    doc: &CaseDoc,
    png: &[u8],
    key: &DeviceKey,
    witness: &str,
    at: i64,
) -> Result<Signature, SigningError> {
    applicant_record(doc, png, key, witness, at).map_err(|_| SigningError::Key)
}

#[cfg(test)]
pub(crate) mod tests {
    use automerge::ActorId;
    use keis_crdt::demo;
    use keis_device::signature::{DevicePublicKey, DeviceSignature};

    use super::*;

    /// A wavy line across most of the pad, as a finger would draw it.
    pub(crate) fn pad_strokes() -> Vec<Stroke> {
        vec![(0..60).map(|i| (40.0 + i as f32 * 8.0, 100.0 + ((i as f32) / 3.0).sin() * 40.0)).collect()]
    }

    #[test]
    fn a_pad_signature_renders_and_a_tap_is_refused() {
        let png = render_pad(&pad_strokes()).expect("render");
        assert!(png.starts_with(b"\x89PNG"));
        assert_eq!(render_pad(&pad_strokes()).expect("again"), png, "deterministic");
        let tap = vec![vec![(10.0, 10.0), (11.0, 10.0)]];
        assert!(matches!(render_pad(&tap), Err(SigningError::Capture { .. })));
    }

    #[test]
    fn the_device_signature_verifies_for_the_case_content() {
        use keis_device::signature::{SignedContent, SignerIdentity};
        use sha2::{Digest, Sha256};
        let key = DeviceKey::generate(&ring::rand::SystemRandom::new()).expect("key");
        let doc = demo::application(ActorId::from(b"tablet".as_slice()), 2, 1_763_900_000_000).expect("demo");
        let png = render_pad(&pad_strokes()).expect("render");
        let sig = applicant_signature(&doc, &png, &key, "starosta-1", 1_763_900_000_500).expect("sign");
        let public = DevicePublicKey::from_bytes(&hex::decode(&sig.device_key).expect("hex")).expect("key");
        let signature = DeviceSignature::from_bytes(&hex::decode(&sig.device_signature).expect("hex")).expect("sig");
        let signer = SignerIdentity {
            role: "applicant".into(),
            full_name: sig.signer_name.clone(),
            position_id: "starosta-1".into(),
            organisation_id: doc.case().hromada.clone(),
        };
        let content = SignedContent::new(doc.content_digest().0, &png, signer, sig.signed_at);
        assert!(public.verify(&content, &signature).is_ok());
        let other = SignedContent { image_sha256: [0; 32], ..content };
        assert!(public.verify(&other, &signature).is_err(), "bound to the image");
        assert_eq!(sig.image_sha256, hex::encode(Sha256::digest(&png)));
    }
}
