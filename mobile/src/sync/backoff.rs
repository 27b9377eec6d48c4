//! When to try the server again: exponential backoff with jitter, and which failures are
//! worth retrying at all. Pure: the caller supplies the random jitter and does the waiting.

use std::time::Duration;

use super::SyncError;

/// The shape of the backoff.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BackoffConfig {
    /// The delay after the first failure (before jitter).
    pub base_ms: u64,
    /// The longest delay.
    pub max_ms: u64,
}

impl Default for BackoffConfig {
    fn default() -> Self {
        Self { base_ms: 1_000, max_ms: 5 * 60_000 }
    }
}

/// Consecutive failures and the delay they call for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Backoff {
    config: BackoffConfig,
    failures: u32,
}

impl Backoff {
    /// A backoff with no failures yet.
    pub fn new(config: BackoffConfig) -> Self {
        Self { config, failures: 0 }
    }

    /// Failures in a row so far.
    pub fn failures(&self) -> u32 {
        self.failures
    }

    /// The ceiling of the delay after `failures` failures: `base · 2^(failures-1)`, capped.
    pub fn ceiling_ms(&self, failures: u32) -> u64 {
        if failures == 0 {
            return 0;
        }
        let shift = (failures - 1).min(40);
        self.config.base_ms.saturating_mul(1u64 << shift).min(self.config.max_ms)
    }

    /// Counts a failure and returns how long to wait: "equal jitter", half the ceiling plus
    /// a random part of the other half, so devices that lost the same server do not all
    /// come back at the same instant, and no delay is near zero. `random` is any random
    /// number.
    pub fn fail(&mut self, random: u64) -> Duration {
        self.failures = self.failures.saturating_add(1);
        let ceiling = self.ceiling_ms(self.failures);
        let half = ceiling / 2;
        Duration::from_millis(half + random % (ceiling - half + 1))
    }

    /// A success: the next failure starts from the base delay again.
    pub fn reset(&mut self) {
        self.failures = 0;
    }
}

/// What to do after a failed sync attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Next {
    /// Wait, then try again.
    Retry(Duration),
    /// Do not retry on a timer: the user (or the administrator) must act first.
    Stop,
}

/// Whether `error` is worth retrying on a timer, and after how long.
pub fn after_failure(error: &SyncError, backoff: &mut Backoff, random: u64) -> Next {
    if error.is_transient() { Next::Retry(backoff.fail(random)) } else { Next::Stop }
}

/// Randomness for the jitter, from the system's secure random source (no extra crate).
pub fn jitter() -> u64 {
    use ring::rand::SecureRandom;
    let mut b = [0u8; 8];
    match ring::rand::SystemRandom::new().fill(&mut b) {
        Ok(()) => u64::from_le_bytes(b),
        Err(_) => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn backoff() -> Backoff {
        Backoff::new(BackoffConfig { base_ms: 100, max_ms: 1_000 })
    }

    #[test]
    fn the_delay_doubles_up_to_the_cap_and_stays_within_its_jitter() {
        let mut b = backoff();
        let ceilings: Vec<u64> = (1..=6).map(|n| b.ceiling_ms(n)).collect();
        assert_eq!(ceilings, vec![100, 200, 400, 800, 1_000, 1_000]);
        for (n, ceiling) in ceilings.iter().enumerate() {
            for random in [0, 1, 37, u64::MAX] {
                let mut probe = b.clone();
                let d = probe.fail(random).as_millis() as u64;
                assert!(
                    d >= ceiling / 2 && d <= *ceiling,
                    "failure {}: {d} not in [{}, {ceiling}]",
                    n + 1,
                    ceiling / 2
                );
            }
            b.fail(0);
        }
        assert_eq!(b.failures(), 6);
    }

    #[test]
    fn different_random_numbers_spread_the_delays() {
        let delays: std::collections::BTreeSet<u128> =
            (0..50u64).map(|r| backoff().fail(r.wrapping_mul(7919)).as_millis()).collect();
        assert!(delays.len() > 10, "{delays:?}");
    }

    #[test]
    fn a_success_starts_again_from_the_base() {
        let mut b = backoff();
        for _ in 0..10 {
            b.fail(u64::MAX);
        }
        assert_eq!(b.fail(500), Duration::from_millis(1_000), "capped: 500 + the largest jitter, 500");
        b.reset();
        assert_eq!(b.failures(), 0);
        assert!(b.fail(u64::MAX) <= Duration::from_millis(100));
    }

    #[test]
    fn only_transient_failures_are_retried() {
        let mut b = backoff();
        assert!(matches!(after_failure(&SyncError::Offline("refused".into()), &mut b, 3), Next::Retry(_)));
        assert!(matches!(after_failure(&SyncError::Dropped, &mut b, 3), Next::Retry(_)));
        assert_eq!(b.failures(), 2);
        assert_eq!(after_failure(&SyncError::Revoked, &mut b, 3), Next::Stop);
        assert_eq!(after_failure(&SyncError::NotEnrolled, &mut b, 3), Next::Stop);
        assert_eq!(after_failure(&SyncError::Pending, &mut b, 3), Next::Stop);
        assert_eq!(b.failures(), 2, "a stop does not count as a backoff step");
    }
}
