//! The files of the emulated chip, built from ICAO Doc 9303 specimen data only (no real
//! person's name or document number).

use super::PaceProfile;
use crate::chip::tlv;

/// The Doc 9303 TD1 specimen (Utopia ID card).
pub const TD1_SPECIMEN_MRZ: &str = "I<UTOD231458907<<<<<<<<<<<<<<<\
                                    7408122F1204159UTO<<<<<<<<<<<6\
                                    ERIKSSON<<ANNA<MARIA<<<<<<<<<<";

/// The TD3 specimen passport as virtual cards commonly use it.
pub const TD3_SPECIMEN_MRZ: &str = "P<UTOERIKSSON<<ANNA<MARIX<<<<<<<<<<<<<<<<<<<\
                                    L898902C<3UTO6908061F9406236ZE184226B<<<<<14";

/// The CAN the emulated TD1 card accepts (the one of Doc 9303 Appendix H).
pub const SPECIMEN_CAN: &str = "123456";

/// DG1: `61 { 5F1F MRZ }`.
pub(super) fn dg1(mrz: &str) -> Vec<u8> {
    let text: String = mrz.chars().filter(|c| !c.is_whitespace()).collect();
    tlv::encode(0x61, &tlv::encode(0x5F1F, text.as_bytes()))
}

/// EF.COM for LDS 1.7, Unicode 4.0.0, listing DG1.
pub(super) fn ef_com() -> Vec<u8> {
    let mut content = tlv::encode(0x5F01, b"0107");
    content.extend(tlv::encode(0x5F36, b"040000"));
    content.extend(tlv::encode(0x5C, &[0x61]));
    tlv::encode(0x60, &content)
}

/// EF.CardAccess with one PACEInfo (version 2, standardized parameter id).
pub(super) fn card_access(profile: PaceProfile) -> Vec<u8> {
    let mut info = tlv::encode(0x06, &profile.oid());
    info.extend(tlv::encode(0x02, &[2]));
    info.extend(tlv::encode(0x02, &[profile.parameter_id()]));
    tlv::encode(0x31, &tlv::encode(0x30, &info))
}

/// A small grey JPEG standing in for the holder's photo (a gradient, no real face).
pub(super) fn face_jpeg() -> Vec<u8> {
    let img = image::GrayImage::from_fn(48, 64, |x, y| image::Luma([u8::try_from((x * 3 + y * 2) % 256).unwrap_or(0)]));
    let mut out = Vec::new();
    let encoder = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 80);
    match img.write_with_encoder(encoder) {
        Ok(()) => out,
        Err(_) => Vec::new(),
    }
}

/// The same gradient as a 48×64 JPEG 2000 (made with Pillow/OpenJPEG).
pub(super) const FACE_JP2: &[u8] = include_bytes!("specimen-face.jp2");

/// DG2 holding [`face_jpeg`], or [`FACE_JP2`].
pub(super) fn dg2(jpeg2000: bool) -> Vec<u8> {
    let image = if jpeg2000 { FACE_JP2.to_vec() } else { face_jpeg() };
    crate::chip::face::encode_dg2(&image, jpeg2000, (48, 64))
}

/// DG11 with Doc 9303 specimen values, plus a tag Doc 9303 does not define.
pub(super) fn dg11() -> Vec<u8> {
    let content = [
        tlv::encode(0x5C, &[0x5F, 0x0E, 0x5F, 0x10, 0x5F, 0x2B, 0x5F, 0x11, 0x5F, 0x42]),
        tlv::encode(0x5F0E, b"ERIKSSON<<ANNA<MARIA"),
        tlv::encode(0x5F10, b"1234567890"),
        tlv::encode(0x5F2B, b"19740812"),
        tlv::encode(0x5F11, b"ZENITH<UTOPIA"),
        tlv::encode(0x5F42, b"123 MAPLE STREET<ZENITH<UTOPIA"),
        tlv::encode(0x5F77, &[0x01, 0x02, 0x03]),
    ];
    tlv::encode(0x6B, &content.concat())
}

/// DG12 with Doc 9303 specimen values.
pub(super) fn dg12() -> Vec<u8> {
    let content = [
        tlv::encode(0x5C, &[0x5F, 0x19, 0x5F, 0x26]),
        tlv::encode(0x5F19, b"UTOPIA MINISTRY OF INTERIOR"),
        tlv::encode(0x5F26, b"20020415"),
    ];
    tlv::encode(0x6C, &content.concat())
}

/// EF.COM listing DG1, DG2, DG11 and DG12.
pub(super) fn ef_com_full() -> Vec<u8> {
    let mut content = tlv::encode(0x5F01, b"0107");
    content.extend(tlv::encode(0x5F36, b"040000"));
    content.extend(tlv::encode(0x5C, &[0x61, 0x75, 0x6B, 0x6C]));
    tlv::encode(0x60, &content)
}
