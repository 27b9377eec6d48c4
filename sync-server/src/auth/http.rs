//! The JSON routes of enrolment and sessions ([`routes`]) and the [`Authenticated`]
//! extractor for routes that need a session.
//!
//! | route | body | answer |
//! |---|---|---|
//! | `POST /api/v1/devices` | `{public_key: hex, display_name}` | 201 `{device_id, approval_code, status}` |
//! | `POST /api/v1/session/challenge` | `{device_id}` | `{nonce: hex, expires_at}` |
//! | `POST /api/v1/session` | `{device_id, nonce: hex, signature: hex}` | `{token, expires_at, positions}` |
//! | `GET /api/v1/session` | bearer token | `{device_id, expires_at, positions}` |
//!
//! Every refusal is `{error, message}`: 400 malformed, 401 bad signature or an expired,
//! replayed or unknown challenge or session, 403 pending or revoked device, 404 unknown
//! device, 409 key already enrolled, 429 too many challenges, 500 server failure.

use std::sync::Arc;

use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRef, FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use keis_crdt::Position;
use serde::{Deserialize, Serialize};

use super::secrets::decode_hex;
use super::{Auth, AuthError, NONCE_LEN, SessionInfo};

/// The enrolment and session routes, with their state; merge into the main router.
pub fn routes(auth: Arc<Auth>) -> Router {
    Router::new()
        .route("/api/v1/devices", post(enrol))
        .route("/api/v1/session/challenge", post(challenge))
        .route("/api/v1/session", post(open_session).get(current_session))
        .with_state(auth)
}

/// The JSON form of a refusal.
#[derive(Debug, Serialize, Deserialize)]
pub struct ErrorBody {
    pub error: String,
    pub message: String,
}

impl IntoResponse for AuthError {
    fn into_response(self) -> Response {
        let body = ErrorBody { error: self.code().to_owned(), message: self.public_message() };
        let mut res = (self.status(), Json(body)).into_response();
        if self.status() == StatusCode::UNAUTHORIZED {
            res.headers_mut()
                .insert(header::WWW_AUTHENTICATE, header::HeaderValue::from_static("Bearer realm=\"keis\""));
        }
        res
    }
}

/// A position as JSON: role and scope by their codes (`userSta`, `district:H/D`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PositionBody {
    pub id: String,
    pub role: String,
    pub scope: String,
}

impl From<&Position> for PositionBody {
    fn from(p: &Position) -> Self {
        Self { id: p.id.clone(), role: p.role.code().to_owned(), scope: p.scope.code() }
    }
}

fn positions(list: &[Position]) -> Vec<PositionBody> {
    list.iter().map(PositionBody::from).collect()
}

#[derive(Debug, Serialize, Deserialize)]
pub struct EnrolRequest {
    /// Ed25519 public key, 32 bytes in hex.
    pub public_key: String,
    pub display_name: String,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct EnrolResponse {
    pub device_id: String,
    /// Show on the device as is (`1234-5678`); the administrator types it to approve.
    pub approval_code: String,
    pub status: String,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct ChallengeRequest {
    pub device_id: String,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct ChallengeResponse {
    pub nonce: String,
    pub expires_at: i64,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct SessionRequest {
    pub device_id: String,
    pub nonce: String,
    /// Ed25519 signature of [`session_message`](super::session_message), 64 bytes in hex.
    pub signature: String,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct SessionResponse {
    pub token: String,
    pub expires_at: i64,
    pub positions: Vec<PositionBody>,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct CurrentSession {
    pub device_id: String,
    pub expires_at: i64,
    pub positions: Vec<PositionBody>,
}

/// The body, or a 400 that says what is wrong with it.
fn body<T>(json: Result<Json<T>, JsonRejection>) -> Result<T, AuthError> {
    json.map(|Json(t)| t).map_err(|rejection| AuthError::malformed(rejection.body_text()))
}

async fn enrol(
    State(auth): State<Arc<Auth>>,
    json: Result<Json<EnrolRequest>, JsonRejection>,
) -> Result<(StatusCode, Json<EnrolResponse>), AuthError> {
    let req = body(json)?;
    let key = hex::decode(req.public_key.trim()).map_err(|_| AuthError::BadPublicKey)?;
    let e = auth.enrol(&key, &req.display_name).await?;
    let res =
        EnrolResponse { device_id: e.device_id, approval_code: e.approval_code.to_string(), status: "pending".into() };
    Ok((StatusCode::CREATED, Json(res)))
}

async fn challenge(
    State(auth): State<Arc<Auth>>,
    json: Result<Json<ChallengeRequest>, JsonRejection>,
) -> Result<Json<ChallengeResponse>, AuthError> {
    let req = body(json)?;
    let c = auth.issue_challenge(&req.device_id).await?;
    Ok(Json(ChallengeResponse { nonce: hex::encode(c.nonce), expires_at: c.expires_at }))
}

async fn open_session(
    State(auth): State<Arc<Auth>>,
    json: Result<Json<SessionRequest>, JsonRejection>,
) -> Result<Json<SessionResponse>, AuthError> {
    let req = body(json)?;
    let nonce = decode_hex::<NONCE_LEN>(&req.nonce).ok_or_else(|| AuthError::malformed("nonce: 32 bytes in hex"))?;
    let signature =
        decode_hex::<64>(&req.signature).ok_or_else(|| AuthError::malformed("signature: 64 bytes in hex"))?;
    let s = auth.verify(&req.device_id, &nonce, &signature).await?;
    Ok(Json(SessionResponse {
        token: s.token.as_str().to_owned(),
        expires_at: s.expires_at,
        positions: positions(&s.positions),
    }))
}

async fn current_session(Authenticated(s): Authenticated) -> Json<CurrentSession> {
    Json(CurrentSession { positions: positions(&s.positions), device_id: s.device_id, expires_at: s.expires_at })
}

/// A request with a valid session: `Authorization: Bearer <token>`, the device still
/// approved; carries its positions as they are now. Refuses with 401 (or 403 if the device
/// was revoked) as JSON. Works in any router whose state gives an `Arc<Auth>` ([`FromRef`]).
#[derive(Debug, Clone)]
pub struct Authenticated(pub SessionInfo);

impl<S> FromRequestParts<S> for Authenticated
where
    Arc<Auth>: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = AuthError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let auth = Arc::<Auth>::from_ref(state);
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
            .map(str::trim)
            .ok_or(AuthError::NoSession)?;
        auth.authenticate(token).await.map(Authenticated)
    }
}
