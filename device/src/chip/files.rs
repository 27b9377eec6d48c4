//! The LDS1 file system (Doc 9303 Part 10): file identifiers, SELECT, chunked READ BINARY
//! that first learns the file length from its TLV header (odd INS with offset DO 54 past
//! 32 KiB), and the EF.COM and DG1 parsers.

use super::apdu::{CommandApdu, StatusWord};
use super::channel::Channel;
use super::error::ChipError;
use super::mrz::{Mrz, MrzError};
use super::tlv::{self, TlvError};
use super::transport::Transport;

/// The eMRTD (LDS1) application identifier.
pub const LDS1_AID: [u8; 7] = [0xA0, 0x00, 0x00, 0x02, 0x47, 0x10, 0x01];

/// An elementary file: its identifier and a name for messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileId {
    pub id: u16,
    pub name: &'static str,
}

pub const EF_CARD_ACCESS: FileId = FileId { id: 0x011C, name: "EF.CardAccess" };
pub const EF_COM: FileId = FileId { id: 0x011E, name: "EF.COM" };
pub const EF_SOD: FileId = FileId { id: 0x011D, name: "EF.SOD" };
pub const DG1: FileId = FileId { id: 0x0101, name: "DG1 (MRZ)" };
pub const DG2: FileId = FileId { id: 0x0102, name: "DG2 (face)" };
pub const DG11: FileId = FileId { id: 0x010B, name: "DG11 (additional personal details)" };
pub const DG12: FileId = FileId { id: 0x010C, name: "DG12 (additional document details)" };

/// Bytes per READ BINARY on a short-APDU link: fits a protected answer into 256 bytes.
pub const SHORT_CHUNK: usize = 0xDF;
/// READ BINARY with even INS addresses offsets up to 0x7FFF; beyond, odd INS (B1) with
/// the offset in DO 54.
const EVEN_INS_LIMIT: usize = 0x8000;
/// The largest file Keis reads (a face image is typically 15–100 KB).
const MAX_FILE_LEN: usize = 0x10_0000;
/// Room for the DO 53 header and its growth under secure messaging in an odd-INS answer.
const ODD_INS_OVERHEAD: usize = 16;

/// SELECT MF. Some cards (Ukrainian ones among them) answer 6A87; the read goes on.
pub(crate) fn select_master_file<T: Transport>(channel: &mut Channel<T>) -> Result<(), ChipError> {
    let cmd = CommandApdu::new(0x00, 0xA4, 0x00, 0x0C).with_data(vec![0x3F, 0x00]);
    let sw = channel.send(&cmd)?.sw;
    if !sw.is_success() {
        tracing::debug!(%sw, "SELECT MF refused; continuing");
    }
    Ok(())
}

/// SELECT the eMRTD application.
pub(crate) fn select_application<T: Transport>(channel: &mut Channel<T>) -> Result<(), ChipError> {
    let cmd = CommandApdu::new(0x00, 0xA4, 0x04, 0x0C).with_data(LDS1_AID.to_vec());
    match channel.send(&cmd)?.sw {
        sw if sw.is_success() => Ok(()),
        StatusWord::FILE_NOT_FOUND => Err(ChipError::FileNotFound { file: "eMRTD application" }),
        sw => Err(ChipError::Status { command: "SELECT application", sw }),
    }
}

/// SELECT an elementary file by identifier.
pub(crate) fn select_file<T: Transport>(channel: &mut Channel<T>, file: FileId) -> Result<(), ChipError> {
    let cmd = CommandApdu::new(0x00, 0xA4, 0x02, 0x0C).with_data(file.id.to_be_bytes().to_vec());
    match channel.send(&cmd)?.sw {
        sw if sw.is_success() => Ok(()),
        StatusWord::FILE_NOT_FOUND => Err(ChipError::FileNotFound { file: file.name }),
        sw => Err(ChipError::Status { command: "SELECT file", sw }),
    }
}

/// Reads up to `want` bytes at `offset`, shrinking the request when the chip asks for it
/// (6700 wrong length, 6Cxx exact length). Returns the bytes and the length that worked.
fn read_chunk<T: Transport>(
    channel: &mut Channel<T>,
    offset: usize,
    mut want: usize,
) -> Result<(Vec<u8>, usize), ChipError> {
    let odd = offset >= EVEN_INS_LIMIT;
    let (asked, odd_limit) = (want, SHORT_CHUNK - ODD_INS_OVERHEAD);
    if odd && (odd_limit..=SHORT_CHUNK).contains(&want) {
        want = odd_limit;
    }
    for _ in 0..8 {
        let cmd = if odd {
            let digits = offset.to_be_bytes();
            let skip = digits.iter().take_while(|&&b| b == 0).count();
            let do54 = tlv::encode(0x54, digits.get(skip..).unwrap_or_default());
            // Le covers the DO 53 header around `want` bytes.
            let header = match want {
                0..=127 => 2,
                128..=255 => 3,
                _ => 4,
            };
            CommandApdu::new(0x00, 0xB1, 0x00, 0x00).with_data(do54).with_le(want + header)
        } else {
            let [p1, p2] = u16::try_from(offset).unwrap_or(u16::MAX).to_be_bytes();
            CommandApdu::new(0x00, 0xB0, p1, p2).with_le(want)
        };
        let resp = channel.send(&cmd)?;
        match resp.sw {
            sw if sw.is_success() || sw == StatusWord::END_OF_FILE => {
                let data = if odd {
                    match tlv::parse(&resp.data) {
                        Ok((t, _)) if t.tag == 0x53 => t.value.to_vec(),
                        _ => return Err(ChipError::Malformed { what: "READ BINARY (odd INS)" }),
                    }
                } else {
                    resp.data
                };
                if data.is_empty() || data.len() > want {
                    return Err(ChipError::Malformed { what: "READ BINARY" });
                }
                // A short read only because of the odd-INS overhead keeps the chunk size.
                let worked = if odd && want == odd_limit { asked.max(want) } else { want };
                return Ok((data, worked));
            }
            StatusWord::WRONG_LENGTH if want > 1 => want /= 2,
            sw => match sw.exact_length() {
                Some(exact) if exact < want => want = exact,
                _ => return Err(ChipError::Status { command: "READ BINARY", sw }),
            },
        }
    }
    Err(ChipError::Malformed { what: "READ BINARY" })
}

/// Selects and reads a whole file: the TLV header first, then the rest in chunks.
pub(crate) fn read_file<T: Transport>(channel: &mut Channel<T>, file: FileId) -> Result<Vec<u8>, ChipError> {
    select_file(channel, file)?;
    let caps = channel.capabilities();
    let mut chunk = if caps.extended_length {
        caps.max_response_len.saturating_sub(64).clamp(SHORT_CHUNK, 0x1000)
    } else {
        SHORT_CHUNK
    };
    let mut data = Vec::new();
    let total = loop {
        match tlv::header(&data) {
            Ok((_, header_len, len)) => break header_len.saturating_add(len),
            Err(TlvError::Truncated) if data.len() < 8 => {
                let want = if data.is_empty() { 4 } else { 8 - data.len() };
                let (bytes, _) = read_chunk(channel, data.len(), want)?;
                data.extend(bytes);
            }
            Err(source) => return Err(ChipError::Tlv { what: file.name, source }),
        }
    };
    if total > MAX_FILE_LEN {
        return Err(ChipError::Unsupported { what: "files larger than 1 MiB" });
    }
    data.truncate(total);
    while data.len() < total {
        let (bytes, worked) = read_chunk(channel, data.len(), chunk.min(total - data.len()))?;
        chunk = chunk.min(worked);
        data.extend(bytes);
    }
    data.truncate(total);
    tracing::debug!(file = file.name, len = total, "file read");
    Ok(data)
}

/// EF.COM: LDS and Unicode versions and the data groups present.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EfCom {
    /// `aabb` as stored, e.g. `0107` for LDS 1.7.
    pub lds_version: String,
    /// `aabbcc`, e.g. `040000` for Unicode 4.0.0.
    pub unicode_version: String,
    /// Data group numbers listed (1 = MRZ, 2 = face, …).
    pub data_groups: Vec<u8>,
}

/// The data group number of an LDS1 data group tag.
fn data_group_number(tag: u8) -> Option<u8> {
    match tag {
        0x61 => Some(1),
        0x75 => Some(2),
        0x63 => Some(3),
        0x76 => Some(4),
        0x65..=0x70 => Some(tag - 0x65 + 5),
        _ => None,
    }
}

impl EfCom {
    pub fn parse(bytes: &[u8]) -> Result<Self, TlvError> {
        let content = tlv::expect(bytes, 0x60)?;
        let text = |tag| -> Result<String, TlvError> {
            let value = tlv::find(content, tag)?.ok_or(TlvError::Truncated)?;
            String::from_utf8(value.to_vec()).map_err(|_| TlvError::Unsupported)
        };
        let tags = tlv::find(content, 0x5C)?.ok_or(TlvError::Truncated)?;
        Ok(Self {
            lds_version: text(0x5F01)?,
            unicode_version: text(0x5F36)?,
            data_groups: tags.iter().filter_map(|&t| data_group_number(t)).collect(),
        })
    }
}

/// DG1: `61 { 5F1F MRZ }`, the MRZ parsed and every check digit verified.
pub fn parse_dg1(bytes: &[u8]) -> Result<Mrz, ChipError> {
    let content = tlv::expect(bytes, 0x61).map_err(ChipError::tlv(DG1.name))?;
    let mrz =
        tlv::find(content, 0x5F1F).map_err(ChipError::tlv(DG1.name))?.ok_or(ChipError::Malformed { what: DG1.name })?;
    let text = std::str::from_utf8(mrz).map_err(|_| MrzError::InvalidCharacter)?;
    Ok(Mrz::parse(text)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_appendix_d_ef_com() {
        let bytes = hex::decode("60145F0104303130365F36063034303030305C026175").expect("hex");
        let com = EfCom::parse(&bytes).expect("parsable");
        assert_eq!(com.lds_version, "0106");
        assert_eq!(com.unicode_version, "040000");
        assert_eq!(com.data_groups, [1, 2]);
        assert!(EfCom::parse(&bytes[..10]).is_err());
        assert_eq!(data_group_number(0x6F), Some(15));
        assert_eq!(data_group_number(0x70), Some(16));
    }

    #[test]
    fn dg1_errors_are_typed() {
        assert!(matches!(parse_dg1(&[0x61, 0x00]), Err(ChipError::Malformed { .. })));
        assert!(matches!(parse_dg1(&[0x62, 0x00]), Err(ChipError::Tlv { .. })));
        let bad_utf8 = [0x61, 0x05, 0x5F, 0x1F, 0x02, 0xC3, 0x28];
        assert!(matches!(parse_dg1(&bad_utf8), Err(ChipError::Mrz(MrzError::InvalidCharacter))));
    }
}
