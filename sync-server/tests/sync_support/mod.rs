//! Shared by the sync tests: a real server on port 0 over a real SQLite directory, tablets
//! that enrol, are approved and sign in over HTTP, and a WebSocket client that runs a
//! `ClientSession` over a `MemoryDevice`.

#![allow(dead_code, unreachable_pub)]

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use automerge::{ActorId, AutoCommit};
use axum::Router;
use axum::body::{Body, to_bytes};
use axum::http::{Request, StatusCode};
use futures_util::{SinkExt, StreamExt};
use keis_crdt::model::{Case, read_case};
use keis_crdt::sync::memory::MemoryDevice;
use keis_crdt::sync::{ClientSession, Frame, SessionError};
use keis_crdt::{CaseDoc, Position, demo};
use keis_sync_server::auth::{self, Auth, NONCE_LEN};
use keis_sync_server::store::{SqliteStore, Store};
use keis_sync_server::{AppState, admin};
use ring::rand::SystemRandom;
use ring::signature::{Ed25519KeyPair, KeyPair};
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::{self, Message};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};
use tower::ServiceExt;

pub const T0: i64 = 1_763_900_000_000;
pub type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

pub struct Server {
    _dir: tempfile::TempDir,
    pub store: Arc<dyn Store>,
    pub auth: Arc<Auth>,
    pub app: Router,
    pub addr: SocketAddr,
    _stop: tokio::sync::oneshot::Sender<()>,
}

pub async fn server() -> Server {
    let dir = tempfile::tempdir().expect("tempdir");
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(dir.path()).await.expect("open"));
    let auth = Arc::new(Auth::with_defaults(store.clone()));
    let app = keis_sync_server::app(AppState::default(), auth.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(keis_sync_server::serve(app.clone(), listener, async {
        let _ = stopped.await;
    }));
    Server { _dir: dir, store, auth, app, addr, _stop: stop }
}

async fn call(app: &Router, uri: &str, body: Value) -> (StatusCode, Value) {
    let req = Request::builder()
        .method("POST")
        .uri(uri)
        .header("content-type", "application/json")
        .body(Body::from(body.to_string()))
        .expect("request");
    let res = app.clone().oneshot(req).await.expect("response");
    let status = res.status();
    let bytes = to_bytes(res.into_body(), 64 * 1024).await.expect("body");
    (status, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
}

/// A tablet: its key, its id on the server, a session token and its local store.
pub struct Tablet {
    pub id: String,
    pub token: String,
    pub device: MemoryDevice,
}

/// Enrols a tablet, approves it with `positions` and signs it in.
pub async fn tablet(s: &Server, positions: &[Position]) -> Tablet {
    let pkcs8 = Ed25519KeyPair::generate_pkcs8(&SystemRandom::new()).expect("key");
    let key = Ed25519KeyPair::from_pkcs8(pkcs8.as_ref()).expect("pkcs8");
    let body = json!({ "public_key": hex::encode(key.public_key().as_ref()), "display_name": "Тестовий планшет" });
    let (status, e) = call(&s.app, "/api/v1/devices", body).await;
    assert_eq!(status, StatusCode::CREATED, "{e}");
    let id = e["device_id"].as_str().expect("id").to_owned();
    let code = e["approval_code"].as_str().expect("code");
    admin::approve(&*s.store, &id, code, positions, T0).await.expect("approve");
    let (status, c) = call(&s.app, "/api/v1/session/challenge", json!({ "device_id": id })).await;
    assert_eq!(status, StatusCode::OK, "{c}");
    let nonce_hex = c["nonce"].as_str().expect("nonce");
    let nonce: [u8; NONCE_LEN] = hex::decode(nonce_hex).expect("hex").try_into().expect("32 bytes");
    let signature = hex::encode(key.sign(&auth::session_message(&id, &nonce)).as_ref());
    let body = json!({ "device_id": id, "nonce": nonce_hex, "signature": signature });
    let (status, session) = call(&s.app, "/api/v1/session", body).await;
    assert_eq!(status, StatusCode::OK, "{session}");
    let token = session["token"].as_str().expect("token").to_owned();
    Tablet { id, token, device: MemoryDevice::default() }
}

/// Opens the sync WebSocket with `token` (if any).
pub async fn connect(s: &Server, token: Option<&str>) -> Result<Ws, tungstenite::Error> {
    let mut req = format!("ws://{}/api/v1/sync", s.addr).into_client_request()?;
    if let Some(t) = token {
        req.headers_mut().insert("authorization", format!("Bearer {t}").parse().expect("header"));
    }
    tokio_tungstenite::connect_async(req).await.map(|(ws, _)| ws)
}

/// The next frame from the server; `None` once the socket closes.
pub async fn next_frame(ws: &mut Ws) -> Option<Frame> {
    loop {
        let msg = tokio::time::timeout(Duration::from_secs(20), ws.next()).await.expect("the server answers in time");
        match msg? {
            Ok(Message::Binary(b)) => return Some(Frame::decode(&b).expect("the server's frames decode")),
            Ok(Message::Close(_)) | Err(_) => return None,
            Ok(_) => {}
        }
    }
}

pub async fn send(ws: &mut Ws, bytes: Vec<u8>) {
    ws.send(Message::Binary(bytes.into())).await.expect("send");
}

/// What one session moved.
#[derive(Debug, Default)]
pub struct Wire {
    pub up: Vec<Frame>,
    pub down: Vec<Frame>,
    pub bytes: usize,
    pub error: Option<String>,
}

impl Wire {
    pub fn kinds(&self) -> (Vec<&'static str>, Vec<&'static str>) {
        (self.up.iter().map(kind).collect(), self.down.iter().map(kind).collect())
    }
}

pub fn kind(f: &Frame) -> &'static str {
    match f {
        Frame::Hello { .. } => "Hello",
        Frame::Welcome { .. } => "Welcome",
        Frame::ChangedSince { .. } => "ChangedSince",
        Frame::Changed { .. } => "Changed",
        Frame::Sync { .. } => "Sync",
        Frame::Done { .. } => "Done",
        Frame::Rejected { .. } => "Rejected",
        Frame::Error { .. } => "Error",
    }
}

/// One whole sync session of the tablet, as after a reconnect, until it is idle.
pub async fn sync(s: &Server, t: &mut Tablet) -> Wire {
    sync_cut(s, t, None).await
}

/// A sync session that the network cuts (the socket dropped, no close handshake) once
/// `cut_after` frames came from the server, if it gets that far.
pub async fn sync_cut(s: &Server, t: &mut Tablet, cut_after: Option<usize>) -> Wire {
    let mut ws = connect(s, Some(&t.token)).await.expect("connect");
    let (cursor, dirty) = t.device.begin_session();
    let (mut client, first) = ClientSession::start(cursor, dirty, 8);
    let mut wire = Wire::default();
    if !drive(&mut ws, &mut client, &mut t.device, first, &mut wire, cut_after).await {
        drop(ws);
        return wire;
    }
    let _ = ws.close(None).await;
    wire
}

/// Sends `out`, then answers the server's frames until the session is idle (or fails, or
/// `cut_after` frames came down). `false` if cut.
pub async fn drive(
    ws: &mut Ws,
    client: &mut ClientSession,
    device: &mut MemoryDevice,
    mut out: Vec<Frame>,
    wire: &mut Wire,
    cut_after: Option<usize>,
) -> bool {
    loop {
        for f in out.drain(..) {
            let bytes = f.encode();
            wire.bytes += bytes.len();
            wire.up.push(f);
            send(ws, bytes).await;
        }
        if client.is_idle() {
            return true;
        }
        if cut_after.is_some_and(|n| wire.down.len() >= n) {
            wire.error = Some("cut".into());
            return false;
        }
        let Some(frame) = next_frame(ws).await else {
            wire.error = Some("closed".into());
            return true;
        };
        wire.bytes += frame.encode().len();
        wire.down.push(frame.clone());
        match client.on_frame(frame, device) {
            Ok(more) => out = more,
            Err(SessionError::Server { code, message }) => {
                wire.error = Some(format!("{code}: {message}"));
                return true;
            }
            Err(e) => panic!("the session broke: {e}"),
        }
    }
}

/// A new demo application made on the tablet; its id.
pub fn new_case(t: &mut Tablet, n: u32) -> String {
    let actor = ActorId::from(format!("tablet-{}-{n}", t.id).as_bytes());
    let doc = demo::application(actor, n, T0 + i64::from(n)).expect("demo case");
    let id = doc.case().id.clone();
    t.device.docs.insert(id.clone(), doc.automerge().clone());
    t.device.dirty.insert(id.clone());
    id
}

/// Edits a case on the tablet as the app would.
pub fn edit_case(t: &mut Tablet, id: &str, f: impl FnOnce(&mut Case)) {
    t.device.edit(id, |d| {
        let mut c = CaseDoc::from_automerge(std::mem::take(d)).expect("a case");
        c.edit(T0 + 100_000, |case, _| f(case)).expect("edit");
        *d = std::mem::take(c.automerge_mut());
    });
}

/// The case as the server stores it, if it does.
pub async fn stored(s: &Server, id: &str) -> Option<(Case, Vec<automerge::ChangeHash>)> {
    let doc = s.store.load(id).await.expect("load")?;
    let mut am = AutoCommit::load(&doc.concatenated()).expect("stored bytes load");
    Some((read_case(&am).expect("a case"), am.get_heads()))
}

pub fn heads(t: &mut Tablet, id: &str) -> Vec<automerge::ChangeHash> {
    t.device.docs.get_mut(id).map(AutoCommit::get_heads).unwrap_or_default()
}
