//! Device enrolment and authenticated sessions.
//!
//! This module owns how a tablet becomes trusted and how it proves, each time it connects,
//! that it holds the key it enrolled with. It knows nothing of cases or workflow rules:
//! what a session's positions may do is decided by the sync layer.
//!
//! 1. **Enrolment**: the device generates an Ed25519 key, sends the public half and a
//!    display name (`POST /api/v1/devices`); the server stores it *pending* and answers a
//!    device id and a one-time 8-digit approval code, which the device shows. The store keeps
//!    only the SHA-256 of the code ([`ApprovalCode::hash`]).
//! 2. **Approval**: an administrator reads the code off the device and approves it with
//!    positions (role + scope): [`crate::admin::approve`], `keis-sync-server admin approve`.
//! 3. **Sessions**: the device asks for a challenge (a 32-byte nonce, valid for a minute,
//!    usable once), signs [`session_message`] and exchanges the signature for a bearer token
//!    valid for 12 hours. Later routes take the [`Authenticated`] extractor.
//!
//! Parts:
//! - [`secrets`]: approval codes, device ids and tokens (pure, randomness injected).
//! - [`challenge`]: [`ChallengeBook`], the outstanding challenges (pure, clock injected).
//! - [`session`]: [`SessionBook`], the open sessions (pure, clock injected).
//! - [`service`]: [`Auth`], which ties the books to the [`Store`](crate::store::Store), a
//!   [`Clock`] and a random source, and audits refusals.
//! - [`http`]: the JSON routes ([`routes`]) and the [`Authenticated`] extractor.
//! - [`error`]: [`AuthError`], every refusal, each saying what the user can do.

pub mod challenge;
pub mod error;
pub mod http;
pub mod secrets;
pub mod service;
pub mod session;

use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

pub use challenge::{Challenge, ChallengeBook};
pub use error::AuthError;
pub use http::{Authenticated, routes};
pub use secrets::ApprovalCode;
pub use service::{Auth, AuthConfig, Enrolment, Session};
pub use session::{SessionBook, SessionInfo, SessionToken};

/// The domain tag that starts every signed session message.
pub const SESSION_DOMAIN: &[u8] = b"keis-session-v1";

/// Length of a challenge nonce and of a session token, in bytes.
pub const NONCE_LEN: usize = 32;

/// What a device signs to open a session: `"keis-session-v1" ‖ device id ‖ nonce`.
/// The nonce has a fixed length and comes last, so the concatenation is unambiguous.
pub fn session_message(device_id: &str, nonce: &[u8; NONCE_LEN]) -> Vec<u8> {
    let mut msg = Vec::with_capacity(SESSION_DOMAIN.len() + device_id.len() + NONCE_LEN);
    msg.extend_from_slice(SESSION_DOMAIN);
    msg.extend_from_slice(device_id.as_bytes());
    msg.extend_from_slice(nonce);
    msg
}

/// Where the time comes from: milliseconds since the Unix epoch.
pub trait Clock: Send + Sync + 'static {
    fn now_ms(&self) -> i64;
}

/// The system's wall clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_ms(&self) -> i64 {
        SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
    }
}

/// A clock that only moves when told to: for tests.
#[derive(Debug, Default)]
pub struct ManualClock(AtomicI64);

impl ManualClock {
    pub fn new(now_ms: i64) -> Self {
        Self(AtomicI64::new(now_ms))
    }

    pub fn set(&self, now_ms: i64) {
        self.0.store(now_ms, Ordering::SeqCst);
    }

    pub fn advance(&self, ms: i64) {
        self.0.fetch_add(ms, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now_ms(&self) -> i64 {
        self.0.load(Ordering::SeqCst)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_session_message_is_domain_separated() {
        let msg = session_message("dev-1", &[7; NONCE_LEN]);
        assert!(msg.starts_with(b"keis-session-v1dev-1"));
        assert_eq!(&msg[msg.len() - NONCE_LEN..], &[7; NONCE_LEN]);
        assert_ne!(session_message("dev-1", &[7; NONCE_LEN]), session_message("dev-2", &[7; NONCE_LEN]));
    }

    #[test]
    fn the_manual_clock_moves_only_when_told() {
        let clock = ManualClock::new(1_000);
        assert_eq!(clock.now_ms(), 1_000);
        clock.advance(500);
        assert_eq!(clock.now_ms(), 1_500);
        clock.set(7);
        assert_eq!(clock.now_ms(), 7);
        assert!(SystemClock.now_ms() > 1_700_000_000_000);
    }
}
