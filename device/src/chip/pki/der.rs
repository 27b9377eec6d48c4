//! A lenient DER reader for the certificates and CMS structures of passive authentication.
//!
//! It walks definite-length TLVs and hands out both the value and the raw encoding of each
//! element (signatures cover raw bytes). It does not judge canonical encodings, so the BER
//! quirks of real CSCA certificates (a BOOLEAN encoded `01`) parse; it never panics.

use crate::chip::tlv;

/// Why a DER structure could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DerError {
    /// The bytes end inside an element or an element has an unsupported length form.
    #[error("the {what} is cut short or badly encoded")]
    Malformed { what: &'static str },
    /// An element has a different tag than the structure requires.
    #[error("the {what} has an unexpected structure")]
    Unexpected { what: &'static str },
}

pub(crate) const INTEGER: u32 = 0x02;
pub(crate) const BIT_STRING: u32 = 0x03;
pub(crate) const OCTET_STRING: u32 = 0x04;
pub(crate) const OID: u32 = 0x06;
pub(crate) const SEQUENCE: u32 = 0x30;
pub(crate) const SET: u32 = 0x31;

/// One element: its tag, its value and its whole encoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Element<'a> {
    pub tag: u32,
    pub value: &'a [u8],
    pub raw: &'a [u8],
}

impl<'a> Element<'a> {
    /// Reads the element at the start of `input`; returns it and the rest.
    pub(crate) fn parse(input: &'a [u8], what: &'static str) -> Result<(Self, &'a [u8]), DerError> {
        let malformed = DerError::Malformed { what };
        let (tag, header_len, len) = tlv::header(input).map_err(|_| malformed.clone())?;
        let end = header_len.checked_add(len).ok_or_else(|| malformed.clone())?;
        let raw = input.get(..end).ok_or_else(|| malformed.clone())?;
        let value = raw.get(header_len..).ok_or_else(|| malformed.clone())?;
        let rest = input.get(end..).ok_or(malformed)?;
        Ok((Self { tag, value, raw }, rest))
    }

    /// Reads exactly one element with `tag` filling `input`; trailing bytes are ignored
    /// (EF.SOD files are often padded).
    pub(crate) fn expect(input: &'a [u8], tag: u32, what: &'static str) -> Result<Self, DerError> {
        let (el, _) = Self::parse(input, what)?;
        el.check(tag, what)
    }

    pub(crate) fn check(self, tag: u32, what: &'static str) -> Result<Self, DerError> {
        if self.tag == tag { Ok(self) } else { Err(DerError::Unexpected { what }) }
    }

    /// A cursor over the children of this constructed element.
    pub(crate) fn children(&self, what: &'static str) -> Reader<'a> {
        Reader { input: self.value, what }
    }

    /// The content bits of a BIT STRING (the unused-bits byte must be 0).
    pub(crate) fn bit_string(&self, what: &'static str) -> Result<&'a [u8], DerError> {
        match self.check(BIT_STRING, what)?.value.split_first() {
            Some((0, bits)) => Ok(bits),
            _ => Err(DerError::Unexpected { what }),
        }
    }

    /// A small non-negative INTEGER.
    pub(crate) fn small_uint(&self, what: &'static str) -> Result<u64, DerError> {
        let value = self.check(INTEGER, what)?.value;
        if value.is_empty() || value.len() > 8 || value.first().is_some_and(|b| b & 0x80 != 0) {
            return Err(DerError::Unexpected { what });
        }
        Ok(value.iter().fold(0u64, |acc, &b| (acc << 8) | u64::from(b)))
    }
}

/// Reads consecutive elements.
#[derive(Debug, Clone)]
pub(crate) struct Reader<'a> {
    input: &'a [u8],
    what: &'static str,
}

impl<'a> Reader<'a> {
    pub(crate) fn is_empty(&self) -> bool {
        self.input.is_empty()
    }

    /// The next element, which must exist.
    pub(crate) fn next(&mut self) -> Result<Element<'a>, DerError> {
        if self.input.is_empty() {
            return Err(DerError::Malformed { what: self.what });
        }
        let (el, rest) = Element::parse(self.input, self.what)?;
        self.input = rest;
        Ok(el)
    }

    /// The next element, which must have `tag`.
    pub(crate) fn expect(&mut self, tag: u32) -> Result<Element<'a>, DerError> {
        let what = self.what;
        self.next()?.check(tag, what)
    }

    /// The next element if it has `tag` (OPTIONAL and tagged fields).
    pub(crate) fn optional(&mut self, tag: u32) -> Result<Option<Element<'a>>, DerError> {
        if self.input.is_empty() || tlv::header(self.input).map(|(t, ..)| t) != Ok(tag) {
            return Ok(None);
        }
        self.next().map(Some)
    }

    /// All remaining elements.
    pub(crate) fn rest(mut self) -> Result<Vec<Element<'a>>, DerError> {
        let mut out = Vec::new();
        while !self.is_empty() {
            out.push(self.next()?);
        }
        Ok(out)
    }
}

/// An OBJECT IDENTIFIER's content bytes, kept raw; [`oid`] builds them from dotted text.
pub(crate) type Oid = Vec<u8>;

/// Encodes a dotted OID (e.g. `"2.5.4.6"`) into its content bytes.
pub(crate) fn oid(dotted: &str) -> Oid {
    let arcs: Vec<u64> = dotted.split('.').filter_map(|a| a.parse().ok()).collect();
    let mut out = Vec::new();
    let (first, second) = (arcs.first().copied().unwrap_or(0), arcs.get(1).copied().unwrap_or(0));
    let mut push = |mut arc: u64| {
        let mut bytes = vec![(arc & 0x7F) as u8];
        arc >>= 7;
        while arc > 0 {
            bytes.push((arc & 0x7F) as u8 | 0x80);
            arc >>= 7;
        }
        out.extend(bytes.iter().rev());
    };
    push(first * 40 + second);
    arcs.iter().skip(2).for_each(|&a| push(a));
    out
}

/// Renders OID content bytes as dotted text (for messages and reports).
pub(crate) fn oid_text(bytes: &[u8]) -> String {
    let mut arcs = Vec::new();
    let mut acc: u64 = 0;
    for &b in bytes {
        acc = (acc << 7) | u64::from(b & 0x7F);
        if b & 0x80 == 0 {
            if arcs.is_empty() {
                let first = (acc / 40).min(2);
                arcs.push(first);
                arcs.push(acc - first * 40);
            } else {
                arcs.push(acc);
            }
            acc = 0;
        }
    }
    arcs.iter().map(u64::to_string).collect::<Vec<_>>().join(".")
}

/// Encodes one element (for tests, the emulator and re-tagging signed attributes).
pub(crate) fn encode(tag: u32, value: &[u8]) -> Vec<u8> {
    tlv::encode(tag, value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn oids_round_trip() {
        for dotted in ["2.5.4.6", "1.2.840.113549.1.1.11", "2.23.136.1.1.1", "1.3.36.3.3.2.8.1.1.7"] {
            assert_eq!(oid_text(&oid(dotted)), dotted);
        }
        assert_eq!(oid("2.5.4.6"), [0x55, 0x04, 0x06]);
    }

    #[test]
    fn malformed_input_is_an_error_not_a_panic() {
        assert!(Element::parse(&[], "x").is_err());
        assert!(Element::parse(&[0x30, 0x05, 0x01], "x").is_err());
        assert!(Element::expect(&[0x31, 0x00], SEQUENCE, "x").is_err());
        let seq = Element::expect(&[0x30, 0x03, 0x02, 0x01, 0x05, 0xFF], SEQUENCE, "x").expect("parses");
        let mut r = seq.children("x");
        assert_eq!(r.expect(INTEGER).and_then(|i| i.small_uint("x")), Ok(5));
        assert!(r.next().is_err());
        assert_eq!(
            Element::expect(&[0x03, 0x02, 0x01, 0xFF], BIT_STRING, "x").and_then(|b| b.bit_string("x")).ok(),
            None
        );
    }
}
