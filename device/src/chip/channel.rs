//! The link to the chip as the protocol sees it: a [`Transport`] plus, once access control
//! has run, a secure-messaging session that wraps every command.

use super::apdu::{CommandApdu, ResponseApdu};
use super::error::ChipError;
use super::sm::SmSession;
use super::transport::{Capabilities, Transport};

/// Enough GET RESPONSE pieces for a 64 KiB answer in 256-byte pieces.
const MAX_RESPONSE_PIECES: usize = 257;

pub(crate) struct Channel<T> {
    transport: T,
    sm: Option<SmSession>,
}

impl<T: Transport> Channel<T> {
    pub(crate) fn new(transport: T) -> Self {
        Self { transport, sm: None }
    }

    pub(crate) fn capabilities(&self) -> Capabilities {
        self.transport.capabilities()
    }

    /// Starts (or drops) secure messaging for every following command.
    pub(crate) fn set_secure_messaging(&mut self, sm: Option<SmSession>) {
        self.sm = sm;
    }

    pub(crate) fn is_secure(&self) -> bool {
        self.sm.is_some()
    }

    /// Sends one command, protected if a session is up, and returns the plain answer.
    pub(crate) fn send(&mut self, cmd: &CommandApdu) -> Result<ResponseApdu, ChipError> {
        let wire = match self.sm.as_mut() {
            Some(sm) => sm.protect_command(cmd)?,
            None => cmd.clone(),
        };
        let raw = self.exchange(&wire.encode()?)?;
        let resp =
            ResponseApdu::parse(&raw).map_err(|_| ChipError::Malformed { what: "a command (no status word)" })?;
        let resp = match self.sm.as_mut() {
            Some(sm) => sm.unprotect_response(&resp)?,
            None => resp,
        };
        tracing::debug!(
            ins = format_args!("{:02X}", cmd.ins),
            sw = %resp.sw,
            len = resp.data.len(),
            secure = self.sm.is_some(),
            "chip exchange"
        );
        Ok(resp)
    }

    /// One exchange on the link, following 61xx with GET RESPONSE until the answer is whole
    /// (the pieces are joined before secure messaging sees them).
    fn exchange(&mut self, apdu: &[u8]) -> Result<Vec<u8>, ChipError> {
        let mut raw = self.transport.transmit(apdu)?;
        for _ in 0..MAX_RESPONSE_PIECES {
            let Some((&[0x61, more], _)) = raw.split_last_chunk::<2>().map(|(d, sw)| (sw, d)) else {
                return Ok(raw);
            };
            raw.truncate(raw.len().saturating_sub(2));
            raw.extend(self.transport.transmit(&[0x00, 0xC0, 0x00, 0x00, more])?);
        }
        Err(ChipError::Malformed { what: "a chained answer (too many GET RESPONSE pieces)" })
    }

    #[cfg(test)]
    pub(crate) fn into_parts(self) -> (T, Option<SmSession>) {
        (self.transport, self.sm)
    }
}
