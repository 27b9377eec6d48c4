//! The server's side of a sync session: decodes what a device sends, checks the order of
//! frames, and answers through [`ServerHost`], which owns storage and authorisation.
//!
//! Every `Sync` from the device gets exactly one answer: the server's next sync message,
//! `Done` with the server's heads once it has nothing more to send, or `Rejected`. The
//! host must make accepted changes durable before `receive` returns, so `Done` and every
//! later message imply durability.

use super::{Frame, FrameError, HostError};

/// Whether the host accepted a device's changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Receipt {
    /// Applied and durable (or nothing new).
    Accepted,
    /// Refused and not stored.
    Rejected { code: u16, reason: String },
}

/// A page of documents changed in the device's scope.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ChangedPage {
    pub docs: Vec<String>,
    /// Where the page ends.
    pub cursor: u64,
    pub more: bool,
}

/// Storage and authorisation for one connected device.
pub trait ServerHost {
    /// The latest cursor of the device's scope.
    fn cursor(&mut self) -> Result<u64, HostError>;
    /// Documents in the device's scope changed by others after `cursor`, at most `limit`
    /// (the device has its own changes); the page's cursor may pass the device's own.
    fn changed_since(&mut self, cursor: u64, limit: usize) -> Result<ChangedPage, HostError>;
    /// Applies the device's sync message for `doc` after checking what it changes.
    fn receive(&mut self, doc: &str, message: &[u8]) -> Result<Receipt, HostError>;
    /// The next sync message for the device about `doc`.
    fn generate(&mut self, doc: &str) -> Result<Option<Vec<u8>>, HostError>;
    /// The document's heads.
    fn heads(&mut self, doc: &str) -> Result<Vec<[u8; 32]>, HostError>;
}

/// Error codes in `Error` and `Rejected` frames.
pub mod codes {
    pub const MALFORMED: u16 = 400;
    pub const OUT_OF_ORDER: u16 = 409;
    pub const UNSUPPORTED_VERSION: u16 = 426;
    pub const INTERNAL: u16 = 500;
    pub const FORBIDDEN: u16 = 403;
}

/// What to send back, and whether to close the connection after it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Reply {
    pub frames: Vec<Frame>,
    pub close: bool,
}

/// One device's session on the server.
#[derive(Debug)]
pub struct ServerSession {
    greeted: bool,
    page_size: usize,
}

impl ServerSession {
    /// `page_size`: how many changed documents one `Changed` frame lists.
    pub fn new(page_size: usize) -> Self {
        Self { greeted: false, page_size: page_size.max(1) }
    }

    /// Handles one binary message from the device. Never fails: what cannot be handled is
    /// answered with an `Error` frame (and the connection closed), and nothing already
    /// stored is touched.
    pub fn on_bytes(&mut self, bytes: &[u8], host: &mut impl ServerHost) -> Reply {
        match Frame::decode(bytes) {
            Ok(frame) => self.on_frame(frame, host),
            Err(e) => {
                let code = match e {
                    FrameError::UnsupportedVersion(_) => codes::UNSUPPORTED_VERSION,
                    _ => codes::MALFORMED,
                };
                tracing::warn!(error = %e, "malformed sync frame");
                fail(code, e.to_string())
            }
        }
    }

    /// Handles one decoded frame.
    pub fn on_frame(&mut self, frame: Frame, host: &mut impl ServerHost) -> Reply {
        match self.answer(frame, host) {
            Ok(frames) => Reply { frames, close: false },
            Err(Failure::Order(what)) => fail(codes::OUT_OF_ORDER, what.to_owned()),
            Err(Failure::Host(e)) => {
                tracing::error!(error = %e, "sync host failed");
                fail(codes::INTERNAL, "the server could not complete the request; try again later".to_owned())
            }
        }
    }

    fn answer(&mut self, frame: Frame, host: &mut impl ServerHost) -> Result<Vec<Frame>, Failure> {
        match frame {
            Frame::Hello { cursor } if !self.greeted => {
                self.greeted = true;
                let mut out = vec![Frame::Welcome { cursor: host.cursor()? }];
                out.push(self.page(cursor, host)?);
                Ok(out)
            }
            Frame::Hello { .. } => Err(Failure::Order("a second hello")),
            _ if !self.greeted => Err(Failure::Order("a frame before hello")),
            Frame::ChangedSince { cursor } => Ok(vec![self.page(cursor, host)?]),
            Frame::Sync { doc, message } => match host.receive(&doc, &message)? {
                Receipt::Rejected { code, reason } => Ok(vec![Frame::Rejected { doc, code, reason }]),
                Receipt::Accepted => {
                    let heads = host.heads(&doc)?;
                    if device_in_step(&message, &heads) {
                        // Only an acknowledgement would go back: `Done` says it in fewer bytes.
                        return Ok(vec![Frame::Done { doc, heads }]);
                    }
                    match host.generate(&doc)? {
                        Some(message) => Ok(vec![Frame::Sync { doc, message }]),
                        None => Ok(vec![Frame::Done { doc, heads }]),
                    }
                }
            },
            _ => Err(Failure::Order("a frame only the server sends")),
        }
    }

    fn page(&self, cursor: u64, host: &mut impl ServerHost) -> Result<Frame, Failure> {
        let p = host.changed_since(cursor, self.page_size)?;
        Ok(Frame::Changed { cursor: p.cursor, more: p.more, docs: p.docs })
    }

    /// A live notice to a connected device that documents in its scope changed.
    pub fn notify(&self, cursor: u64, host: &mut impl ServerHost) -> Result<Option<Frame>, HostError> {
        if !self.greeted {
            return Ok(None);
        }
        let p = host.changed_since(cursor, self.page_size)?;
        Ok((!p.docs.is_empty()).then_some(Frame::Changed { cursor: p.cursor, more: p.more, docs: p.docs }))
    }
}

/// Whether the device that sent `message` holds exactly `heads`, the server's heads after
/// applying it: then each side has every change of the other, and the answer is `Done`.
fn device_in_step(message: &[u8], heads: &[[u8; 32]]) -> bool {
    let Ok(m) = automerge::sync::Message::decode(message) else { return false };
    let mut theirs: Vec<[u8; 32]> = m.heads.iter().map(|h| h.0).collect();
    let mut ours = heads.to_vec();
    theirs.sort_unstable();
    ours.sort_unstable();
    m.need.is_empty() && theirs == ours
}

enum Failure {
    Order(&'static str),
    Host(HostError),
}

impl From<HostError> for Failure {
    fn from(e: HostError) -> Self {
        Self::Host(e)
    }
}

fn fail(code: u16, message: String) -> Reply {
    Reply { frames: vec![Frame::Error { code, message }], close: true }
}
