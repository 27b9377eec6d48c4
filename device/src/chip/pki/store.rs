//! The trust anchors of passive authentication: CSCA certificates from DER files, from an
//! ICAO CSCA master list (CMS SignedData holding a CscaMasterList), or the Ukrainian CSCA
//! certificates shipped in `assets/csca/UA/`.

use std::path::Path;

use super::cert::Certificate;
use super::cms::SignedData;
use super::der::{self, DerError, Element, INTEGER, SEQUENCE, SET};

/// Why CSCA certificates could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum CscaLoadError {
    #[error("cannot read the CSCA file {path}; check that it exists and is readable")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{path} is not a DER certificate or master list")]
    Parse {
        path: String,
        #[source]
        source: DerError,
    },
    #[error("the master list does not hold a CscaMasterList")]
    NotAMasterList,
}

/// The CSCA certificates a Document Signer may chain to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CscaStore {
    certs: Vec<Certificate>,
}

/// The public CSCA-UKRAINE certificates (from the German BSI master list; see the README
/// in `assets/csca/UA/`).
const BUNDLED_UA: &[&[u8]] = &[
    include_bytes!("../../../../assets/csca/UA/CSCA-UKRAINE_2015.der"),
    include_bytes!("../../../../assets/csca/UA/CSCA-UKRAINE_2020.der"),
    include_bytes!("../../../../assets/csca/UA/CSCA-UKRAINE_2020_link.der"),
];

impl CscaStore {
    /// An empty store (every chain check fails).
    pub fn new() -> Self {
        Self::default()
    }

    /// The Ukrainian CSCA certificates shipped with Keis.
    pub fn bundled() -> Self {
        let mut store = Self::new();
        for bytes in BUNDLED_UA {
            match Certificate::parse(bytes) {
                Ok(cert) => store.certs.push(cert),
                Err(e) => tracing::warn!(error = %e, "a bundled CSCA certificate does not parse"),
            }
        }
        store
    }

    pub fn from_certificates(certs: impl IntoIterator<Item = Certificate>) -> Self {
        Self { certs: certs.into_iter().collect() }
    }

    /// Adds one DER certificate.
    pub fn add_der(&mut self, bytes: &[u8]) -> Result<(), DerError> {
        self.certs.push(Certificate::parse(bytes)?);
        Ok(())
    }

    /// The certificates of an ICAO CSCA master list. Its own signature is not checked:
    /// the list is trusted as the file it came from.
    pub fn from_master_list(bytes: &[u8]) -> Result<Self, CscaLoadError> {
        let parse_err = |source| CscaLoadError::Parse { path: "master list".to_owned(), source };
        let signed = SignedData::parse(bytes).map_err(parse_err)?;
        if signed.content_type != der::oid("2.23.136.1.1.2") {
            return Err(CscaLoadError::NotAMasterList);
        }
        let what = "CSCA master list";
        let mut list = Element::expect(&signed.content, SEQUENCE, what).map_err(parse_err)?.children(what);
        list.expect(INTEGER).map_err(parse_err)?;
        let certs = list.expect(SET).map_err(parse_err)?;
        Ok(Self { certs: super::cert::parse_many(certs.children(what)) })
    }

    /// Every `.der`, `.cer` or `.crt` file in `dir` and its subfolders.
    pub fn load_dir(dir: &Path) -> Result<Self, CscaLoadError> {
        let mut store = Self::new();
        store.load_into(dir)?;
        Ok(store)
    }

    fn load_into(&mut self, dir: &Path) -> Result<(), CscaLoadError> {
        let io = |source| CscaLoadError::Io { path: dir.display().to_string(), source };
        let mut entries: Vec<_> =
            std::fs::read_dir(dir).map_err(io)?.filter_map(Result::ok).map(|e| e.path()).collect();
        entries.sort();
        for path in entries {
            let ext = path.extension().and_then(|e| e.to_str()).unwrap_or_default().to_ascii_lowercase();
            if path.is_dir() {
                self.load_into(&path)?;
            } else if matches!(ext.as_str(), "der" | "cer" | "crt") {
                let display = path.display().to_string();
                let bytes =
                    std::fs::read(&path).map_err(|source| CscaLoadError::Io { path: display.clone(), source })?;
                self.add_der(&bytes).map_err(|source| CscaLoadError::Parse { path: display, source })?;
            }
        }
        Ok(())
    }

    pub fn certificates(&self) -> &[Certificate] {
        &self.certs
    }

    /// The certificates of one country (subject C), e.g. `UA`.
    pub fn for_country(&self, country: &str) -> Vec<&Certificate> {
        self.certs.iter().filter(|c| c.country().as_deref() == Some(country)).collect()
    }

    pub fn is_empty(&self) -> bool {
        self.certs.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chip::emulator::{TestKeyKind, TestPki};

    #[test]
    fn a_master_list_gives_its_certificates_and_other_signed_data_is_refused() {
        let (pki, other) = (TestPki::generate(TestKeyKind::EcdsaP256), TestPki::generate(TestKeyKind::EcdsaP256));
        let (Ok(pki), Ok(other)) = (pki, other) else { panic!("test PKI") };
        let list = pki.master_list(&[other.csca_certificate()]).unwrap_or_default();
        let store = CscaStore::from_master_list(&list).unwrap_or_default();
        assert_eq!(store.certificates().len(), 2);
        assert_eq!(store.for_country("UT").len(), 2);
        let sod = pki.sign_sod([(1u8, &b"dg1"[..])]).unwrap_or_default();
        let bare_sod = crate::chip::tlv::expect(&sod, 0x77).unwrap_or_default();
        assert!(matches!(CscaStore::from_master_list(bare_sod), Err(CscaLoadError::NotAMasterList)));
        for cut in 0..list.len() {
            let _ = CscaStore::from_master_list(list.get(..cut).unwrap_or_default());
        }
    }
}
