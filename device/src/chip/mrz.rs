//! The machine-readable zone (Doc 9303 Parts 4, 5): check digits, and parsing of TD1 (ID
//! card, 3×30) and TD3 (passport, 2×44) MRZ text as DG1 carries it, every check digit
//! verified.

use std::fmt;

/// Which MRZ field a problem is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MrzField {
    DocumentNumber,
    DateOfBirth,
    DateOfExpiry,
    OptionalData,
    Composite,
}

impl fmt::Display for MrzField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::DocumentNumber => "document number",
            Self::DateOfBirth => "date of birth",
            Self::DateOfExpiry => "date of expiry",
            Self::OptionalData => "optional data",
            Self::Composite => "composite",
        })
    }
}

/// MRZ text that is not a valid TD1 or TD3 zone.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MrzError {
    /// Neither 90 (TD1) nor 88 (TD3) characters.
    #[error("the MRZ has {len} characters; expected 90 (ID card) or 88 (passport)")]
    Length { len: usize },
    /// A character outside `0-9 A-Z <`.
    #[error("the MRZ contains a character that is not allowed")]
    InvalidCharacter,
    /// A check digit does not match its field.
    #[error("the {field} check digit does not match; the document data may be damaged")]
    CheckDigit { field: MrzField },
}

/// The ICAO check digit (weights 7, 3, 1) of `field`; `None` for a disallowed character.
pub use keis_crdt::validate::mrz_check_digit as check_digit;

fn verify(field_text: &str, digit: &str, field: MrzField) -> Result<(), MrzError> {
    let expected = check_digit(field_text).ok_or(MrzError::InvalidCharacter)?;
    let actual = match digit.as_bytes() {
        // An empty optional field may carry '<' as its check digit.
        [b'<'] if field == MrzField::OptionalData => 0,
        [d @ b'0'..=b'9'] => d - b'0',
        _ => return Err(MrzError::CheckDigit { field }),
    };
    if expected == actual { Ok(()) } else { Err(MrzError::CheckDigit { field }) }
}

/// The physical layout of the zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MrzFormat {
    /// ID card: three lines of 30.
    Td1,
    /// Passport: two lines of 44.
    Td3,
}

/// A parsed, check-digit-verified MRZ. Dates stay `YYMMDD` as printed. The `Debug` output
/// omits personal data so that a stray log line cannot leak it.
#[derive(Clone, PartialEq, Eq)]
pub struct Mrz {
    pub format: MrzFormat,
    pub document_code: String,
    pub issuing_state: String,
    pub document_number: String,
    pub date_of_birth: String,
    pub sex: String,
    pub date_of_expiry: String,
    pub nationality: String,
    /// Surname(s), fillers replaced by spaces.
    pub primary_identifier: String,
    /// Given name(s), fillers replaced by spaces.
    pub secondary_identifier: String,
    /// Optional data (TD3 personal number; TD1 both optional fields), fillers removed.
    pub optional_data: String,
}

impl fmt::Debug for Mrz {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Mrz").field("format", &self.format).finish_non_exhaustive()
    }
}

fn field(text: &str, range: std::ops::Range<usize>) -> &str {
    text.get(range).unwrap_or_default()
}

fn trim_filler(s: &str) -> String {
    s.trim_end_matches('<').replace('<', " ")
}

fn names(s: &str) -> (String, String) {
    let s = s.trim_end_matches('<');
    match s.split_once("<<") {
        Some((primary, secondary)) => (trim_filler(primary), trim_filler(secondary)),
        None => (trim_filler(s), String::new()),
    }
}

impl Mrz {
    /// Parses MRZ text (line breaks allowed) and verifies every check digit.
    pub fn parse(text: &str) -> Result<Self, MrzError> {
        let text: String = text.chars().filter(|c| !c.is_whitespace()).collect();
        if !text.bytes().all(|c| c.is_ascii_digit() || c.is_ascii_uppercase() || c == b'<') {
            return Err(MrzError::InvalidCharacter);
        }
        match text.len() {
            90 => Self::parse_td1(&text),
            88 => Self::parse_td3(&text),
            len => Err(MrzError::Length { len }),
        }
    }

    fn parse_td3(t: &str) -> Result<Self, MrzError> {
        let (l1, l2) = (field(t, 0..44), field(t, 44..88));
        verify(field(l2, 0..9), field(l2, 9..10), MrzField::DocumentNumber)?;
        verify(field(l2, 13..19), field(l2, 19..20), MrzField::DateOfBirth)?;
        verify(field(l2, 21..27), field(l2, 27..28), MrzField::DateOfExpiry)?;
        verify(field(l2, 28..42), field(l2, 42..43), MrzField::OptionalData)?;
        let composite = [field(l2, 0..10), field(l2, 13..20), field(l2, 21..43)].concat();
        verify(&composite, field(l2, 43..44), MrzField::Composite)?;
        let (primary, secondary) = names(field(l1, 5..44));
        Ok(Self {
            format: MrzFormat::Td3,
            document_code: trim_filler(field(l1, 0..2)),
            issuing_state: trim_filler(field(l1, 2..5)),
            document_number: trim_filler(field(l2, 0..9)),
            date_of_birth: field(l2, 13..19).to_owned(),
            sex: field(l2, 20..21).to_owned(),
            date_of_expiry: field(l2, 21..27).to_owned(),
            nationality: trim_filler(field(l2, 10..13)),
            primary_identifier: primary,
            secondary_identifier: secondary,
            optional_data: trim_filler(field(l2, 28..42)),
        })
    }

    fn parse_td1(t: &str) -> Result<Self, MrzError> {
        let (l1, l2, l3) = (field(t, 0..30), field(t, 30..60), field(t, 60..90));
        let (number, optional1) = if field(l1, 14..15) == "<" {
            // Long document number: it continues in the optional data, then its check digit.
            let rest = field(l1, 15..30).trim_end_matches('<');
            let split = rest.len().saturating_sub(1);
            let (more, digit) = (field(rest, 0..split), field(rest, split..rest.len()));
            let number = [field(l1, 5..14), more].concat();
            verify(&number, digit, MrzField::DocumentNumber)?;
            (number, String::new())
        } else {
            verify(field(l1, 5..14), field(l1, 14..15), MrzField::DocumentNumber)?;
            (field(l1, 5..14).to_owned(), trim_filler(field(l1, 15..30)))
        };
        verify(field(l2, 0..6), field(l2, 6..7), MrzField::DateOfBirth)?;
        verify(field(l2, 8..14), field(l2, 14..15), MrzField::DateOfExpiry)?;
        let composite = [field(l1, 5..30), field(l2, 0..7), field(l2, 8..15), field(l2, 18..29)].concat();
        verify(&composite, field(l2, 29..30), MrzField::Composite)?;
        let (primary, secondary) = names(l3);
        let optional2 = trim_filler(field(l2, 18..29));
        Ok(Self {
            format: MrzFormat::Td1,
            document_code: trim_filler(field(l1, 0..2)),
            issuing_state: trim_filler(field(l1, 2..5)),
            document_number: trim_filler(&number),
            date_of_birth: field(l2, 0..6).to_owned(),
            sex: field(l2, 7..8).to_owned(),
            date_of_expiry: field(l2, 8..14).to_owned(),
            nationality: trim_filler(field(l2, 15..18)),
            primary_identifier: primary,
            secondary_identifier: secondary,
            optional_data: [optional1, optional2].into_iter().filter(|s| !s.is_empty()).collect::<Vec<_>>().join(" "),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TD3: &str = "P<UTOERIKSSON<<ANNA<MARIX<<<<<<<<<<<<<<<<<<<\
                       L898902C<3UTO6908061F9406236ZE184226B<<<<<14";
    const TD1: &str = "I<UTOD231458907<<<<<<<<<<<<<<<\
                       7408122F1204159UTO<<<<<<<<<<<6\
                       ERIKSSON<<ANNA<MARIA<<<<<<<<<<";

    #[test]
    fn check_digits_of_the_specimens() {
        assert_eq!(check_digit("L898902C<"), Some(3));
        assert_eq!(check_digit("690806"), Some(1));
        assert_eq!(check_digit("D23145890"), Some(7));
        assert_eq!(check_digit("abc"), None);
    }

    #[test]
    fn parses_the_td3_specimen() {
        let mrz = Mrz::parse(TD3).expect("valid specimen");
        assert_eq!(mrz.format, MrzFormat::Td3);
        assert_eq!(mrz.document_number, "L898902C");
        assert_eq!(mrz.primary_identifier, "ERIKSSON");
        assert_eq!(mrz.secondary_identifier, "ANNA MARIX");
        assert_eq!((mrz.date_of_birth.as_str(), mrz.date_of_expiry.as_str()), ("690806", "940623"));
        assert_eq!(mrz.optional_data, "ZE184226B");
        assert_eq!(mrz.sex, "F");
    }

    #[test]
    fn parses_the_td1_specimen() {
        let mrz = Mrz::parse(TD1).expect("valid specimen");
        assert_eq!(mrz.format, MrzFormat::Td1);
        assert_eq!(mrz.document_code, "I");
        assert_eq!(mrz.document_number, "D23145890");
        assert_eq!(mrz.date_of_birth, "740812");
        assert_eq!(mrz.secondary_identifier, "ANNA MARIA");
        assert_eq!(mrz.nationality, "UTO");
        assert_eq!(format!("{mrz:?}"), "Mrz { format: Td1, .. }");
    }

    #[test]
    fn every_check_digit_is_verified_and_named() {
        let cases = [
            (TD3, 44 + 9, MrzField::DocumentNumber),
            (TD3, 44 + 19, MrzField::DateOfBirth),
            (TD3, 44 + 27, MrzField::DateOfExpiry),
            (TD3, 44 + 42, MrzField::OptionalData),
            (TD3, 44 + 43, MrzField::Composite),
            (TD1, 14, MrzField::DocumentNumber),
            (TD1, 30 + 6, MrzField::DateOfBirth),
            (TD1, 30 + 14, MrzField::DateOfExpiry),
            (TD1, 30 + 29, MrzField::Composite),
        ];
        for (text, at, field) in cases {
            let mut bytes = text.as_bytes().to_vec();
            bytes[at] = if bytes[at] == b'9' { b'8' } else { b'9' };
            let broken = String::from_utf8(bytes).expect("ascii");
            assert_eq!(Mrz::parse(&broken), Err(MrzError::CheckDigit { field }), "{field}");
        }
        assert_eq!(Mrz::parse("P<UTO"), Err(MrzError::Length { len: 5 }));
        assert_eq!(Mrz::parse(&TD1.replace('E', "é")), Err(MrzError::InvalidCharacter));
    }
}
