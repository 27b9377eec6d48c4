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
