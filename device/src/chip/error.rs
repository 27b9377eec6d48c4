//! The error a chip read ends with, phrased for what the user can do about it.

use super::access::AccessKeyError;
use super::apdu::{ApduError, StatusWord};
use super::crypto::CryptoError;
use super::mrz::MrzError;
use super::random::RandomError;
use super::sm::SmError;
use super::tlv::TlvError;
use super::transport::TransportError;

/// Why reading the chip failed.
#[derive(Debug, thiserror::Error)]
pub enum ChipError {
    /// The reader link failed.
    #[error(transparent)]
    Transport(#[from] TransportError),
    /// The chip refused the MRZ/CAN (BAC or PACE mutual authentication failed).
    #[error("the chip did not accept the access key; check the MRZ or CAN entered")]
    AccessDenied,
    /// The chip has suspended or blocked the password after failed attempts.
    #[error("the chip has blocked this access key after failed attempts; try the other key (CAN or MRZ)")]
    AccessBlocked,
    /// The chip's own proof of the session key did not verify: a disturbed read or a chip
    /// that is not what it claims.
    #[error("the chip could not prove it shares the session key; hold the card still and read again")]
    ChipAuthentication,
    /// A command was refused with an unexpected status word.
    #[error("the chip answered {sw} to {command}; hold the card still and read again")]
    Status { command: &'static str, sw: StatusWord },
    /// An answer is structurally wrong.
    #[error("the chip's answer to {what} is malformed; hold the card still and read again")]
    Malformed { what: &'static str },
    /// A data object in an answer or file is malformed.
    #[error("the chip's {what} is malformed; hold the card still and read again")]
    Tlv {
        what: &'static str,
        #[source]
        source: TlvError,
    },
    /// Secure messaging failed mid-session.
    #[error(transparent)]
    SecureMessaging(#[from] SmError),
    /// The chip offers only protocols or parameters Keis does not implement.
    #[error("this chip uses {what}, which Keis cannot read yet")]
    Unsupported { what: &'static str },
    /// The CAN was given but the chip does not support PACE.
    #[error("this chip cannot be opened with the CAN; enter the MRZ data instead")]
    CanNeedsPace,
    /// A file the reader needs is not on the chip.
    #[error("the chip has no {file}; the document may not be an ICAO e-document")]
    FileNotFound { file: &'static str },
    /// The MRZ stored on the chip does not validate.
    #[error("the MRZ stored on the chip is not valid: {0}")]
    Mrz(#[from] MrzError),
    /// The access key the user entered is not well-formed.
    #[error(transparent)]
    AccessKey(#[from] AccessKeyError),
    /// No randomness.
    #[error(transparent)]
    Random(#[from] RandomError),
    /// A command could not be encoded (a bug rather than a card problem).
    #[error("internal error building a chip command: {0}")]
    Apdu(#[from] ApduError),
    /// A key or buffer of the wrong size reached the ciphers (a bug or a malformed answer).
    #[error("the chip's answer could not be decrypted; hold the card still and read again")]
    Crypto(#[from] CryptoError),
}

impl ChipError {
    /// Maps a refusal of an authentication step to the user-facing error.
    pub(crate) fn from_auth_status(command: &'static str, sw: StatusWord) -> Self {
        if sw == StatusWord::AUTHENTICATION_BLOCKED || sw == StatusWord::REFERENCE_DATA_NOT_USABLE {
            Self::AccessBlocked
        } else if sw.is_access_refusal() {
            Self::AccessDenied
        } else {
            Self::Status { command, sw }
        }
    }

    pub(crate) fn tlv(what: &'static str) -> impl FnOnce(TlvError) -> Self {
        move |source| Self::Tlv { what, source }
    }
}
