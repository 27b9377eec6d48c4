//! The whole read of an identity document chip: EF.CardAccess, PACE when the chip offers
//! a variant Keis supports (else BAC), then under secure messaging EF.COM, DG1, the
//! optional EF.SOD, DG2, DG11 and DG12, and passive authentication over what was read.

use std::collections::BTreeMap;

use super::access::AccessKey;
use super::bac;
use super::channel::Channel;
use super::details::{self, Details};
use super::error::ChipError;
use super::face::FaceImage;
use super::files::{self, EfCom, FileId};
use super::mrz::Mrz;
use super::pace::{self, card_access};
use super::pki::{CscaStore, PassiveAuthReport, passive_authentication};
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
    /// Every data group read, by number, exactly as read (DG1 included).
    pub data_groups: BTreeMap<u8, Vec<u8>>,
    /// EF.SOD as read, if present.
    pub sod_bytes: Option<Vec<u8>>,
    /// DG2's face image, if present and readable.
    pub face: Option<FaceImage>,
    /// DG11, additional personal details.
    pub personal_details: Option<Details>,
    /// DG12, additional document details.
    pub document_details: Option<Details>,
    /// Passive authentication against the trust store given to the read.
    pub passive_auth: PassiveAuthReport,
}

impl std::fmt::Debug for ChipDocument {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChipDocument")
            .field("access", &self.access)
            .field("com", &self.com)
            .field("mrz", &self.mrz)
            .field("data_groups", &self.data_groups.keys().collect::<Vec<_>>())
            .field("face", &self.face)
            .field("passive_auth", &self.passive_auth)
            .finish_non_exhaustive()
    }
}

impl ChipDocument {
    /// The UNZR, from the TD1 MRZ optional data when it has the `YYYYMMDD-NNNNC` shape.
    pub fn unzr(&self) -> Option<String> {
        details::unzr_from_mrz(&self.mrz)
    }

    /// The personal number from DG11 (5F10); on Ukrainian cards likely the RNOKPP or
    /// UNZR, which Keis shows as stored rather than guessing.
    pub fn personal_number(&self) -> Option<&str> {
        self.personal_details.as_ref().and_then(|d| d.text(0x5F10))
    }

    /// Runs passive authentication again against another trust store.
    pub fn verify(&self, trust: &CscaStore) -> PassiveAuthReport {
        passive_authentication(self.sod_bytes.as_deref(), &self.data_groups, trust)
    }

    /// Runs passive authentication of the data read against another EF.SOD.
    pub fn verify_with_sod(&self, sod: &[u8], trust: &CscaStore) -> PassiveAuthReport {
        passive_authentication(Some(sod), &self.data_groups, trust)
    }
}

/// Reads the document with the operating system's randomness and the bundled CSCAs.
pub fn read_document<T: Transport>(transport: T, key: &AccessKey) -> Result<ChipDocument, ChipError> {
    read_document_with(transport, key, &mut OsRandom)
}

/// Reads the document with injected randomness (tests replay fixed nonces), verifying
/// against the bundled Ukrainian CSCAs.
pub fn read_document_with<T: Transport>(
    transport: T,
    key: &AccessKey,
    rng: &mut dyn RandomSource,
) -> Result<ChipDocument, ChipError> {
    read_document_trusting(transport, key, rng, &CscaStore::bundled())
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

/// A file that may be absent (or access-protected): `None` rather than an error.
fn read_optional<T: Transport>(channel: &mut Channel<T>, file: FileId) -> Result<Option<Vec<u8>>, ChipError> {
    match files::read_file(channel, file) {
        Ok(bytes) => Ok(Some(bytes)),
        Err(ChipError::FileNotFound { .. }) => Ok(None),
        Err(ChipError::Status { sw, .. }) if sw == super::StatusWord::SECURITY_STATUS_NOT_SATISFIED => Ok(None),
        Err(e) => Err(e),
    }
}

/// Opens the chip with PACE or BAC; returns the protocol used.
fn open<T: Transport>(
    channel: &mut Channel<T>,
    key: &AccessKey,
    rng: &mut dyn RandomSource,
) -> Result<AccessProtocol, ChipError> {
    let infos = match read_card_access(channel)? {
        Some(bytes) => card_access::parse_card_access(&bytes).map_err(ChipError::tlv(files::EF_CARD_ACCESS.name))?,
        None => Vec::new(),
    };
    match (card_access::preferred(&infos), key) {
        (Some(info), _) => {
            let session = pace::establish(channel, info, key, rng)?;
            channel.set_secure_messaging(Some(session));
            files::select_application(channel)?;
            Ok(AccessProtocol::Pace)
        }
        (None, AccessKey::Mrz(mrz_key)) => {
            if !infos.is_empty() {
                tracing::debug!("no supported PACE variant offered; trying BAC");
            }
            files::select_application(channel)?;
            let session = bac::establish(channel, mrz_key, rng)?;
            channel.set_secure_messaging(Some(session));
            Ok(AccessProtocol::Bac)
        }
        (None, AccessKey::Can(_)) if infos.is_empty() => Err(ChipError::CanNeedsPace),
        (None, AccessKey::Can(_)) => Err(ChipError::Unsupported { what: "a PACE variant Keis does not implement" }),
    }
}

/// Reads the document and runs passive authentication against `trust`.
pub fn read_document_trusting<T: Transport>(
    transport: T,
    key: &AccessKey,
    rng: &mut dyn RandomSource,
    trust: &CscaStore,
) -> Result<ChipDocument, ChipError> {
    let mut channel = Channel::new(transport);
    let access = open(&mut channel, key, rng)?;
    debug_assert!(channel.is_secure());
    let com = match read_optional(&mut channel, files::EF_COM)? {
        Some(bytes) => Some(EfCom::parse(&bytes).map_err(ChipError::tlv(files::EF_COM.name))?),
        None => None,
    };
    let dg1 = files::read_file(&mut channel, files::DG1)?;
    let mrz = files::parse_dg1(&dg1)?;
    let sod_bytes = read_optional(&mut channel, files::EF_SOD)?;
    // With EF.COM, read only the groups it lists; without it, try each.
    let listed = |n: u8| com.as_ref().is_none_or(|c| c.data_groups.contains(&n));
    let mut data_groups = BTreeMap::from([(1u8, dg1.clone())]);
    for (number, file) in [(2u8, files::DG2), (11, files::DG11), (12, files::DG12)] {
        if listed(number)
            && let Some(bytes) = read_optional(&mut channel, file)?
        {
            data_groups.insert(number, bytes);
        }
    }
    let face = data_groups.get(&2).and_then(|bytes| {
        FaceImage::parse_dg2(bytes).map_err(|e| tracing::debug!(error = %e, "DG2 holds no usable image")).ok()
    });
    let details = |n: u8, tag: u32, file: FileId| -> Result<Option<Details>, ChipError> {
        data_groups.get(&n).map(|b| Details::parse(b, tag).map_err(ChipError::tlv(file.name))).transpose()
    };
    let personal_details = details(11, 0x6B, files::DG11)?;
    let document_details = details(12, 0x6C, files::DG12)?;
    let passive_auth = passive_authentication(sod_bytes.as_deref(), &data_groups, trust);
    tracing::debug!(?access, groups = ?data_groups.keys().collect::<Vec<_>>(), authentic = passive_auth.is_authentic(), "document read");
    Ok(ChipDocument {
        access,
        com,
        mrz,
        dg1_bytes: dg1,
        data_groups,
        sod_bytes,
        face,
        personal_details,
        document_details,
        passive_auth,
    })
}
