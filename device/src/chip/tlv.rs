//! Minimal BER-TLV (ISO 7816-4 / X.690 DER subset) as the chip uses it: multi-byte tags,
//! short and long definite lengths. Parsing borrows from the input and never panics.

/// Malformed TLV bytes from the card.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TlvError {
    /// The input ends inside a tag, a length or a value.
    #[error("the data object is cut short")]
    Truncated,
    /// Indefinite or over-long length, or a tag longer than 3 bytes.
    #[error("the data object has an unsupported tag or length encoding")]
    Unsupported,
}

/// One data object: the tag as its raw bytes read big-endian (`0x5F1F`, `0x7F49`, …).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Tlv<'a> {
    pub tag: u32,
    pub value: &'a [u8],
}

/// Reads a tag; returns it and the number of bytes it took.
fn read_tag(input: &[u8]) -> Result<(u32, usize), TlvError> {
    let first = *input.first().ok_or(TlvError::Truncated)?;
    if first & 0x1F != 0x1F {
        return Ok((u32::from(first), 1));
    }
    let mut tag = u32::from(first);
    for (i, &b) in input.iter().enumerate().skip(1) {
        if i > 2 {
            return Err(TlvError::Unsupported);
        }
        tag = (tag << 8) | u32::from(b);
        if b & 0x80 == 0 {
            return Ok((tag, i + 1));
        }
    }
    Err(TlvError::Truncated)
}

/// Reads a length; returns it and the number of bytes it took.
fn read_len(input: &[u8]) -> Result<(usize, usize), TlvError> {
    let first = *input.first().ok_or(TlvError::Truncated)?;
    if first < 0x80 {
        return Ok((usize::from(first), 1));
    }
    let count = usize::from(first & 0x7F);
    if count == 0 || count > 3 {
        return Err(TlvError::Unsupported);
    }
    let bytes = input.get(1..=count).ok_or(TlvError::Truncated)?;
    let len = bytes.iter().fold(0usize, |acc, &b| (acc << 8) | usize::from(b));
    Ok((len, 1 + count))
}

/// Tag, header length and value length of the object at the start of `input`, without
/// needing its value: enough to learn a file's size from its first few bytes.
pub(crate) fn header(input: &[u8]) -> Result<(u32, usize, usize), TlvError> {
    let (tag, tag_len) = read_tag(input)?;
    let (len, len_len) = read_len(input.get(tag_len..).ok_or(TlvError::Truncated)?)?;
    Ok((tag, tag_len + len_len, len))
}

/// Parses the object at the start of `input`; returns it and the bytes after it.
pub(crate) fn parse(input: &[u8]) -> Result<(Tlv<'_>, &[u8]), TlvError> {
    let (tag, header_len, len) = header(input)?;
    let end = header_len.checked_add(len).ok_or(TlvError::Unsupported)?;
    let value = input.get(header_len..end).ok_or(TlvError::Truncated)?;
    let rest = input.get(end..).ok_or(TlvError::Truncated)?;
    Ok((Tlv { tag, value }, rest))
}

/// Parses a sequence of objects filling all of `input`.
pub(crate) fn parse_all(mut input: &[u8]) -> Result<Vec<Tlv<'_>>, TlvError> {
    let mut out = Vec::new();
    while !input.is_empty() {
        let (tlv, rest) = parse(input)?;
        out.push(tlv);
        input = rest;
    }
    Ok(out)
}

/// Parses exactly one object with the expected tag filling all of `input`.
pub(crate) fn expect(input: &[u8], tag: u32) -> Result<&[u8], TlvError> {
    match parse(input)? {
        (tlv, []) if tlv.tag == tag => Ok(tlv.value),
        _ => Err(TlvError::Unsupported),
    }
}

/// Finds the first object with `tag` among the objects filling `input`.
pub(crate) fn find(input: &[u8], tag: u32) -> Result<Option<&[u8]>, TlvError> {
    Ok(parse_all(input)?.into_iter().find(|t| t.tag == tag).map(|t| t.value))
}

/// Encodes a length in DER.
pub(crate) fn encode_len(len: usize, out: &mut Vec<u8>) {
    match len {
        0..=0x7F => out.push(len as u8),
        0x80..=0xFF => out.extend_from_slice(&[0x81, len as u8]),
        0x100..=0xFFFF => out.extend_from_slice(&[0x82, (len >> 8) as u8, len as u8]),
        _ => out.extend_from_slice(&[0x83, (len >> 16) as u8, (len >> 8) as u8, len as u8]),
    }
}

/// Encodes one object; `tag` is written with as many bytes as it needs.
pub(crate) fn encode(tag: u32, value: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(value.len() + 6);
    let tag_bytes = tag.to_be_bytes();
    let skip = tag_bytes.iter().take(3).take_while(|&&b| b == 0).count();
    out.extend_from_slice(tag_bytes.get(skip..).unwrap_or(&tag_bytes));
    encode_len(value.len(), &mut out);
    out.extend_from_slice(value);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_multi_byte_tags_and_long_lengths() {
        let ef_com = hex::decode("60145F0104303130365F36063034303030305C026175").expect("hex");
        let (tlv, rest) = parse(&ef_com).expect("parsable");
        assert_eq!((tlv.tag, tlv.value.len(), rest.len()), (0x60, 0x14, 0));
        let inner = parse_all(tlv.value).expect("parsable");
        assert_eq!(inner.iter().map(|t| t.tag).collect::<Vec<_>>(), [0x5F01, 0x5F36, 0x5C]);
        assert_eq!(header(&[0x75, 0x82, 0x12, 0x34]), Ok((0x75, 4, 0x1234)));
        assert_eq!(encode(0x7F49, &[1; 200])[..5], [0x7F, 0x49, 0x81, 200, 1]);
        assert_eq!(encode(0x86, &[]), [0x86, 0]);
    }

    #[test]
    fn truncated_and_odd_encodings_are_errors() {
        assert_eq!(parse(&[]), Err(TlvError::Truncated));
        assert_eq!(parse(&[0x5F]), Err(TlvError::Truncated));
        assert_eq!(parse(&[0x60, 0x05, 1]), Err(TlvError::Truncated));
        assert_eq!(parse(&[0x60, 0x80]), Err(TlvError::Unsupported));
        assert_eq!(parse(&[0x60, 0x84, 1, 1, 1, 1]), Err(TlvError::Unsupported));
        assert_eq!(parse(&[0x5F, 0xFF, 0xFF, 0xFF, 0x01]), Err(TlvError::Unsupported));
        assert_eq!(parse(&[0x60, 0x83, 0xFF, 0xFF, 0xFF]), Err(TlvError::Truncated));
    }
}
