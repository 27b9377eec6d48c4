//! What the user types to open the chip: the MRZ fields (document number, date of birth,
//! date of expiry) or the card access number (CAN) printed on the card front; and the
//! passwords derived from them for BAC and PACE (Doc 9303 Part 11 §4.3, §9.7.2).

use std::fmt;

use super::crypto::sha1;
use super::mrz::{Mrz, check_digit};

/// An access key the user entered that cannot be right.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AccessKeyError {
    #[error("the document number may only hold Latin capital letters and digits")]
    DocumentNumber,
    #[error("dates must be six digits, YYMMDD")]
    Date,
    #[error("the card access number (CAN) must be 6 digits")]
    Can,
}

/// The MRZ fields BAC and PACE-MRZ need. `Debug` shows no personal data.
#[derive(Clone, PartialEq, Eq)]
pub struct MrzKey {
    document_number: String,
    date_of_birth: String,
    date_of_expiry: String,
}

impl fmt::Debug for MrzKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("MrzKey(..)")
    }
}

fn valid_date(date: &str) -> Result<String, AccessKeyError> {
    if date.len() == 6 && date.bytes().all(|b| b.is_ascii_digit()) {
        Ok(date.to_owned())
    } else {
        Err(AccessKeyError::Date)
    }
}

impl MrzKey {
    /// Document number (fillers `<` optional) and dates as `YYMMDD`.
    pub fn new(document_number: &str, date_of_birth: &str, date_of_expiry: &str) -> Result<Self, AccessKeyError> {
        let number: String = document_number
            .trim()
            .trim_end_matches('<')
            .chars()
            .filter(|c| *c != ' ')
            .map(|c| c.to_ascii_uppercase())
            .collect();
        if number.is_empty() || !number.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit()) {
            return Err(AccessKeyError::DocumentNumber);
        }
        Ok(Self {
            document_number: number,
            date_of_birth: valid_date(date_of_birth)?,
            date_of_expiry: valid_date(date_of_expiry)?,
        })
    }

    /// The key of a parsed MRZ (e.g. from the camera).
    pub fn from_mrz(mrz: &Mrz) -> Result<Self, AccessKeyError> {
        Self::new(&mrz.document_number, &mrz.date_of_birth, &mrz.date_of_expiry)
    }

    /// The "MRZ information": each field with its check digit, the number padded to 9.
    pub(crate) fn mrz_info(&self) -> String {
        let mut number = self.document_number.clone();
        while number.len() < 9 {
            number.push('<');
        }
        let mut info = String::with_capacity(24);
        for field in [number.as_str(), &self.date_of_birth, &self.date_of_expiry] {
            info.push_str(field);
            // Validated in `new`: only 0-9 A-Z <, so a check digit always exists.
            info.push(char::from(b'0' + check_digit(field).unwrap_or(0)));
        }
        info
    }

    /// BAC K_seed: the first 16 bytes of SHA-1 over the MRZ information.
    pub(crate) fn bac_seed(&self) -> [u8; 16] {
        let hash = sha1(self.mrz_info().as_bytes());
        let mut seed = [0u8; 16];
        seed.iter_mut().zip(hash).for_each(|(s, h)| *s = h);
        seed
    }
}

/// The card access number printed on the front of eID cards. `Debug` hides it.
#[derive(Clone, PartialEq, Eq)]
pub struct Can(String);

impl fmt::Debug for Can {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Can(..)")
    }
}

impl Can {
    pub fn new(can: &str) -> Result<Self, AccessKeyError> {
        let can = can.trim();
        if can.len() == 6 && can.bytes().all(|b| b.is_ascii_digit()) {
            Ok(Self(can.to_owned()))
        } else {
            Err(AccessKeyError::Can)
        }
    }
}

/// The key that opens the chip.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AccessKey {
    /// From the MRZ: works with BAC and PACE.
    Mrz(MrzKey),
    /// The CAN: PACE only.
    Can(Can),
}

impl AccessKey {
    /// PACE password reference (MSE:Set AT tag 83): 1 = MRZ, 2 = CAN.
    pub(crate) fn pace_reference(&self) -> u8 {
        match self {
            Self::Mrz(_) => 1,
            Self::Can(_) => 2,
        }
    }

    /// The PACE password π before KDF: SHA-1 of the MRZ information, or the CAN digits.
    pub(crate) fn pace_secret(&self) -> Vec<u8> {
        match self {
            Self::Mrz(key) => sha1(key.mrz_info().as_bytes()).to_vec(),
            Self::Can(Can(can)) => can.as_bytes().to_vec(),
        }
    }
}

impl From<MrzKey> for AccessKey {
    fn from(key: MrzKey) -> Self {
        Self::Mrz(key)
    }
}

impl From<Can> for AccessKey {
    fn from(can: Can) -> Self {
        Self::Can(can)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_the_mrz_information_with_check_digits() {
        let key = MrzKey::new("L898902C", "690806", "940623").expect("valid");
        assert_eq!(key.mrz_info(), "L898902C<369080619406236");
        let key = MrzKey::new("t22000129", "640812", "101031").expect("valid");
        assert_eq!(key.mrz_info(), "T22000129364081251010318");
    }

    #[test]
    fn rejects_what_cannot_be_a_key() {
        assert_eq!(MrzKey::new("", "690806", "940623"), Err(AccessKeyError::DocumentNumber));
        assert_eq!(MrzKey::new("L89-8902", "690806", "940623"), Err(AccessKeyError::DocumentNumber));
        assert_eq!(MrzKey::new("L898902C", "69086", "940623"), Err(AccessKeyError::Date));
        assert_eq!(Can::new("12345a"), Err(AccessKeyError::Can));
        assert_eq!(format!("{:?}", Can::new("123456")), "Ok(Can(..))");
    }
}
