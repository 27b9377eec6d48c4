//! DG11 (additional personal details) and DG12 (additional document details), every data
//! object kept: known tags named, unknown ones raw; and the Ukrainian identifiers (UNZR,
//! personal number) where they can be found without undocumented guesses.

use super::mrz::{Mrz, MrzFormat};
use super::tlv::{self, TlvError};

/// The value of one data object.
#[derive(Clone, PartialEq, Eq)]
pub enum FieldValue {
    Text(String),
    /// Binary or unknown content, shown as hex.
    Raw(Vec<u8>),
}

impl std::fmt::Display for FieldValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Text(t) => f.write_str(t),
            Self::Raw(b) if b.len() > 64 => {
                write!(f, "{}… ({} bytes)", hex::encode_upper(b.get(..32).unwrap_or(b)), b.len())
            }
            Self::Raw(b) => f.write_str(&hex::encode_upper(b)),
        }
    }
}

/// Shows the kind and length only: the values are personal data.
impl std::fmt::Debug for FieldValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Text(t) => write!(f, "Text({} chars)", t.chars().count()),
            Self::Raw(b) => write!(f, "Raw({} bytes)", b.len()),
        }
    }
}

/// One data object of DG11 or DG12 (`Debug` shows no value).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DetailField {
    pub tag: u32,
    /// What the tag means, when Doc 9303 defines it.
    pub name: Option<&'static str>,
    pub value: FieldValue,
}

/// DG11 or DG12: the fields in chip order. `Debug` shows only the tags (no personal data).
#[derive(Clone, PartialEq, Eq)]
pub struct Details {
    pub fields: Vec<DetailField>,
}

impl std::fmt::Debug for Details {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let tags: Vec<String> = self.fields.iter().map(|d| format!("{:X}", d.tag)).collect();
        f.debug_struct("Details").field("tags", &tags).finish()
    }
}

/// Tag, name, and whether the value is text.
const KNOWN: &[(u32, &str, bool)] = &[
    (0x5F0E, "full name", true),
    (0x5F0F, "other name", true),
    (0x5F10, "personal number", true),
    (0x5F2B, "full date of birth", true),
    (0x5F11, "place of birth", true),
    (0x5F42, "permanent address", true),
    (0x5F12, "telephone", true),
    (0x5F13, "profession", true),
    (0x5F14, "title", true),
    (0x5F15, "personal summary", true),
    (0x5F16, "proof of citizenship (image)", false),
    (0x5F17, "other valid travel document numbers", true),
    (0x5F18, "custody information", true),
    (0x5F19, "issuing authority", true),
    (0x5F26, "date of issue", true),
    (0x5F1A, "name of other person", true),
    (0x5F1B, "endorsements and observations", true),
    (0x5F1C, "tax or exit requirements", true),
    (0x5F1D, "image of front of document", false),
    (0x5F1E, "image of rear of document", false),
    (0x5F55, "date and time of personalization", true),
    (0x5F56, "personalization system serial number", true),
];

fn field(tag: u32, value: &[u8]) -> DetailField {
    let known = KNOWN.iter().find(|(t, ..)| *t == tag);
    let text = known.is_some_and(|(.., text)| *text).then(|| std::str::from_utf8(value).ok()).flatten();
    let value = match text {
        Some(t) if !t.chars().any(|c| c.is_control() && c != '\n') => FieldValue::Text(t.to_owned()),
        _ => FieldValue::Raw(value.to_vec()),
    };
    DetailField { tag, name: known.map(|(_, name, _)| *name), value }
}

impl Details {
    /// Parses DG11 (`6B`) or DG12 (`6C`). The tag list (5C) is dropped; `A0` containers
    /// (other names, other persons) are flattened, their count (02) dropped.
    pub fn parse(bytes: &[u8], group_tag: u32) -> Result<Self, TlvError> {
        let content = tlv::expect(bytes, group_tag)?;
        let mut fields = Vec::new();
        for obj in tlv::parse_all(content)? {
            match obj.tag {
                0x5C => {}
                0xA0 => {
                    let inner = tlv::parse_all(obj.value)?;
                    fields.extend(inner.into_iter().filter(|t| t.tag != 0x02).map(|t| field(t.tag, t.value)));
                }
                tag => fields.push(field(tag, obj.value)),
            }
        }
        Ok(Self { fields })
    }

    /// The text of the first field with `tag`.
    pub fn text(&self, tag: u32) -> Option<&str> {
        self.fields.iter().find(|f| f.tag == tag).and_then(|f| match &f.value {
            FieldValue::Text(t) => Some(t.as_str()),
            FieldValue::Raw(_) => None,
        })
    }
}

/// The UNZR (Unified State Demographic Register number, `YYYYMMDD-NNNNC`) from the TD1
/// optional data, when 13 digits there start with a plausible date of birth.
pub fn unzr_from_mrz(mrz: &Mrz) -> Option<String> {
    if mrz.format != MrzFormat::Td1 {
        return None;
    }
    let digits: Vec<char> = mrz.optional_data.chars().filter(|c| !matches!(c, ' ' | '<' | '-')).collect();
    digits.windows(13).find_map(|w| {
        let s: String = w.iter().collect();
        let all_digits = w.iter().all(char::is_ascii_digit);
        let (year, month, day) = (s.get(0..4)?, s.get(4..6)?.parse::<u8>().ok()?, s.get(6..8)?.parse::<u8>().ok()?);
        let plausible =
            matches!(year.get(0..2), Some("19" | "20")) && (1..=12).contains(&month) && (1..=31).contains(&day);
        let (date, rest) = (s.get(0..8)?, s.get(8..)?);
        (all_digits && plausible).then(|| format!("{date}-{rest}"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_every_tag_known_or_not() {
        let others = tlv::encode(0xA0, &[tlv::encode(0x02, &[1]), tlv::encode(0x5F0F, b"OTHER")].concat());
        let content = [
            tlv::encode(0x5C, &[0x5F, 0x0E, 0x5F, 0x10]),
            tlv::encode(0x5F0E, "ЕРІКССОН<<АННА".as_bytes()),
            tlv::encode(0x5F10, b"1234567890"),
            others,
            tlv::encode(0x5F77, &[0xDE, 0xAD]),
        ]
        .concat();
        let dg11 = Details::parse(&tlv::encode(0x6B, &content), 0x6B).expect("parses");
        assert_eq!(dg11.text(0x5F10), Some("1234567890"));
        assert_eq!(dg11.text(0x5F0F), Some("OTHER"));
        let unknown = dg11.fields.iter().find(|f| f.tag == 0x5F77).expect("kept");
        assert_eq!((unknown.name, unknown.value.to_string()), (None, "DEAD".to_owned()));
        assert!(!format!("{dg11:?}").contains("1234567890"));
        assert!(Details::parse(&tlv::encode(0x6C, &content), 0x6B).is_err());
    }

    #[test]
    fn unzr_needs_its_shape() {
        let mut mrz =
            Mrz::parse("I<UTOD231458907<<<<<<<<<<<<<<<7408122F1204159UTO<<<<<<<<<<<6ERIKSSON<<ANNA<MARIA<<<<<<<<<<")
                .expect("specimen");
        assert_eq!(unzr_from_mrz(&mrz), None);
        mrz.optional_data = "19900101 00014".to_owned();
        assert_eq!(unzr_from_mrz(&mrz).as_deref(), Some("19900101-00014"));
        mrz.optional_data = "99900101 00014".to_owned();
        assert_eq!(unzr_from_mrz(&mrz), None);
    }
}
