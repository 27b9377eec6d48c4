//! [`ChallengeBook`]: the challenges the server has issued and not yet forgotten, in
//! memory. Pure: the time and the random source are passed in.
//!
//! A challenge is a 32-byte nonce for one device, valid for a short time (a minute by
//! default) and redeemable once. Redeemed and expired challenges are remembered for one
//! more lifetime, so a replay is refused as a replay, not as unknown. The book is bounded:
//! a device has at most a few open challenges (a new one evicts its oldest) and the whole
//! book refuses new challenges when full.

use std::collections::HashMap;

use ring::rand::SecureRandom;

use super::{AuthError, NONCE_LEN, secrets::random_bytes};

/// A challenge as sent to the device.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Challenge {
    pub nonce: [u8; NONCE_LEN],
    /// Milliseconds since the Unix epoch; the answer must arrive before.
    pub expires_at: i64,
}

#[derive(Debug)]
struct Entry {
    device_id: String,
    issued_at: i64,
    expires_at: i64,
    used: bool,
}

impl Entry {
    fn open(&self, now: i64) -> bool {
        !self.used && now < self.expires_at
    }
}

/// The outstanding challenges; see the module documentation.
#[derive(Debug)]
pub struct ChallengeBook {
    entries: HashMap<[u8; NONCE_LEN], Entry>,
    ttl_ms: i64,
    max_total: usize,
    max_per_device: usize,
}

impl ChallengeBook {
    /// A book whose challenges live `ttl_ms`, holding at most `max_total` entries and at
    /// most `max_per_device` open challenges per device.
    pub fn new(ttl_ms: i64, max_total: usize, max_per_device: usize) -> Self {
        Self { entries: HashMap::new(), ttl_ms, max_total, max_per_device: max_per_device.max(1) }
    }

    /// Issues a new challenge for `device_id`.
    pub fn issue(&mut self, device_id: &str, now: i64, rng: &dyn SecureRandom) -> Result<Challenge, AuthError> {
        self.forget_old(now);
        let mut open: Vec<([u8; NONCE_LEN], i64)> = self
            .entries
            .iter()
            .filter(|(_, e)| e.device_id == device_id && e.open(now))
            .map(|(n, e)| (*n, e.issued_at))
            .collect();
        if open.len() >= self.max_per_device {
            open.sort_by_key(|(_, issued)| *issued);
            for (nonce, _) in open.iter().take(open.len() + 1 - self.max_per_device) {
                self.entries.remove(nonce);
            }
        }
        if self.entries.len() >= self.max_total {
            return Err(AuthError::Busy);
        }
        let nonce = random_bytes::<NONCE_LEN>(rng)?;
        if self.entries.contains_key(&nonce) {
            // Only a broken random source repeats 32 bytes.
            return Err(AuthError::Random);
        }
        let expires_at = now.saturating_add(self.ttl_ms);
        self.entries.insert(nonce, Entry { device_id: device_id.to_owned(), issued_at: now, expires_at, used: false });
        Ok(Challenge { nonce, expires_at })
    }

    /// Redeems the challenge `nonce` for `device_id`: succeeds once, before it expires.
    /// A challenge of another device is refused and left as it is.
    pub fn redeem(&mut self, device_id: &str, nonce: &[u8; NONCE_LEN], now: i64) -> Result<(), AuthError> {
        let entry = self.entries.get_mut(nonce).ok_or(AuthError::UnknownChallenge)?;
        if entry.device_id != device_id {
            return Err(AuthError::ChallengeNotForDevice);
        }
        if entry.used {
            return Err(AuthError::ChallengeReplayed);
        }
        entry.used = true;
        if now >= entry.expires_at {
            return Err(AuthError::ChallengeExpired);
        }
        Ok(())
    }

    /// Entries held (open, used or recently expired).
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Forgets challenges that expired more than one lifetime ago.
    fn forget_old(&mut self, now: i64) {
        let ttl = self.ttl_ms;
        self.entries.retain(|_, e| now < e.expires_at.saturating_add(ttl));
    }
}

#[cfg(test)]
#[allow(deprecated)] // ring's fixed random sources live in its deprecated `test` module.
mod tests {
    use ring::test::rand::FixedSliceRandom;

    use super::*;

    const T0: i64 = 1_763_900_000_000;

    fn rng(b: u8) -> FixedSliceRandom<'static> {
        let bytes: &'static [u8; NONCE_LEN] = Box::leak(Box::new([b; NONCE_LEN]));
        FixedSliceRandom { bytes }
    }

    #[test]
    fn a_challenge_is_redeemed_once_before_it_expires() {
        let mut book = ChallengeBook::new(60_000, 100, 4);
        let c = book.issue("dev-1", T0, &rng(1)).expect("issue");
        assert_eq!(c, Challenge { nonce: [1; NONCE_LEN], expires_at: T0 + 60_000 });
        assert!(matches!(book.redeem("dev-2", &c.nonce, T0 + 1), Err(AuthError::ChallengeNotForDevice)));
        book.redeem("dev-1", &c.nonce, T0 + 59_999).expect("in time");
        assert!(matches!(book.redeem("dev-1", &c.nonce, T0 + 59_999), Err(AuthError::ChallengeReplayed)));
        assert!(matches!(book.redeem("dev-1", &[9; NONCE_LEN], T0), Err(AuthError::UnknownChallenge)));
    }

    #[test]
    fn an_expired_challenge_is_refused_as_expired_then_forgotten() {
        let mut book = ChallengeBook::new(60_000, 100, 4);
        let c = book.issue("dev-1", T0, &rng(1)).expect("issue");
        assert!(matches!(book.redeem("dev-1", &c.nonce, T0 + 60_000), Err(AuthError::ChallengeExpired)));
        assert!(matches!(book.redeem("dev-1", &c.nonce, T0 + 60_001), Err(AuthError::ChallengeReplayed)));
        book.issue("dev-1", T0 + 120_000, &rng(2)).expect("issue");
        assert_eq!(book.len(), 1, "the old one is forgotten after a second lifetime");
        assert!(matches!(book.redeem("dev-1", &c.nonce, T0 + 120_000), Err(AuthError::UnknownChallenge)));
    }

    #[test]
    fn a_device_holds_a_few_open_challenges_and_the_book_is_bounded() {
        let mut book = ChallengeBook::new(60_000, 3, 2);
        let first = book.issue("dev-1", T0, &rng(1)).expect("1");
        book.issue("dev-1", T0 + 1, &rng(2)).expect("2");
        book.issue("dev-1", T0 + 2, &rng(3)).expect("3 evicts 1");
        assert_eq!(book.len(), 2);
        assert!(matches!(book.redeem("dev-1", &first.nonce, T0 + 3), Err(AuthError::UnknownChallenge)));
        book.issue("dev-2", T0 + 3, &rng(4)).expect("4");
        assert!(matches!(book.issue("dev-3", T0 + 4, &rng(5)), Err(AuthError::Busy)));
        book.issue("dev-3", T0 + 130_000, &rng(5)).expect("room again once old ones are forgotten");
        assert!(!book.is_empty());
        let mut book = ChallengeBook::new(60_000, 10, 2);
        book.issue("dev-1", T0, &rng(1)).expect("1");
        assert!(matches!(book.issue("dev-2", T0, &rng(1)), Err(AuthError::Random)), "a repeated nonce");
    }
}
