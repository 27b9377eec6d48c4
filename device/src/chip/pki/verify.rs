//! Digests and signature verification for passive authentication: RSA PKCS#1 v1.5 and PSS,
//! ECDSA on P-256 and P-384 (through `ring`) and on brainpoolP256r1 (RustCrypto), with the
//! curve taken from a named-curve OID or from explicit domain parameters.

use sha2::Digest as _;

use super::cert::{AlgorithmId, PublicKeyInfo};
use super::der::{self, Element, INTEGER, OID, SEQUENCE};

/// A digest algorithm of the LDS security object or a signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HashAlgorithm {
    Sha1,
    Sha224,
    Sha256,
    Sha384,
    Sha512,
}

impl HashAlgorithm {
    pub(crate) fn from_oid(oid: &[u8]) -> Option<Self> {
        Some(match der::oid_text(oid).as_str() {
            "1.3.14.3.2.26" => Self::Sha1,
            "2.16.840.1.101.3.4.2.4" => Self::Sha224,
            "2.16.840.1.101.3.4.2.1" => Self::Sha256,
            "2.16.840.1.101.3.4.2.2" => Self::Sha384,
            "2.16.840.1.101.3.4.2.3" => Self::Sha512,
            _ => return None,
        })
    }

    pub(crate) fn digest(self, data: &[u8]) -> Vec<u8> {
        match self {
            Self::Sha1 => {
                use sha1::Digest as _;
                sha1::Sha1::digest(data).to_vec()
            }
            Self::Sha224 => sha2::Sha224::digest(data).to_vec(),
            Self::Sha256 => sha2::Sha256::digest(data).to_vec(),
            Self::Sha384 => sha2::Sha384::digest(data).to_vec(),
            Self::Sha512 => sha2::Sha512::digest(data).to_vec(),
        }
    }
}

/// Why a signature was not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    /// The signature does not match the data and key.
    #[error("the signature does not match")]
    Invalid,
    /// An algorithm, curve or parameter set Keis does not verify.
    #[error("the signature uses {0}, which Keis cannot verify yet")]
    Unsupported(String),
    /// The public key is malformed.
    #[error("the signer's public key is malformed")]
    BadKey,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scheme {
    RsaPkcs1,
    RsaPss,
    /// ASN.1 DER (r, s).
    Ecdsa,
    /// BSI TR-03111 plain r‖s.
    EcdsaPlain,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Curve {
    P256,
    P384,
    BrainpoolP256r1,
}

/// The scheme and hash a signature algorithm identifier names; `hint` is the SignerInfo
/// digest algorithm, used when the OID names only the key type (rsaEncryption).
fn scheme(alg: &AlgorithmId, hint: Option<HashAlgorithm>) -> Result<(Scheme, HashAlgorithm), SignatureError> {
    use HashAlgorithm::*;
    let dotted = alg.name();
    let unsupported = || SignatureError::Unsupported(format!("signature algorithm {dotted}"));
    Ok(match dotted.as_str() {
        "1.2.840.113549.1.1.1" => (Scheme::RsaPkcs1, hint.ok_or_else(unsupported)?),
        "1.2.840.113549.1.1.5" => (Scheme::RsaPkcs1, Sha1),
        "1.2.840.113549.1.1.11" => (Scheme::RsaPkcs1, Sha256),
        "1.2.840.113549.1.1.12" => (Scheme::RsaPkcs1, Sha384),
        "1.2.840.113549.1.1.13" => (Scheme::RsaPkcs1, Sha512),
        "1.2.840.113549.1.1.14" => (Scheme::RsaPkcs1, Sha224),
        "1.2.840.113549.1.1.10" => (Scheme::RsaPss, pss_hash(alg.params.as_deref()).ok_or_else(unsupported)?),
        "1.2.840.10045.4.1" => (Scheme::Ecdsa, Sha1),
        "1.2.840.10045.4.3.1" => (Scheme::Ecdsa, Sha224),
        "1.2.840.10045.4.3.2" => (Scheme::Ecdsa, Sha256),
        "1.2.840.10045.4.3.3" => (Scheme::Ecdsa, Sha384),
        "1.2.840.10045.4.3.4" => (Scheme::Ecdsa, Sha512),
        "1.2.840.10045.2.1" => (Scheme::Ecdsa, hint.ok_or_else(unsupported)?),
        "0.4.0.127.0.7.1.1.4.1.1" => (Scheme::EcdsaPlain, Sha1),
        "0.4.0.127.0.7.1.1.4.1.2" => (Scheme::EcdsaPlain, Sha224),
        "0.4.0.127.0.7.1.1.4.1.3" => (Scheme::EcdsaPlain, Sha256),
        "0.4.0.127.0.7.1.1.4.1.4" => (Scheme::EcdsaPlain, Sha384),
        "0.4.0.127.0.7.1.1.4.1.5" => (Scheme::EcdsaPlain, Sha512),
        _ => return Err(unsupported()),
    })
}

/// RSASSA-PSS-params: `[0] hashAlgorithm` (default SHA-1).
fn pss_hash(params: Option<&[u8]>) -> Option<HashAlgorithm> {
    let Some(params) = params else { return Some(HashAlgorithm::Sha1) };
    let seq = Element::expect(params, SEQUENCE, "PSS parameters").ok()?;
    match seq.children("PSS parameters").optional(0xA0).ok()? {
        None => Some(HashAlgorithm::Sha1),
        Some(hash) => {
            let alg = AlgorithmId::parse(Element::expect(hash.value, SEQUENCE, "PSS hash").ok()?, "PSS hash").ok()?;
            HashAlgorithm::from_oid(&alg.oid)
        }
    }
}

const P256_PRIME: &str = "FFFFFFFF00000001000000000000000000000000FFFFFFFFFFFFFFFFFFFFFFFF";
const P384_PRIME: &str = "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEFFFFFFFF0000000000000000FFFFFFFF";
const BP256_PRIME: &str = "A9FB57DBA1EEA9BC3E660A909D838D726E3BF623D52620282013481D1F6E5377";

/// The curve of an EC key: a named-curve OID or explicit parameters (matched on the prime).
fn curve(key: &PublicKeyInfo) -> Result<Curve, SignatureError> {
    let params = key.algorithm.params.as_deref().ok_or(SignatureError::BadKey)?;
    let (el, _) = Element::parse(params, "EC parameters").map_err(|_| SignatureError::BadKey)?;
    let unsupported = |what: String| SignatureError::Unsupported(format!("the elliptic curve {what}"));
    if el.tag == OID {
        return match der::oid_text(el.value).as_str() {
            "1.2.840.10045.3.1.7" => Ok(Curve::P256),
            "1.3.132.0.34" => Ok(Curve::P384),
            "1.3.36.3.3.2.8.1.1.7" => Ok(Curve::BrainpoolP256r1),
            other => Err(unsupported(other.to_owned())),
        };
    }
    let mut r = el.check(SEQUENCE, "EC parameters").map_err(|_| SignatureError::BadKey)?.children("EC parameters");
    let prime = r
        .expect(INTEGER)
        .and_then(|_| r.expect(SEQUENCE))
        .and_then(|field| {
            let mut f = field.children("EC field");
            f.expect(OID)?;
            f.expect(INTEGER)
        })
        .map_err(|_| SignatureError::BadKey)?;
    let hex = hex::encode_upper(prime.value.strip_prefix(&[0]).unwrap_or(prime.value));
    match hex.as_str() {
        P256_PRIME => Ok(Curve::P256),
        P384_PRIME => Ok(Curve::P384),
        BP256_PRIME => Ok(Curve::BrainpoolP256r1),
        _ => Err(unsupported("with explicit parameters".to_owned())),
    }
}

/// Verifies `signature` over `message` with `key`.
pub(crate) fn verify(
    alg: &AlgorithmId,
    hint: Option<HashAlgorithm>,
    key: &PublicKeyInfo,
    message: &[u8],
    signature: &[u8],
) -> Result<(), SignatureError> {
    use HashAlgorithm::*;
    use ring::signature as rs;
    let (scheme, hash) = scheme(alg, hint)?;
    let unsupported = || SignatureError::Unsupported(format!("{scheme:?} with {hash:?}"));
    let ring_alg: &dyn rs::VerificationAlgorithm = match scheme {
        Scheme::RsaPkcs1 => match hash {
            Sha1 => &rs::RSA_PKCS1_2048_8192_SHA1_FOR_LEGACY_USE_ONLY,
            Sha256 => &rs::RSA_PKCS1_2048_8192_SHA256,
            Sha384 => &rs::RSA_PKCS1_2048_8192_SHA384,
            Sha512 => &rs::RSA_PKCS1_2048_8192_SHA512,
            Sha224 => return Err(unsupported()),
        },
        Scheme::RsaPss => match hash {
            Sha256 => &rs::RSA_PSS_2048_8192_SHA256,
            Sha384 => &rs::RSA_PSS_2048_8192_SHA384,
            Sha512 => &rs::RSA_PSS_2048_8192_SHA512,
            Sha1 | Sha224 => return Err(unsupported()),
        },
        Scheme::Ecdsa | Scheme::EcdsaPlain => {
            let plain = scheme == Scheme::EcdsaPlain;
            match (curve(key)?, hash, plain) {
                (Curve::BrainpoolP256r1, _, _) => return verify_bp256(hash, key, message, signature, plain),
                (Curve::P256, Sha256, false) => &rs::ECDSA_P256_SHA256_ASN1,
                (Curve::P256, Sha384, false) => &rs::ECDSA_P256_SHA384_ASN1,
                (Curve::P384, Sha256, false) => &rs::ECDSA_P384_SHA256_ASN1,
                (Curve::P384, Sha384, false) => &rs::ECDSA_P384_SHA384_ASN1,
                (Curve::P256, Sha256, true) => &rs::ECDSA_P256_SHA256_FIXED,
                (Curve::P384, Sha384, true) => &rs::ECDSA_P384_SHA384_FIXED,
                _ => return Err(unsupported()),
            }
        }
    };
    rs::UnparsedPublicKey::new(ring_alg, &key.key).verify(message, signature).map_err(|_| SignatureError::Invalid)
}

fn verify_bp256(
    hash: HashAlgorithm,
    key: &PublicKeyInfo,
    message: &[u8],
    signature: &[u8],
    plain: bool,
) -> Result<(), SignatureError> {
    use ecdsa::signature::hazmat::PrehashVerifier as _;
    let key =
        ecdsa::VerifyingKey::<bp256::BrainpoolP256r1>::from_sec1_bytes(&key.key).map_err(|_| SignatureError::BadKey)?;
    let sig = if plain {
        bp256::r1::ecdsa::Signature::from_slice(signature)
    } else {
        bp256::r1::ecdsa::Signature::from_der(signature)
    }
    .map_err(|_| SignatureError::Invalid)?;
    key.verify_prehash(&hash.digest(message), &sig).map_err(|_| SignatureError::Invalid)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ecdsa::signature::hazmat::PrehashSigner as _;

    fn ec_key(params: Vec<u8>, point: Vec<u8>) -> PublicKeyInfo {
        PublicKeyInfo {
            algorithm: AlgorithmId { oid: der::oid("1.2.840.10045.2.1"), params: Some(params) },
            key: point,
        }
    }

    fn alg(dotted: &str) -> AlgorithmId {
        AlgorithmId { oid: der::oid(dotted), params: None }
    }

    #[test]
    fn brainpool_signatures_verify_with_named_or_explicit_curves() {
        let Ok(signer) = ecdsa::SigningKey::<bp256::BrainpoolP256r1>::from_slice(&[7; 32]) else {
            panic!("valid scalar")
        };
        let point = signer.verifying_key().to_sec1_point(false).as_bytes().to_vec();
        let message = b"LDS security object";
        let digest = HashAlgorithm::Sha256.digest(message);
        let Ok(sig): Result<bp256::r1::ecdsa::Signature, _> = signer.sign_prehash(&digest) else { panic!("signs") };
        let named = ec_key(der::encode(OID, &der::oid("1.3.36.3.3.2.8.1.1.7")), point.clone());
        let prime = hex::decode(BP256_PRIME).unwrap_or_default();
        let field = der::encode(
            SEQUENCE,
            &[der::encode(OID, &der::oid("1.2.840.10045.1.1")), der::encode(INTEGER, &[&[0u8][..], &prime].concat())]
                .concat(),
        );
        let explicit = ec_key(der::encode(SEQUENCE, &[der::encode(INTEGER, &[1]), field].concat()), point);
        for key in [&named, &explicit] {
            let der_sig = sig.to_der().as_bytes().to_vec();
            assert_eq!(verify(&alg("1.2.840.10045.4.3.2"), None, key, message, &der_sig), Ok(()));
            assert_eq!(verify(&alg("0.4.0.127.0.7.1.1.4.1.3"), None, key, message, &sig.to_bytes()), Ok(()));
            assert_eq!(
                verify(&alg("1.2.840.10045.4.3.2"), None, key, b"other", &der_sig),
                Err(SignatureError::Invalid)
            );
        }
        assert!(matches!(verify(&alg("1.2.3.4"), None, &named, message, &[]), Err(SignatureError::Unsupported(_))));
    }
}
