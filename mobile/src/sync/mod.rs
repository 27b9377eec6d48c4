//! The device's sync client: enrolment, signing in, one sync round over the WebSocket
//! (the sans-IO [`keis_crdt::sync::ClientSession`] over the store's
//! [`StoreHost`](crate::store::StoreHost)), attachments over HTTP, and retries.
//!
//! - [`access`]: [`StoreAccess`]: the client holds the store only while it touches it.
//! - [`identity`]: the device's Ed25519 key and enrolment, sealed inside the store.
//! - [`session`]: enrolment and sign-in (challenge signed with the device key).
//! - [`client`]: [`SyncClient`]: drive a session over tokio-tungstenite, then blobs;
//!   [`SyncClient::sync_until_done`] retries with backoff.
//! - [`backoff`]: when to try again (pure).
//! - [`progress`]: what the UI shows, published on a `tokio::sync::watch` channel (pure
//!   accounting).
//! - [`blobs`]: resumable uploads of the attachments this device made, downloads of those
//!   its cases reference.
//!
//! # What the server's answers mean here
//! - a failure to connect, a timeout or a dropped socket: [`SyncError::Offline`] /
//!   [`SyncError::Dropped`]: retried with backoff, the `offline` flag set; nothing is lost
//!   (the session resumes from the saved cursor, uploads from the offset the server holds);
//! - `403 device_revoked` at sign-in: the device was revoked; the local store is wiped
//!   ([`SyncError::Revoked`]), as the design asks of a lost or stolen tablet;
//! - `403 device_pending`: the administrator has not approved it yet ([`SyncError::Pending`]);
//! - a refused document (`Rejected` frame): the change stays on the device with the
//!   server's reason (`Store::rejection`); the round still succeeds.

pub mod access;
pub mod backoff;
pub mod blobs;
pub mod client;
pub mod http;
pub mod identity;
pub mod progress;
pub mod session;

pub use backoff::{Backoff, BackoffConfig, Next};
pub use client::{SyncClient, SyncConfig, SyncReport, last_sync_ms};
pub use identity::{Identity, PositionCodes};
pub use progress::{Phase, SyncProgress};
pub use session::{Enrolment, SavedEnrolment, enrol, saved_enrolment};

use crate::store::StoreError;

/// Why a sync step failed, in words the user can act on (Ukrainian, then English).
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error(
        "сервер недоступний ({0}); синхронізація продовжиться, щойно з'явиться зв'язок / the server cannot be reached ({0}); sync resumes when the network is back"
    )]
    Offline(String),
    #[error(
        "з'єднання обірвалося під час синхронізації; нічого не втрачено / the connection dropped during sync; nothing was lost"
    )]
    Dropped,
    #[error("пристрій не зареєстровано: виконайте реєстрацію / the device is not enrolled: enrol it first")]
    NotEnrolled,
    #[error("пристрій чекає на схвалення адміністратора / the device is waiting for the administrator's approval")]
    Pending,
    #[error("доступ пристрою відкликано; локальні дані стерто / the device was revoked; its local data was wiped")]
    Revoked,
    #[error("сервер не прийняв вхід ({0}) / the server refused the sign-in ({0})")]
    Unauthorized(String),
    #[error("сервер відповів {status}: {message} / the server answered {status}: {message}")]
    Server { status: u16, message: String },
    #[error("некоректна адреса сервера {0} / bad server address {0}")]
    BadUrl(String),
    #[error("сервер порушив протокол: {0} / the server broke the protocol: {0}")]
    Protocol(String),
    #[error("локальне сховище не впоралося: {0} / the local store failed: {0}")]
    Local(String),
    #[error("криптографічна операція не вдалася / a cryptographic operation failed")]
    Crypto,
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl SyncError {
    /// Whether trying again later may succeed without anyone doing anything.
    pub fn is_transient(&self) -> bool {
        match self {
            Self::Offline(_) | Self::Dropped | Self::Unauthorized(_) => true,
            Self::Server { status, .. } => *status >= 500 || *status == 429,
            _ => false,
        }
    }

    /// Whether the server could not be reached at all (the UI's offline flag).
    pub fn is_offline(&self) -> bool {
        matches!(self, Self::Offline(_))
    }
}
