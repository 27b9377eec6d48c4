//! The wire format: one frame per WebSocket binary message.
//!
//! ```text
//! frame   = "KS" version:u8 kind:u8 body
//! body    = fields in order; integers as LEB128 varints; bytes and strings as varint
//!           length + content; a list as varint count + items
//! ```
//!
//! Decoding never panics and never allocates more than the frame holds: every length is
//! checked against what remains, and a frame with bytes left over is refused.

/// The protocol version this build speaks.
pub const PROTOCOL_VERSION: u8 = 1;
const MAGIC: &[u8; 2] = b"KS";
/// Case ids are short; anything longer is not one of ours.
pub const MAX_DOC_ID: usize = 128;
/// The largest frame either side accepts (an Automerge sync message carrying a whole case
/// with its history stays far below this).
pub const MAX_FRAME: usize = 16 * 1024 * 1024;

/// What a side can say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Frame {
    /// Client → server, first: which version it speaks and its change cursor.
    Hello { cursor: u64 },
    /// Server → client: the server's current cursor for the client's scope.
    Welcome { cursor: u64 },
    /// Client → server: which documents changed in my scope since `cursor`?
    ChangedSince { cursor: u64 },
    /// Server → client: documents changed since the asked cursor (a page); `cursor` is where
    /// the page ends; `more` says another page follows. Also pushed live when documents
    /// change while the client is connected.
    Changed { cursor: u64, more: bool, docs: Vec<String> },
    /// Either way: an Automerge sync message for one document.
    Sync { doc: String, message: Vec<u8> },
    /// Server → client: nothing more to send for `doc`; everything the client sent is
    /// durable, and these are the server's heads.
    Done { doc: String, heads: Vec<[u8; 32]> },
    /// Server → client: the client's changes to `doc` were refused and not stored. The
    /// client keeps its data and shows the reason.
    Rejected { doc: String, code: u16, reason: String },
    /// Either way: the other side sent something this side cannot accept.
    Error { code: u16, message: String },
}

/// Why bytes are not a frame.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    #[error("the frame is cut short")]
    Truncated,
    #[error("not a Keis sync frame")]
    BadMagic,
    #[error("protocol version {0} is not supported (this side speaks {PROTOCOL_VERSION}); update the app")]
    UnsupportedVersion(u8),
    #[error("unknown frame kind {0}")]
    UnknownKind(u8),
    #[error("the frame is larger than {MAX_FRAME} bytes")]
    TooLarge,
    #[error("a length in the frame is larger than the frame")]
    BadLength,
    #[error("a text field is not UTF-8")]
    BadUtf8,
    #[error("a document id is empty or longer than {MAX_DOC_ID} bytes")]
    BadDocId,
    #[error("{0} unexpected bytes after the frame")]
    TrailingBytes(usize),
}

impl Frame {
    fn kind(&self) -> u8 {
        match self {
            Self::Hello { .. } => 1,
            Self::Welcome { .. } => 2,
            Self::ChangedSince { .. } => 3,
            Self::Changed { .. } => 4,
            Self::Sync { .. } => 5,
            Self::Done { .. } => 6,
            Self::Rejected { .. } => 7,
            Self::Error { .. } => 8,
        }
    }

    /// The document a frame is about, if any.
    pub fn doc(&self) -> Option<&str> {
        match self {
            Self::Sync { doc, .. } | Self::Done { doc, .. } | Self::Rejected { doc, .. } => Some(doc),
            _ => None,
        }
    }

    pub fn encode(&self) -> Vec<u8> {
        let mut w = Vec::with_capacity(16);
        w.extend_from_slice(MAGIC);
        w.push(PROTOCOL_VERSION);
        w.push(self.kind());
        match self {
            Self::Hello { cursor } | Self::Welcome { cursor } | Self::ChangedSince { cursor } => {
                varint(&mut w, *cursor)
            }
            Self::Changed { cursor, more, docs } => {
                varint(&mut w, *cursor);
                w.push(u8::from(*more));
                varint(&mut w, docs.len() as u64);
                docs.iter().for_each(|d| bytes(&mut w, d.as_bytes()));
            }
            Self::Sync { doc, message } => {
                bytes(&mut w, doc.as_bytes());
                bytes(&mut w, message);
            }
            Self::Done { doc, heads } => {
                bytes(&mut w, doc.as_bytes());
                varint(&mut w, heads.len() as u64);
                heads.iter().for_each(|h| w.extend_from_slice(h));
            }
            Self::Rejected { doc, code, reason } => {
                bytes(&mut w, doc.as_bytes());
                varint(&mut w, u64::from(*code));
                bytes(&mut w, reason.as_bytes());
            }
            Self::Error { code, message } => {
                varint(&mut w, u64::from(*code));
                bytes(&mut w, message.as_bytes());
            }
        }
        w
    }

    pub fn decode(input: &[u8]) -> Result<Self, FrameError> {
        if input.len() > MAX_FRAME {
            return Err(FrameError::TooLarge);
        }
        let mut r = Reader(input);
        if r.take(2)? != MAGIC {
            return Err(FrameError::BadMagic);
        }
        let version = r.byte()?;
        if version != PROTOCOL_VERSION {
            return Err(FrameError::UnsupportedVersion(version));
        }
        let frame = match r.byte()? {
            1 => Self::Hello { cursor: r.varint()? },
            2 => Self::Welcome { cursor: r.varint()? },
            3 => Self::ChangedSince { cursor: r.varint()? },
            4 => {
                let cursor = r.varint()?;
                let more = r.byte()? != 0;
                let n = r.count(1)?;
                let docs = (0..n).map(|_| r.doc_id()).collect::<Result<_, _>>()?;
                Self::Changed { cursor, more, docs }
            }
            5 => Self::Sync { doc: r.doc_id()?, message: r.bytes()?.to_vec() },
            6 => {
                let doc = r.doc_id()?;
                let n = r.count(32)?;
                let heads = (0..n).map(|_| r.hash()).collect::<Result<_, _>>()?;
                Self::Done { doc, heads }
            }
            7 => Self::Rejected { doc: r.doc_id()?, code: r.code()?, reason: r.string()? },
            8 => Self::Error { code: r.code()?, message: r.string()? },
            k => return Err(FrameError::UnknownKind(k)),
        };
        match r.0.len() {
            0 => Ok(frame),
            n => Err(FrameError::TrailingBytes(n)),
        }
    }
}

fn varint(w: &mut Vec<u8>, mut n: u64) {
    while n >= 0x80 {
        w.push((n as u8) | 0x80);
        n >>= 7;
    }
    w.push(n as u8);
}

fn bytes(w: &mut Vec<u8>, b: &[u8]) {
    varint(w, b.len() as u64);
    w.extend_from_slice(b);
}

struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], FrameError> {
        if self.0.len() < n {
            return Err(FrameError::Truncated);
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Ok(head)
    }

    fn byte(&mut self) -> Result<u8, FrameError> {
        Ok(self.take(1)?[0])
    }

    fn varint(&mut self) -> Result<u64, FrameError> {
        let mut n = 0u64;
        for shift in (0..64).step_by(7) {
            let b = self.byte()?;
            n |= u64::from(b & 0x7f).checked_shl(shift).ok_or(FrameError::BadLength)?;
            if b & 0x80 == 0 {
                return Ok(n);
            }
        }
        Err(FrameError::BadLength)
    }

    /// A count of items each at least `min_size` bytes long, checked against what remains.
    fn count(&mut self, min_size: usize) -> Result<usize, FrameError> {
        let n = usize::try_from(self.varint()?).map_err(|_| FrameError::BadLength)?;
        if n.saturating_mul(min_size) > self.0.len() {
            return Err(FrameError::BadLength);
        }
        Ok(n)
    }

    fn bytes(&mut self) -> Result<&'a [u8], FrameError> {
        let n = usize::try_from(self.varint()?).map_err(|_| FrameError::BadLength)?;
        if n > self.0.len() {
            return Err(FrameError::BadLength);
        }
        self.take(n)
    }

    fn string(&mut self) -> Result<String, FrameError> {
        std::str::from_utf8(self.bytes()?).map(str::to_owned).map_err(|_| FrameError::BadUtf8)
    }

    fn doc_id(&mut self) -> Result<String, FrameError> {
        let s = self.string()?;
        if s.is_empty() || s.len() > MAX_DOC_ID {
            return Err(FrameError::BadDocId);
        }
        Ok(s)
    }

    fn code(&mut self) -> Result<u16, FrameError> {
        u16::try_from(self.varint()?).map_err(|_| FrameError::BadLength)
    }

    fn hash(&mut self) -> Result<[u8; 32], FrameError> {
        let mut h = [0u8; 32];
        h.copy_from_slice(self.take(32)?);
        Ok(h)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn samples() -> Vec<Frame> {
        vec![
            Frame::Hello { cursor: 0 },
            Frame::Hello { cursor: u64::MAX },
            Frame::Welcome { cursor: 300 },
            Frame::ChangedSince { cursor: 127 },
            Frame::Changed { cursor: 9, more: true, docs: vec!["case-1".into(), "справа-2".into()] },
            Frame::Changed { cursor: 9, more: false, docs: vec![] },
            Frame::Sync { doc: "case-1".into(), message: vec![0x42; 300] },
            Frame::Done { doc: "case-1".into(), heads: vec![[7; 32], [9; 32]] },
            Frame::Rejected {
                doc: "case-1".into(), code: 403, reason: "посада не може записати рішення".into()
            },
            Frame::Error { code: 400, message: "bad frame".into() },
        ]
    }

    #[test]
    fn every_frame_round_trips() {
        for f in samples() {
            assert_eq!(Frame::decode(&f.encode()), Ok(f.clone()), "{f:?}");
        }
    }

    #[test]
    fn every_truncation_and_extension_is_refused() {
        for f in samples() {
            let bytes = f.encode();
            for cut in 0..bytes.len() {
                assert!(Frame::decode(&bytes[..cut]).is_err(), "{f:?} cut at {cut}");
            }
            let mut longer = bytes.clone();
            longer.push(0);
            assert_eq!(Frame::decode(&longer), Err(FrameError::TrailingBytes(1)));
        }
    }

    #[test]
    fn foreign_and_hostile_bytes_are_typed_errors() {
        assert_eq!(Frame::decode(b"GET / HTTP/1.1"), Err(FrameError::BadMagic));
        assert_eq!(Frame::decode(b"KS\x02\x01\x00"), Err(FrameError::UnsupportedVersion(2)));
        assert_eq!(Frame::decode(b"KS\x01\x63"), Err(FrameError::UnknownKind(0x63)));
        // A count of a billion documents in a ten-byte frame.
        assert_eq!(Frame::decode(b"KS\x01\x04\x00\x00\x80\x94\xeb\xdc\x03"), Err(FrameError::BadLength));
        // A varint that never ends.
        assert_eq!(
            Frame::decode(&[b'K', b'S', 1, 1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]),
            Err(FrameError::BadLength)
        );
        assert_eq!(Frame::decode(b"KS\x01\x05\x00\x00"), Err(FrameError::BadDocId));
        assert_eq!(Frame::decode(b"KS\x01\x08\x01\x02\xff\xfe"), Err(FrameError::BadUtf8));
        // Random bytes behind a valid header: never a panic.
        let mut x = 0x2545_f491_4f6c_dd1du64;
        for _ in 0..5_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let len = (x % 64) as usize;
            let mut b = vec![b'K', b'S', 1, (x >> 8) as u8 % 9];
            b.extend((0..len).map(|i| (x >> (i % 56)) as u8));
            let _ = Frame::decode(&b);
        }
    }
}
