//! The secrets of enrolment and sessions: one-time approval codes, device ids, nonces and
//! tokens. Pure: the random source is passed in, nothing is logged.

use std::fmt;

use ring::rand::SecureRandom;
use sha2::{Digest, Sha256};

/// Digits in an approval code.
pub const APPROVAL_CODE_DIGITS: usize = 8;

/// Domain tag hashed before the digits of an approval code.
const APPROVAL_DOMAIN: &[u8] = b"keis-approval-v1:";

/// A one-time approval code: 8 decimal digits, shown on the device as `1234-5678` and read
/// out to the administrator. Its `Debug` form hides the digits.
#[derive(Clone, PartialEq, Eq)]
pub struct ApprovalCode(String);

impl ApprovalCode {
    /// Reads a code as typed: 8 digits, optionally grouped with `-` or spaces.
    pub fn parse(typed: &str) -> Option<Self> {
        let digits: String = typed.chars().filter(|c| *c != '-' && !c.is_whitespace()).collect();
        (digits.len() == APPROVAL_CODE_DIGITS && digits.bytes().all(|b| b.is_ascii_digit())).then_some(Self(digits))
    }

    /// A fresh code, uniformly distributed.
    pub(crate) fn generate(rng: &dyn SecureRandom) -> Result<Self, ring::error::Unspecified> {
        // The largest multiple of 10^8 below 2^32: values at or above it are drawn again,
        // so every code is equally likely.
        const LIMIT: u32 = 4_200_000_000;
        loop {
            let n = u32::from_be_bytes(random_bytes::<4>(rng)?);
            if n < LIMIT {
                return Ok(Self(format!("{:08}", n % 100_000_000)));
            }
        }
    }

    /// The 8 digits, without grouping.
    pub fn digits(&self) -> &str {
        &self.0
    }

    /// What the store keeps: SHA-256 of a domain tag and the digits.
    pub fn hash(&self) -> [u8; 32] {
        let mut h = Sha256::new();
        h.update(APPROVAL_DOMAIN);
        h.update(self.0.as_bytes());
        h.finalize().into()
    }
}

impl fmt::Display for ApprovalCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (a, b) = self.0.split_at(APPROVAL_CODE_DIGITS / 2);
        write!(f, "{a}-{b}")
    }
}

impl fmt::Debug for ApprovalCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApprovalCode(…)")
    }
}

/// `N` random bytes.
pub(crate) fn random_bytes<const N: usize>(rng: &dyn SecureRandom) -> Result<[u8; N], ring::error::Unspecified> {
    let mut out = [0u8; N];
    rng.fill(&mut out)?;
    Ok(out)
}

/// A new device id: `dev-` and 16 random bytes in hex. Not a secret.
pub(crate) fn new_device_id(rng: &dyn SecureRandom) -> Result<String, ring::error::Unspecified> {
    Ok(format!("dev-{}", hex::encode(random_bytes::<16>(rng)?)))
}

/// The key a session is filed under: SHA-256 of the token's bytes, so the book never holds
/// a usable token and lookups do not compare secrets byte by byte.
pub(crate) fn token_key(token: &[u8; 32]) -> [u8; 32] {
    Sha256::digest(token).into()
}

/// Decodes exactly `N` bytes of hex.
pub(crate) fn decode_hex<const N: usize>(s: &str) -> Option<[u8; N]> {
    let mut out = [0u8; N];
    hex::decode_to_slice(s, &mut out).ok()?;
    Some(out)
}

#[cfg(test)]
#[allow(deprecated)] // ring's fixed random sources live in its deprecated `test` module.
mod tests {
    use ring::test::rand::{FixedByteRandom, FixedSliceRandom};

    use super::*;

    #[test]
    fn codes_are_eight_digits_shown_grouped_and_parsed_back() {
        let code = ApprovalCode::generate(&FixedSliceRandom { bytes: &[0, 0, 0x30, 0x39] }).expect("code");
        assert_eq!(code.digits(), "00012345");
        assert_eq!(code.to_string(), "0001-2345");
        assert_eq!(ApprovalCode::parse("0001-2345"), Some(code.clone()));
        assert_eq!(ApprovalCode::parse(" 0001 2345 "), Some(code.clone()));
        assert_eq!(format!("{code:?}"), "ApprovalCode(…)", "the digits never reach a log");
        for bad in ["", "1234567", "123456789", "1234-567a", "１２３４５６７８"] {
            assert_eq!(ApprovalCode::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn the_hash_depends_on_every_digit_and_is_domain_separated() {
        let a = ApprovalCode::parse("12345678").expect("a");
        let b = ApprovalCode::parse("12345679").expect("b");
        assert_ne!(a.hash(), b.hash());
        let plain: [u8; 32] = Sha256::digest(b"12345678").into();
        assert_ne!(a.hash(), plain);
    }

    #[test]
    fn ids_and_hex_have_the_expected_shape() {
        let id = new_device_id(&FixedByteRandom { byte: 0xab }).expect("id");
        assert_eq!(id, format!("dev-{}", "ab".repeat(16)));
        assert_eq!(decode_hex::<2>("00ff"), Some([0, 255]));
        assert_eq!(decode_hex::<2>("00f"), None);
        assert_eq!(decode_hex::<2>("00ff00"), None);
        assert_eq!(decode_hex::<2>("zz00"), None);
        assert_ne!(token_key(&[1; 32]), [1; 32]);
    }
}
