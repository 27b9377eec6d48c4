//! The device signature covers the case content, the signature image and the signer: any
//! change to one of them, or another device's key, makes verification fail.

use keis_device::signature::{
    DOMAIN_TAG, DeviceKey, DevicePublicKey, DeviceSignature, DeviceSignatureError, Lang, SignedContent, SignerIdentity,
};
use ring::rand::SystemRandom;

const IMAGE: &[u8] = b"\x89PNG pretend signature image bytes";

fn signer() -> SignerIdentity {
    SignerIdentity {
        role: "applicant".into(),
        full_name: "Заявниця Тестова".into(),
        position_id: String::new(),
        organisation_id: "hromada-0042".into(),
    }
}

fn content() -> SignedContent {
    SignedContent::new([0xAB; 32], IMAGE, signer(), 1_760_000_000_123)
}

fn key() -> DeviceKey {
    DeviceKey::generate(&SystemRandom::new()).expect("key")
}

#[test]
fn a_signature_verifies_with_the_devices_public_key() {
    let key = key();
    let sig = key.sign(&content()).expect("sign");
    key.public_key().verify(&content(), &sig).expect("verifies");
}

#[test]
fn changed_content_is_detected() {
    let key = key();
    let sig = key.sign(&content()).expect("sign");
    let mut changed = content();
    changed.content_digest[31] ^= 1;
    let err = key.public_key().verify(&changed, &sig).unwrap_err();
    assert_eq!(err, DeviceSignatureError::Invalid);
    assert!(err.user_message(Lang::Uk).contains("змінено після підписання"));
}

#[test]
fn a_changed_signature_image_is_detected() {
    let key = key();
    let sig = key.sign(&content()).expect("sign");
    let mut other_image = IMAGE.to_vec();
    other_image.push(0);
    let changed = SignedContent::new([0xAB; 32], &other_image, signer(), 1_760_000_000_123);
    assert_eq!(key.public_key().verify(&changed, &sig), Err(DeviceSignatureError::Invalid));
}

#[test]
fn a_changed_signer_or_time_is_detected() {
    let key = key();
    let sig = key.sign(&content()).expect("sign");
    let edits: [fn(&mut SignedContent); 5] = [
        |c| c.signer.role = "starosta".into(),
        |c| c.signer.full_name.push('.'),
        |c| c.signer.position_id = "pos-1".into(),
        |c| c.signer.organisation_id = "hromada-0043".into(),
        |c| c.signed_at_ms += 1,
    ];
    for edit in edits {
        let mut changed = content();
        edit(&mut changed);
        assert_eq!(key.public_key().verify(&changed, &sig), Err(DeviceSignatureError::Invalid));
    }
}

#[test]
fn moving_text_between_signer_fields_changes_the_payload() {
    let mut a = content();
    a.signer.role = "ab".into();
    a.signer.full_name = "c".into();
    let mut b = content();
    b.signer.role = "a".into();
    b.signer.full_name = "bc".into();
    assert_ne!(a.canonical_bytes().expect("a"), b.canonical_bytes().expect("b"));
}

#[test]
fn another_devices_key_does_not_verify() {
    let sig = key().sign(&content()).expect("sign");
    assert_eq!(key().public_key().verify(&content(), &sig), Err(DeviceSignatureError::Invalid));
}

#[test]
fn the_payload_layout_is_canonical() {
    let bytes = content().canonical_bytes().expect("bytes");
    assert!(bytes.starts_with(DOMAIN_TAG));
    let rest = &bytes[DOMAIN_TAG.len()..];
    assert_eq!(&rest[..32], &[0xAB; 32]);
    let image_hash: [u8; 32] =
        sha2::Digest::finalize(sha2::Digest::chain_update(sha2::Sha256::default(), IMAGE)).into();
    assert_eq!(&rest[32..64], &image_hash);
    assert_eq!(&rest[64..68], &9u32.to_be_bytes());
    assert_eq!(&rest[68..77], b"applicant");
    assert_eq!(&bytes[bytes.len() - 8..], &1_760_000_000_123i64.to_be_bytes());
    let expected_len = DOMAIN_TAG.len() + 64 + (4 + 9) + (4 + "Заявниця Тестова".len()) + 4 + (4 + 12) + 8;
    assert_eq!(bytes.len(), expected_len);
}

#[test]
fn a_key_survives_pkcs8_export_and_import() {
    let key = key();
    let again = DeviceKey::from_pkcs8(key.to_pkcs8()).expect("import");
    assert_eq!(again.public_key(), key.public_key());
    let sig = again.sign(&content()).expect("sign");
    // Ed25519 is deterministic: the same key signs the same payload identically.
    assert_eq!(sig, key.sign(&content()).expect("sign"));
    key.public_key().verify(&content(), &sig).expect("verifies");
}

#[test]
fn garbage_key_bytes_are_refused() {
    let err = DeviceKey::from_pkcs8(b"not a key").unwrap_err();
    assert!(matches!(err, DeviceSignatureError::KeyRejected { .. }), "{err:?}");
    assert!(err.to_string().contains("re-enrol"));
}

#[test]
fn stored_keys_and_signatures_of_the_wrong_length_are_refused() {
    assert_eq!(DevicePublicKey::from_bytes(&[0; 31]), Err(DeviceSignatureError::PublicKeyLength { len: 31 }));
    assert_eq!(DeviceSignature::from_bytes(&[0; 65]), Err(DeviceSignatureError::SignatureLength { len: 65 }));
    let key = key();
    let pk = DevicePublicKey::from_bytes(&key.public_key().0).expect("32 bytes");
    let sig = DeviceSignature::from_bytes(&key.sign(&content()).expect("sign").0).expect("64 bytes");
    pk.verify(&content(), &sig).expect("verifies");
}

#[test]
fn an_overlong_signer_field_is_refused() {
    let mut c = content();
    c.signer.full_name = "я".repeat(600);
    let err = key().sign(&c).unwrap_err();
    assert!(matches!(err, DeviceSignatureError::FieldTooLong { field: "full name", len: 1200, .. }), "{err:?}");
}

#[test]
fn debug_output_does_not_show_the_secret() {
    let key = key();
    let shown = format!("{key:?}");
    assert!(shown.contains(&hex::encode(key.public_key().0)));
    assert!(!shown.contains(&hex::encode(&key.to_pkcs8()[16..48])));
}
