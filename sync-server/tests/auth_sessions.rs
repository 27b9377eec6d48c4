//! Enrolment and sessions end to end, on a real SQLite directory and the axum routes:
//! a tablet enrols, an administrator approves it with its code, the tablet answers a
//! challenge with its Ed25519 key and gets a session; replays, late answers, wrong keys,
//! pending and revoked devices are refused with the reason.

use std::sync::Arc;

use axum::Router;
use axum::body::{Body, to_bytes};
use axum::http::{Request, StatusCode};
use keis_crdt::{Position, Role, Scope};
use keis_sync_server::admin::{self, AdminError};
use keis_sync_server::auth::{self, ApprovalCode, Auth, AuthConfig, ManualClock, NONCE_LEN};
use keis_sync_server::store::{AuditQuery, DeviceStatus, SqliteStore, Store};
use ring::rand::SystemRandom;
use ring::signature::{Ed25519KeyPair, KeyPair};
use serde_json::{Value, json};
use tower::ServiceExt;

const T0: i64 = 1_763_900_000_000;
const HROMADA: &str = "UA05020030000031457";

struct Server {
    _dir: tempfile::TempDir,
    store: Arc<dyn Store>,
    clock: Arc<ManualClock>,
    auth: Arc<Auth>,
    app: Router,
}

async fn server() -> Server {
    let dir = tempfile::tempdir().expect("tempdir");
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(dir.path()).await.expect("open"));
    let clock = Arc::new(ManualClock::new(T0));
    let auth = Arc::new(Auth::new(store.clone(), AuthConfig::default(), clock.clone(), Arc::new(SystemRandom::new())));
    let app = auth::routes(auth.clone());
    Server { _dir: dir, store, clock, auth, app }
}

struct Tablet(Ed25519KeyPair);

impl Tablet {
    fn new() -> Self {
        let pkcs8 = Ed25519KeyPair::generate_pkcs8(&SystemRandom::new()).expect("key");
        Self(Ed25519KeyPair::from_pkcs8(pkcs8.as_ref()).expect("pkcs8"))
    }

    fn public_hex(&self) -> String {
        hex::encode(self.0.public_key().as_ref())
    }

    fn sign(&self, device_id: &str, nonce_hex: &str) -> String {
        let nonce: [u8; NONCE_LEN] = hex::decode(nonce_hex).expect("hex").try_into().expect("32 bytes");
        hex::encode(self.0.sign(&auth::session_message(device_id, &nonce)).as_ref())
    }
}

fn starosta() -> Position {
    Position::new("pos-sta-1", Role::Starosta, Scope::District { hromada: HROMADA.into(), district: "north".into() })
}

async fn call(app: &Router, method: &str, uri: &str, body: Option<Value>, bearer: Option<&str>) -> (StatusCode, Value) {
    let mut req = Request::builder().method(method).uri(uri);
    if let Some(token) = bearer {
        req = req.header("authorization", format!("Bearer {token}"));
    }
    let req = match body {
        Some(b) => req.header("content-type", "application/json").body(Body::from(b.to_string())),
        None => req.body(Body::empty()),
    };
    let res = app.clone().oneshot(req.expect("request")).await.expect("response");
    let status = res.status();
    let bytes = to_bytes(res.into_body(), 64 * 1024).await.expect("body");
    let json = if bytes.is_empty() { Value::Null } else { serde_json::from_slice(&bytes).expect("json body") };
    (status, json)
}

async fn enrol(s: &Server, tablet: &Tablet) -> (String, String) {
    let body = json!({ "public_key": tablet.public_hex(), "display_name": "Планшет старости, Північ" });
    let (status, json) = call(&s.app, "POST", "/api/v1/devices", Some(body), None).await;
    assert_eq!(status, StatusCode::CREATED, "{json}");
    assert_eq!(json["status"], "pending");
    (json["device_id"].as_str().expect("id").to_owned(), json["approval_code"].as_str().expect("code").to_owned())
}

async fn enrol_approved(s: &Server, tablet: &Tablet) -> String {
    let (id, code) = enrol(s, tablet).await;
    admin::approve(&*s.store, &id, &code, &[starosta()], T0).await.expect("approve");
    id
}

async fn challenge(s: &Server, id: &str) -> (StatusCode, Value) {
    call(&s.app, "POST", "/api/v1/session/challenge", Some(json!({ "device_id": id })), None).await
}

async fn open_session(s: &Server, id: &str, nonce: &str, signature: &str) -> (StatusCode, Value) {
    let body = json!({ "device_id": id, "nonce": nonce, "signature": signature });
    call(&s.app, "POST", "/api/v1/session", Some(body), None).await
}

/// Challenge, sign, open: the token.
async fn sign_in(s: &Server, tablet: &Tablet, id: &str) -> String {
    let (status, c) = challenge(s, id).await;
    assert_eq!(status, StatusCode::OK, "{c}");
    let nonce = c["nonce"].as_str().expect("nonce");
    let (status, session) = open_session(s, id, nonce, &tablet.sign(id, nonce)).await;
    assert_eq!(status, StatusCode::OK, "{session}");
    session["token"].as_str().expect("token").to_owned()
}

fn refused(reply: &(StatusCode, Value), status: StatusCode, error: &str) {
    assert_eq!(reply.0, status, "{}", reply.1);
    assert_eq!(reply.1["error"], error, "{}", reply.1);
    assert!(reply.1["message"].as_str().is_some_and(|m| !m.is_empty()), "{}", reply.1);
}

#[tokio::test]
async fn a_tablet_enrols_is_approved_with_its_code_and_opens_a_session() {
    let s = server().await;
    let tablet = Tablet::new();
    let (id, code) = enrol(&s, &tablet).await;
    assert!(id.starts_with("dev-"), "{id}");
    let parsed = ApprovalCode::parse(&code).expect("the code is 8 digits grouped as 1234-5678");
    assert_eq!(code.len(), 9);

    let stored = s.store.device(&id).await.expect("get").expect("enrolled");
    assert_eq!(stored.status, DeviceStatus::Pending);
    assert_eq!(stored.public_key, hex::decode(tablet.public_hex()).expect("hex"));
    assert_eq!(stored.approval_code_hash, Some(parsed.hash()), "only the hash of the code is kept");

    let approved = admin::approve(&*s.store, &id, &code, &[starosta()], T0).await.expect("approve");
    assert_eq!(approved.status, DeviceStatus::Approved);

    let (status, c) = challenge(&s, &id).await;
    assert_eq!(status, StatusCode::OK, "{c}");
    assert_eq!(c["expires_at"], T0 + 60_000);
    let nonce = c["nonce"].as_str().expect("nonce");
    assert_eq!(nonce.len(), 64);
    let (status, session) = open_session(&s, &id, nonce, &tablet.sign(&id, nonce)).await;
    assert_eq!(status, StatusCode::OK, "{session}");
    let token = session["token"].as_str().expect("token");
    assert_eq!(token.len(), 64);
    assert_eq!(session["expires_at"], T0 + 12 * 3_600_000);
    let position = json!({ "id": "pos-sta-1", "role": "userSta", "scope": format!("district:{HROMADA}/north") });
    assert_eq!(session["positions"], json!([position]));

    let (status, me) = call(&s.app, "GET", "/api/v1/session", None, Some(token)).await;
    assert_eq!(status, StatusCode::OK, "{me}");
    assert_eq!(me["device_id"], id.as_str());
    assert_eq!(me["positions"], json!([position]));
    assert_eq!(s.auth.session(token).map(|i| i.device_id), Some(id.clone()));

    let audit = s.store.audit(AuditQuery::default()).await.expect("audit");
    let actions: Vec<&str> = audit.records.iter().rev().map(|r| r.entry.action.as_str()).collect();
    assert_eq!(actions, ["enrol", "approve", "session"]);
    assert!(audit.records.iter().all(|r| r.entry.device_id == id && !r.entry.detail.contains("Планшет")));

    s.clock.advance(12 * 3_600_000);
    refused(&call(&s.app, "GET", "/api/v1/session", None, Some(token)).await, StatusCode::UNAUTHORIZED, "no_session");
}

#[tokio::test]
async fn a_replayed_challenge_is_refused() {
    let s = server().await;
    let tablet = Tablet::new();
    let id = enrol_approved(&s, &tablet).await;
    let (_, c) = challenge(&s, &id).await;
    let nonce = c["nonce"].as_str().expect("nonce");
    let signature = tablet.sign(&id, nonce);
    assert_eq!(open_session(&s, &id, nonce, &signature).await.0, StatusCode::OK);
    refused(&open_session(&s, &id, nonce, &signature).await, StatusCode::UNAUTHORIZED, "challenge_replayed");
    let never_issued = "ab".repeat(32);
    let forged = open_session(&s, &id, &never_issued, &tablet.sign(&id, &never_issued)).await;
    refused(&forged, StatusCode::UNAUTHORIZED, "unknown_challenge");
}

#[tokio::test]
async fn an_expired_challenge_is_refused() {
    let s = server().await;
    let tablet = Tablet::new();
    let id = enrol_approved(&s, &tablet).await;
    let (_, c) = challenge(&s, &id).await;
    let nonce = c["nonce"].as_str().expect("nonce");
    s.clock.advance(60_000);
    refused(
        &open_session(&s, &id, nonce, &tablet.sign(&id, nonce)).await,
        StatusCode::UNAUTHORIZED,
        "challenge_expired",
    );
    sign_in(&s, &tablet, &id).await;
}

#[tokio::test]
async fn a_wrong_signature_is_refused_and_audited() {
    let s = server().await;
    let tablet = Tablet::new();
    let id = enrol_approved(&s, &tablet).await;
    let (_, c) = challenge(&s, &id).await;
    let nonce = c["nonce"].as_str().expect("nonce");
    let thief = Tablet::new();
    refused(&open_session(&s, &id, nonce, &thief.sign(&id, nonce)).await, StatusCode::UNAUTHORIZED, "bad_signature");

    let (_, c) = challenge(&s, &id).await;
    let nonce = c["nonce"].as_str().expect("nonce");
    let other_nonce = "cd".repeat(32);
    let wrong_message = open_session(&s, &id, nonce, &tablet.sign(&id, &other_nonce)).await;
    refused(&wrong_message, StatusCode::UNAUTHORIZED, "bad_signature");
    refused(
        &open_session(&s, &id, nonce, &tablet.sign(&id, nonce)).await,
        StatusCode::UNAUTHORIZED,
        "challenge_replayed",
    );

    let audit = s.store.audit(AuditQuery::default()).await.expect("audit");
    let refusals: Vec<&str> =
        audit.records.iter().filter(|r| r.entry.action == "auth-refused").map(|r| r.entry.detail.as_str()).collect();
    assert_eq!(refusals, ["session: challenge_replayed", "session: bad_signature", "session: bad_signature"]);
}

#[tokio::test]
async fn a_pending_device_is_refused() {
    let s = server().await;
    let tablet = Tablet::new();
    let (id, _code) = enrol(&s, &tablet).await;
    refused(&challenge(&s, &id).await, StatusCode::FORBIDDEN, "device_pending");
    refused(&challenge(&s, "dev-unknown").await, StatusCode::NOT_FOUND, "unknown_device");
}

#[tokio::test]
async fn a_revoked_device_is_refused_and_its_sessions_end() {
    let s = server().await;
    let tablet = Tablet::new();
    let id = enrol_approved(&s, &tablet).await;
    let token = sign_in(&s, &tablet, &id).await;
    let (_, c) = challenge(&s, &id).await;
    let pending_nonce = c["nonce"].as_str().expect("nonce").to_owned();

    s.auth.revoke(&id).await.expect("revoke");
    assert_eq!(s.auth.session(&token), None, "the session is gone");
    refused(&call(&s.app, "GET", "/api/v1/session", None, Some(&token)).await, StatusCode::UNAUTHORIZED, "no_session");
    refused(&challenge(&s, &id).await, StatusCode::FORBIDDEN, "device_revoked");
    let late = open_session(&s, &id, &pending_nonce, &tablet.sign(&id, &pending_nonce)).await;
    refused(&late, StatusCode::FORBIDDEN, "device_revoked");
}

#[tokio::test]
async fn a_device_revoked_from_the_command_line_loses_its_session_at_the_next_request() {
    let s = server().await;
    let tablet = Tablet::new();
    let id = enrol_approved(&s, &tablet).await;
    let token = sign_in(&s, &tablet, &id).await;
    // The admin CLI works on the store directly, in another process: the server's books
    // do not know, but the extractor checks the store.
    admin::revoke(&*s.store, &id, T0 + 1).await.expect("revoke");
    refused(&call(&s.app, "GET", "/api/v1/session", None, Some(&token)).await, StatusCode::FORBIDDEN, "device_revoked");
    assert_eq!(s.auth.session(&token), None, "and the server forgets it");
}

#[tokio::test]
async fn a_wrong_approval_code_is_refused_and_a_revoked_device_cannot_be_approved() {
    let s = server().await;
    let tablet = Tablet::new();
    let (id, code) = enrol(&s, &tablet).await;
    let digits = ApprovalCode::parse(&code).expect("code");
    let wrong = if digits.digits() == "00000000" { "00000001" } else { "00000000" };
    let err = admin::approve(&*s.store, &id, wrong, &[starosta()], T0).await.expect_err("wrong");
    assert!(matches!(err, AdminError::WrongCode { .. }), "{err}");
    let err = admin::approve(&*s.store, &id, "12-34", &[starosta()], T0).await.expect_err("malformed");
    assert!(matches!(err, AdminError::MalformedCode), "{err}");
    let err = admin::approve(&*s.store, &id, &code, &[], T0).await.expect_err("no positions");
    assert!(matches!(err, AdminError::NoPositions), "{err}");
    let err = admin::approve(&*s.store, "dev-nope", &code, &[starosta()], T0).await.expect_err("unknown");
    assert!(matches!(err, AdminError::UnknownDevice { .. }), "{err}");
    assert_eq!(s.store.device(&id).await.expect("get").expect("dev").status, DeviceStatus::Pending);

    let other = Tablet::new();
    let (revoked_id, revoked_code) = enrol(&s, &other).await;
    admin::revoke(&*s.store, &revoked_id, T0).await.expect("revoke");
    let err = admin::approve(&*s.store, &revoked_id, &revoked_code, &[starosta()], T0).await.expect_err("revoked");
    assert!(matches!(err, AdminError::DeviceRevoked { .. }), "{err}");

    admin::approve(&*s.store, &id, &code.replace('-', ""), &[starosta()], T0).await.expect("the right code");
    let err = admin::approve(&*s.store, &id, &code, &[starosta()], T0).await.expect_err("used up");
    assert!(matches!(err, AdminError::AlreadyApproved { .. }), "{err}");
    let audit = s.store.audit(AuditQuery { limit: 100, ..Default::default() }).await.expect("audit");
    assert!(audit.records.iter().any(|r| r.entry.action == "approve-refused" && r.entry.device_id == id));
}

#[tokio::test]
async fn malformed_requests_get_a_json_400() {
    let s = server().await;
    let bad_key = json!({ "public_key": "abcd", "display_name": "x" });
    refused(
        &call(&s.app, "POST", "/api/v1/devices", Some(bad_key), None).await,
        StatusCode::BAD_REQUEST,
        "bad_public_key",
    );
    let no_name = json!({ "public_key": Tablet::new().public_hex(), "display_name": "  " });
    let reply = call(&s.app, "POST", "/api/v1/devices", Some(no_name), None).await;
    refused(&reply, StatusCode::BAD_REQUEST, "bad_display_name");
    let missing = call(&s.app, "POST", "/api/v1/session/challenge", Some(json!({ "id": 1 })), None).await;
    refused(&missing, StatusCode::BAD_REQUEST, "malformed");
    let odd_id = call(&s.app, "POST", "/api/v1/session/challenge", Some(json!({ "device_id": "a\nb" })), None).await;
    refused(&odd_id, StatusCode::BAD_REQUEST, "malformed");
    let short = open_session(&s, "dev-1", "abcd", &"00".repeat(64)).await;
    refused(&short, StatusCode::BAD_REQUEST, "malformed");
    let no_token = call(&s.app, "GET", "/api/v1/session", None, None).await;
    refused(&no_token, StatusCode::UNAUTHORIZED, "no_session");

    let tablet = Tablet::new();
    enrol(&s, &tablet).await;
    let again = json!({ "public_key": tablet.public_hex(), "display_name": "again" });
    refused(
        &call(&s.app, "POST", "/api/v1/devices", Some(again), None).await,
        StatusCode::CONFLICT,
        "key_already_enrolled",
    );
}

#[tokio::test]
async fn the_routes_merge_into_the_main_router() {
    let s = server().await;
    let app = keis_sync_server::router(keis_sync_server::AppState::default()).merge(auth::routes(s.auth.clone()));
    assert_eq!(call(&app, "GET", "/healthz", None, None).await.0, StatusCode::OK);
    assert_eq!(call(&app, "GET", "/api/v1/cases", None, None).await.0, StatusCode::OK);
    let tablet = Tablet::new();
    let body = json!({ "public_key": tablet.public_hex(), "display_name": "Планшет" });
    assert_eq!(call(&app, "POST", "/api/v1/devices", Some(body), None).await.0, StatusCode::CREATED);
}
