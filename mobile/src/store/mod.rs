//! The encrypted local store of the device: case documents, blobs, sync state and outbox,
//! in one directory, readable only with the user's PIN. A lost tablet must not leak
//! anything.
//!
//! # Layout
//! - `keis.db` (SQLite): case documents as an Automerge snapshot plus appended incremental
//!   chunks (compacted into a new snapshot after [`StoreConfig::compact_after_chunks`]),
//!   per-document sync states, the sync cursor, the dirty set (outbox) and the server's
//!   reasons for refused changes.
//! - `blobs/<sha256>`: attachments (scans, photos, signature images), one file each.
//!
//! # Encryption at rest
//! Every payload (document snapshots and chunks, blobs, sync states, rejection reasons) is
//! sealed with a random 256-bit data key ([`crypto`]: ChaCha20-Poly1305, a fresh random
//! nonce per row, associated data naming the row: table, key, chunk number). A ciphertext
//! flipped, truncated or moved to another row fails with [`StoreError::Tampered`]. The
//! data key is wrapped under the PIN ([`keys`]: PBKDF2-HMAC-SHA256, attempt limits).
//!
//! In clear, because they are random ids or counters and not personal data: case ids,
//! blob hashes, chunk numbers, dirty flags, rejection codes, the sync cursor, the device's
//! actor id, and the key-wrapping metadata ([`db`]). Not prevented: someone with the file
//! can put back an *older* sealed version of the same row (a rollback) or drop trailing
//! chunks; they cannot read anything or forge content without the PIN.
//!
//! # Locking
//! An unlocked store drops its key after [`StoreConfig::idle_lock_ms`] without a user
//! operation; then every operation returns [`StoreError::Locked`]. Sync through
//! [`StoreHost`] needs an unlocked store but does not count as activity, so a tablet left
//! syncing still locks. [`Store::wipe`] (a revoked device) and the 10th wrong PIN delete
//! the database and the blobs; deleting the wrapped key first makes what a flash
//! controller keeps of the old pages unreadable.

mod blobs;
mod cases;
mod clock;
mod crypto;
mod db;
mod error;
mod first_run;
mod host;
mod keys;
mod settings;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use automerge::ActorId;
use ring::rand::SecureRandom;
use rusqlite::Connection;

pub use cases::Rejection;
pub use clock::{Clock, ManualClock, SystemClock};
pub use error::StoreError;
pub use first_run::{NEW_PIN_DIGITS, WeakPin, check_new_pin};
pub use host::{StoreHost, SyncCache};
pub use keys::{AttemptPolicy, PRODUCTION_ITERATIONS, Pin};

use crypto::SealKey;
use keys::{AfterFailure, RawKey};

/// How a store protects itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoreConfig {
    /// PBKDF2 iterations for a newly wrapped key (at creation and on a PIN change).
    pub iterations: u32,
    /// Time without a user operation after which the store locks.
    pub idle_lock_ms: i64,
    pub attempts: AttemptPolicy,
    /// Chunks appended to a document before it is rewritten as one snapshot.
    pub compact_after_chunks: u32,
}

impl Default for StoreConfig {
    fn default() -> Self {
        Self {
            iterations: PRODUCTION_ITERATIONS,
            idle_lock_ms: 5 * 60_000,
            attempts: AttemptPolicy::default(),
            compact_after_chunks: 64,
        }
    }
}

impl StoreConfig {
    /// The production settings with a cheap key derivation, for tests only.
    pub fn for_tests() -> Self {
        Self { iterations: 1_000, ..Self::default() }
    }
}

/// The randomness the store uses; [`ring::rand::SystemRandom`] on a device.
pub type Rng = Arc<dyn SecureRandom + Send + Sync>;

struct Unlocked {
    key: SealKey,
    last_activity: i64,
}

/// The local store of one device. Created once at enrolment, then opened locked and
/// unlocked with the PIN.
pub struct Store {
    dir: PathBuf,
    /// `None` once wiped.
    conn: Option<Connection>,
    config: StoreConfig,
    clock: Arc<dyn Clock>,
    rng: Rng,
    actor: ActorId,
    unlocked: Option<Unlocked>,
    /// Counts the user's edits of cases, so a sync session knows its copies are stale.
    edits: u64,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("dir", &self.dir)
            .field("wiped", &self.conn.is_none())
            .field("unlocked", &self.unlocked.is_some())
            .finish_non_exhaustive()
    }
}

/// Whether an operation is the user's (it keeps the store unlocked) or background sync.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Activity {
    User,
    Background,
}

/// What an operation on an unlocked store works with.
pub(crate) struct Parts<'a> {
    pub(crate) conn: &'a Connection,
    pub(crate) key: &'a SealKey,
    pub(crate) rng: &'a dyn SecureRandom,
    pub(crate) actor: &'a ActorId,
    pub(crate) dir: &'a Path,
    pub(crate) compact_after: u32,
}

impl Store {
    /// Whether a store exists in `dir`.
    pub fn exists(dir: &Path) -> bool {
        dir.join(db::DB_FILE).is_file()
    }

    /// Creates a store protected by `pin` in `dir` and returns it unlocked.
    pub fn create(
        dir: &Path,
        pin: &Pin,
        config: StoreConfig,
        clock: Arc<dyn Clock>,
        rng: Rng,
    ) -> Result<Self, StoreError> {
        if Self::exists(dir) {
            return Err(StoreError::AlreadyExists(dir.to_owned()));
        }
        let key = keys::new_data_key(&*rng)?;
        let wrapped = keys::wrap(&*rng, pin, config.iterations, &key)?;
        let mut actor = [0u8; 16];
        rng.fill(&mut actor)?;
        std::fs::create_dir_all(dir)?;
        let conn = db::open(dir)?;
        db::set(&conn, "actor", &actor)?;
        db::set_wrapped_key(&conn, &wrapped)?;
        tracing::info!("local store created");
        let unlocked = Some(Unlocked { key: SealKey::new(&key)?, last_activity: clock.now_ms() });
        Ok(Self {
            dir: dir.to_owned(),
            conn: Some(conn),
            config,
            clock,
            rng,
            actor: ActorId::from(&actor[..]),
            unlocked,
            edits: 0,
        })
    }

    /// Opens the store in `dir`, locked.
    pub fn open(dir: &Path, config: StoreConfig, clock: Arc<dyn Clock>, rng: Rng) -> Result<Self, StoreError> {
        if !Self::exists(dir) {
            return Err(StoreError::NoStore(dir.to_owned()));
        }
        let conn = db::open(dir)?;
        let actor = db::get(&conn, "actor")?.ok_or(StoreError::Tampered { what: "meta" })?;
        Ok(Self {
            dir: dir.to_owned(),
            conn: Some(conn),
            config,
            clock,
            rng,
            actor: ActorId::from(actor.as_slice()),
            unlocked: None,
            edits: 0,
        })
    }

    /// Unlocks with the PIN. A wrong PIN changes nothing but the attempt counter (and,
    /// past the free attempts, the time before the next try); see [`AttemptPolicy`].
    pub fn unlock(&mut self, pin: &Pin) -> Result<(), StoreError> {
        let key = self.check_pin(pin)?;
        self.unlocked = Some(Unlocked { key: SealKey::new(&key)?, last_activity: self.clock.now_ms() });
        tracing::info!("local store unlocked");
        Ok(())
    }

    /// Drops the key material now.
    pub fn lock(&mut self) {
        self.unlocked = None;
    }

    /// The user did something: the inactivity timer starts again (a store that already
    /// locked itself stays locked).
    pub fn touch(&mut self) {
        if let Err(e) = self.parts(Activity::User) {
            tracing::debug!(error = %e, "touch on a closed store");
        }
    }

    /// Whether operations would run now (unlocked and not idle too long).
    pub fn is_unlocked(&self) -> bool {
        self.conn.is_some()
            && self
                .unlocked
                .as_ref()
                .is_some_and(|u| self.clock.now_ms().saturating_sub(u.last_activity) < self.config.idle_lock_ms)
    }

    /// Wrong PINs entered in a row so far.
    pub fn failed_attempts(&self) -> Result<u32, StoreError> {
        Ok(db::attempts(self.conn.as_ref().ok_or(StoreError::Wiped)?)?.failures)
    }

    /// Re-wraps the data key under `new` (fresh salt); the data is not re-encrypted. `old`
    /// is checked and counted like an unlock.
    pub fn change_pin(&mut self, old: &Pin, new: &Pin) -> Result<(), StoreError> {
        let key = self.check_pin(old)?;
        let wrapped = keys::wrap(&*self.rng, new, self.config.iterations, &key)?;
        db::set_wrapped_key(self.conn.as_ref().ok_or(StoreError::Wiped)?, &wrapped)?;
        self.unlocked = Some(Unlocked { key: SealKey::new(&key)?, last_activity: self.clock.now_ms() });
        tracing::info!("PIN changed");
        Ok(())
    }

    /// Deletes everything this device holds: the database and the blobs.
    pub fn wipe(mut self) -> Result<(), StoreError> {
        self.wipe_in_place()
    }

    fn check_pin(&mut self, pin: &Pin) -> Result<RawKey, StoreError> {
        let conn = self.conn.as_ref().ok_or(StoreError::Wiped)?;
        let now = self.clock.now_ms();
        let attempts = db::attempts(conn)?;
        if attempts.locked_until > now {
            let retry_after_s = (attempts.locked_until - now + 999) / 1000;
            return Err(StoreError::TooManyAttempts { retry_after_s });
        }
        if let Some(key) = keys::unwrap(pin, &db::wrapped_key(conn)?)? {
            if attempts != db::Attempts::default() {
                db::set_attempts(conn, db::Attempts::default())?;
            }
            return Ok(key);
        }
        let failures = attempts.failures.saturating_add(1);
        tracing::warn!(failures, "wrong PIN");
        match self.config.attempts.after_failure(failures, now) {
            AfterFailure::Retry { remaining, locked_until } => {
                db::set_attempts(conn, db::Attempts { failures, locked_until })?;
                Err(StoreError::WrongPin { remaining })
            }
            AfterFailure::Wipe => {
                tracing::warn!("too many wrong PINs: wiping the local data");
                self.wipe_in_place()?;
                Err(StoreError::Wiped)
            }
        }
    }

    fn wipe_in_place(&mut self) -> Result<(), StoreError> {
        self.unlocked = None;
        if let Some(conn) = self.conn.take() {
            // Without the wrapped key nothing left on the flash can be opened.
            conn.execute("DELETE FROM meta WHERE key IN ('wrapped_key', 'salt')", [])?;
            drop(conn);
        }
        for name in [db::DB_FILE, "keis.db-journal", "keis.db-wal", "keis.db-shm"] {
            match std::fs::remove_file(self.dir.join(name)) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e.into()),
                _ => {}
            }
        }
        match std::fs::remove_dir_all(self.dir.join(blobs::BLOB_DIR)) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e.into()),
            _ => {}
        }
        tracing::warn!("local store wiped");
        Ok(())
    }

    /// The connection and key for an operation, or why there are none. A user operation
    /// resets the inactivity timer; background sync does not.
    pub(crate) fn parts(&mut self, activity: Activity) -> Result<Parts<'_>, StoreError> {
        let conn = self.conn.as_ref().ok_or(StoreError::Wiped)?;
        let now = self.clock.now_ms();
        let idle = match &self.unlocked {
            None => return Err(StoreError::Locked),
            Some(u) => now.saturating_sub(u.last_activity) >= self.config.idle_lock_ms,
        };
        if idle {
            self.unlocked = None;
            tracing::info!("local store locked after inactivity");
            return Err(StoreError::Locked);
        }
        let u = self.unlocked.as_mut().ok_or(StoreError::Locked)?;
        if activity == Activity::User {
            u.last_activity = now;
        }
        Ok(Parts {
            conn,
            key: &u.key,
            rng: &*self.rng,
            actor: &self.actor,
            dir: &self.dir,
            compact_after: self.config.compact_after_chunks,
        })
    }
}
