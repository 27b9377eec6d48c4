//! EF.CardAccess (Doc 9303 Part 11 §9.2): the DER `SET OF SecurityInfo` a chip publishes
//! before access control, from which the reader learns whether and how to run PACE.

use crate::chip::crypto::CipherKind;
use crate::chip::tlv::{self, TlvError};

/// id-PACE, 0.4.0.127.0.7.2.2.4, DER-encoded.
const ID_PACE: [u8; 8] = [0x04, 0x00, 0x7F, 0x00, 0x07, 0x02, 0x02, 0x04];

/// How PACE maps the nonce to an ephemeral generator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PaceMapping {
    /// Generic mapping.
    Generic,
    /// Integrated mapping.
    Integrated,
    /// Chip authentication mapping.
    ChipAuthentication,
}

/// Whether PACE uses finite-field DH or elliptic-curve DH.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PaceAgreement {
    Dh,
    Ecdh,
}

/// One PACEInfo of EF.CardAccess.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaceInfo {
    /// The protocol OID, DER content bytes (e.g. `04 00 7F 00 07 02 02 04 02 02`).
    pub oid: Vec<u8>,
    pub mapping: PaceMapping,
    pub agreement: PaceAgreement,
    pub cipher: CipherKind,
    pub version: u8,
    /// Standardized domain parameter id (12 = P-256, 13 = brainpoolP256r1, …), if given.
    pub parameter_id: Option<u8>,
}

impl PaceInfo {
    /// Whether Keis can run this PACE variant (ECDH generic mapping on a supported curve).
    pub fn is_supported(&self) -> bool {
        self.mapping == PaceMapping::Generic
            && self.agreement == PaceAgreement::Ecdh
            && self.parameter_id.and_then(super::ec::Curve::from_parameter_id).is_some()
    }

    fn from_oid(oid: &[u8]) -> Option<(PaceMapping, PaceAgreement, CipherKind)> {
        let (kind, cipher) = match oid.strip_prefix(&ID_PACE[..])? {
            [kind, cipher] => (*kind, *cipher),
            _ => return None,
        };
        let (mapping, agreement) = match kind {
            1 => (PaceMapping::Generic, PaceAgreement::Dh),
            2 => (PaceMapping::Generic, PaceAgreement::Ecdh),
            3 => (PaceMapping::Integrated, PaceAgreement::Dh),
            4 => (PaceMapping::Integrated, PaceAgreement::Ecdh),
            6 => (PaceMapping::ChipAuthentication, PaceAgreement::Ecdh),
            _ => return None,
        };
        let cipher = match cipher {
            1 => CipherKind::Tdes,
            2 => CipherKind::Aes128,
            3 => CipherKind::Aes192,
            4 => CipherKind::Aes256,
            _ => return None,
        };
        Some((mapping, agreement, cipher))
    }
}

fn small_integer(value: &[u8]) -> Option<u8> {
    match value {
        [v] => Some(*v),
        [0, v] => Some(*v),
        _ => None,
    }
}

/// The PACEInfos in EF.CardAccess; other SecurityInfos are skipped.
pub fn parse_card_access(bytes: &[u8]) -> Result<Vec<PaceInfo>, TlvError> {
    let (set, _trailing_padding) = tlv::parse(bytes)?;
    if set.tag != 0x31 {
        return Err(TlvError::Unsupported);
    }
    let mut infos = Vec::new();
    for info in tlv::parse_all(set.value)? {
        if info.tag != 0x30 {
            continue;
        }
        let fields = tlv::parse_all(info.value)?;
        let mut fields = fields.iter();
        let Some(oid) = fields.next().filter(|f| f.tag == 0x06) else { continue };
        let Some((mapping, agreement, cipher)) = PaceInfo::from_oid(oid.value) else { continue };
        let Some(version) = fields.next().filter(|f| f.tag == 0x02).and_then(|f| small_integer(f.value)) else {
            continue;
        };
        let parameter_id = fields.next().filter(|f| f.tag == 0x02).and_then(|f| small_integer(f.value));
        infos.push(PaceInfo { oid: oid.value.to_vec(), mapping, agreement, cipher, version, parameter_id });
    }
    Ok(infos)
}

/// The PACEInfo to use: a supported one, AES before 3DES, stronger AES first.
pub fn preferred(infos: &[PaceInfo]) -> Option<&PaceInfo> {
    let rank = |c: CipherKind| match c {
        CipherKind::Aes128 => 3,
        CipherKind::Aes192 => 2,
        CipherKind::Aes256 => 1,
        CipherKind::Tdes => 0,
    };
    infos.iter().filter(|i| i.is_supported()).max_by_key(|i| rank(i.cipher))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_appendix_g_card_access() {
        let bytes = hex::decode("31143012060A04007F0007020204020202010202010D").expect("hex");
        let infos = parse_card_access(&bytes).expect("parsable");
        assert_eq!(infos.len(), 1);
        let info = &infos[0];
        assert_eq!(info.oid, hex::decode("04007F00070202040202").expect("hex"));
        assert_eq!((info.mapping, info.agreement), (PaceMapping::Generic, PaceAgreement::Ecdh));
        assert_eq!((info.cipher, info.version, info.parameter_id), (CipherKind::Aes128, 2, Some(13)));
        assert_eq!(preferred(&infos), Some(info));
    }

    #[test]
    fn skips_other_infos_and_flags_unsupported_variants() {
        // A ChipAuthenticationInfo (id-CA-ECDH-AES-CBC-CMAC-128) and an IM PACEInfo.
        let bytes = hex::decode(concat!(
            "3125",
            "3012060A04007F00070202030202020101020101",
            "300F060A04007F00070202040402020102",
        ))
        .expect("hex");
        let infos = parse_card_access(&bytes).expect("parsable");
        assert_eq!(infos.len(), 1);
        assert_eq!(infos[0].mapping, PaceMapping::Integrated);
        assert!(!infos[0].is_supported());
        assert_eq!(preferred(&infos), None);
        assert!(parse_card_access(&[0x30, 0x00]).is_err());
        assert!(parse_card_access(&[0x31, 0x05, 0x30]).is_err());
    }
}
