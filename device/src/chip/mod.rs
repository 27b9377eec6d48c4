//! ICAO Doc 9303 eMRTD chip access: the ID card or passport chip over any [`Transport`].
//!
//! Where things live:
//! - [`apdu`], [`transport`]: command/response APDUs and the one trait a reader implements;
//! - `tlv`, `crypto`, [`sm`]: BER-TLV, the symmetric primitives, secure messaging;
//! - [`access`], `bac`, [`pace`]: the access keys (MRZ, CAN) and the two access-control
//!   protocols;
//! - [`mrz`], [`files`]: the MRZ (DG1) and the LDS files (EF.COM, DG1) with chunked reads;
//!   `channel` joins 61xx answers with GET RESPONSE;
//! - [`face`], [`details`]: DG2 (face image), DG11/DG12 (every tag kept), UNZR;
//! - [`pki`]: passive authentication (EF.SOD, certificates, CSCA trust store);
//! - [`reader`]: [`read_document`], the whole read from EF.CardAccess to passive
//!   authentication;
//! - `pcsc` (feature `pcsc`): the PC/SC reader backend;
//! - `android` (feature `android`): the Android IsoDep bridge over JNI (compiled here, run
//!   only on a tablet);
//! - `emulator` (feature `test-support`): an in-process chip and a fault-injecting link.
//!
//! Everything is synchronous and pure protocol logic; backends only move bytes.
//!
//! ```
//! use keis_device::chip::emulator::{EmulatedChip, SPECIMEN_CAN};
//! use keis_device::chip::{AccessKey, AccessProtocol, Can, read_document};
//!
//! // In the app the transport is the phone's NFC or a PC/SC reader.
//! let card = EmulatedChip::td1_specimen();
//! let key = AccessKey::from(Can::new(SPECIMEN_CAN)?);
//! let doc = read_document(card, &key)?;
//! assert_eq!(doc.access, AccessProtocol::Pace);
//! assert_eq!(doc.mrz.primary_identifier, "ERIKSSON");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod access;
#[cfg(feature = "android")]
pub mod android;
pub mod apdu;
mod bac;
mod channel;
mod crypto;
pub mod details;
#[cfg(any(test, feature = "test-support"))]
pub mod emulator;
pub mod error;
pub mod face;
pub mod files;
pub mod mrz;
pub mod pace;
#[cfg(feature = "pcsc")]
pub mod pcsc;
pub mod pki;
pub mod random;
pub mod reader;
pub mod sm;
mod tlv;
pub mod transport;

#[cfg(test)]
mod icao_vectors;

pub use access::{AccessKey, AccessKeyError, Can, MrzKey};
pub use apdu::{ApduError, CommandApdu, ResponseApdu, StatusWord};
pub use crypto::CipherKind;
pub use details::{DetailField, Details, FieldValue};
pub use error::ChipError;
pub use face::{FaceError, FaceFormat, FaceImage};
pub use files::EfCom;
pub use mrz::{Mrz, MrzError, MrzField, MrzFormat};
pub use pace::ec::Curve;
pub use pki::{CscaStore, PassiveAuthError, PassiveAuthReport, Verdict};
pub use random::{OsRandom, RandomError, RandomSource, ScriptedRandom};
pub use reader::{AccessProtocol, ChipDocument, read_document, read_document_trusting, read_document_with};
pub use sm::SmError;
pub use tlv::TlvError;
pub use transport::{Capabilities, Transport, TransportError};
