//! The PC/SC backend (feature `pcsc`): any CCID contactless reader on a laptop, through
//! pcsc-lite's `pcscd`. It lists readers, connects to the card on one, and moves APDUs;
//! all protocol logic stays above [`Transport`].

use std::ffi::CString;

use super::transport::{Capabilities, Transport, TransportError};

/// Why the PC/SC reader could not be used.
#[derive(Debug, thiserror::Error)]
pub enum PcscError {
    #[error("the smart-card service is not running; start pcscd (e.g. `sudo systemctl start pcscd`)")]
    NoService(#[source] pcsc::Error),
    #[error("no card reader is connected; plug in a contactless reader")]
    NoReaders,
    #[error("no reader named {name:?}; pick one of the readers listed")]
    UnknownReader { name: String },
    #[error("no card on the reader; place the ID card or passport on it and hold it still")]
    NoCard,
    #[error("the card reader failed: {0}")]
    Pcsc(#[source] pcsc::Error),
}

fn context() -> Result<pcsc::Context, PcscError> {
    pcsc::Context::establish(pcsc::Scope::User).map_err(|e| match e {
        pcsc::Error::NoService | pcsc::Error::ServiceStopped => PcscError::NoService(e),
        e => PcscError::Pcsc(e),
    })
}

/// The names of the connected readers.
pub fn list_readers() -> Result<Vec<String>, PcscError> {
    let names = match context()?.list_readers_owned() {
        Ok(names) => names,
        Err(pcsc::Error::NoReadersAvailable) => Vec::new(),
        Err(e) => return Err(PcscError::Pcsc(e)),
    };
    Ok(names.into_iter().map(|n| n.to_string_lossy().into_owned()).collect())
}

/// A card connected through a PC/SC reader.
pub struct PcscCard {
    card: pcsc::Card,
    reader: String,
    capabilities: Capabilities,
}

impl std::fmt::Debug for PcscCard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PcscCard").field("reader", &self.reader).finish_non_exhaustive()
    }
}

impl PcscCard {
    /// Connects to the card on `reader`, or on the first reader holding a card.
    pub fn connect(reader: Option<&str>) -> Result<Self, PcscError> {
        let ctx = context()?;
        let readers = list_readers()?;
        if readers.is_empty() {
            return Err(PcscError::NoReaders);
        }
        let candidates: Vec<&String> = match reader {
            Some(name) => {
                let found = readers.iter().find(|r| *r == name || r.contains(name));
                vec![found.ok_or_else(|| PcscError::UnknownReader { name: name.to_owned() })?]
            }
            None => readers.iter().collect(),
        };
        let mut last = PcscError::NoCard;
        for name in candidates {
            let Ok(c_name) = CString::new(name.as_str()) else { continue };
            match ctx.connect(&c_name, pcsc::ShareMode::Exclusive, pcsc::Protocols::ANY) {
                Ok(card) => {
                    tracing::debug!(reader = %name, "card connected");
                    return Ok(Self { card, reader: name.clone(), capabilities: Capabilities::default() });
                }
                Err(pcsc::Error::NoSmartcard | pcsc::Error::RemovedCard) => last = PcscError::NoCard,
                Err(e) => last = PcscError::Pcsc(e),
            }
        }
        Err(last)
    }

    /// The reader's name.
    pub fn reader(&self) -> &str {
        &self.reader
    }

    /// Declares that the reader and driver pass extended-length APDUs (most CCID
    /// contactless readers do; the default is the safe short-APDU assumption).
    #[must_use]
    pub fn with_extended_length(mut self, on: bool) -> Self {
        self.capabilities = if on {
            Capabilities { extended_length: true, max_response_len: pcsc::MAX_BUFFER_SIZE_EXTENDED }
        } else {
            Capabilities::default()
        };
        self
    }
}

impl Transport for PcscCard {
    fn transmit(&mut self, apdu: &[u8]) -> Result<Vec<u8>, TransportError> {
        let mut buf = vec![0u8; pcsc::MAX_BUFFER_SIZE_EXTENDED];
        match self.card.transmit(apdu, &mut buf) {
            Ok(answer) => Ok(answer.to_vec()),
            Err(pcsc::Error::RemovedCard | pcsc::Error::ResetCard | pcsc::Error::NoSmartcard) => {
                Err(TransportError::CardRemoved)
            }
            Err(pcsc::Error::Timeout) => Err(TransportError::Timeout),
            Err(e) => Err(TransportError::Backend(Box::new(e))),
        }
    }

    fn capabilities(&self) -> Capabilities {
        self.capabilities
    }
}
