//! Enrolment and sign-in over HTTP: the device's key makes it known to the server once,
//! then answers a fresh challenge for every session token.

use std::time::Duration;

use serde::Deserialize;
use serde_json::json;

use super::SyncError;
use super::access::StoreAccess;
use super::http::{self, Endpoint, Response};
use super::identity::{Identity, PositionCodes};
use crate::store::Store;

/// The domain tag of the signed session message (the server's `auth::SESSION_DOMAIN`).
const SESSION_DOMAIN: &[u8] = b"keis-session-v1";
/// How long enrolment waits for the server.
const ENROL_TIMEOUT: Duration = Duration::from_secs(30);

/// What enrolment gives: the device's id and the code the administrator types.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Enrolment {
    pub device_id: String,
    pub approval_code: String,
}

/// The sealed setting that keeps the approval code, so the app can show it again until
/// the administrator has approved the device.
const APPROVAL_CODE_SETTING: &str = "approval_code";

/// The device's enrolment as the store remembers it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SavedEnrolment {
    pub server: String,
    pub enrolment: Enrolment,
    /// A session has carried positions: the administrator approved the device.
    pub approved: bool,
}

/// The enrolment saved in the store; `None` before [`enrol`] succeeded.
pub fn saved_enrolment(store: &mut Store) -> Result<Option<SavedEnrolment>, SyncError> {
    let Some(identity) = Identity::load(store)?.filter(|i| !i.device_id.is_empty()) else { return Ok(None) };
    let code = store.setting(APPROVAL_CODE_SETTING)?.unwrap_or_default();
    Ok(Some(SavedEnrolment {
        approved: !identity.positions.is_empty(),
        server: identity.server,
        enrolment: Enrolment {
            device_id: identity.device_id,
            approval_code: String::from_utf8_lossy(&code).into_owned(),
        },
    }))
}

#[derive(Deserialize)]
struct EnrolBody {
    device_id: String,
    approval_code: String,
}

#[derive(Deserialize)]
struct ChallengeBody {
    nonce: String,
}

#[derive(Deserialize)]
struct SessionBody {
    token: String,
    #[serde(default)]
    positions: Vec<PositionCodes>,
}

/// What a refusal of the enrolment or session routes means for the device.
pub(crate) fn refusal(res: &Response) -> SyncError {
    match (res.status, res.error_code().as_deref()) {
        (403, Some("device_revoked")) => SyncError::Revoked,
        (403, Some("device_pending")) => SyncError::Pending,
        (404, Some("unknown_device")) => SyncError::NotEnrolled,
        (401, _) => SyncError::Unauthorized(res.message()),
        (status, _) => SyncError::Server { status, message: res.message() },
    }
}

fn json_body<T: serde::de::DeserializeOwned>(res: &Response) -> Result<T, SyncError> {
    serde_json::from_slice(&res.body).map_err(|e| SyncError::Protocol(e.to_string()))
}

/// Enrols the device with `server`: makes its key, sends the public half, saves the
/// identity in the store. Show `approval_code` to the administrator.
/// The store is held only to read and save, never while the request waits.
pub async fn enrol(mut store: impl StoreAccess, server: &str, display_name: &str) -> Result<Enrolment, SyncError> {
    let ep = Endpoint::parse(server)?;
    // The key made before enrolment (it may have signed already), or a new one.
    let mut identity = match store.with(Identity::load)? {
        Some(i) if i.device_id.is_empty() => i,
        _ => Identity::generate(server)?,
    };
    identity.server = server.to_owned();
    let body = json!({ "public_key": identity.public_key_hex(), "display_name": display_name });
    let res = http::post_json(&ep, "/api/v1/devices", &body, ENROL_TIMEOUT).await?;
    if res.status != 201 {
        return Err(refusal(&res));
    }
    let e: EnrolBody = json_body(&res)?;
    identity.device_id = e.device_id.clone();
    store.with(|s| -> Result<(), SyncError> {
        identity.save(s)?;
        s.set_setting(APPROVAL_CODE_SETTING, e.approval_code.as_bytes())?;
        Ok(())
    })?;
    tracing::info!(device_id = %e.device_id, "enrolled; waiting for approval");
    Ok(Enrolment { device_id: e.device_id, approval_code: e.approval_code })
}

/// The identity saved in the store, if the device finished enrolment.
pub(crate) fn enrolled(store: &mut Store) -> Result<Identity, SyncError> {
    match Identity::load(store)? {
        Some(i) if !i.device_id.is_empty() => Ok(i),
        _ => Err(SyncError::NotEnrolled),
    }
}

/// Signs in: answers a challenge with the device key; saves the session's positions in
/// the identity. Returns the session token.
pub(crate) async fn sign_in(store: &mut impl StoreAccess, timeout: Duration) -> Result<String, SyncError> {
    let mut identity = store.with(enrolled)?;
    let ep = Endpoint::parse(&identity.server)?;
    let body = json!({ "device_id": identity.device_id });
    let res = http::post_json(&ep, "/api/v1/session/challenge", &body, timeout).await?;
    if res.status != 200 {
        return Err(refusal(&res));
    }
    let nonce_hex = json_body::<ChallengeBody>(&res)?.nonce;
    let nonce = hex::decode(&nonce_hex).map_err(|_| SyncError::Protocol("the challenge is not hex".into()))?;
    let mut message = SESSION_DOMAIN.to_vec();
    message.extend_from_slice(identity.device_id.as_bytes());
    message.extend_from_slice(&nonce);
    let signature = hex::encode(identity.sign(&message));
    let body = json!({ "device_id": identity.device_id, "nonce": nonce_hex, "signature": signature });
    let res = http::post_json(&ep, "/api/v1/session", &body, timeout).await?;
    if res.status != 200 {
        return Err(refusal(&res));
    }
    let session: SessionBody = json_body(&res)?;
    if session.positions != identity.positions {
        identity.positions = session.positions;
        store.with(|s| identity.save(s))?;
    }
    Ok(session.token)
}

#[cfg(test)]
mod tests {
    use hyper::body::Bytes;

    use super::*;

    fn res(status: u16, body: &str) -> Response {
        Response { status, body: Bytes::from(body.to_owned()) }
    }

    #[test]
    fn refusals_say_what_the_device_must_do() {
        assert!(matches!(refusal(&res(403, r#"{"error":"device_revoked","message":"m"}"#)), SyncError::Revoked));
        assert!(matches!(refusal(&res(403, r#"{"error":"device_pending","message":"m"}"#)), SyncError::Pending));
        assert!(matches!(refusal(&res(404, r#"{"error":"unknown_device","message":"m"}"#)), SyncError::NotEnrolled));
        assert!(matches!(refusal(&res(401, r#"{"error":"bad_signature","message":"m"}"#)), SyncError::Unauthorized(_)));
        match refusal(&res(503, "down")) {
            SyncError::Server { status: 503, message } => assert_eq!(message, "down"),
            other => panic!("{other:?}"),
        }
    }
}
