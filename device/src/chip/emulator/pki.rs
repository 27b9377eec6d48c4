//! A throwaway test PKI for the emulated chip: a CSCA, a Document Signer it certifies, and
//! EF.SOD signed by that Document Signer over the chip's data groups. Keys are generated
//! per run (ECDSA P-256) or come from a fixed RSA test key; none is trusted anywhere.

use ring::rand::SystemRandom;
use ring::signature::{self as rs, KeyPair as _};

use crate::chip::pki::der::{self, BIT_STRING, INTEGER, OCTET_STRING, OID, SEQUENCE, SET};
use crate::chip::pki::{Certificate, CscaStore, HashAlgorithm};

/// A fixed RSA-2048 key for tests only (generated with `openssl genpkey`).
const TEST_RSA_KEY: &[u8] = include_bytes!("test-rsa-2048.pk8");

/// The signature scheme of the test PKI's keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TestKeyKind {
    EcdsaP256,
    RsaPkcs1,
    RsaPss,
}

/// Building the test PKI failed (key generation or signing).
#[derive(Debug, thiserror::Error)]
#[error("the test PKI could not {0}")]
pub struct TestPkiError(&'static str);

enum Key {
    Ec(rs::EcdsaKeyPair),
    Rsa(rs::RsaKeyPair, bool),
}

struct Signer {
    key: Key,
    name: Vec<u8>,
    key_id: Vec<u8>,
}

fn seq(parts: &[&[u8]]) -> Vec<u8> {
    der::encode(SEQUENCE, &parts.concat())
}

fn oid(dotted: &str) -> Vec<u8> {
    der::encode(OID, &der::oid(dotted))
}

fn bits(content: &[u8]) -> Vec<u8> {
    der::encode(BIT_STRING, &[&[0u8][..], content].concat())
}

fn name(country: &str, cn: &str) -> Vec<u8> {
    let attr = |o: &str, tag: u32, v: &str| der::encode(SET, &seq(&[&oid(o), &der::encode(tag, v.as_bytes())]));
    seq(&[&attr("2.5.4.6", 0x13, country), &attr("2.5.4.3", 0x0C, cn)])
}

fn sha256_alg() -> Vec<u8> {
    seq(&[&oid("2.16.840.1.101.3.4.2.1")])
}

impl Signer {
    fn new(kind: TestKeyKind, country: &str, cn: &str, rng: &SystemRandom) -> Result<Self, TestPkiError> {
        let key = match kind {
            TestKeyKind::EcdsaP256 => {
                let alg = &rs::ECDSA_P256_SHA256_ASN1_SIGNING;
                let pkcs8 = rs::EcdsaKeyPair::generate_pkcs8(alg, rng).map_err(|_| TestPkiError("generate a key"))?;
                Key::Ec(rs::EcdsaKeyPair::from_pkcs8(alg, pkcs8.as_ref(), rng).map_err(|_| TestPkiError("load a key"))?)
            }
            TestKeyKind::RsaPkcs1 | TestKeyKind::RsaPss => Key::Rsa(
                rs::RsaKeyPair::from_pkcs8(TEST_RSA_KEY).map_err(|_| TestPkiError("load the RSA key"))?,
                kind == TestKeyKind::RsaPss,
            ),
        };
        let mut signer = Self { key, name: name(country, cn), key_id: Vec::new() };
        signer.key_id = HashAlgorithm::Sha1.digest(&signer.spki());
        Ok(signer)
    }

    fn spki(&self) -> Vec<u8> {
        match &self.key {
            Key::Ec(k) => {
                seq(&[&seq(&[&oid("1.2.840.10045.2.1"), &oid("1.2.840.10045.3.1.7")]), &bits(k.public_key().as_ref())])
            }
            Key::Rsa(k, _) => {
                seq(&[&seq(&[&oid("1.2.840.113549.1.1.1"), &[0x05, 0x00]]), &bits(k.public_key().as_ref())])
            }
        }
    }

    fn algorithm(&self) -> Vec<u8> {
        match &self.key {
            Key::Ec(_) => seq(&[&oid("1.2.840.10045.4.3.2")]),
            Key::Rsa(_, false) => seq(&[&oid("1.2.840.113549.1.1.11"), &[0x05, 0x00]]),
            Key::Rsa(_, true) => {
                let mgf = seq(&[&oid("1.2.840.113549.1.1.8"), &sha256_alg()]);
                let params = seq(&[
                    &der::encode(0xA0, &sha256_alg()),
                    &der::encode(0xA1, &mgf),
                    &der::encode(0xA2, &der::encode(INTEGER, &[32])),
                ]);
                seq(&[&oid("1.2.840.113549.1.1.10"), &params])
            }
        }
    }

    fn sign(&self, message: &[u8], rng: &SystemRandom) -> Result<Vec<u8>, TestPkiError> {
        let failed = |_| TestPkiError("sign");
        match &self.key {
            Key::Ec(k) => Ok(k.sign(rng, message).map_err(failed)?.as_ref().to_vec()),
            Key::Rsa(k, pss) => {
                let mut sig = vec![0; k.public().modulus_len()];
                let padding: &dyn rs::RsaEncoding = if *pss { &rs::RSA_PSS_SHA256 } else { &rs::RSA_PKCS1_SHA256 };
                k.sign(padding, rng, message, &mut sig).map_err(failed)?;
                Ok(sig)
            }
        }
    }

    /// A certificate for `subject` signed by `self`.
    fn certify(&self, subject: &Signer, serial: u8, ca: bool, rng: &SystemRandom) -> Result<Vec<u8>, TestPkiError> {
        let ext = |id: &str, critical: bool, value: &[u8]| {
            let flag = if critical { vec![0x01, 0x01, 0xFF] } else { Vec::new() };
            seq(&[&oid(id), &flag, &der::encode(OCTET_STRING, value)])
        };
        let mut exts = vec![
            ext("2.5.29.14", false, &der::encode(OCTET_STRING, &subject.key_id)),
            ext("2.5.29.35", false, &seq(&[&der::encode(0x80, &self.key_id)])),
        ];
        if ca {
            // cA encoded as BER `01`, like the 2015 CSCA-UKRAINE certificate.
            exts.push(ext("2.5.29.19", true, &seq(&[&[0x01, 0x01, 0x01]])));
        }
        let validity = seq(&[&der::encode(0x17, b"200101000000Z"), &der::encode(0x17, b"400101000000Z")]);
        let tbs = seq(&[
            &der::encode(0xA0, &der::encode(INTEGER, &[2])),
            &der::encode(INTEGER, &[serial]),
            &self.algorithm(),
            &self.name,
            &validity,
            &subject.name,
            &subject.spki(),
            &der::encode(0xA3, &seq(&[&exts.concat()])),
        ]);
        let signature = self.sign(&tbs, rng)?;
        Ok(seq(&[&tbs, &self.algorithm(), &bits(&signature)]))
    }
}

/// A CSCA and a Document Signer, ready to sign EF.SOD.
pub struct TestPki {
    ds: Signer,
    csca_cert: Vec<u8>,
    ds_cert: Vec<u8>,
    rng: SystemRandom,
}

impl std::fmt::Debug for TestPki {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestPki").finish_non_exhaustive()
    }
}

impl TestPki {
    /// A fresh CSCA (country `UT`, Utopia) and Document Signer with keys of `kind`.
    pub fn generate(kind: TestKeyKind) -> Result<Self, TestPkiError> {
        let rng = SystemRandom::new();
        let csca = Signer::new(kind, "UT", "Test CSCA Utopia", &rng)?;
        let ds = Signer::new(kind, "UT", "Test Document Signer Utopia", &rng)?;
        let csca_cert = csca.certify(&csca, 1, true, &rng)?;
        let ds_cert = csca.certify(&ds, 2, false, &rng)?;
        Ok(Self { ds, csca_cert, ds_cert, rng })
    }

    /// The trust store holding this PKI's CSCA.
    pub fn csca_store(&self) -> CscaStore {
        CscaStore::from_certificates(Certificate::parse(&self.csca_cert).ok())
    }

    pub fn csca_certificate(&self) -> &[u8] {
        &self.csca_cert
    }

    /// EF.SOD over `(data group number, file bytes)` with SHA-256 hashes.
    pub fn sign_sod<'a>(&self, groups: impl IntoIterator<Item = (u8, &'a [u8])>) -> Result<Vec<u8>, TestPkiError> {
        let hashes: Vec<u8> = groups
            .into_iter()
            .flat_map(|(n, bytes)| {
                let hash = HashAlgorithm::Sha256.digest(bytes);
                seq(&[&der::encode(INTEGER, &[n]), &der::encode(OCTET_STRING, &hash)])
            })
            .collect();
        let lds = seq(&[&der::encode(INTEGER, &[0]), &sha256_alg(), &der::encode(SEQUENCE, &hashes)]);
        let signed = self.signed_data("2.23.136.1.1.1", &lds)?;
        Ok(der::encode(0x77, &signed))
    }

    /// A CSCA master list (CscaMasterList in CMS SignedData) holding this PKI's CSCA and
    /// `others`, signed by the Document Signer key (a stand-in for a list signer).
    pub fn master_list(&self, others: &[&[u8]]) -> Result<Vec<u8>, TestPkiError> {
        let certs = [&[self.csca_cert.as_slice()][..], others].concat().concat();
        let list = seq(&[&der::encode(INTEGER, &[0]), &der::encode(SET, &certs)]);
        self.signed_data("2.23.136.1.1.2", &list)
    }

    /// ContentInfo { SignedData } over `content` of type `content_type`, one signer (the
    /// Document Signer) with signed attributes and its certificate embedded.
    fn signed_data(&self, content_type: &str, content: &[u8]) -> Result<Vec<u8>, TestPkiError> {
        let type_oid = oid(content_type);
        let attrs = [
            seq(&[&oid("1.2.840.113549.1.9.3"), &der::encode(SET, &type_oid)]),
            seq(&[
                &oid("1.2.840.113549.1.9.4"),
                &der::encode(SET, &der::encode(OCTET_STRING, &HashAlgorithm::Sha256.digest(content))),
            ]),
        ]
        .concat();
        let signature = self.ds.sign(&der::encode(SET, &attrs), &self.rng)?;
        let sid = seq(&[&name("UT", "Test CSCA Utopia"), &der::encode(INTEGER, &[2])]);
        let signer = seq(&[
            &der::encode(INTEGER, &[1]),
            &sid,
            &sha256_alg(),
            &der::encode(0xA0, &attrs),
            &self.ds.algorithm(),
            &der::encode(OCTET_STRING, &signature),
        ]);
        let signed_data = seq(&[
            &der::encode(INTEGER, &[3]),
            &der::encode(SET, &sha256_alg()),
            &seq(&[&type_oid, &der::encode(0xA0, &der::encode(OCTET_STRING, content))]),
            &der::encode(0xA0, &self.ds_cert),
            &der::encode(SET, &signer),
        ]);
        Ok(seq(&[&oid("1.2.840.113549.1.7.2"), &der::encode(0xA0, &signed_data)]))
    }
}
