//! Reading the emulated ICAO specimen documents end to end, as the app will read a card:
//! EF.CardAccess, PACE or BAC, then EF.COM and DG1.

use keis_device::chip::emulator::{EmulatedChip, FaultyTransport, PaceProfile, SPECIMEN_CAN, SeededRandom};
use keis_device::chip::{
    AccessKey, AccessProtocol, Can, ChipDocument, ChipError, CipherKind, Curve, MrzError, MrzField, MrzFormat, MrzKey,
    read_document, read_document_with,
};

fn id_card_mrz_key() -> AccessKey {
    MrzKey::new("D23145890", "740812", "120415").expect("valid key").into()
}

fn passport_key() -> AccessKey {
    MrzKey::new("L898902C", "690806", "940623").expect("valid key").into()
}

fn can(can: &str) -> AccessKey {
    Can::new(can).expect("valid CAN").into()
}

fn read(chip: impl keis_device::chip::Transport, key: &AccessKey) -> Result<ChipDocument, ChipError> {
    read_document_with(chip, key, &mut SeededRandom::new(7))
}

fn assert_id_card(doc: &ChipDocument) {
    assert_eq!(doc.mrz.format, MrzFormat::Td1);
    assert_eq!(doc.mrz.document_number, "D23145890");
    assert_eq!(doc.mrz.primary_identifier, "ERIKSSON");
    assert_eq!(doc.mrz.secondary_identifier, "ANNA MARIA");
    assert_eq!(doc.mrz.date_of_birth, "740812");
    assert_eq!(doc.dg1_bytes.len(), 95);
    assert!(!format!("{doc:?}").contains("ERIKSSON"), "Debug must not show personal data");
    let com = doc.com.as_ref().expect("EF.COM present");
    assert_eq!(com.lds_version, "0107");
    assert!(com.data_groups.contains(&1));
    for n in &com.data_groups {
        assert!(doc.data_groups.contains_key(n), "DG{n} listed in EF.COM is read");
    }
}

#[test]
fn id_card_opens_with_the_can_over_pace() {
    let doc = read(EmulatedChip::td1_specimen(), &can(SPECIMEN_CAN)).expect("read");
    assert_eq!(doc.access, AccessProtocol::Pace);
    assert_id_card(&doc);
}

#[test]
fn id_card_opens_with_the_mrz_over_pace() {
    let doc = read(EmulatedChip::td1_specimen(), &id_card_mrz_key()).expect("read");
    assert_eq!(doc.access, AccessProtocol::Pace);
    assert_id_card(&doc);
}

#[test]
fn id_card_reads_with_the_operating_system_randomness() {
    let doc = read_document(EmulatedChip::td1_specimen(), &can(SPECIMEN_CAN)).expect("read");
    assert_id_card(&doc);
}

#[test]
fn passport_opens_with_the_mrz_over_bac() {
    let doc = read(EmulatedChip::td3_specimen(), &passport_key()).expect("read");
    assert_eq!(doc.access, AccessProtocol::Bac);
    assert_eq!(doc.mrz.format, MrzFormat::Td3);
    assert_eq!(doc.mrz.document_number, "L898902C");
    assert_eq!(doc.mrz.secondary_identifier, "ANNA MARIX");
    assert_eq!(doc.mrz.optional_data, "ZE184226B");
}

#[test]
fn every_supported_pace_variant_reads_the_card() {
    let variants = [
        (CipherKind::Aes128, Curve::P256),
        (CipherKind::Aes192, Curve::BrainpoolP256r1),
        (CipherKind::Aes256, Curve::P256),
        (CipherKind::Tdes, Curve::BrainpoolP256r1),
    ];
    for (cipher, curve) in variants {
        let chip = EmulatedChip::new(keis_device::chip::emulator::TD1_SPECIMEN_MRZ)
            .expect("specimen")
            .with_pace(PaceProfile { cipher, curve })
            .with_can(SPECIMEN_CAN)
            .without_bac();
        let doc = read(chip, &can(SPECIMEN_CAN)).unwrap_or_else(|e| panic!("{cipher:?} {curve:?}: {e}"));
        assert_eq!(doc.access, AccessProtocol::Pace);
        assert_id_card(&doc);
    }
}

#[test]
fn a_wrong_mrz_is_refused_as_access_denied() {
    let wrong = MrzKey::new("L898902C", "690806", "940624").expect("well-formed").into();
    let err = read(EmulatedChip::td3_specimen(), &wrong).expect_err("wrong key");
    assert!(matches!(err, ChipError::AccessDenied), "{err:?}");
    assert!(err.to_string().contains("check the MRZ or CAN"));

    let wrong = MrzKey::new("D23145891", "740812", "120415").expect("well-formed").into();
    let err = read(EmulatedChip::td1_specimen(), &wrong).expect_err("wrong key");
    assert!(matches!(err, ChipError::AccessDenied), "{err:?}");
}

#[test]
fn a_wrong_can_is_refused_as_access_denied() {
    let err = read(EmulatedChip::td1_specimen(), &can("654321")).expect_err("wrong CAN");
    assert!(matches!(err, ChipError::AccessDenied), "{err:?}");
}

#[test]
fn a_can_on_a_bac_only_passport_asks_for_the_mrz() {
    let err = read(EmulatedChip::td3_specimen(), &can("123456")).expect_err("no PACE");
    assert!(matches!(err, ChipError::CanNeedsPace), "{err:?}");
}

#[test]
fn a_chip_that_limits_read_length_is_read_in_smaller_chunks() {
    for max in [1, 16, 100] {
        let chip = EmulatedChip::td1_specimen().with_max_read(max);
        let doc = read(chip, &can(SPECIMEN_CAN)).unwrap_or_else(|e| panic!("max {max}: {e}"));
        assert_id_card(&doc);
    }
}

/// EF.COM carrying an extra 1000-byte object, so that it takes several short reads.
fn large_ef_com() -> Vec<u8> {
    let mut content = hex::decode("5F0104303130375F3606303430303030").expect("hex");
    content.extend_from_slice(&[0x5C, 0x01, 0x61, 0x53, 0x82, 0x03, 0xE8]);
    content.extend(std::iter::repeat_n(0xA5, 1000));
    let mut out = vec![0x60, 0x82];
    out.extend_from_slice(&(content.len() as u16).to_be_bytes());
    out.extend(content);
    out
}

#[test]
fn an_extended_length_reader_reads_large_files_in_fewer_exchanges() {
    let mut counts = Vec::new();
    for extended in [false, true] {
        let chip = EmulatedChip::td3_specimen()
            .with_file(0x011E, large_ef_com())
            .with_extended_length(extended)
            .with_max_read(4096);
        let mut transport = FaultyTransport::new(chip);
        let doc = read(&mut transport, &passport_key()).expect("read");
        assert_eq!(doc.com.expect("EF.COM").data_groups, [1]);
        counts.push(transport.exchanges());
    }
    // 1 035 bytes: 4 + 5 short reads of 223 bytes, or 4 + one extended read.
    assert_eq!(counts[0] - counts[1], 4, "{counts:?}");
}

fn dg1(mrz: &str) -> Vec<u8> {
    let mut inner = vec![0x5F, 0x1F, mrz.len() as u8];
    inner.extend_from_slice(mrz.as_bytes());
    let mut out = vec![0x61, inner.len() as u8];
    out.extend(inner);
    out
}

#[test]
fn a_dg1_with_a_wrong_check_digit_names_the_field() {
    // The specimen with the birth-date check digit changed from 2 to 3.
    let mrz = "I<UTOD231458907<<<<<<<<<<<<<<<7408123F1204159UTO<<<<<<<<<<<6ERIKSSON<<ANNA<MARIA<<<<<<<<<<";
    let chip = EmulatedChip::td1_specimen().with_file(0x0101, dg1(mrz));
    let err = read(chip, &can(SPECIMEN_CAN)).expect_err("bad check digit");
    assert!(matches!(err, ChipError::Mrz(MrzError::CheckDigit { field: MrzField::DateOfBirth })), "{err:?}");
    assert!(err.to_string().contains("date of birth"));
}

#[test]
fn a_chip_without_ef_com_still_yields_the_mrz() {
    let chip = EmulatedChip::td3_specimen().without_file(0x011E);
    let doc = read(chip, &passport_key()).expect("read");
    assert_eq!(doc.com, None);
    assert_eq!(doc.mrz.document_number, "L898902C");
}

#[test]
fn a_malformed_ef_com_is_a_typed_error() {
    let chip = EmulatedChip::td3_specimen().with_file(0x011E, vec![0x60, 0x00]);
    let err = read(chip, &passport_key()).expect_err("EF.COM without content");
    assert!(matches!(err, ChipError::Tlv { what: "EF.COM", .. }), "{err:?}");
}

#[test]
fn a_chip_without_dg1_says_so() {
    let chip = EmulatedChip::td3_specimen().without_file(0x0101);
    let err = read(chip, &passport_key()).expect_err("no DG1");
    assert!(matches!(err, ChipError::FileNotFound { .. }), "{err:?}");
}

/// EF.CardAccess offering only PACE integrated mapping, which Keis does not implement.
fn integrated_mapping_card_access() -> Vec<u8> {
    hex::decode("3111300F060A04007F00070202040402020102").expect("hex")
}

#[test]
fn an_unsupported_pace_variant_falls_back_to_bac_with_the_mrz() {
    let chip = EmulatedChip::td1_specimen().with_file(0x011C, integrated_mapping_card_access());
    let doc = read(chip, &id_card_mrz_key()).expect("read over BAC");
    assert_eq!(doc.access, AccessProtocol::Bac);
    assert_id_card(&doc);
}

#[test]
fn an_unsupported_pace_variant_with_the_can_is_reported() {
    let chip = EmulatedChip::td1_specimen().with_file(0x011C, integrated_mapping_card_access());
    let err = read(chip, &can(SPECIMEN_CAN)).expect_err("no usable PACE");
    assert!(matches!(err, ChipError::Unsupported { .. }), "{err:?}");
}
