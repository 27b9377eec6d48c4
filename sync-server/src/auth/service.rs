//! [`Auth`]: enrolment and sessions over the [`Store`], with a [`Clock`] and a random
//! source injected. Holds the in-memory [`ChallengeBook`] and [`SessionBook`]; audits every
//! refusal that concerns an enrolled device (the device id and the reason code, no
//! personal data).

use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use keis_crdt::Position;
use ring::rand::{SecureRandom, SystemRandom};
use ring::signature::{ED25519, UnparsedPublicKey};
use tracing::{Span, info, instrument, warn};

use super::secrets::{ApprovalCode, new_device_id};
use super::{
    AuthError, Challenge, ChallengeBook, Clock, NONCE_LEN, SessionBook, SessionInfo, SessionToken, SystemClock,
};
use crate::store::{AuditEntry, Device, DeviceStatus, NewDevice, Store};

/// Longest display name accepted, in characters.
pub const MAX_DISPLAY_NAME: usize = 80;

/// Longest device id accepted in a request.
const MAX_DEVICE_ID: usize = 64;

/// Lifetimes and bounds of challenges and sessions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AuthConfig {
    pub challenge_ttl_ms: i64,
    pub session_ttl_ms: i64,
    /// Entries the challenge book holds at most; beyond, new challenges are refused.
    pub max_challenges: usize,
    /// Open challenges per device; a new one evicts the oldest.
    pub max_challenges_per_device: usize,
    /// Sessions per device; a new one ends the oldest.
    pub max_sessions_per_device: usize,
}

impl Default for AuthConfig {
    fn default() -> Self {
        Self {
            challenge_ttl_ms: 60_000,
            session_ttl_ms: 12 * 3_600_000,
            max_challenges: 10_000,
            max_challenges_per_device: 4,
            max_sessions_per_device: 8,
        }
    }
}

/// What enrolment answers: the id to use from now on and the code to show on the device.
#[derive(Debug, Clone)]
pub struct Enrolment {
    pub device_id: String,
    pub approval_code: ApprovalCode,
}

/// An opened session.
#[derive(Debug, Clone)]
pub struct Session {
    pub token: SessionToken,
    pub expires_at: i64,
    pub positions: Vec<Position>,
}

/// Enrolment and sessions of one server; share it as `Arc<Auth>`.
pub struct Auth {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    rng: Arc<dyn SecureRandom + Send + Sync>,
    challenges: Mutex<ChallengeBook>,
    sessions: Mutex<SessionBook>,
}

impl fmt::Debug for Auth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Auth").finish_non_exhaustive()
    }
}

/// Locks a book; a panic while holding it cannot leave it half-updated in a way that
/// matters (every update is one map operation), so a poisoned lock is used as is.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Refuses device ids that no server issued, before they reach logs or the store.
fn check_device_id(device_id: &str) -> Result<(), AuthError> {
    let ok = !device_id.is_empty()
        && device_id.len() <= MAX_DEVICE_ID
        && device_id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.');
    if ok { Ok(()) } else { Err(AuthError::malformed("device_id")) }
}

impl Auth {
    pub fn new(
        store: Arc<dyn Store>,
        config: AuthConfig,
        clock: Arc<dyn Clock>,
        rng: Arc<dyn SecureRandom + Send + Sync>,
    ) -> Self {
        Self {
            store,
            clock,
            rng,
            challenges: Mutex::new(ChallengeBook::new(
                config.challenge_ttl_ms,
                config.max_challenges,
                config.max_challenges_per_device,
            )),
            sessions: Mutex::new(SessionBook::new(config.session_ttl_ms, config.max_sessions_per_device)),
        }
    }

    /// With the default configuration, the system clock and the system's random source.
    pub fn with_defaults(store: Arc<dyn Store>) -> Self {
        Self::new(store, AuthConfig::default(), Arc::new(SystemClock), Arc::new(SystemRandom::new()))
    }

    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    pub fn now_ms(&self) -> i64 {
        self.clock.now_ms()
    }

    /// Records a new device as pending; answers its id and one-time approval code.
    #[instrument(skip_all, fields(device_id))]
    pub async fn enrol(&self, public_key: &[u8], display_name: &str) -> Result<Enrolment, AuthError> {
        if public_key.len() != 32 {
            return Err(AuthError::BadPublicKey);
        }
        let name = display_name.trim();
        let chars = name.chars().count();
        if chars == 0 || chars > MAX_DISPLAY_NAME || name.chars().any(char::is_control) {
            return Err(AuthError::BadDisplayName { max: MAX_DISPLAY_NAME });
        }
        let device_id = new_device_id(&*self.rng)?;
        let approval_code = ApprovalCode::generate(&*self.rng)?;
        Span::current().record("device_id", device_id.as_str());
        let now = self.clock.now_ms();
        self.store
            .enrol_device(NewDevice {
                device_id: device_id.clone(),
                public_key: public_key.to_vec(),
                display_name: name.to_owned(),
                approval_code_hash: approval_code.hash(),
                created_at: now,
            })
            .await?;
        self.audit(&device_id, "enrol", "pending approval").await;
        info!("device enrolled, waiting for approval");
        Ok(Enrolment { device_id, approval_code })
    }

    /// Issues a challenge to an approved device.
    #[instrument(skip_all, fields(device_id = %device_id))]
    pub async fn issue_challenge(&self, device_id: &str) -> Result<Challenge, AuthError> {
        check_device_id(device_id)?;
        let result = async {
            self.approved(device_id).await?;
            let now = self.clock.now_ms();
            lock(&self.challenges).issue(device_id, now, &*self.rng)
        }
        .await;
        if let Err(e) = &result {
            self.refused(device_id, "challenge", e).await;
        }
        result
    }

    /// Checks a signed challenge and opens a session; see the module documentation of
    /// [`auth`](super) for the checks.
    #[instrument(skip_all, fields(device_id = %device_id))]
    pub async fn verify(
        &self,
        device_id: &str,
        nonce: &[u8; NONCE_LEN],
        signature: &[u8],
    ) -> Result<Session, AuthError> {
        check_device_id(device_id)?;
        let result = self.verify_checked(device_id, nonce, signature).await;
        if let Err(e) = &result {
            self.refused(device_id, "session", e).await;
        }
        result
    }

    async fn verify_checked(
        &self,
        device_id: &str,
        nonce: &[u8; NONCE_LEN],
        signature: &[u8],
    ) -> Result<Session, AuthError> {
        let now = self.clock.now_ms();
        lock(&self.challenges).redeem(device_id, nonce, now)?;
        let device = self.approved(device_id).await?;
        UnparsedPublicKey::new(&ED25519, &device.public_key)
            .verify(&super::session_message(device_id, nonce), signature)
            .map_err(|_| AuthError::BadSignature)?;
        let (token, info) = lock(&self.sessions).open(device_id, device.positions, now, &*self.rng)?;
        self.audit(device_id, "session", "opened").await;
        info!(expires_at = info.expires_at, "session opened");
        Ok(Session { token, expires_at: info.expires_at, positions: info.positions })
    }

    /// The session of `token` as the in-memory book has it (no store lookup).
    pub fn session(&self, token: &str) -> Option<SessionInfo> {
        lock(&self.sessions).session(token, self.clock.now_ms())
    }

    /// The session of `token`, checked against the store: the device must still be
    /// approved (an administrator may have revoked it from the command line, in another
    /// process), and the positions are the ones it holds now.
    #[instrument(skip_all, fields(device_id))]
    pub async fn authenticate(&self, token: &str) -> Result<SessionInfo, AuthError> {
        let info = self.session(token).ok_or(AuthError::NoSession)?;
        Span::current().record("device_id", info.device_id.as_str());
        match self.store.device(&info.device_id).await? {
            Some(d) if d.status == DeviceStatus::Approved => Ok(SessionInfo { positions: d.positions, ..info }),
            Some(d) if d.status == DeviceStatus::Revoked => {
                self.end_sessions(&info.device_id);
                Err(AuthError::DeviceRevoked { device_id: info.device_id })
            }
            _ => {
                self.end_sessions(&info.device_id);
                Err(AuthError::NoSession)
            }
        }
    }

    /// Revokes a device and ends its sessions.
    #[instrument(skip_all, fields(device_id = %device_id))]
    pub async fn revoke(&self, device_id: &str) -> Result<Device, AuthError> {
        check_device_id(device_id)?;
        let device = self.store.revoke_device(device_id, self.clock.now_ms()).await?;
        let ended = self.end_sessions(device_id);
        self.audit(device_id, "revoke", &format!("{ended} sessions ended")).await;
        info!(ended, "device revoked");
        Ok(device)
    }

    /// Ends every session of `device_id`; how many there were.
    pub fn end_sessions(&self, device_id: &str) -> usize {
        lock(&self.sessions).end_device(device_id)
    }

    /// Ends the session of `token`; whether there was one.
    pub fn end_session(&self, token: &str) -> bool {
        lock(&self.sessions).end(token)
    }

    /// The device, if it is enrolled and approved.
    async fn approved(&self, device_id: &str) -> Result<Device, AuthError> {
        let device = self
            .store
            .device(device_id)
            .await?
            .ok_or_else(|| AuthError::UnknownDevice { device_id: device_id.to_owned() })?;
        match device.status {
            DeviceStatus::Approved => Ok(device),
            DeviceStatus::Pending => Err(AuthError::DevicePending { device_id: device.device_id }),
            DeviceStatus::Revoked => Err(AuthError::DeviceRevoked { device_id: device.device_id }),
        }
    }

    /// Logs a refusal and audits it if the device is enrolled here.
    async fn refused(&self, device_id: &str, step: &str, e: &AuthError) {
        match e {
            AuthError::Store(source) => warn!(step, error = %source, "storage failed"),
            AuthError::Random => warn!(step, "random source failed"),
            _ => info!(step, reason = e.code(), "refused"),
        }
        if matches!(e, AuthError::UnknownDevice { .. } | AuthError::Malformed { .. } | AuthError::Store(_)) {
            return;
        }
        if let Ok(Some(_)) = self.store.device(device_id).await {
            self.audit(device_id, "auth-refused", &format!("{step}: {}", e.code())).await;
        }
    }

    async fn audit(&self, device_id: &str, action: &str, detail: &str) {
        let entry = AuditEntry {
            at: self.clock.now_ms(),
            device_id: device_id.to_owned(),
            position_id: None,
            case_id: None,
            action: action.to_owned(),
            detail: detail.to_owned(),
        };
        if let Err(e) = self.store.append_audit(entry).await {
            warn!(action, error = %e, "could not append to the audit log");
        }
    }
}
