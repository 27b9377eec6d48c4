//! [`ApiError`]: every refusal of the queue's HTTP API, as `{error, message}` JSON with
//! a status that fits (a queue refusal is always 4xx, with [`QueueError::code`]).

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use super::store::QueueStoreError;
use crate::auth::AuthError;
use crate::auth::http::ErrorBody;
use crate::queue::QueueError;

/// Why a queue request was refused.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    Queue(#[from] QueueError),
    #[error("{0}")]
    Auth(#[from] AuthError),
    #[error("немає такого центру / no such office")]
    UnknownOffice,
    #[error("електронна черга на цьому сервері не працює / the queue is not served here")]
    Disabled,
    #[error("запит неправильний: {0} / the request is malformed: {0}")]
    Malformed(String),
    #[error("{message}")]
    Invalid { code: &'static str, message: String },
    #[error("посади {0} немає у вашому сеансі / position {0} is not in your session")]
    PositionNotInSession(String),
    #[error("цю дію виконує лише координатор або адміністратор / only a coordinator or an administrator may do this")]
    RoleRequired,
    #[error("не знайдено / not found")]
    NotFound,
    #[error("забагато запитів; спробуйте за хвилину / too many requests; try again in a minute")]
    RateLimited,
    #[error("сховище черги недоступне; спробуйте пізніше / the queue's storage failed; try again later")]
    Storage(#[from] QueueStoreError),
    #[error("сховище недоступне; спробуйте пізніше / the storage failed; try again later")]
    MainStore(String),
}

impl ApiError {
    /// A 422 with a code and a message (Ukrainian, then English).
    pub fn invalid(code: &'static str, message: impl Into<String>) -> Self {
        Self::Invalid { code, message: message.into() }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            Self::Queue(e) => queue_status(e),
            Self::Auth(e) => e.status(),
            Self::UnknownOffice | Self::NotFound => StatusCode::NOT_FOUND,
            Self::Disabled | Self::Storage(_) | Self::MainStore(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Malformed(_) => StatusCode::BAD_REQUEST,
            Self::Invalid { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            Self::PositionNotInSession(_) | Self::RoleRequired => StatusCode::FORBIDDEN,
            Self::RateLimited => StatusCode::TOO_MANY_REQUESTS,
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            Self::Queue(e) => e.code(),
            Self::Auth(e) => e.code(),
            Self::UnknownOffice => "unknown_office",
            Self::Disabled => "queue_disabled",
            Self::Malformed(_) => "malformed",
            Self::Invalid { code, .. } => code,
            Self::PositionNotInSession(_) => "position_not_in_session",
            Self::RoleRequired => "role_required",
            Self::NotFound => "not_found",
            Self::RateLimited => "rate_limited",
            Self::Storage(_) | Self::MainStore(_) => "storage",
        }
    }
}

/// The status of a queue refusal: unknown things 404, the wrong person 403, a state that
/// does not allow it 409, a request that cannot fit the office 422.
fn queue_status(e: &QueueError) -> StatusCode {
    match e {
        QueueError::UnknownService { .. }
        | QueueError::UnknownDesk { .. }
        | QueueError::UnknownTicket { .. }
        | QueueError::UnknownBooking { .. } => StatusCode::NOT_FOUND,
        QueueError::NotTheDeskOperator { .. } | QueueError::PositionRequired | QueueError::PriorityNotAllowed => {
            StatusCode::FORBIDDEN
        }
        QueueError::IllegalTransition { .. }
        | QueueError::DeskBusy { .. }
        | QueueError::DayClosed
        | QueueError::NotYetNoShow { .. }
        | QueueError::TimeWentBackwards { .. }
        | QueueError::SlotFull
        | QueueError::AlreadyBooked
        | QueueError::BookingNotActive { .. } => StatusCode::CONFLICT,
        QueueError::DeskDoesNotServe { .. }
        | QueueError::NotForThisDesk { .. }
        | QueueError::NoOperator { .. }
        | QueueError::OutsideHours
        | QueueError::NotBookable { .. }
        | QueueError::NoSuchSlot
        | QueueError::SlotPassed
        | QueueError::BookingOtherDay { .. }
        | QueueError::InvalidOffice { .. }
        | QueueError::NotOpened
        | QueueError::BadLog { .. } => StatusCode::UNPROCESSABLE_ENTITY,
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if let Self::Auth(e) = self {
            return e.into_response();
        }
        if matches!(self, Self::Storage(_) | Self::MainStore(_)) {
            tracing::error!(error = ?self, "queue request failed in storage");
        }
        let message = match &self {
            Self::Storage(_) | Self::MainStore(_) => {
                "сховище недоступне; спробуйте пізніше / the storage failed; try again later".to_owned()
            }
            other => other.to_string(),
        };
        (self.status(), Json(ErrorBody { error: self.code().to_owned(), message })).into_response()
    }
}

/// The body of a request, or a 400 saying what is wrong with it.
pub fn json_body<T>(json: Result<Json<T>, axum::extract::rejection::JsonRejection>) -> Result<T, ApiError> {
    json.map(|Json(t)| t).map_err(|r| ApiError::Malformed(r.body_text()))
}
