//! Passive authentication (Doc 9303 Part 11 §5.1), reported level by level: the data
//! groups read match the hashes in EF.SOD; EF.SOD's signature verifies with the Document
//! Signer certificate; that certificate is signed by a CSCA of the trust store.

use std::collections::BTreeMap;

use super::cert::Certificate;
use super::cms::{CmsError, SignedData};
use super::der::{self, DerError, Element, INTEGER, OCTET_STRING, SEQUENCE};
use super::store::CscaStore;
use super::verify::{HashAlgorithm, SignatureError};
use crate::chip::tlv;

/// Why one level of passive authentication did not pass.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PassiveAuthError {
    #[error("the chip has no EF.SOD, so its data cannot be checked for authenticity")]
    NoSecurityObject,
    #[error("the chip's EF.SOD is malformed; read the card again, and treat the data as unverified if it persists")]
    MalformedSecurityObject(#[source] DerError),
    #[error("EF.SOD uses the hash algorithm {0}, which Keis cannot check")]
    UnsupportedHash(String),
    #[error("data groups {groups:?} do not match the issuer's signed hashes: the chip data may have been altered")]
    HashMismatch { groups: Vec<u8> },
    #[error("EF.SOD's signature does not verify: {0}")]
    SodSignature(#[from] CmsError),
    #[error(
        "the Document Signer certificate is not issued by any trusted CSCA; update the CSCA master list or treat the document as unverified"
    )]
    UntrustedSigner,
    #[error("the Document Signer certificate's signature by the CSCA does not verify: {0}")]
    ChainSignature(SignatureError),
}

/// The outcome of one level.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Passed,
    Failed(PassiveAuthError),
    /// Not checked because an earlier level could not be read.
    NotChecked,
}

impl Verdict {
    pub fn passed(&self) -> bool {
        matches!(self, Self::Passed)
    }
}

impl std::fmt::Display for Verdict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Passed => f.write_str("passed"),
            Self::Failed(e) => write!(f, "FAILED: {e}"),
            Self::NotChecked => f.write_str("not checked (an earlier level could not be read)"),
        }
    }
}

/// Passive authentication, level by level.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PassiveAuthReport {
    /// The data groups read match the hashes in EF.SOD.
    pub data_group_hashes: Verdict,
    /// EF.SOD is signed by its Document Signer certificate.
    pub sod_signature: Verdict,
    /// The Document Signer certificate chains to a trusted CSCA.
    pub certificate_chain: Verdict,
    /// Data groups whose hash matched.
    pub verified_groups: Vec<u8>,
    /// Data groups EF.SOD lists that were not read (e.g. access-protected fingerprints).
    pub unread_groups: Vec<u8>,
    /// The Document Signer's subject, e.g. `C=UA, O=…, CN=…`.
    pub document_signer: Option<String>,
    /// The CSCA the Document Signer chains to.
    pub csca: Option<String>,
}

impl PassiveAuthReport {
    /// All three levels passed.
    pub fn is_authentic(&self) -> bool {
        self.data_group_hashes.passed() && self.sod_signature.passed() && self.certificate_chain.passed()
    }

    fn failed_early(err: PassiveAuthError) -> Self {
        Self {
            data_group_hashes: Verdict::Failed(err),
            sod_signature: Verdict::NotChecked,
            certificate_chain: Verdict::NotChecked,
            verified_groups: Vec::new(),
            unread_groups: Vec::new(),
            document_signer: None,
            csca: None,
        }
    }
}

/// EF.SOD parsed: the signed data and the LDS security object's hashes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecurityObject {
    signed: SignedData,
    pub hash_algorithm: Option<HashAlgorithm>,
    hash_oid: String,
    /// Data group number → hash.
    pub hashes: BTreeMap<u8, Vec<u8>>,
}

impl SecurityObject {
    /// Parses EF.SOD (`77 { ContentInfo }`, or the bare ContentInfo).
    pub fn parse(bytes: &[u8]) -> Result<Self, PassiveAuthError> {
        let malformed = PassiveAuthError::MalformedSecurityObject;
        let content_info = match tlv::parse(bytes) {
            Ok((t, _)) if t.tag == 0x77 => t.value,
            _ => bytes,
        };
        let signed = SignedData::parse(content_info).map_err(malformed)?;
        let what = "LDS security object";
        let mut lds = Element::expect(&signed.content, SEQUENCE, what).map_err(malformed)?.children(what);
        let parsed = (|| {
            lds.expect(INTEGER)?;
            let alg = super::cert::AlgorithmId::parse(lds.next()?, what)?;
            let mut hashes = BTreeMap::new();
            for dg in lds.expect(SEQUENCE)?.children(what).rest()? {
                let mut r = dg.children(what);
                let number =
                    u8::try_from(r.expect(INTEGER)?.small_uint(what)?).map_err(|_| DerError::Unexpected { what })?;
                hashes.insert(number, r.expect(OCTET_STRING)?.value.to_vec());
            }
            Ok::<_, DerError>((alg, hashes))
        })();
        let (alg, hashes) = parsed.map_err(malformed)?;
        Ok(Self {
            hash_algorithm: HashAlgorithm::from_oid(&alg.oid),
            hash_oid: der::oid_text(&alg.oid),
            signed,
            hashes,
        })
    }

    /// The Document Signer certificate: the one embedded, or the one the signer names.
    pub fn document_signer(&self) -> Option<&Certificate> {
        self.signed.signer_certificate().ok().map(|(_, c)| c)
    }
}

/// Runs passive authentication over the data groups read (`number → file bytes`).
pub fn passive_authentication(
    sod: Option<&[u8]>,
    groups: &BTreeMap<u8, Vec<u8>>,
    trust: &CscaStore,
) -> PassiveAuthReport {
    let Some(sod) = sod else {
        return PassiveAuthReport::failed_early(PassiveAuthError::NoSecurityObject);
    };
    let sod = match SecurityObject::parse(sod) {
        Ok(sod) => sod,
        Err(e) => return PassiveAuthReport::failed_early(e),
    };
    // Each level is filled in below; the hash level is always overwritten.
    let mut report = PassiveAuthReport::failed_early(PassiveAuthError::NoSecurityObject);
    report.unread_groups = sod.hashes.keys().filter(|n| !groups.contains_key(n)).copied().collect();
    report.data_group_hashes = match sod.hash_algorithm {
        None => Verdict::Failed(PassiveAuthError::UnsupportedHash(sod.hash_oid.clone())),
        Some(hash) => {
            let mismatched: Vec<u8> = groups
                .iter()
                .filter(|(n, bytes)| sod.hashes.get(n) != Some(&hash.digest(bytes)))
                .map(|(n, _)| *n)
                .collect();
            report.verified_groups = groups.keys().filter(|n| !mismatched.contains(n)).copied().collect();
            if mismatched.is_empty() {
                Verdict::Passed
            } else {
                Verdict::Failed(PassiveAuthError::HashMismatch { groups: mismatched })
            }
        }
    };
    let (signer, ds) = match sod.signed.signer_certificate() {
        Ok(found) => found,
        Err(e) => {
            report.sod_signature = Verdict::Failed(e.into());
            return report;
        }
    };
    report.document_signer = Some(ds.subject_text());
    report.sod_signature = match sod.signed.verify_signer(signer, ds) {
        Ok(()) => Verdict::Passed,
        Err(e) => Verdict::Failed(e.into()),
    };
    report.certificate_chain = match chain(ds, trust) {
        Ok(csca) => {
            report.csca = Some(csca.subject_text());
            Verdict::Passed
        }
        Err(e) => Verdict::Failed(e),
    };
    tracing::debug!(
        hashes = report.data_group_hashes.passed(),
        signature = report.sod_signature.passed(),
        chain = report.certificate_chain.passed(),
        "passive authentication"
    );
    report
}

/// The CSCA that signed `ds`: named candidates first, then any CA whose key verifies.
fn chain<'a>(ds: &Certificate, trust: &'a CscaStore) -> Result<&'a Certificate, PassiveAuthError> {
    let check = |csca: &Certificate| ds.verify_signed_by(csca);
    let cas = trust.certificates().iter().filter(|c| c.is_ca != Some(false));
    let (named, others): (Vec<_>, Vec<_>) = cas.partition(|c| ds.may_be_issued_by(c));
    let mut last_err = None;
    for csca in named.iter().chain(others.iter()) {
        match check(csca) {
            Ok(()) => return Ok(csca),
            Err(e) if named.iter().any(|n| std::ptr::eq(*n, *csca)) => last_err = Some(e),
            Err(_) => {}
        }
    }
    Err(last_err.map_or(PassiveAuthError::UntrustedSigner, PassiveAuthError::ChainSignature))
}
