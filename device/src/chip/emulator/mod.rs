//! An in-process eMRTD chip implementing [`Transport`]: BAC and PACE (ECDH generic mapping)
//! on the chip side (`access`), secure messaging, and an LDS1 file system (`fs`: even and
//! odd READ BINARY, GET RESPONSE chaining) holding EF.CardAccess, EF.COM, DG1, DG2, DG11
//! and DG12 built from ICAO specimen data only (`specimen`), EF.SOD signed by a throwaway
//! test PKI (`pki`), and a fault-injecting transport (`faults`).
//!
//! It serves tests and demos; it is not a security boundary.

mod access;
mod faults;
mod fs;
mod pki;
mod prng;
mod specimen;

use std::collections::BTreeMap;

pub use self::faults::{Fault, FaultyTransport};
pub use self::pki::{TestKeyKind, TestPki, TestPkiError};
pub use self::prng::SeededRandom;
pub use self::specimen::{SPECIMEN_CAN, TD1_SPECIMEN_MRZ, TD3_SPECIMEN_MRZ};

use self::access::AuthState;
use super::access::{Can, MrzKey};
use super::apdu::{CommandApdu, ResponseApdu, StatusWord};
use super::crypto::CipherKind;
use super::files::{DG1, EF_CARD_ACCESS, EF_COM};
use super::mrz::{Mrz, MrzError};
use super::pace::ec::Curve;
use super::random::RandomSource;
use super::sm::{SmError, SmSession};
use super::transport::{Capabilities, Transport, TransportError};

/// The PACE variant the chip offers (always ECDH generic mapping).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PaceProfile {
    pub cipher: CipherKind,
    pub curve: Curve,
}

impl PaceProfile {
    pub(crate) fn oid(self) -> Vec<u8> {
        let cipher = match self.cipher {
            CipherKind::Tdes => 1,
            CipherKind::Aes128 => 2,
            CipherKind::Aes192 => 3,
            CipherKind::Aes256 => 4,
        };
        vec![0x04, 0x00, 0x7F, 0x00, 0x07, 0x02, 0x02, 0x04, 0x02, cipher]
    }

    pub(crate) fn parameter_id(self) -> u8 {
        match self.curve {
            Curve::P256 => 12,
            Curve::BrainpoolP256r1 => 13,
        }
    }
}

/// An emulated chip. Build it from a specimen, adjust it with the `with_*` methods.
pub struct EmulatedChip {
    files: BTreeMap<u16, Vec<u8>>,
    mrz_key: MrzKey,
    can: Option<Can>,
    pace: Option<PaceProfile>,
    bac: bool,
    /// Ukrainian-card behaviour: SELECT MF answers 6A87, MSE:Set AT needs tag 84.
    ukrainian_quirks: bool,
    max_read: usize,
    extended_length: bool,
    rng: Box<dyn RandomSource + Send>,
    app_selected: bool,
    current: Option<u16>,
    auth: AuthState,
    sm: Option<SmSession>,
    pending_sm: Option<SmSession>,
    /// GET RESPONSE chaining: the data bytes per piece, and what is left to send.
    chain_chunk: Option<usize>,
    pending_answer: Vec<u8>,
}

impl std::fmt::Debug for EmulatedChip {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmulatedChip").field("pace", &self.pace).field("bac", &self.bac).finish_non_exhaustive()
    }
}

fn status(sw: StatusWord) -> ResponseApdu {
    ResponseApdu { data: Vec::new(), sw }
}

impl EmulatedChip {
    /// A BAC-only chip holding `mrz` in DG1 (and EF.COM listing DG1).
    pub fn new(mrz: &str) -> Result<Self, MrzError> {
        let parsed = Mrz::parse(mrz)?;
        let mrz_key = MrzKey::from_mrz(&parsed).map_err(|_| MrzError::InvalidCharacter)?;
        let mut files = BTreeMap::new();
        files.insert(EF_COM.id, specimen::ef_com());
        files.insert(DG1.id, specimen::dg1(mrz));
        Ok(Self {
            files,
            mrz_key,
            can: None,
            pace: None,
            bac: true,
            ukrainian_quirks: false,
            max_read: 256,
            extended_length: false,
            rng: Box::new(SeededRandom::new(0x4B45_4953)),
            app_selected: false,
            current: None,
            auth: AuthState::Idle,
            sm: None,
            pending_sm: None,
            chain_chunk: None,
            pending_answer: Vec::new(),
        })
    }

    /// The ICAO TD1 specimen ID card: PACE (AES-128, brainpoolP256r1) with MRZ or CAN
    /// [`SPECIMEN_CAN`], BAC as well, and the Ukrainian card quirks.
    pub fn td1_specimen() -> Self {
        let chip = Self::new(TD1_SPECIMEN_MRZ).unwrap_or_else(|_| unreachable!("valid specimen"));
        chip.with_specimen_details()
            .with_pace(PaceProfile { cipher: CipherKind::Aes128, curve: Curve::BrainpoolP256r1 })
            .with_can(SPECIMEN_CAN)
            .with_ukrainian_quirks(true)
    }

    /// The ICAO TD3 specimen passport: BAC only, no EF.CardAccess, a JPEG 2000 face.
    pub fn td3_specimen() -> Self {
        let chip = Self::new(TD3_SPECIMEN_MRZ).unwrap_or_else(|_| unreachable!("valid specimen"));
        chip.with_specimen_details().with_file(0x0102, specimen::dg2(true))
    }

    /// Adds the specimen face (DG2, JPEG), DG11 and DG12, and lists them in EF.COM. The
    /// TD3 specimen then swaps in a JPEG 2000 face, as many passports store it.
    #[must_use]
    pub fn with_specimen_details(self) -> Self {
        self.with_file(0x0102, specimen::dg2(false))
            .with_file(0x010B, specimen::dg11())
            .with_file(0x010C, specimen::dg12())
            .with_file(EF_COM.id, specimen::ef_com_full())
    }

    /// Offers PACE (publishes EF.CardAccess).
    #[must_use]
    pub fn with_pace(mut self, profile: PaceProfile) -> Self {
        self.pace = Some(profile);
        self.files.insert(EF_CARD_ACCESS.id, specimen::card_access(profile));
        self
    }

    /// Accepts this CAN for PACE.
    #[must_use]
    pub fn with_can(mut self, can: &str) -> Self {
        self.can = Can::new(can).ok();
        self
    }

    /// Refuses BAC (GET CHALLENGE answers 6D00).
    #[must_use]
    pub fn without_bac(mut self) -> Self {
        self.bac = false;
        self
    }

    #[must_use]
    pub fn with_ukrainian_quirks(mut self, on: bool) -> Self {
        self.ukrainian_quirks = on;
        self
    }

    /// READ BINARY asking for more than `max` bytes gets 6700.
    #[must_use]
    pub fn with_max_read(mut self, max: usize) -> Self {
        self.max_read = max;
        self
    }

    /// Claims extended-length support in [`Transport::capabilities`].
    #[must_use]
    pub fn with_extended_length(mut self, on: bool) -> Self {
        self.extended_length = on;
        self
    }

    /// Replaces (or adds) a file's content.
    #[must_use]
    pub fn with_file(mut self, id: u16, content: Vec<u8>) -> Self {
        self.files.insert(id, content);
        self
    }

    /// Removes a file (e.g. EF.COM, optional since LDS 1.8).
    #[must_use]
    pub fn without_file(mut self, id: u16) -> Self {
        self.files.remove(&id);
        self
    }

    /// The chip's own randomness (nonces, ephemeral keys).
    #[must_use]
    pub fn with_random(mut self, rng: Box<dyn RandomSource + Send>) -> Self {
        self.rng = rng;
        self
    }

    /// Whether a secure-messaging session is up.
    pub fn is_secure(&self) -> bool {
        self.sm.is_some()
    }

    fn end_session(&mut self) {
        self.sm = None;
        self.auth = AuthState::Idle;
    }

    fn process(&mut self, raw: &[u8]) -> ResponseApdu {
        let Ok(cmd) = CommandApdu::parse(raw) else {
            return status(StatusWord::WRONG_LENGTH);
        };
        let protected = cmd.cla & 0x0C == 0x0C;
        let cmd = match (self.sm.as_mut(), protected) {
            (Some(sm), true) => match sm.unprotect_command(&cmd) {
                Ok(plain) => plain,
                Err(err) => {
                    self.end_session();
                    return status(match err {
                        SmError::MacMismatch => StatusWord::SM_DATA_INCORRECT,
                        _ => StatusWord::SM_DATA_MISSING,
                    });
                }
            },
            (Some(_), false) | (None, true) => {
                self.end_session();
                return status(StatusWord::SM_DATA_MISSING);
            }
            (None, false) => cmd,
        };
        let resp = self.dispatch(&cmd);
        let resp = match self.sm.as_mut() {
            Some(sm) if protected => {
                sm.protect_response(cmd.ins, &resp).unwrap_or_else(|_| status(StatusWord::SM_DATA_INCORRECT))
            }
            _ => resp,
        };
        if let Some(session) = self.pending_sm.take() {
            self.sm = Some(session);
        }
        resp
    }

    fn dispatch(&mut self, cmd: &CommandApdu) -> ResponseApdu {
        match cmd.ins {
            0xA4 => self.select(cmd),
            0xB0 | 0xB1 => self.read_binary(cmd),
            0x84 => self.get_challenge(cmd),
            0x82 => self.external_authenticate(cmd),
            0x22 => self.mse_set_at(cmd),
            0x86 => self.general_authenticate(cmd),
            _ => status(StatusWord::INS_NOT_SUPPORTED),
        }
    }
}

impl Transport for EmulatedChip {
    fn transmit(&mut self, apdu: &[u8]) -> Result<Vec<u8>, TransportError> {
        if let Some(piece) = self.get_response(apdu) {
            return Ok(piece);
        }
        self.pending_answer.clear();
        let answer = self.process(apdu).to_bytes();
        Ok(self.chain(answer))
    }

    fn capabilities(&self) -> Capabilities {
        if self.extended_length {
            Capabilities { extended_length: true, max_response_len: 65_538 }
        } else {
            Capabilities::default()
        }
    }
}
