//! Secure messaging (Doc 9303 Part 11 §9.8): the send-sequence counter, protection of
//! command APDUs (DO85/DO87, DO97, DO8E) and verification then decryption of responses
//! (DO87, DO99, DO8E), for 3DES (BAC) and AES (PACE).
//!
//! Both directions live here: the terminal side is used by the reader, the chip side by the
//! emulator, so one implementation of the MAC and IV rules serves both.

use super::apdu::{ApduError, CommandApdu, ResponseApdu, StatusWord, le_bytes};
use super::crypto::{Cipher, CipherKind, CryptoError, aes_cmac8, ct_eq, pad, retail_mac, unpad};
use super::tlv::{self, TlvError};

/// A secure-messaging failure. Most mean the radio link was disturbed or the session is out
/// of step; reading again from the start usually helps.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SmError {
    /// The MAC over an answer (or command, on the chip side) does not verify.
    #[error("the chip's answer failed its integrity check; hold the card still and read again")]
    MacMismatch,
    /// No DO8E where one is required.
    #[error("the chip's answer is not protected; hold the card still and read again")]
    MissingMac,
    /// No DO99 (protected status) in a protected answer.
    #[error("the chip's answer has no protected status; hold the card still and read again")]
    MissingStatus,
    /// Secure-messaging data objects are malformed.
    #[error("the chip's protected answer is malformed; hold the card still and read again")]
    Malformed(#[from] TlvError),
    /// A cryptogram that does not decrypt to padded data.
    #[error("the chip's encrypted answer could not be decrypted; read again")]
    Crypto(#[from] CryptoError),
    /// A command too long to protect.
    #[error("the command is too long to protect")]
    Apdu(#[from] ApduError),
}

/// The session keys and send-sequence counter of an established secure channel.
pub(crate) struct SmSession {
    kind: CipherKind,
    enc: Cipher,
    ks_mac: Vec<u8>,
    ssc: Vec<u8>,
}

impl std::fmt::Debug for SmSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Keys never reach logs.
        f.debug_struct("SmSession").field("kind", &self.kind).finish_non_exhaustive()
    }
}

/// The data objects of a protected command or response, as raw encodings and values.
#[derive(Default)]
struct SmObjects<'a> {
    /// Raw DO85/DO87/DO97/DO99 encodings in order: what the MAC covers.
    covered: Vec<u8>,
    cryptogram: Option<(u32, &'a [u8])>,
    le: Option<&'a [u8]>,
    status: Option<&'a [u8]>,
    mac: Option<&'a [u8]>,
}

fn split_objects(mut data: &[u8]) -> Result<SmObjects<'_>, SmError> {
    let mut objects = SmObjects::default();
    while !data.is_empty() {
        let (obj, rest) = tlv::parse(data)?;
        let raw = data.get(..data.len() - rest.len()).unwrap_or_default();
        match obj.tag {
            0x8E => objects.mac = Some(obj.value),
            0x85 | 0x87 => objects.cryptogram = Some((obj.tag, obj.value)),
            0x97 => objects.le = Some(obj.value),
            0x99 => objects.status = Some(obj.value),
            _ => return Err(SmError::Malformed(TlvError::Unsupported)),
        }
        if obj.tag != 0x8E {
            if objects.mac.is_some() {
                // Nothing may follow the MAC: it would not be covered.
                return Err(SmError::Malformed(TlvError::Unsupported));
            }
            objects.covered.extend_from_slice(raw);
        }
        data = rest;
    }
    Ok(objects)
}

impl SmSession {
    /// A session from KSenc, KSmac and the initial SSC (BAC: from the nonces; PACE: zero).
    pub(crate) fn new(kind: CipherKind, ks_enc: &[u8], ks_mac: &[u8], ssc: Vec<u8>) -> Result<Self, CryptoError> {
        if ks_mac.len() != kind.key_len() {
            return Err(CryptoError::KeyLength { len: ks_mac.len() });
        }
        if ssc.len() != kind.block_len() {
            return Err(CryptoError::KeyLength { len: ssc.len() });
        }
        Ok(Self { kind, enc: Cipher::new(kind, ks_enc)?, ks_mac: ks_mac.to_vec(), ssc })
    }

    /// The current send-sequence counter.
    #[cfg(test)]
    pub(crate) fn ssc(&self) -> &[u8] {
        &self.ssc
    }

    fn block(&self) -> usize {
        self.kind.block_len()
    }

    fn increment_ssc(&mut self) {
        for byte in self.ssc.iter_mut().rev() {
            let (next, carry) = byte.overflowing_add(1);
            *byte = next;
            if !carry {
                break;
            }
        }
    }

    /// 3DES: zero IV; AES: IV = E(KSenc, SSC) (Part 11 §9.8.6.1).
    fn iv(&self) -> Vec<u8> {
        match self.kind {
            CipherKind::Tdes => vec![0; 8],
            _ => {
                let mut iv = self.ssc.clone();
                self.enc.encrypt_block(&mut iv);
                iv
            }
        }
    }

    /// MAC over pad(SSC ‖ data).
    fn mac(&self, data: &[u8]) -> Result<[u8; 8], SmError> {
        let mut input = self.ssc.clone();
        input.extend_from_slice(data);
        let n = pad(&input, self.block());
        Ok(match self.kind {
            CipherKind::Tdes => retail_mac(&self.ks_mac, &n)?,
            _ => aes_cmac8(&self.ks_mac, &n)?,
        })
    }

    fn encrypt_object(&self, ins: u8, data: &[u8]) -> Result<Vec<u8>, SmError> {
        let cryptogram = self.enc.cbc_encrypt(&self.iv(), &pad(data, self.block()))?;
        Ok(if ins % 2 == 1 {
            tlv::encode(0x85, &cryptogram)
        } else {
            let mut value = vec![0x01];
            value.extend_from_slice(&cryptogram);
            tlv::encode(0x87, &value)
        })
    }

    fn decrypt_object(&self, tag: u32, value: &[u8]) -> Result<Vec<u8>, SmError> {
        let cryptogram = match (tag, value.split_first()) {
            (0x85, _) => value,
            (_, Some((0x01, rest))) => rest,
            _ => return Err(SmError::Malformed(TlvError::Unsupported)),
        };
        let plain = self.enc.cbc_decrypt(&self.iv(), cryptogram)?;
        Ok(unpad(&plain)?.to_vec())
    }

    fn verify(&self, objects: &SmObjects<'_>) -> Result<(), SmError> {
        let mac = objects.mac.ok_or(SmError::MissingMac)?;
        if ct_eq(&self.mac(&objects.covered)?, mac) { Ok(()) } else { Err(SmError::MacMismatch) }
    }

    /// Terminal side: protects a plain command for the chip.
    pub(crate) fn protect_command(&mut self, cmd: &CommandApdu) -> Result<CommandApdu, SmError> {
        self.increment_ssc();
        let cla = cmd.cla | 0x0C;
        let mut covered = pad(&[cla, cmd.ins, cmd.p1, cmd.p2], self.block());
        let mut data = Vec::new();
        if !cmd.data.is_empty() {
            data.extend(self.encrypt_object(cmd.ins, &cmd.data)?);
        }
        if let Some(le) = cmd.le {
            data.extend(tlv::encode(0x97, &le_bytes(le)));
        }
        covered.extend_from_slice(&data);
        data.extend(tlv::encode(0x8E, &self.mac(&covered)?));
        let extended = data.len() > 255 || cmd.le.is_some_and(|le| le > 256);
        let protected = CommandApdu::new(cla, cmd.ins, cmd.p1, cmd.p2).with_data(data);
        Ok(protected.with_le(if extended { 65_536 } else { 256 }))
    }

    /// Terminal side: verifies the MAC of a protected answer, then decrypts it.
    /// A bare error status with no data objects is returned as is (the chip has ended SM).
    pub(crate) fn unprotect_response(&mut self, resp: &ResponseApdu) -> Result<ResponseApdu, SmError> {
        self.increment_ssc();
        if resp.data.is_empty() && !resp.sw.is_success() {
            return Ok(resp.clone());
        }
        let objects = split_objects(&resp.data)?;
        self.verify(&objects)?;
        let sw = match objects.status {
            Some(&[sw1, sw2]) => StatusWord(u16::from_be_bytes([sw1, sw2])),
            Some(_) => return Err(SmError::Malformed(TlvError::Unsupported)),
            None => return Err(SmError::MissingStatus),
        };
        let data = match objects.cryptogram {
            Some((tag, value)) => self.decrypt_object(tag, value)?,
            None => Vec::new(),
        };
        Ok(ResponseApdu { data, sw })
    }

    /// Chip side: verifies and decrypts a protected command.
    #[cfg(any(test, feature = "test-support"))]
    pub(crate) fn unprotect_command(&mut self, cmd: &CommandApdu) -> Result<CommandApdu, SmError> {
        self.increment_ssc();
        if cmd.cla & 0x0C != 0x0C {
            return Err(SmError::MissingMac);
        }
        let objects = split_objects(&cmd.data)?;
        let mut covered = pad(&cmd.header(), self.block());
        covered.extend_from_slice(&objects.covered);
        let mac = objects.mac.ok_or(SmError::MissingMac)?;
        if !ct_eq(&self.mac(&covered)?, mac) {
            return Err(SmError::MacMismatch);
        }
        let mut plain = CommandApdu::new(cmd.cla & !0x0C, cmd.ins, cmd.p1, cmd.p2);
        if let Some((tag, value)) = objects.cryptogram {
            plain.data = self.decrypt_object(tag, value)?;
        }
        plain.le = match objects.le {
            Some([]) | None => None,
            Some([0]) => Some(256),
            Some([n]) => Some(usize::from(*n)),
            Some([0, 0]) => Some(65_536),
            Some([hi, lo]) => Some(usize::from(u16::from_be_bytes([*hi, *lo]))),
            Some(_) => return Err(SmError::Malformed(TlvError::Unsupported)),
        };
        Ok(plain)
    }

    #[cfg(any(test, feature = "test-support"))]
    /// Chip side: protects an answer (DO87 if there is data, DO99, DO8E).
    pub(crate) fn protect_response(&mut self, ins: u8, resp: &ResponseApdu) -> Result<ResponseApdu, SmError> {
        self.increment_ssc();
        let mut data = Vec::new();
        if !resp.data.is_empty() {
            // Odd INS answers use DO85 too; eMRTD readers only use even INS here.
            data.extend(self.encrypt_object(ins & 0xFE, &resp.data)?);
        }
        data.extend(tlv::encode(0x99, &resp.sw.0.to_be_bytes()));
        let mac = self.mac(&data)?;
        data.extend(tlv::encode(0x8E, &mac));
        Ok(ResponseApdu { data, sw: resp.sw })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pair(kind: CipherKind) -> (SmSession, SmSession) {
        let (enc, mac) = (vec![0x11; kind.key_len()], vec![0x22; kind.key_len()]);
        let mut ssc = vec![0; kind.block_len()];
        ssc[kind.block_len() - 1] = 0xFE; // crosses a byte boundary on the second message
        let terminal = SmSession::new(kind, &enc, &mac, ssc.clone()).expect("keys");
        let chip = SmSession::new(kind, &enc, &mac, ssc).expect("keys");
        (terminal, chip)
    }

    const KINDS: [CipherKind; 4] = [CipherKind::Tdes, CipherKind::Aes128, CipherKind::Aes192, CipherKind::Aes256];

    #[test]
    fn commands_and_answers_round_trip_short_and_extended() {
        for kind in KINDS {
            let (mut terminal, mut chip) = pair(kind);
            let commands = [
                CommandApdu::new(0, 0xA4, 2, 0x0C).with_data(vec![1, 0x1E]),
                CommandApdu::new(0, 0xB0, 0, 0).with_le(0xDF),
                CommandApdu::new(0, 0xB0, 0, 0).with_le(1000),
                CommandApdu::new(0, 0x2A, 0, 0).with_data(vec![0x5A; 300]).with_le(256),
                CommandApdu::new(0, 0xB1, 0, 0).with_data(vec![0x54, 0x02, 0x80, 0x00]),
            ];
            for cmd in commands {
                let wire = terminal.protect_command(&cmd).expect("protects");
                assert_eq!(wire.cla, 0x0C);
                let decoded = CommandApdu::parse(&wire.encode().expect("encodes")).expect("parses");
                assert_eq!(chip.unprotect_command(&decoded).expect("chip accepts"), cmd);
                let answer = ResponseApdu { data: vec![0xA5; 700], sw: StatusWord::SUCCESS };
                let protected = chip.protect_response(cmd.ins, &answer).expect("protects");
                assert_eq!(terminal.unprotect_response(&protected).expect("verifies"), answer);
            }
        }
    }

    #[test]
    fn tampering_is_detected_before_decryption() {
        for kind in KINDS {
            let (mut terminal, mut chip) = pair(kind);
            let cmd = CommandApdu::new(0, 0xB0, 0, 0).with_le(4);
            let wire = terminal.protect_command(&cmd).expect("protects");
            chip.unprotect_command(&wire).expect("chip accepts");
            let answer = ResponseApdu { data: vec![1, 2, 3, 4], sw: StatusWord::SUCCESS };
            let mut protected = chip.protect_response(cmd.ins, &answer).expect("protects");
            for at in 0..protected.data.len() {
                let mut bad = protected.clone();
                bad.data[at] ^= 0x40;
                let (mut t, _) = pair(kind);
                t.increment_ssc();
                assert!(t.unprotect_response(&bad).is_err(), "{kind:?} byte {at}");
            }
            assert_eq!(terminal.unprotect_response(&protected), Ok(answer));
            // The same answer replayed under the next counter fails.
            assert_eq!(terminal.unprotect_response(&protected), Err(SmError::MacMismatch));
            protected.data.truncate(protected.data.len() - 10);
            assert!(terminal.unprotect_response(&protected).is_err());
        }
    }

    #[test]
    fn answers_without_mac_or_status_are_refused() {
        let (mut terminal, mut chip) = pair(CipherKind::Aes128);
        let plain_ok = ResponseApdu { data: vec![], sw: StatusWord::SUCCESS };
        assert_eq!(terminal.unprotect_response(&plain_ok), Err(SmError::MissingMac));
        let plain_err = ResponseApdu { data: vec![], sw: StatusWord::FILE_NOT_FOUND };
        assert_eq!(terminal.unprotect_response(&plain_err), Ok(plain_err.clone()));
        let data_only = ResponseApdu { data: vec![0x99, 0x02, 0x90, 0x00], sw: StatusWord::SUCCESS };
        assert_eq!(terminal.unprotect_response(&data_only), Err(SmError::MissingMac));
        // DO99 missing but the MAC is right.
        for _ in 0..4 {
            chip.increment_ssc();
        }
        let mac = chip.mac(&[]).expect("mac");
        let no_status = ResponseApdu { data: tlv::encode(0x8E, &mac), sw: StatusWord::SUCCESS };
        assert_eq!(terminal.unprotect_response(&no_status), Err(SmError::MissingStatus));
    }
}
