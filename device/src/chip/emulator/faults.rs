//! A [`Transport`] wrapper that damages chosen exchanges, to show that every kind of bad
//! answer ends in a typed error rather than a panic or wrong data.

use std::collections::BTreeMap;

use crate::chip::transport::{Capabilities, Transport, TransportError};

/// What to do to one answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// Flip the last byte before the status word (the DO8E MAC under secure messaging).
    CorruptMac,
    /// Keep only the first `n` bytes.
    Truncate(usize),
    /// Answer these bytes instead.
    Replace(Vec<u8>),
    /// Keep the data, replace SW1SW2.
    StatusWord(u16),
    /// No answer: the link times out.
    Timeout,
}

/// Forwards to `inner`, applying the fault planned for each exchange number (from 0).
#[derive(Debug)]
pub struct FaultyTransport<T> {
    inner: T,
    faults: BTreeMap<usize, Fault>,
    exchange: usize,
}

impl<T: Transport> FaultyTransport<T> {
    pub fn new(inner: T) -> Self {
        Self { inner, faults: BTreeMap::new(), exchange: 0 }
    }

    /// Plans `fault` for exchange number `exchange`.
    #[must_use]
    pub fn with_fault(mut self, exchange: usize, fault: Fault) -> Self {
        self.faults.insert(exchange, fault);
        self
    }

    /// How many exchanges have passed through.
    pub fn exchanges(&self) -> usize {
        self.exchange
    }
}

impl<T: Transport> Transport for FaultyTransport<T> {
    fn transmit(&mut self, apdu: &[u8]) -> Result<Vec<u8>, TransportError> {
        let fault = self.faults.get(&self.exchange).cloned();
        self.exchange += 1;
        let mut answer = self.inner.transmit(apdu)?;
        match fault {
            None => {}
            Some(Fault::CorruptMac) => {
                let at = answer.len().saturating_sub(3);
                if let Some(byte) = answer.get_mut(at) {
                    *byte ^= 0x01;
                }
            }
            Some(Fault::Truncate(n)) => answer.truncate(n),
            Some(Fault::Replace(bytes)) => answer = bytes,
            Some(Fault::StatusWord(sw)) => {
                answer.truncate(answer.len().saturating_sub(2));
                answer.extend_from_slice(&sw.to_be_bytes());
            }
            Some(Fault::Timeout) => return Err(TransportError::Timeout),
        }
        Ok(answer)
    }

    fn capabilities(&self) -> Capabilities {
        self.inner.capabilities()
    }
}
