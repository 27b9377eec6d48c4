//! The link to the chip as the protocol sees it: a [`Transport`] plus, once access control
//! has run, a secure-messaging session that wraps every command.

use super::apdu::{CommandApdu, ResponseApdu};
use super::error::ChipError;
use super::sm::SmSession;
use super::transport::{Capabilities, Transport};

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
        let raw = self.transport.transmit(&wire.encode()?)?;
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

    #[cfg(test)]
    pub(crate) fn into_parts(self) -> (T, Option<SmSession>) {
        (self.transport, self.sm)
    }
}
