//! [`SessionBook`]: the open sessions, in memory. Pure: the time and the random source are
//! passed in.
//!
//! A session token is 32 random bytes, sent as hex in `Authorization: Bearer …`. The book
//! files a session under the SHA-256 of its token, never the token itself. A device holds
//! a bounded number of sessions (a new one ends its oldest); revoking a device ends them all.
//! Sessions do not survive a restart: the device opens a new one by challenge-response.

use std::collections::HashMap;
use std::fmt;

use keis_crdt::Position;
use ring::rand::SecureRandom;

use super::NONCE_LEN;
use super::secrets::{decode_hex, random_bytes, token_key};

/// What a valid token stands for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionInfo {
    pub device_id: String,
    /// The positions the device held when the session was opened.
    pub positions: Vec<Position>,
    /// Milliseconds since the Unix epoch.
    pub expires_at: i64,
}

/// A freshly issued bearer token (hex). Its `Debug` form hides it.
#[derive(Clone, PartialEq, Eq)]
pub struct SessionToken(String);

impl SessionToken {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for SessionToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SessionToken(…)")
    }
}

#[derive(Debug)]
struct Entry {
    info: SessionInfo,
    opened_at: i64,
}

/// The open sessions; see the module documentation.
#[derive(Debug)]
pub struct SessionBook {
    by_key: HashMap<[u8; 32], Entry>,
    ttl_ms: i64,
    max_per_device: usize,
}

impl SessionBook {
    /// A book whose sessions live `ttl_ms`, at most `max_per_device` per device.
    pub fn new(ttl_ms: i64, max_per_device: usize) -> Self {
        Self { by_key: HashMap::new(), ttl_ms, max_per_device: max_per_device.max(1) }
    }

    /// Opens a session for `device_id` acting as `positions`.
    pub fn open(
        &mut self,
        device_id: &str,
        positions: Vec<Position>,
        now: i64,
        rng: &dyn SecureRandom,
    ) -> Result<(SessionToken, SessionInfo), ring::error::Unspecified> {
        self.by_key.retain(|_, e| now < e.info.expires_at);
        let mut mine: Vec<([u8; 32], i64)> =
            self.by_key.iter().filter(|(_, e)| e.info.device_id == device_id).map(|(k, e)| (*k, e.opened_at)).collect();
        if mine.len() >= self.max_per_device {
            mine.sort_by_key(|(_, opened)| *opened);
            for (key, _) in mine.iter().take(mine.len() + 1 - self.max_per_device) {
                self.by_key.remove(key);
            }
        }
        let token = random_bytes::<NONCE_LEN>(rng)?;
        let info =
            SessionInfo { device_id: device_id.to_owned(), positions, expires_at: now.saturating_add(self.ttl_ms) };
        self.by_key.insert(token_key(&token), Entry { info: info.clone(), opened_at: now });
        Ok((SessionToken(hex::encode(token)), info))
    }

    /// The session of `token` if it is open at `now`.
    pub fn session(&self, token: &str, now: i64) -> Option<SessionInfo> {
        let bytes = decode_hex::<NONCE_LEN>(token)?;
        let entry = self.by_key.get(&token_key(&bytes))?;
        (now < entry.info.expires_at).then(|| entry.info.clone())
    }

    /// Ends the session of `token`; whether there was one.
    pub fn end(&mut self, token: &str) -> bool {
        decode_hex::<NONCE_LEN>(token).is_some_and(|bytes| self.by_key.remove(&token_key(&bytes)).is_some())
    }

    /// Ends every session of `device_id`; how many there were.
    pub fn end_device(&mut self, device_id: &str) -> usize {
        let before = self.by_key.len();
        self.by_key.retain(|_, e| e.info.device_id != device_id);
        before - self.by_key.len()
    }

    /// Sessions held (open or expired but not yet dropped).
    pub fn len(&self) -> usize {
        self.by_key.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_key.is_empty()
    }
}

#[cfg(test)]
#[allow(deprecated)] // ring's fixed random sources live in its deprecated `test` module.
mod tests {
    use keis_crdt::{Role, Scope};
    use ring::test::rand::FixedSliceRandom;

    use super::*;

    const T0: i64 = 1_763_900_000_000;
    const H12: i64 = 12 * 3_600_000;

    fn open(book: &mut SessionBook, device: &str, b: u8, now: i64) -> SessionToken {
        let bytes = [b; NONCE_LEN];
        let pos = vec![Position::new("pos-1", Role::Starosta, Scope::hromada("UA1"))];
        book.open(device, pos, now, &FixedSliceRandom { bytes: &bytes }).expect("open").0
    }

    #[test]
    fn a_token_names_its_session_until_it_expires() {
        let mut book = SessionBook::new(H12, 4);
        let token = open(&mut book, "dev-1", 5, T0);
        assert_eq!(token.as_str(), "05".repeat(32));
        assert_eq!(format!("{token:?}"), "SessionToken(…)");
        let info = book.session(token.as_str(), T0 + H12 - 1).expect("open");
        assert_eq!((info.device_id.as_str(), info.expires_at, info.positions.len()), ("dev-1", T0 + H12, 1));
        assert_eq!(book.session(token.as_str(), T0 + H12), None, "expired");
        assert_eq!(book.session(&"06".repeat(32), T0), None, "unknown");
        assert_eq!(book.session("not hex", T0), None, "malformed");
        assert_eq!(book.session(&token.as_str().to_uppercase(), T0).map(|i| i.device_id), Some("dev-1".into()));
    }

    #[test]
    fn revoking_a_device_ends_its_sessions_only() {
        let mut book = SessionBook::new(H12, 4);
        let a1 = open(&mut book, "dev-1", 1, T0);
        let a2 = open(&mut book, "dev-1", 2, T0);
        let b = open(&mut book, "dev-2", 3, T0);
        assert_eq!(book.end_device("dev-1"), 2);
        assert_eq!(book.session(a1.as_str(), T0), None);
        assert_eq!(book.session(a2.as_str(), T0), None);
        assert!(book.session(b.as_str(), T0).is_some());
        assert!(book.end(b.as_str()));
        assert!(!book.end(b.as_str()));
        assert!(book.is_empty());
    }

    #[test]
    fn a_device_holds_a_bounded_number_of_sessions_and_expired_ones_are_dropped() {
        let mut book = SessionBook::new(H12, 2);
        let first = open(&mut book, "dev-1", 1, T0);
        open(&mut book, "dev-1", 2, T0 + 1);
        open(&mut book, "dev-1", 3, T0 + 2);
        assert_eq!(book.len(), 2);
        assert_eq!(book.session(first.as_str(), T0 + 3), None, "the oldest was ended");
        open(&mut book, "dev-2", 4, T0 + H12 + 5);
        assert_eq!(book.len(), 1, "expired sessions are dropped");
    }
}
