//! The emulated chip's LDS1 file system: SELECT, READ BINARY with even INS (offset in
//! P1P2) and odd INS (offset DO 54, for files over 32 KiB), GET RESPONSE chaining (61xx)
//! on the link, and EF.SOD signed by a [`TestPki`] over the data groups present.

use super::{EmulatedChip, TestPki, TestPkiError, status};
use crate::chip::apdu::{CommandApdu, ResponseApdu, StatusWord};
use crate::chip::files::{EF_CARD_ACCESS, EF_SOD, LDS1_AID};
use crate::chip::tlv;

/// File identifiers of DG1..DG16.
const DATA_GROUPS: std::ops::RangeInclusive<u16> = 0x0101..=0x0110;

impl EmulatedChip {
    /// Adds EF.SOD signed by `pki`'s Document Signer over every data group the chip holds
    /// now; call it after the last `with_file`.
    pub fn with_security_object(mut self, pki: &TestPki) -> Result<Self, TestPkiError> {
        let groups = self
            .files
            .range(DATA_GROUPS)
            .filter_map(|(id, bytes)| u8::try_from(id.saturating_sub(0x0100)).ok().map(|n| (n, bytes.as_slice())));
        let sod = pki.sign_sod(groups)?;
        self.files.insert(EF_SOD.id, sod);
        Ok(self)
    }

    /// Answers longer than `chunk` data bytes come in pieces: 61xx, then GET RESPONSE.
    #[must_use]
    pub fn with_response_chaining(mut self, chunk: usize) -> Self {
        self.chain_chunk = Some(chunk.max(1));
        self
    }

    /// Splits a raw answer for GET RESPONSE chaining, keeping the rest pending.
    pub(super) fn chain(&mut self, mut raw: Vec<u8>) -> Vec<u8> {
        let Some(chunk) = self.chain_chunk else { return raw };
        let data_len = raw.len().saturating_sub(2);
        if data_len <= chunk {
            return raw;
        }
        let rest = raw.split_off(chunk);
        let remaining = rest.len().saturating_sub(2);
        raw.extend_from_slice(&[0x61, u8::try_from(remaining).unwrap_or(0)]);
        self.pending_answer = rest;
        raw
    }

    /// GET RESPONSE (`00 C0 00 00 Le`): the next piece of a chained answer.
    pub(super) fn get_response(&mut self, apdu: &[u8]) -> Option<Vec<u8>> {
        if !matches!(apdu, [0x00, 0xC0, 0x00, 0x00, _]) {
            return None;
        }
        let pending = std::mem::take(&mut self.pending_answer);
        if pending.is_empty() {
            return Some(StatusWord::CONDITIONS_NOT_SATISFIED.0.to_be_bytes().to_vec());
        }
        Some(self.chain(pending))
    }

    pub(super) fn select(&mut self, cmd: &CommandApdu) -> ResponseApdu {
        match (cmd.p1, cmd.data.as_slice()) {
            (0x00, [] | [0x3F, 0x00]) => {
                if self.ukrainian_quirks {
                    return status(StatusWord::LC_INCONSISTENT_WITH_P1P2);
                }
                self.app_selected = false;
                self.current = None;
            }
            (0x04, aid) if aid == LDS1_AID => {
                self.app_selected = true;
                self.current = None;
            }
            (0x02, &[hi, lo]) => {
                let id = u16::from_be_bytes([hi, lo]);
                let visible = id == EF_CARD_ACCESS.id || self.app_selected;
                if !visible || !self.files.contains_key(&id) {
                    return status(StatusWord::FILE_NOT_FOUND);
                }
                self.current = Some(id);
            }
            _ => return status(StatusWord::FILE_NOT_FOUND),
        }
        status(StatusWord::SUCCESS)
    }

    pub(super) fn read_binary(&mut self, cmd: &CommandApdu) -> ResponseApdu {
        let odd = cmd.ins == 0xB1;
        let offset = if odd {
            // Offset DO 54, P1P2 = 0000 (the current file).
            match tlv::parse(&cmd.data) {
                Ok((t, [])) if t.tag == 0x54 && t.value.len() <= 3 && cmd.p1 == 0 && cmd.p2 == 0 => {
                    t.value.iter().fold(0usize, |acc, &b| (acc << 8) | usize::from(b))
                }
                _ => return status(StatusWord::WRONG_DATA),
            }
        } else if cmd.p1 & 0x80 != 0 {
            return status(StatusWord::INCORRECT_P1P2);
        } else {
            usize::from(u16::from_be_bytes([cmd.p1, cmd.p2]))
        };
        let Some((id, content)) = self.current.and_then(|id| Some((id, self.files.get(&id)?))) else {
            return status(StatusWord::CONDITIONS_NOT_SATISFIED);
        };
        if id != EF_CARD_ACCESS.id && self.sm.is_none() {
            return status(StatusWord::SECURITY_STATUS_NOT_SATISFIED);
        }
        let le = match cmd.le {
            Some(le) if le <= self.max_read => le,
            _ => return status(StatusWord::WRONG_LENGTH),
        };
        let Some(rest) = content.get(offset..).filter(|rest| !rest.is_empty()) else {
            return status(StatusWord::WRONG_P1P2);
        };
        // An odd-INS answer is DO 53 and must fit in Le with its header.
        let take = match le {
            _ if !odd => le,
            0..=129 => le.saturating_sub(2).max(1),
            130..=258 => le - 3,
            _ => le - 4,
        };
        let piece = rest.get(..take).unwrap_or(rest);
        let sw = if piece.len() < take { StatusWord::END_OF_FILE } else { StatusWord::SUCCESS };
        let data = if odd { tlv::encode(0x53, piece) } else { piece.to_vec() };
        ResponseApdu { data, sw }
    }
}
