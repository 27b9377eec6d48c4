//! Shared by the queue API tests: the full application over a temporary directory with a
//! [`ManualClock`] on Monday 2026-11-23 (Kyiv) and the demo office, staff sessions, and
//! JSON requests.

#![allow(dead_code, unreachable_pub)]

use axum::Router;
use axum::body::{Body, to_bytes};
use axum::http::{Request, StatusCode};
use keis_crdt::{Position, Role, Scope, demo};
use keis_sync_server::admin;
use keis_sync_server::auth::{self, NONCE_LEN};
use keis_sync_server::queue::Timestamp;
use keis_sync_server::queue_api::office::DEMO_OFFICE_TOML;
use keis_sync_server::queue_api::{ManualClock, TestApp};
use ring::rand::SystemRandom;
use ring::signature::{Ed25519KeyPair, KeyPair};
use serde_json::{Value, json};
use tower::ServiceExt;

/// Local midnight (Europe/Kyiv) of Monday 2026-11-23.
pub const MIDNIGHT: Timestamp = Timestamp(1_795_384_800_000);

/// `h:m` local time on that Monday.
pub fn at(h: i64, m: i64) -> Timestamp {
    MIDNIGHT.plus_minutes(h * 60 + m)
}

pub struct Env {
    pub dir: tempfile::TempDir,
    pub clock: ManualClock,
    pub t: TestApp,
}

/// The app with the demo office, its clock at `now`, no tick task.
pub async fn env(now: Timestamp) -> Env {
    let dir = tempfile::tempdir().expect("tempdir");
    let clock = ManualClock::new(now);
    let t = TestApp::start(dir.path(), clock.clone(), DEMO_OFFICE_TOML, None).await.expect("start");
    Env { dir, clock, t }
}

/// A request; answers the status and the JSON body (`Null` if not JSON).
pub async fn call(
    app: &Router,
    method: &str,
    uri: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let raw = body.map(|b| b.to_string());
    call_raw(app, method, uri, token, raw.as_deref()).await
}

pub async fn call_raw(
    app: &Router,
    method: &str,
    uri: &str,
    token: Option<&str>,
    body: Option<&str>,
) -> (StatusCode, Value) {
    let mut req = Request::builder().method(method).uri(uri);
    if let Some(t) = token {
        req = req.header("authorization", format!("Bearer {t}"));
    }
    let req = match body {
        Some(b) => req.header("content-type", "application/json").body(Body::from(b.to_owned())),
        None => req.body(Body::empty()),
    }
    .expect("request");
    let res = app.clone().oneshot(req).await.expect("response");
    let status = res.status();
    let bytes = to_bytes(res.into_body(), 1 << 20).await.expect("body");
    (status, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
}

/// The demo positions and an operator of the integrated centre.
pub fn positions() -> Vec<Position> {
    let mut p = demo::positions();
    p.push(Position::new("cisp-operator-1", Role::CnapClerk, Scope::hromada(demo::HROMADA)));
    p
}

/// Enrols a device, approves it with `positions` and opens a session: its token.
pub async fn session(e: &Env, positions: &[Position]) -> String {
    let app = &e.t.app;
    let key = Ed25519KeyPair::from_pkcs8(Ed25519KeyPair::generate_pkcs8(&SystemRandom::new()).expect("key").as_ref())
        .expect("pkcs8");
    let body = json!({ "public_key": hex::encode(key.public_key().as_ref()), "display_name": "Пульт оператора" });
    let (status, en) = call(app, "POST", "/api/v1/devices", None, Some(body)).await;
    assert_eq!(status, StatusCode::CREATED, "{en}");
    let id = en["device_id"].as_str().expect("id").to_owned();
    let code = en["approval_code"].as_str().expect("code");
    admin::approve(&*e.t.store, &id, code, positions, e.clock_ms()).await.expect("approve");
    let (status, c) = call(app, "POST", "/api/v1/session/challenge", None, Some(json!({ "device_id": id }))).await;
    assert_eq!(status, StatusCode::OK, "{c}");
    let nonce_hex = c["nonce"].as_str().expect("nonce");
    let nonce: [u8; NONCE_LEN] = hex::decode(nonce_hex).expect("hex").try_into().expect("32 bytes");
    let signature = hex::encode(key.sign(&auth::session_message(&id, &nonce)).as_ref());
    let body = json!({ "device_id": id, "nonce": nonce_hex, "signature": signature });
    let (status, s) = call(app, "POST", "/api/v1/session", None, Some(body)).await;
    assert_eq!(status, StatusCode::OK, "{s}");
    s["token"].as_str().expect("token").to_owned()
}

impl Env {
    pub fn clock_ms(&self) -> i64 {
        auth::Clock::now_ms(&self.clock)
    }

    /// `call` on this app.
    pub async fn call(&self, method: &str, uri: &str, token: Option<&str>, body: Option<Value>) -> (StatusCode, Value) {
        call(&self.t.app, method, uri, token, body).await
    }

    /// A kiosk ticket for `service`; asserts 201.
    pub async fn kiosk(&self, service: &str) -> Value {
        let (s, t) = self.call("POST", "/api/v1/queue/demo/tickets", None, Some(json!({ "service": service }))).await;
        assert_eq!(s, StatusCode::CREATED, "{t}");
        t
    }

    /// Signs `position` in at `desk` as `name`; asserts 200.
    pub async fn sign_in(&self, token: &str, desk: u16, position: &str, name: &str) {
        let uri = format!("/api/v1/queue/demo/desks/{desk}/sign-in");
        let (s, b) = self.call("POST", &uri, Some(token), Some(json!({ "position": position, "name": name }))).await;
        assert_eq!(s, StatusCode::OK, "{b}");
    }

    /// Staff action on a desk (`call-next`, …) or a ticket (`tickets/{id}/finish`).
    pub async fn staff(&self, token: &str, what: &str, body: Value) -> (StatusCode, Value) {
        self.call("POST", &format!("/api/v1/queue/demo/{what}"), Some(token), Some(body)).await
    }

    pub async fn hall(&self) -> Value {
        let (s, h) = self.call("GET", "/api/v1/queue/demo/hall", None, None).await;
        assert_eq!(s, StatusCode::OK, "{h}");
        h
    }

    pub async fn desk(&self, desk: u16) -> Value {
        let (s, d) = self.call("GET", &format!("/api/v1/queue/demo/desks/{desk}"), None, None).await;
        assert_eq!(s, StatusCode::OK, "{d}");
        d
    }
}

/// The hall row of ticket `number`.
pub fn row<'a>(hall: &'a Value, number: &str) -> &'a Value {
    hall["rows"].as_array().expect("rows").iter().find(|r| r["number"] == number).unwrap_or(&Value::Null)
}
