//! [`AuthError`]: every refusal of enrolment and sessions, each saying what the user (the
//! device, or the administrator) can do, with a stable [`code`](AuthError::code) and an
//! HTTP status.

use axum::http::StatusCode;

use crate::store::StoreError;

/// Why enrolment, a challenge, a session or a bearer token was refused.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("the request is malformed ({what}); update the app or send it again")]
    Malformed { what: String },
    #[error("the public key must be an Ed25519 key of 32 bytes; generate a new key and enrol again")]
    BadPublicKey,
    #[error("the display name must be 1 to {max} characters without control characters; choose another")]
    BadDisplayName { max: usize },
    #[error("this key is already enrolled; use the device id it was enrolled with, or generate a new key")]
    KeyAlreadyEnrolled,
    #[error("device {device_id} is not enrolled here; enrol it first")]
    UnknownDevice { device_id: String },
    #[error("device {device_id} is waiting for approval; ask the administrator to approve it with the code it shows")]
    DevicePending { device_id: String },
    #[error("device {device_id} has been revoked and may no longer connect; ask the administrator to enrol it anew")]
    DeviceRevoked { device_id: String },
    #[error("this challenge was not issued (or has been forgotten); ask for a new challenge")]
    UnknownChallenge,
    #[error("this challenge was issued to another device; ask for a challenge for this device")]
    ChallengeNotForDevice,
    #[error("this challenge has expired; ask for a new one and answer it within a minute")]
    ChallengeExpired,
    #[error("this challenge has already been used; ask for a new one")]
    ChallengeReplayed,
    #[error("the signature does not match the device's enrolled key; sign with that key, or enrol again")]
    BadSignature,
    #[error("the server holds too many open challenges; wait a minute and try again")]
    Busy,
    #[error("no valid session (missing, unknown or expired token); open a new session")]
    NoSession,
    #[error("the server could not draw random numbers; try again later")]
    Random,
    #[error("the server's storage failed: {0}; try again later")]
    Store(#[source] StoreError),
}

impl AuthError {
    /// A stable machine-readable code, the `error` field of a JSON answer.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Malformed { .. } => "malformed",
            Self::BadPublicKey => "bad_public_key",
            Self::BadDisplayName { .. } => "bad_display_name",
            Self::KeyAlreadyEnrolled => "key_already_enrolled",
            Self::UnknownDevice { .. } => "unknown_device",
            Self::DevicePending { .. } => "device_pending",
            Self::DeviceRevoked { .. } => "device_revoked",
            Self::UnknownChallenge => "unknown_challenge",
            Self::ChallengeNotForDevice => "challenge_not_for_device",
            Self::ChallengeExpired => "challenge_expired",
            Self::ChallengeReplayed => "challenge_replayed",
            Self::BadSignature => "bad_signature",
            Self::Busy => "busy",
            Self::NoSession => "no_session",
            Self::Random => "random_failed",
            Self::Store(_) => "storage_failed",
        }
    }

    /// The HTTP status to answer with.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::Malformed { .. } | Self::BadPublicKey | Self::BadDisplayName { .. } => StatusCode::BAD_REQUEST,
            Self::KeyAlreadyEnrolled => StatusCode::CONFLICT,
            Self::UnknownDevice { .. } => StatusCode::NOT_FOUND,
            Self::DevicePending { .. } | Self::DeviceRevoked { .. } => StatusCode::FORBIDDEN,
            Self::UnknownChallenge
            | Self::ChallengeNotForDevice
            | Self::ChallengeExpired
            | Self::ChallengeReplayed
            | Self::BadSignature
            | Self::NoSession => StatusCode::UNAUTHORIZED,
            Self::Busy => StatusCode::TOO_MANY_REQUESTS,
            Self::Random | Self::Store(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The message for the client: the display text, except for server failures, whose
    /// detail goes to the log only.
    pub fn public_message(&self) -> String {
        match self {
            Self::Store(_) => "the server's storage failed; try again later".into(),
            other => other.to_string(),
        }
    }

    pub(crate) fn malformed(what: impl Into<String>) -> Self {
        Self::Malformed { what: what.into() }
    }
}

impl From<StoreError> for AuthError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::UnknownDevice { device_id } => Self::UnknownDevice { device_id },
            StoreError::DeviceStatus { device_id, status: "revoked", .. } => Self::DeviceRevoked { device_id },
            StoreError::DeviceStatus { device_id, status: "pending", .. } => Self::DevicePending { device_id },
            StoreError::DeviceExists { .. } => Self::KeyAlreadyEnrolled,
            other => Self::Store(other),
        }
    }
}

impl From<ring::error::Unspecified> for AuthError {
    fn from(_: ring::error::Unspecified) -> Self {
        Self::Random
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_map_to_their_statuses() {
        let id = || "dev-1".to_owned();
        assert_eq!(AuthError::malformed("x").status(), StatusCode::BAD_REQUEST);
        assert_eq!(AuthError::UnknownDevice { device_id: id() }.status(), StatusCode::NOT_FOUND);
        assert_eq!(AuthError::DevicePending { device_id: id() }.status(), StatusCode::FORBIDDEN);
        assert_eq!(AuthError::ChallengeReplayed.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(AuthError::Store(StoreError::Closed).status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert!(!AuthError::Store(StoreError::Closed).public_message().contains("worker"));
    }

    #[test]
    fn store_refusals_become_auth_refusals() {
        let e = StoreError::DeviceStatus { device_id: "d".into(), status: "revoked", wanted: "approved" };
        assert!(matches!(AuthError::from(e), AuthError::DeviceRevoked { .. }));
        let e = StoreError::UnknownDevice { device_id: "d".into() };
        assert!(matches!(AuthError::from(e), AuthError::UnknownDevice { .. }));
        assert!(matches!(AuthError::from(StoreError::Closed), AuthError::Store(_)));
    }
}
