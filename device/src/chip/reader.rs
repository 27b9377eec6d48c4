//! The whole read of an identity document chip: EF.CardAccess, PACE when the chip offers
//! a variant Keis supports (else BAC), then EF.COM and DG1 under secure messaging.

use super::access::AccessKey;
use super::bac;
use super::channel::Channel;
use super::error::ChipError;
use super::files::{self, EfCom};
use super::mrz::Mrz;
use super::pace::{self, card_access};
use super::random::{OsRandom, RandomSource};
use super::transport::Transport;

/// The access-control protocol that opened the chip.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccessProtocol {
    Bac,
    Pace,
}

/// What was read from the chip. `Debug` omits personal data (see [`Mrz`]).
#[derive(Clone, PartialEq, Eq)]
pub struct ChipDocument {
    pub access: AccessProtocol,
    /// EF.COM, if the chip has one (LDS 1.8 makes it optional).
    pub com: Option<EfCom>,
    /// DG1: the MRZ, check digits verified.
    pub mrz: Mrz,
    /// DG1 exactly as read, kept for passive authentication against EF.SOD's hashes.
    pub dg1_bytes: Vec<u8>,
}

impl std::fmt::Debug for ChipDocument {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChipDocument")
            .field("access", &self.access)
            .field("com", &self.com)
            .field("mrz", &self.mrz)
            .finish_non_exhaustive()
    }
}

/// Reads the document with the operating system's randomness.
pub fn read_document<T: Transport>(transport: T, key: &AccessKey) -> Result<ChipDocument, ChipError> {
    read_document_with(transport, key, &mut OsRandom)
}

/// EF.CardAccess, or `None` when the chip has none (a BAC-only passport).
fn read_card_access<T: Transport>(channel: &mut Channel<T>) -> Result<Option<Vec<u8>>, ChipError> {
    files::select_master_file(channel)?;
    match files::read_file(channel, files::EF_CARD_ACCESS) {
        Ok(bytes) => Ok(Some(bytes)),
        Err(ChipError::FileNotFound { .. } | ChipError::Status { .. }) => Ok(None),
        Err(e) => Err(e),
    }
}

/// Reads the document with injected randomness (tests replay fixed nonces).
pub fn read_document_with<T: Transport>(
    transport: T,
    key: &AccessKey,
    rng: &mut dyn RandomSource,
) -> Result<ChipDocument, ChipError> {
    let mut channel = Channel::new(transport);
    let infos = match read_card_access(&mut channel)? {
        Some(bytes) => card_access::parse_card_access(&bytes).map_err(ChipError::tlv(files::EF_CARD_ACCESS.name))?,
        None => Vec::new(),
    };
    let access = match (card_access::preferred(&infos), key) {
        (Some(info), _) => {
            let session = pace::establish(&mut channel, info, key, rng)?;
            channel.set_secure_messaging(Some(session));
            files::select_application(&mut channel)?;
            AccessProtocol::Pace
        }
        (None, AccessKey::Mrz(mrz_key)) => {
            if !infos.is_empty() {
                tracing::debug!("no supported PACE variant offered; trying BAC");
            }
            files::select_application(&mut channel)?;
            let session = bac::establish(&mut channel, mrz_key, rng)?;
            channel.set_secure_messaging(Some(session));
            AccessProtocol::Bac
        }
        (None, AccessKey::Can(_)) if infos.is_empty() => return Err(ChipError::CanNeedsPace),
        (None, AccessKey::Can(_)) => {
            return Err(ChipError::Unsupported { what: "a PACE variant Keis does not implement" });
        }
    };
    debug_assert!(channel.is_secure());
    let com = match files::read_file(&mut channel, files::EF_COM) {
        Ok(bytes) => Some(EfCom::parse(&bytes).map_err(ChipError::tlv(files::EF_COM.name))?),
        Err(ChipError::FileNotFound { .. }) => None,
        Err(e) => return Err(e),
    };
    let dg1 = files::read_file(&mut channel, files::DG1)?;
    let mrz = files::parse_dg1(&dg1)?;
    tracing::debug!(?access, "document read");
    Ok(ChipDocument { access, com, mrz, dg1_bytes: dg1 })
}
