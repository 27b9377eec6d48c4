//! Key management: the data key, the PIN that wraps it, and how many wrong PINs we take.
//!
//! - The **data key** is 256 random bits from the injected [`SecureRandom`], made once at
//!   enrolment. It seals every row ([`super::crypto`]) and is never written in clear.
//! - It is stored **wrapped**: sealed (ChaCha20-Poly1305) under a key derived from the PIN
//!   with PBKDF2-HMAC-SHA256 over a random 128-bit salt. A wrong PIN derives another key
//!   and the wrapped key fails to open: that is how a wrong PIN is told apart, with no
//!   PIN hash stored. Changing the PIN re-wraps the same data key under a fresh salt; the
//!   data is not re-encrypted.
//! - **Iterations**: [`PRODUCTION_ITERATIONS`] = 600,000, the OWASP (2023) figure for
//!   PBKDF2-HMAC-SHA256; about half a second to a second on a mid-range tablet, paid once
//!   per unlock. Tests use a small count. A short numeric PIN is still guessable offline by
//!   someone who copies the file; the delay and wipe below stop guessing through the app
//!   only. Binding the wrap to the platform keystore (Android Keystore / StrongBox, iOS
//!   Secure Enclave) is what closes that gap, and is left to the launchers.
//! - **Attempts** ([`AttemptPolicy`]): the first 4 wrong PINs cost nothing; from the 5th on
//!   the store is "locked until" a delay that doubles (30 s, 1, 2, 4, 8 min); the 10th
//!   wrong PIN in a row wipes the local data. A right PIN resets the count. The delay uses
//!   the device clock, so moving the clock forward skips it; the wipe does not depend on
//!   the clock.
//!
//! Derived keys and raw key bytes live in [`Zeroizing`] buffers, zeroed on drop. ring's own
//! key schedules are not zeroed on drop; they are dropped when the store locks.

use std::num::NonZeroU32;

use ring::pbkdf2;
use ring::rand::SecureRandom;
use zeroize::Zeroizing;

use super::StoreError;
use super::crypto::{RowId, SealKey};

/// PBKDF2 iterations for a real device (see the module doc).
pub const PRODUCTION_ITERATIONS: u32 = 600_000;
const SALT_LEN: usize = 16;
const MIN_PIN_LEN: usize = 4;

/// A PIN typed by the user; zeroed when dropped and never printed.
pub struct Pin(Zeroizing<String>);

impl Pin {
    pub fn new(pin: impl Into<String>) -> Self {
        Self(Zeroizing::new(pin.into()))
    }

    fn bytes(&self) -> &[u8] {
        self.0.as_bytes()
    }
}

impl std::fmt::Debug for Pin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Pin(..)")
    }
}

/// The data key as stored: sealed under the PIN-derived key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct WrappedKey {
    pub(crate) salt: Vec<u8>,
    pub(crate) iterations: u32,
    pub(crate) sealed: Vec<u8>,
}

pub(crate) type RawKey = Zeroizing<[u8; 32]>;

/// A fresh random data key.
pub(crate) fn new_data_key(rng: &dyn SecureRandom) -> Result<RawKey, StoreError> {
    let mut key = Zeroizing::new([0u8; 32]);
    rng.fill(key.as_mut())?;
    Ok(key)
}

fn derive(pin: &Pin, salt: &[u8], iterations: u32) -> Result<RawKey, StoreError> {
    let iterations = NonZeroU32::new(iterations).ok_or(StoreError::Crypto)?;
    let mut out = Zeroizing::new([0u8; 32]);
    pbkdf2::derive(pbkdf2::PBKDF2_HMAC_SHA256, iterations, salt, pin.bytes(), out.as_mut());
    Ok(out)
}

fn wrap_row(iterations: u32) -> RowId<'static> {
    RowId::new("data_key", "", u64::from(iterations))
}

/// Wraps `data_key` under `pin` with a fresh salt.
pub(crate) fn wrap(
    rng: &dyn SecureRandom,
    pin: &Pin,
    iterations: u32,
    data_key: &[u8; 32],
) -> Result<WrappedKey, StoreError> {
    if pin.bytes().len() < MIN_PIN_LEN {
        return Err(StoreError::BadPin("at least 4 characters"));
    }
    let mut salt = vec![0u8; SALT_LEN];
    rng.fill(&mut salt)?;
    let kek = SealKey::new(&*derive(pin, &salt, iterations)?)?;
    let sealed = kek.seal(rng, wrap_row(iterations), data_key)?;
    Ok(WrappedKey { salt, iterations, sealed })
}

/// The data key if `pin` is right, `None` if it is wrong.
pub(crate) fn unwrap(pin: &Pin, wrapped: &WrappedKey) -> Result<Option<RawKey>, StoreError> {
    let kek = SealKey::new(&*derive(pin, &wrapped.salt, wrapped.iterations)?)?;
    let Some(plain) = kek.try_open(wrap_row(wrapped.iterations), &wrapped.sealed) else {
        return Ok(None);
    };
    let plain = Zeroizing::new(plain);
    let mut key = Zeroizing::new([0u8; 32]);
    if plain.len() != key.len() {
        return Err(StoreError::Tampered { what: "data_key" });
    }
    key.copy_from_slice(&plain);
    Ok(Some(key))
}

/// How many wrong PINs in a row the store takes, and what it does after each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AttemptPolicy {
    /// Wrong PINs in a row that cost nothing.
    pub free: u32,
    /// The delay after the first wrong PIN past `free`; it doubles with each further one.
    pub first_delay_ms: i64,
    /// The wrong PIN in a row that wipes the local data.
    pub wipe_at: u32,
}

impl Default for AttemptPolicy {
    fn default() -> Self {
        Self { free: 4, first_delay_ms: 30_000, wipe_at: 10 }
    }
}

/// What follows a wrong PIN.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AfterFailure {
    /// Try again now, or from `locked_until` (0: now).
    Retry {
        remaining: u32,
        locked_until: i64,
    },
    Wipe,
}

impl AttemptPolicy {
    /// `failures` counts the wrong PIN just entered.
    pub(crate) fn after_failure(&self, failures: u32, now: i64) -> AfterFailure {
        if failures >= self.wipe_at {
            return AfterFailure::Wipe;
        }
        let remaining = self.wipe_at - failures;
        let locked_until = match failures.checked_sub(self.free + 1) {
            None => 0,
            Some(extra) => now.saturating_add(self.first_delay_ms.saturating_mul(1_i64 << extra.min(30))),
        };
        AfterFailure::Retry { remaining, locked_until }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_delay_doubles_after_the_free_attempts_and_the_tenth_wipes() {
        let p = AttemptPolicy::default();
        assert_eq!(p.after_failure(1, 1000), AfterFailure::Retry { remaining: 9, locked_until: 0 });
        assert_eq!(p.after_failure(4, 1000), AfterFailure::Retry { remaining: 6, locked_until: 0 });
        assert_eq!(p.after_failure(5, 1000), AfterFailure::Retry { remaining: 5, locked_until: 31_000 });
        assert_eq!(p.after_failure(6, 1000), AfterFailure::Retry { remaining: 4, locked_until: 61_000 });
        assert_eq!(p.after_failure(9, 0), AfterFailure::Retry { remaining: 1, locked_until: 480_000 });
        assert_eq!(p.after_failure(10, 0), AfterFailure::Wipe);
    }

    #[test]
    fn a_wrapped_key_opens_with_its_pin_only() {
        let rng = ring::rand::SystemRandom::new();
        let key = new_data_key(&rng).expect("key");
        let w = wrap(&rng, &Pin::new("2468"), 10, &key).expect("wrap");
        assert_eq!(unwrap(&Pin::new("2468"), &w).expect("unwrap").as_deref(), Some(&*key));
        assert!(unwrap(&Pin::new("2469"), &w).expect("unwrap").is_none());
        assert!(matches!(wrap(&rng, &Pin::new("12"), 10, &key), Err(StoreError::BadPin(_))));
    }
}
