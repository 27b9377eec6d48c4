//! The data groups beyond the MRZ, read end to end from the emulated chip: the face image
//! (DG2, also over 32 KiB with odd-INS READ BINARY), DG11/DG12 with every tag kept, the
//! UNZR from the MRZ, and answers chained with GET RESPONSE (61xx).

use keis_device::chip::emulator::{EmulatedChip, SPECIMEN_CAN, SeededRandom, TestKeyKind, TestPki};
use keis_device::chip::face::encode_dg2;
use keis_device::chip::mrz::check_digit;
use keis_device::chip::{
    AccessKey, Can, ChipDocument, FaceFormat, FieldValue, MrzKey, read_document_trusting, read_document_with,
};

fn can() -> AccessKey {
    Can::new(SPECIMEN_CAN).expect("valid CAN").into()
}

fn read(chip: impl keis_device::chip::Transport, key: &AccessKey) -> ChipDocument {
    read_document_with(chip, key, &mut SeededRandom::new(3)).expect("read")
}

#[test]
fn the_id_card_gives_its_face_and_additional_details() {
    let doc = read(EmulatedChip::td1_specimen(), &can());
    let face = doc.face.as_ref().expect("DG2 face");
    assert_eq!((face.format, face.declared_size), (FaceFormat::Jpeg, Some((48, 64))));
    let img = face.decode().expect("JPEG decodes");
    assert_eq!((img.width(), img.height()), (48, 64));

    let personal = doc.personal_details.as_ref().expect("DG11");
    assert_eq!(personal.text(0x5F0E), Some("ERIKSSON<<ANNA<MARIA"));
    assert_eq!(personal.text(0x5F2B), Some("19740812"));
    assert_eq!(doc.personal_number(), Some("1234567890"));
    let unknown = personal.fields.iter().find(|f| f.tag == 0x5F77).expect("unknown tag kept");
    assert_eq!((unknown.name, &unknown.value), (None, &FieldValue::Raw(vec![1, 2, 3])));
    let document = doc.document_details.as_ref().expect("DG12");
    assert_eq!(document.text(0x5F19), Some("UTOPIA MINISTRY OF INTERIOR"));
    assert_eq!(document.fields.iter().find(|f| f.tag == 0x5F26).and_then(|f| f.name), Some("date of issue"));
    assert_eq!(doc.data_groups.keys().copied().collect::<Vec<_>>(), [1, 2, 11, 12]);
    let debug = format!("{doc:?}");
    assert!(!debug.contains("1234567890") && !debug.contains("ERIKSSON"), "Debug must not show personal data");
}

#[test]
fn absent_data_groups_are_not_errors() {
    let chip = EmulatedChip::new(keis_device::chip::emulator::TD3_SPECIMEN_MRZ).expect("specimen");
    let doc = read(chip, &MrzKey::new("L898902C", "690806", "940623").expect("valid").into());
    assert!(doc.face.is_none() && doc.personal_details.is_none() && doc.document_details.is_none());
    assert_eq!(doc.personal_number(), None);
    assert_eq!(doc.data_groups.keys().copied().collect::<Vec<_>>(), [1]);
}

fn cd(field: &str) -> char {
    char::from(b'0' + check_digit(field).expect("valid field"))
}

#[test]
fn the_unzr_comes_from_td1_optional_data_of_its_shape() {
    let (number, optional) = ("AB0123456", "19740812<00016<");
    let line1 = format!("IDUTO{number}{}{optional}", cd(number));
    let (birth, expiry) = ("740812", "320415");
    let upper = format!("{birth}{}F{expiry}{}UTO<<<<<<<<<<<", cd(birth), cd(expiry));
    let composite = format!("{}{}{}{}", &line1[5..30], &upper[0..7], &upper[8..15], &upper[18..29]);
    let mrz = format!("{line1}{upper}{}ERIKSSON<<ANNA<MARIA<<<<<<<<<<", cd(&composite));
    let chip = EmulatedChip::new(&mrz).expect("valid MRZ").with_specimen_details();
    let doc = read(chip, &MrzKey::new(number, birth, expiry).expect("valid").into());
    assert_eq!(doc.unzr().as_deref(), Some("19740812-00016"));
    assert_eq!(doc.personal_number(), Some("1234567890"), "both identifiers stay visible");
    assert_eq!(read(EmulatedChip::td1_specimen(), &can()).unzr(), None);
}

/// A 40 KiB JPEG of noise (no face).
fn large_jpeg() -> Vec<u8> {
    let mut state: u32 = 0x1234_5678;
    let img = image::GrayImage::from_fn(320, 320, |_, _| {
        state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        image::Luma([(state >> 24) as u8])
    });
    let mut out = Vec::new();
    img.write_with_encoder(image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 95)).expect("encodes");
    out
}

#[test]
fn a_face_over_32_kib_is_read_with_odd_ins_on_short_and_extended_links() {
    let jpeg = large_jpeg();
    assert!(jpeg.len() > 0x8000 + 1000, "the image must cross the 32 KiB boundary ({} bytes)", jpeg.len());
    let pki = TestPki::generate(TestKeyKind::EcdsaP256).expect("test PKI");
    for extended in [false, true] {
        let chip = EmulatedChip::td1_specimen()
            .with_file(0x0102, encode_dg2(&jpeg, false, (320, 320)))
            .with_security_object(&pki)
            .expect("signs")
            .with_extended_length(extended);
        let doc = read_document_trusting(chip, &can(), &mut SeededRandom::new(9), &pki.csca_store()).expect("read");
        assert_eq!(doc.face.as_ref().map(|f| f.bytes.as_slice()), Some(jpeg.as_slice()));
        assert!(doc.passive_auth.is_authentic(), "the large DG2 is read byte-exact: {:?}", doc.passive_auth);
    }
}

#[test]
fn answers_chained_with_61xx_are_joined_with_get_response() {
    let plain = read(EmulatedChip::td1_specimen(), &can());
    for piece in [1, 17, 100] {
        let chained = read(EmulatedChip::td1_specimen().with_response_chaining(piece), &can());
        assert_eq!(chained, plain, "pieces of {piece} bytes");
    }
}

#[test]
fn the_passport_face_is_jpeg_2000_and_decodes() {
    let key: AccessKey = MrzKey::new("L898902C", "690806", "940623").expect("valid").into();
    let doc = read(EmulatedChip::td3_specimen(), &key);
    let face = doc.face.as_ref().expect("DG2 face");
    assert_eq!(face.format, FaceFormat::Jpeg2000);
    let img = face.decode().expect("JPEG 2000 decodes in pure Rust");
    assert_eq!((img.width(), img.height()), (48, 64));
    // The same gradient as the JPEG specimen, within compression error.
    let luma = img.to_luma8();
    let px = |x: u32, y: u32| i32::from(luma.get_pixel(x, y).0[0]);
    assert!((px(10, 10) - 50).abs() < 12 && (px(40, 5) - 130).abs() < 12, "{} {}", px(10, 10), px(40, 5));
}
