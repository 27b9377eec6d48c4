//! The one trait a card reader backend implements: send an APDU, get the answer back.
//!
//! Backends (PC/SC, Android IsoDep over JNI, the in-process emulator) stay thin; all protocol
//! logic lives above this trait and is tested without hardware.

/// What the reader link can carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Capabilities {
    /// Whether extended-length APDUs (Lc/Le over 255/256) get through the reader and driver.
    pub extended_length: bool,
    /// The largest response (data plus status word) the link delivers in one exchange.
    pub max_response_len: usize,
}

impl Default for Capabilities {
    /// The safe assumption: short APDUs only.
    fn default() -> Self {
        Self { extended_length: false, max_response_len: 258 }
    }
}

/// The link to the card failed (as opposed to the card answering with an error).
#[derive(Debug, thiserror::Error)]
pub enum TransportError {
    /// The card left the field.
    #[error(
        "картку прибрали від зчитувача; прикладіть її знову й тримайте нерухомо / the card was removed from the reader; place it back and hold it still"
    )]
    CardRemoved,
    /// No answer in time.
    #[error(
        "картка не відповіла вчасно; тримайте її нерухомо на зчитувачі й спробуйте ще раз / the card did not answer in time; hold it still on the reader and try again"
    )]
    Timeout,
    /// A backend-specific failure.
    #[error("the card reader failed; check that it is connected")]
    Backend(#[source] Box<dyn std::error::Error + Send + Sync>),
}

/// A synchronous APDU link to one card.
pub trait Transport {
    /// Sends one command APDU and returns the raw answer (data followed by SW1SW2).
    fn transmit(&mut self, apdu: &[u8]) -> Result<Vec<u8>, TransportError>;

    /// What the link supports; defaults to short APDUs only.
    fn capabilities(&self) -> Capabilities {
        Capabilities::default()
    }
}

impl<T: Transport + ?Sized> Transport for &mut T {
    fn transmit(&mut self, apdu: &[u8]) -> Result<Vec<u8>, TransportError> {
        (**self).transmit(apdu)
    }

    fn capabilities(&self) -> Capabilities {
        (**self).capabilities()
    }
}

impl<T: Transport + ?Sized> Transport for Box<T> {
    fn transmit(&mut self, apdu: &[u8]) -> Result<Vec<u8>, TransportError> {
        (**self).transmit(apdu)
    }

    fn capabilities(&self) -> Capabilities {
        (**self).capabilities()
    }
}
