//! Passive authentication on the emulated chip, level by level: a chip signed by a test
//! CSCA → Document Signer chain passes; altered data, a foreign CSCA, a broken signature
//! or a corrupt EF.SOD each fail at their own level with a typed error, never a panic.

use keis_device::chip::emulator::{EmulatedChip, SPECIMEN_CAN, SeededRandom, TestKeyKind, TestPki};
use keis_device::chip::pki::{CmsError, SecurityObject, SignatureError};
use keis_device::chip::{
    AccessKey, Can, ChipDocument, CscaStore, MrzKey, PassiveAuthError, Verdict, read_document_trusting,
    read_document_with,
};

const EF_SOD: u16 = 0x011D;
const DG1: u16 = 0x0101;

fn can() -> AccessKey {
    Can::new(SPECIMEN_CAN).expect("valid CAN").into()
}

fn passport_key() -> AccessKey {
    MrzKey::new("L898902C", "690806", "940623").expect("valid key").into()
}

fn read(chip: EmulatedChip, key: &AccessKey, trust: &CscaStore) -> ChipDocument {
    read_document_trusting(chip, key, &mut SeededRandom::new(5), trust).expect("read")
}

fn pki(kind: TestKeyKind) -> TestPki {
    TestPki::generate(kind).expect("test PKI")
}

fn failed(verdict: &Verdict) -> &PassiveAuthError {
    match verdict {
        Verdict::Failed(e) => e,
        other => panic!("expected a failure, got {other:?}"),
    }
}

#[test]
fn a_genuine_chip_passes_every_level_with_each_signature_scheme() {
    for kind in [TestKeyKind::EcdsaP256, TestKeyKind::RsaPkcs1, TestKeyKind::RsaPss] {
        let pki = pki(kind);
        let chips = [
            (EmulatedChip::td1_specimen().with_security_object(&pki).expect("signs"), can()),
            (EmulatedChip::td3_specimen().with_security_object(&pki).expect("signs"), passport_key()),
        ];
        for (chip, key) in chips {
            let report = read(chip, &key, &pki.csca_store()).passive_auth;
            assert!(report.is_authentic(), "{kind:?}: {report:?}");
            assert_eq!(report.verified_groups, [1, 2, 11, 12]);
            assert!(report.unread_groups.is_empty());
            assert!(report.document_signer.as_deref().is_some_and(|s| s.contains("Test Document Signer")));
            assert!(report.csca.as_deref().is_some_and(|s| s.contains("C=UT")));
        }
    }
}

#[test]
fn altered_data_fails_the_hash_level_only() {
    let pki = pki(TestKeyKind::EcdsaP256);
    let genuine = EmulatedChip::td3_specimen().with_security_object(&pki).expect("signs");
    // Another valid MRZ (another birth date, check digits right) put in place of DG1.
    let forged_mrz = "P<UTOERIKSSON<<ANNA<MARIX<<<<<<<<<<<<<<<<<<<L898902C<3UTO7408122F9406236ZE184226B<<<<<18";
    let forged_dg1 = [&[0x61, 0x5B, 0x5F, 0x1F, 0x58][..], forged_mrz.as_bytes()].concat();
    let chip = genuine.with_file(DG1, forged_dg1);
    // The chip still opens with the genuine MRZ key; the altered DG1 says otherwise.
    let doc = read(chip, &passport_key(), &pki.csca_store());
    assert_eq!(doc.mrz.date_of_birth, "740812");
    let report = doc.passive_auth;
    assert_eq!(failed(&report.data_group_hashes), &PassiveAuthError::HashMismatch { groups: vec![1] });
    assert_eq!((&report.sod_signature, &report.certificate_chain), (&Verdict::Passed, &Verdict::Passed));
    assert!(!report.is_authentic());
}

#[test]
fn a_document_signer_from_an_unknown_csca_fails_the_chain_level() {
    let (signing, other) = (pki(TestKeyKind::EcdsaP256), pki(TestKeyKind::EcdsaP256));
    let chip = EmulatedChip::td1_specimen().with_security_object(&signing).expect("signs");
    let report = read(chip, &can(), &other.csca_store()).passive_auth;
    assert_eq!((&report.data_group_hashes, &report.sod_signature), (&Verdict::Passed, &Verdict::Passed));
    assert_eq!(failed(&report.certificate_chain), &PassiveAuthError::UntrustedSigner);
    // Nor does an empty store or the real Ukrainian CSCAs vouch for the test signer.
    for store in [CscaStore::new(), CscaStore::bundled()] {
        let chip = EmulatedChip::td1_specimen().with_security_object(&signing).expect("signs");
        assert!(!read(chip, &can(), &store).passive_auth.certificate_chain.passed());
    }
}

#[test]
fn a_broken_sod_signature_fails_the_signature_level() {
    let pki = pki(TestKeyKind::RsaPkcs1);
    let chip = EmulatedChip::td3_specimen().with_security_object(&pki).expect("signs");
    let doc = read(chip, &passport_key(), &pki.csca_store());
    let mut sod = doc.sod_bytes.clone().expect("EF.SOD read");
    // The signature is the last element of EF.SOD: flip its last byte.
    if let Some(last) = sod.last_mut() {
        *last ^= 0x01;
    }
    let report = doc.verify_with_sod(&sod, &pki.csca_store());
    assert_eq!(report.data_group_hashes, Verdict::Passed);
    assert_eq!(
        failed(&report.sod_signature),
        &PassiveAuthError::SodSignature(CmsError::Signature(SignatureError::Invalid))
    );
}

#[test]
fn a_corrupt_or_missing_sod_is_a_typed_verdict_never_a_panic() {
    let pki = pki(TestKeyKind::EcdsaP256);
    let chip = EmulatedChip::td1_specimen().with_file(EF_SOD, vec![0x77, 0x03, 0x30, 0x01, 0x02]);
    let report = read(chip, &can(), &pki.csca_store()).passive_auth;
    assert!(matches!(failed(&report.data_group_hashes), PassiveAuthError::MalformedSecurityObject(_)));
    assert_eq!((&report.sod_signature, &report.certificate_chain), (&Verdict::NotChecked, &Verdict::NotChecked));

    let plain = read_document_with(EmulatedChip::td1_specimen(), &can(), &mut SeededRandom::new(1)).expect("read");
    assert_eq!(failed(&plain.passive_auth.data_group_hashes), &PassiveAuthError::NoSecurityObject);

    let signed =
        read(EmulatedChip::td1_specimen().with_security_object(&pki).expect("signs"), &can(), &pki.csca_store());
    let sod = signed.sod_bytes.clone().expect("EF.SOD read");
    assert!(SecurityObject::parse(&sod).is_ok());
    for cut in 0..sod.len() {
        let report = signed.verify_with_sod(sod.get(..cut).unwrap_or_default(), &pki.csca_store());
        assert!(!report.is_authentic(), "a truncated EF.SOD ({cut} bytes) must not pass");
    }
    for at in (0..sod.len()).step_by(7) {
        let mut damaged = sod.clone();
        if let Some(b) = damaged.get_mut(at) {
            *b ^= 0xA5;
        }
        let _ = SecurityObject::parse(&damaged);
        let _ = signed.verify_with_sod(&damaged, &pki.csca_store());
    }
}

#[test]
fn the_one_embedded_certificate_signs_even_when_the_signer_id_differs() {
    // Ukrainian documents name the signer differently from the embedded certificate.
    let pki = pki(TestKeyKind::EcdsaP256);
    let chip = EmulatedChip::td1_specimen().with_security_object(&pki).expect("signs");
    let doc = read(chip, &can(), &pki.csca_store());
    let mut sod = doc.sod_bytes.clone().expect("EF.SOD read");
    let sid: &[u8] = b"Test CSCA Utopia\x02\x01\x02";
    let at = sod.windows(sid.len()).rposition(|w| w == sid).expect("signer id in EF.SOD") + sid.len() - 1;
    if let Some(serial) = sod.get_mut(at) {
        *serial = 0x09;
    }
    let report = doc.verify_with_sod(&sod, &pki.csca_store());
    assert!(report.is_authentic(), "{report:?}");
}
