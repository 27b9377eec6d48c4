//! Validators for what a person types or a chip gives: RNOKPP, UNZR, dates, KATOTTG codes,
//! phone numbers. Each returns a typed error that names what is wrong, so the form can say
//! it next to the field; none of them panics on any input.

mod date;

pub use date::Date;

use std::fmt;

/// What is wrong with one value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FieldError {
    #[error("обов'язкове поле / required")]
    Required,
    #[error("дата має бути у форматі РРРР-ММ-ДД / date must be written as YYYY-MM-DD")]
    DateFormat,
    #[error("такої дати не існує / no such calendar date")]
    NoSuchDate,
    #[error("РНОКПП має містити 10 цифр / RNOKPP must be 10 digits")]
    RnokppFormat,
    #[error(
        "контрольна цифра РНОКПП не збігається: перевірте номер / RNOKPP check digit does not match: check the number"
    )]
    RnokppCheckDigit,
    #[error("РНОКПП не відповідає даті народження / RNOKPP does not match the birth date")]
    RnokppBirthDate,
    #[error("УНЗР має бути у форматі РРРРММДД-NNNNC / UNZR must look like YYYYMMDD-NNNNC")]
    UnzrFormat,
    #[error("контрольна цифра УНЗР не збігається: перевірте номер / UNZR check digit does not match: check the number")]
    UnzrCheckDigit,
    #[error("УНЗР не відповідає даті народження / UNZR does not match the birth date")]
    UnzrBirthDate,
    #[error("код КАТОТТГ: UA і 17 цифр / KATOTTG code must be UA followed by 17 digits")]
    Katottg,
    #[error("телефон: +380 і 9 цифр / phone must be a Ukrainian number, +380 and 9 digits")]
    Phone,
    #[error("допустимі значення: {allowed} / must be one of: {allowed}")]
    NotOneOf { allowed: &'static str },
    #[error("дата закінчення раніше дати початку / end date is before start date")]
    EndBeforeStart,
    #[error("не є SHA-256 у шістнадцятковому вигляді / not a SHA-256 in hex")]
    Sha256,
}

/// A [`FieldError`] with the path of the field it concerns, e.g. `household[2].rnokpp`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {error}")]
pub struct ValidationError {
    pub field: String,
    pub error: FieldError,
}

impl ValidationError {
    pub fn new(field: impl fmt::Display, error: FieldError) -> Self {
        Self { field: field.to_string(), error }
    }
}

/// Collects every problem of a record instead of stopping at the first, so a form shows
/// them all at once.
#[derive(Debug, Default)]
pub struct Problems {
    prefix: String,
    found: Vec<ValidationError>,
}

impl Problems {
    pub fn new(prefix: impl Into<String>) -> Self {
        Self { prefix: prefix.into(), found: Vec::new() }
    }

    /// Records `result`'s error, if any, under `field`.
    pub fn check<T>(&mut self, field: &str, result: Result<T, FieldError>) -> Option<T> {
        match result {
            Ok(v) => Some(v),
            Err(error) => {
                let field = if self.prefix.is_empty() { field.to_owned() } else { format!("{}.{field}", self.prefix) };
                self.found.push(ValidationError { field, error });
                None
            }
        }
    }

    pub fn extend(&mut self, other: Vec<ValidationError>) {
        self.found.extend(other);
    }

    pub fn into_vec(self) -> Vec<ValidationError> {
        self.found
    }
}

/// A value that must not be blank.
pub fn required(s: &str) -> Result<&str, FieldError> {
    let t = s.trim();
    if t.is_empty() { Err(FieldError::Required) } else { Ok(t) }
}

/// RNOKPP (taxpayer card number, ІПН): ten digits, the last a check digit; the first five
/// count the days from 1899-12-31 to the holder's birth date, checked when it is known.
pub fn rnokpp(s: &str, birth_date: Option<Date>) -> Result<(), FieldError> {
    let digits = ten_digits(s).ok_or(FieldError::RnokppFormat)?;
    const WEIGHTS: [i64; 9] = [-1, 5, 7, 9, 4, 6, 10, 5, 7];
    let sum: i64 = WEIGHTS.iter().zip(digits).map(|(w, d)| w * i64::from(d)).sum();
    if sum.rem_euclid(11) % 10 != i64::from(digits[9]) {
        return Err(FieldError::RnokppCheckDigit);
    }
    if let Some(born) = birth_date {
        let encoded = digits[..5].iter().fold(0i64, |n, d| n * 10 + i64::from(*d));
        let base = Date::new(1899, 12, 31).map_or(0, Date::days_since_epoch);
        if born.days_since_epoch() - base != encoded {
            return Err(FieldError::RnokppBirthDate);
        }
    }
    Ok(())
}

fn ten_digits(s: &str) -> Option<[u8; 10]> {
    let b = s.as_bytes();
    if b.len() != 10 || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let mut out = [0u8; 10];
    for (o, c) in out.iter_mut().zip(b) {
        *o = c - b'0';
    }
    Some(out)
}

/// The ICAO 9303 check digit (weights 7, 3, 1; `<` counts 0, A-Z count 10-35).
/// `None` if a character is not allowed in an MRZ field.
pub fn mrz_check_digit(field: &str) -> Option<u8> {
    let mut sum = 0u32;
    for (i, c) in field.bytes().enumerate() {
        let v = match c {
            b'0'..=b'9' => u32::from(c - b'0'),
            b'A'..=b'Z' => u32::from(c - b'A') + 10,
            b'<' => 0,
            _ => return None,
        };
        sum += v * [7, 3, 1][i % 3];
    }
    u8::try_from(sum % 10).ok()
}

/// UNZR (record number in the Unified State Demographic Register): `YYYYMMDD-NNNNC`, the
/// date part a real date equal to the birth date when known, `C` the ICAO check digit of
/// the twelve digits before it.
pub fn unzr(s: &str, birth_date: Option<Date>) -> Result<(), FieldError> {
    let b = s.as_bytes();
    let shape = b.len() == 14 && b[8] == b'-' && b.iter().enumerate().all(|(i, c)| i == 8 || c.is_ascii_digit());
    if !shape {
        return Err(FieldError::UnzrFormat);
    }
    let date = Date::parse_compact(&s[..8]).map_err(|_| FieldError::UnzrFormat)?;
    let body = format!("{}{}", &s[..8], &s[9..13]);
    if mrz_check_digit(&body) != Some(b[13] - b'0') {
        return Err(FieldError::UnzrCheckDigit);
    }
    match birth_date {
        Some(born) if born != date => Err(FieldError::UnzrBirthDate),
        _ => Ok(()),
    }
}

/// A KATOTTG code (the codifier of administrative-territorial units): `UA` and 17 digits.
pub fn katottg(s: &str) -> Result<(), FieldError> {
    let ok = s.len() == 19 && s.starts_with("UA") && s[2..].bytes().all(|c| c.is_ascii_digit());
    if ok { Ok(()) } else { Err(FieldError::Katottg) }
}

/// A Ukrainian phone number, normalised to `+380XXXXXXXXX`. Accepts spaces, dashes and
/// brackets, and the domestic forms `0XXXXXXXXX` and `380XXXXXXXXX`.
pub fn phone(s: &str) -> Result<String, FieldError> {
    let mut digits = String::with_capacity(12);
    for (i, c) in s.trim().chars().enumerate() {
        match c {
            '0'..='9' => digits.push(c),
            '+' if i == 0 => {}
            ' ' | '-' | '(' | ')' => {}
            _ => return Err(FieldError::Phone),
        }
    }
    let national = match digits.len() {
        12 if digits.starts_with("380") => &digits[3..],
        10 if digits.starts_with('0') => &digits[1..],
        _ => return Err(FieldError::Phone),
    };
    Ok(format!("+380{national}"))
}

/// A lowercase or uppercase hex SHA-256.
pub fn sha256_hex(s: &str) -> Result<(), FieldError> {
    if s.len() == 64 && s.bytes().all(|c| c.is_ascii_hexdigit()) { Ok(()) } else { Err(FieldError::Sha256) }
}

/// A value from a fixed list of codes.
pub fn one_of(s: &str, allowed: &'static [&'static str], shown: &'static str) -> Result<(), FieldError> {
    if allowed.contains(&s) { Ok(()) } else { Err(FieldError::NotOneOf { allowed: shown }) }
}

#[cfg(test)]
mod tests;
