//! Passive authentication and the PKI it rests on: a lenient DER reader (`der`), X.509
//! certificates ([`cert`]), CMS SignedData (`cms`), signature verification ([`verify`]),
//! the CSCA trust store and master lists ([`store`]), and the level-by-level check
//! ([`passive`]).

pub mod cert;
mod cms;
pub(crate) mod der;
pub mod passive;
pub mod store;
pub mod verify;

pub use cert::{AlgorithmId, Certificate, PublicKeyInfo};
pub use cms::CmsError;
pub use der::DerError;
pub use passive::{PassiveAuthError, PassiveAuthReport, SecurityObject, Verdict, passive_authentication};
pub use store::{CscaLoadError, CscaStore};
pub use verify::{HashAlgorithm, SignatureError};
