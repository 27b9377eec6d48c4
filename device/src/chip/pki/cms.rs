//! CMS SignedData (RFC 5652) as EF.SOD and CSCA master lists use it: the encapsulated
//! content, the embedded certificates and the signer infos with their signed attributes.

use super::cert::{self, AlgorithmId, Certificate};
use super::der::{self, DerError, Element, INTEGER, OCTET_STRING, OID, Oid, SEQUENCE, SET};
use super::verify::{self, HashAlgorithm, SignatureError};

const WHAT: &str = "CMS signed data";

/// How a signer names its certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum SignerId {
    IssuerSerial { issuer: Vec<u8>, serial: Vec<u8> },
    KeyId(Vec<u8>),
}

/// One SignerInfo.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SignerInfo {
    pub sid: SignerId,
    pub digest_algorithm: AlgorithmId,
    /// The signed attributes re-tagged as `SET OF` (what the signature covers).
    pub signed_attrs: Option<Vec<u8>>,
    pub message_digest: Option<Vec<u8>>,
    pub signature_algorithm: AlgorithmId,
    pub signature: Vec<u8>,
}

/// A parsed SignedData.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SignedData {
    pub content_type: Oid,
    pub content: Vec<u8>,
    pub certificates: Vec<Certificate>,
    pub signers: Vec<SignerInfo>,
}

/// The eContent OCTET STRING, primitive or (BER) constructed.
fn octets(el: Element<'_>) -> Result<Vec<u8>, DerError> {
    match el.tag {
        OCTET_STRING => Ok(el.value.to_vec()),
        0x24 => Ok(el.children(WHAT).rest()?.iter().flat_map(|p| p.value.iter().copied()).collect()),
        _ => Err(DerError::Unexpected { what: WHAT }),
    }
}

impl SignedData {
    /// Parses a ContentInfo holding SignedData (trailing bytes ignored).
    pub(crate) fn parse(bytes: &[u8]) -> Result<Self, DerError> {
        let mut info = Element::expect(bytes, SEQUENCE, WHAT)?.children(WHAT);
        if info.expect(OID)?.value != der::oid("1.2.840.113549.1.7.2") {
            return Err(DerError::Unexpected { what: WHAT });
        }
        let explicit = info.expect(0xA0)?;
        let mut sd = Element::expect(explicit.value, SEQUENCE, WHAT)?.children(WHAT);
        sd.expect(INTEGER)?;
        sd.expect(SET)?;
        let mut encap = sd.expect(SEQUENCE)?.children(WHAT);
        let content_type = encap.expect(OID)?.value.to_vec();
        let content = match encap.optional(0xA0)? {
            Some(wrapper) => octets(Element::parse(wrapper.value, WHAT)?.0)?,
            None => Vec::new(),
        };
        let certificates = match sd.optional(0xA0)? {
            Some(certs) => cert::parse_many(certs.children(WHAT)),
            None => Vec::new(),
        };
        sd.optional(0xA1)?;
        let signers = sd.expect(SET)?.children(WHAT).rest()?.into_iter().map(parse_signer).collect::<Result<_, _>>()?;
        Ok(Self { content_type, content, certificates, signers })
    }
}

fn parse_signer(el: Element<'_>) -> Result<SignerInfo, DerError> {
    let mut r = el.check(SEQUENCE, WHAT)?.children(WHAT);
    r.expect(INTEGER)?;
    let sid_el = r.next()?;
    let sid = match sid_el.tag {
        SEQUENCE => {
            let mut s = sid_el.children(WHAT);
            SignerId::IssuerSerial {
                issuer: s.expect(SEQUENCE)?.raw.to_vec(),
                serial: s.expect(INTEGER)?.value.to_vec(),
            }
        }
        0x80 => SignerId::KeyId(sid_el.value.to_vec()),
        _ => return Err(DerError::Unexpected { what: WHAT }),
    };
    let digest_algorithm = AlgorithmId::parse(r.next()?, WHAT)?;
    let (mut signed_attrs, mut message_digest) = (None, None);
    if let Some(attrs) = r.optional(0xA0)? {
        signed_attrs = Some(der::encode(SET, attrs.value));
        for attr in attrs.children(WHAT).rest()? {
            let mut a = attr.children(WHAT);
            if a.expect(OID)?.value == der::oid("1.2.840.113549.1.9.4") {
                let values = a.expect(SET)?;
                message_digest = Some(Element::expect(values.value, OCTET_STRING, WHAT)?.value.to_vec());
            }
        }
    }
    let signature_algorithm = AlgorithmId::parse(r.next()?, WHAT)?;
    let signature = r.expect(OCTET_STRING)?.value.to_vec();
    Ok(SignerInfo { sid, digest_algorithm, signed_attrs, message_digest, signature_algorithm, signature })
}

/// Why a CMS signature did not verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CmsError {
    #[error("the signed data has no signer")]
    NoSigner,
    #[error("the signer's certificate is not in the signed data")]
    NoSignerCertificate,
    #[error("the signed data uses the digest algorithm {0}, which Keis cannot check")]
    UnsupportedDigest(String),
    #[error("the signed content does not match the digest in the signed attributes")]
    ContentDigestMismatch,
    #[error(transparent)]
    Signature(#[from] SignatureError),
}

impl SignedData {
    /// The signer's certificate: the one embedded certificate when there is exactly one
    /// (the signer-info issuer of Ukrainian documents is encoded differently), else the
    /// certificate matching the signer identifier.
    pub(crate) fn signer_certificate(&self) -> Result<(&SignerInfo, &Certificate), CmsError> {
        let signer = self.signers.first().ok_or(CmsError::NoSigner)?;
        if let [only] = self.certificates.as_slice() {
            return Ok((signer, only));
        }
        let found = self.certificates.iter().find(|c| match &signer.sid {
            SignerId::IssuerSerial { issuer, serial } => {
                c.serial_matches(serial) && cert::names_match(c.issuer_raw(), issuer)
            }
            SignerId::KeyId(id) => c.subject_key_id.as_ref() == Some(id),
        });
        found.map(|c| (signer, c)).ok_or(CmsError::NoSignerCertificate)
    }

    /// Verifies the first signer's signature over the content with `cert`'s key.
    pub(crate) fn verify_signer(&self, signer: &SignerInfo, cert: &Certificate) -> Result<(), CmsError> {
        let hash = HashAlgorithm::from_oid(&signer.digest_algorithm.oid)
            .ok_or_else(|| CmsError::UnsupportedDigest(signer.digest_algorithm.name()))?;
        let message = match (&signer.signed_attrs, &signer.message_digest) {
            (Some(attrs), Some(digest)) => {
                if hash.digest(&self.content) != *digest {
                    return Err(CmsError::ContentDigestMismatch);
                }
                attrs.as_slice()
            }
            (Some(_), None) => return Err(CmsError::ContentDigestMismatch),
            (None, _) => self.content.as_slice(),
        };
        verify::verify(&signer.signature_algorithm, Some(hash), &cert.public_key, message, &signer.signature)?;
        Ok(())
    }
}
