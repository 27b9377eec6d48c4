//! The Android NFC backend (feature `android`): the tablet reads the ID card through
//! `android.nfc.tech.IsoDep`.
//!
//! Android has no NFC in the NDK, so the Kotlin side (reader mode, `IsoDep.get(tag)`,
//! `connect()`) hands the connected `IsoDep` object to Rust, and Rust drives it over JNI.
//! The bridge is split in two so that everything but the JNI calls is tested on any machine:
//!
//! - [`IsoDepLink`]: the few things an `IsoDep` offers (transceive, maximum transceive length,
//!   extended-length support, timeout). [`JniIsoDep`] implements it over JNI; tests implement
//!   it with a fake that forwards to the in-process emulated chip.
//! - [`IsoDepTransport`]: the [`Transport`] over any link. It refuses a command longer than
//!   the tag can carry before sending it, reports the link's [`Capabilities`], maps a tag that
//!   left the field to [`TransportError::CardRemoved`], and traces lengths and status words
//!   only (never APDU contents, which carry personal data once the file reads start).
//!
//! The Kotlin side lives in `device/android/IsoDepBridge.kt` (documentation, not built here).
//!
//! **Compiled, not executed here:** [`JniIsoDep`] is compiled and linted with
//! `--features android` on Linux, but no JVM runs in the tests; its calls are exercised only
//! on a device. [`IsoDepTransport`] is tested end to end through the [`Transport`] trait
//! (`device/tests/chip_android.rs`).

mod jni_link;

/// The `jni` crate this bridge is built on, for the app's native method (same version).
pub use jni;
pub use jni_link::JniIsoDep;

use super::transport::{Capabilities, Transport, TransportError};

/// The largest short APDU: header, Lc, 255 data bytes, Le.
pub const SHORT_APDU_MAX: usize = 4 + 1 + 255 + 1;

/// The largest short response: 256 data bytes and SW1SW2.
const SHORT_RESPONSE_MAX: usize = 256 + 2;

/// What a slow chip needs for PACE on a tablet (Android's default is far below a second).
pub const DEFAULT_TIMEOUT_MS: u32 = 5_000;

/// Why the tablet's NFC link failed, phrased for the person holding the card
/// (Ukrainian first, English second).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IsoDepError {
    /// `TagLostException` or another I/O failure of `transceive`: the card left the field
    /// (on Android a transceive timeout surfaces the same way).
    #[error(
        "картку відсунули від планшета — прикладіть її до задньої панелі й тримайте нерухомо / \
         the card moved away — hold it still on the back of the tablet"
    )]
    CardMovedAway,
    /// The command is longer than this tag and phone can carry
    /// (`IsoDep.getMaxTransceiveLength()`); refused before sending.
    #[error(
        "команда до картки задовга для NFC цього планшета ({len} байтів, найбільше {max}) / \
         the command to the card is too long for this tablet's NFC ({len} bytes, at most {max})"
    )]
    CommandTooLong { len: usize, max: usize },
    /// Any other failure of the link: the tag object is stale or not connected, or a JNI
    /// call failed. `what` names the Java exception class or the JNI failure (no card data).
    #[error(
        "NFC планшета не спрацював ({what}); прикладіть картку ще раз / the tablet's NFC failed ({what}); place the card again"
    )]
    Link { what: String },
}

impl From<IsoDepError> for TransportError {
    fn from(err: IsoDepError) -> Self {
        match err {
            IsoDepError::CardMovedAway => Self::CardRemoved,
            other => Self::Backend(Box::new(other)),
        }
    }
}

/// What Android's `IsoDep` offers, as the transport needs it.
///
/// Implemented over JNI by [`JniIsoDep`], and by fakes in tests.
pub trait IsoDepLink {
    /// `IsoDep.transceive(byte[])`: sends one command APDU, returns the answer with SW1SW2.
    fn transceive(&mut self, apdu: &[u8]) -> Result<Vec<u8>, IsoDepError>;

    /// `IsoDep.getMaxTransceiveLength()`: the longest command the tag and phone carry.
    fn max_transceive_length(&self) -> usize;

    /// `IsoDep.isExtendedLengthApduSupported()`.
    fn extended_length_supported(&self) -> bool;

    /// `IsoDep.setTimeout(int)`; links without a timeout ignore it.
    fn set_timeout_ms(&mut self, _ms: u32) -> Result<(), IsoDepError> {
        Ok(())
    }
}

impl<L: IsoDepLink + ?Sized> IsoDepLink for &mut L {
    fn transceive(&mut self, apdu: &[u8]) -> Result<Vec<u8>, IsoDepError> {
        (**self).transceive(apdu)
    }

    fn max_transceive_length(&self) -> usize {
        (**self).max_transceive_length()
    }

    fn extended_length_supported(&self) -> bool {
        (**self).extended_length_supported()
    }

    fn set_timeout_ms(&mut self, ms: u32) -> Result<(), IsoDepError> {
        (**self).set_timeout_ms(ms)
    }
}

impl<L: IsoDepLink + ?Sized> IsoDepLink for Box<L> {
    fn transceive(&mut self, apdu: &[u8]) -> Result<Vec<u8>, IsoDepError> {
        (**self).transceive(apdu)
    }

    fn max_transceive_length(&self) -> usize {
        (**self).max_transceive_length()
    }

    fn extended_length_supported(&self) -> bool {
        (**self).extended_length_supported()
    }

    fn set_timeout_ms(&mut self, ms: u32) -> Result<(), IsoDepError> {
        (**self).set_timeout_ms(ms)
    }
}

/// A [`Transport`] over an [`IsoDepLink`]: the card on the back of the tablet.
///
/// Pass it by `&mut` to [`read_document`](super::read_document) to look at
/// [`last_error`](Self::last_error) afterwards: the Android-specific, bilingual reason behind
/// a [`ChipError::Transport`](super::ChipError::Transport).
#[derive(Debug)]
pub struct IsoDepTransport<L> {
    link: L,
    max_command_len: usize,
    capabilities: Capabilities,
    last_error: Option<IsoDepError>,
}

impl<L: IsoDepLink> IsoDepTransport<L> {
    /// Wraps a connected link, reading its limits once (they do not change for a tag).
    pub fn new(link: L) -> Self {
        // Some stacks answer 0 for "unknown": assume short APDUs then.
        let max_command_len = match link.max_transceive_length() {
            0 => SHORT_APDU_MAX,
            n => n,
        };
        // Extended length only helps when the tag also carries commands past the short limit.
        let extended_length = link.extended_length_supported() && max_command_len > SHORT_APDU_MAX;
        let capabilities = if extended_length {
            // Android reports no separate response limit; the transceive limit is the best
            // estimate, and the reader still shrinks its reads on 6700.
            Capabilities { extended_length: true, max_response_len: max_command_len.max(SHORT_RESPONSE_MAX) }
        } else {
            Capabilities { extended_length: false, max_response_len: SHORT_RESPONSE_MAX }
        };
        tracing::debug!(max_transceive = max_command_len, extended = extended_length, "IsoDep link ready");
        Self { link, max_command_len, capabilities, last_error: None }
    }

    /// Sets the link timeout (`IsoDep.setTimeout`); [`DEFAULT_TIMEOUT_MS`] suits PACE.
    pub fn set_timeout_ms(&mut self, ms: u32) -> Result<(), IsoDepError> {
        self.link.set_timeout_ms(ms)
    }

    /// The longest command this link accepts.
    pub fn max_command_len(&self) -> usize {
        self.max_command_len
    }

    /// Why the last failed exchange failed, in words for the user (Ukrainian and English);
    /// `None` if no exchange has failed.
    pub fn last_error(&self) -> Option<&IsoDepError> {
        self.last_error.as_ref()
    }

    /// The link, e.g. to close the `IsoDep` from the app.
    pub fn link(&self) -> &L {
        &self.link
    }

    /// Unwraps the link.
    pub fn into_link(self) -> L {
        self.link
    }

    fn fail(&mut self, err: IsoDepError) -> TransportError {
        self.last_error = Some(err.clone());
        err.into()
    }
}

impl<L: IsoDepLink> Transport for IsoDepTransport<L> {
    fn transmit(&mut self, apdu: &[u8]) -> Result<Vec<u8>, TransportError> {
        if apdu.len() > self.max_command_len {
            tracing::warn!(len = apdu.len(), max = self.max_command_len, "IsoDep command too long; not sent");
            return Err(self.fail(IsoDepError::CommandTooLong { len: apdu.len(), max: self.max_command_len }));
        }
        match self.link.transceive(apdu) {
            Ok(answer) => {
                match answer.split_last_chunk::<2>() {
                    Some((_, [sw1, sw2])) => tracing::trace!(
                        sent = apdu.len(),
                        received = answer.len(),
                        sw = format_args!("{sw1:02X}{sw2:02X}"),
                        "IsoDep transceive"
                    ),
                    None => {
                        tracing::debug!(sent = apdu.len(), received = answer.len(), "IsoDep answer without status word")
                    }
                }
                Ok(answer)
            }
            Err(err) => {
                tracing::warn!(sent = apdu.len(), error = ?err, "IsoDep transceive failed");
                Err(self.fail(err))
            }
        }
    }

    fn capabilities(&self) -> Capabilities {
        self.capabilities
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Echo {
        max: usize,
        extended: bool,
    }

    impl IsoDepLink for Echo {
        fn transceive(&mut self, apdu: &[u8]) -> Result<Vec<u8>, IsoDepError> {
            let mut out = apdu.to_vec();
            out.extend_from_slice(&[0x90, 0x00]);
            Ok(out)
        }

        fn max_transceive_length(&self) -> usize {
            self.max
        }

        fn extended_length_supported(&self) -> bool {
            self.extended
        }
    }

    #[test]
    fn capabilities_follow_the_tag_limits() {
        let caps = |max, extended| IsoDepTransport::new(Echo { max, extended }).capabilities();
        assert_eq!(caps(261, false), Capabilities { extended_length: false, max_response_len: 258 });
        assert_eq!(caps(261, true), Capabilities { extended_length: false, max_response_len: 258 });
        assert_eq!(caps(65_279, false), Capabilities { extended_length: false, max_response_len: 258 });
        assert_eq!(caps(65_279, true), Capabilities { extended_length: true, max_response_len: 65_279 });
        assert_eq!(IsoDepTransport::new(Echo { max: 0, extended: true }).max_command_len(), SHORT_APDU_MAX);
    }

    #[test]
    fn the_length_limit_is_inclusive() {
        let mut t = IsoDepTransport::new(Echo { max: 10, extended: false });
        assert_eq!(t.transmit(&[0; 10]).expect("fits").len(), 12);
        let err = t.transmit(&[0; 11]).expect_err("too long");
        assert!(matches!(err, TransportError::Backend(_)), "{err:?}");
        assert_eq!(t.last_error(), Some(&IsoDepError::CommandTooLong { len: 11, max: 10 }));
    }

    #[test]
    fn messages_are_ukrainian_first() {
        let text = IsoDepError::CardMovedAway.to_string();
        let (uk, en) = text.split_once(" / ").expect("two languages");
        assert!(uk.contains("планшета"), "{uk}");
        assert!(en.contains("back of the tablet"), "{en}");
    }
}
