//! Shared by the tier tests: servers on port 0 over data directories that outlive them
//! (so a central server can be stopped and started again over the same files), a TCP
//! proxy that cuts and restores the uplink, tablets that sync with a given server, and
//! waiting for a condition instead of sleeping blindly.

#![allow(dead_code, unreachable_pub)]

use std::future::Future;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use automerge::{AutoCommit, ChangeHash};
use axum::Router;
use axum::body::{Body, to_bytes};
use axum::http::{Request, StatusCode};
use keis_crdt::Position;
use keis_crdt::model::{Case, read_case};
use keis_crdt::sync::ClientSession;
use keis_crdt::sync::memory::MemoryDevice;
use keis_sync_server::auth::{self, Auth, NONCE_LEN};
use keis_sync_server::metrics::Metrics;
use keis_sync_server::store::{AuditQuery, AuditRecord, SqliteStore, Store};
use keis_sync_server::sync::Hub;
use keis_sync_server::sync::upstream::{self, UpstreamConfig, UpstreamHandle};
use keis_sync_server::{AppState, admin};
use ring::rand::SystemRandom;
use ring::signature::{Ed25519KeyPair, KeyPair};
use serde_json::{Value, json};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::AbortHandle;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tower::ServiceExt;

use crate::sync_support::{Tablet, Wire, drive};

pub const T0: i64 = 1_763_900_000_000;
/// How long a condition may take to come true.
pub const PATIENCE: Duration = Duration::from_secs(30);

/// One running server over a data directory it does not own.
pub struct Node {
    pub store: Arc<SqliteStore>,
    pub auth: Arc<Auth>,
    pub hub: Arc<Hub>,
    pub metrics: Arc<Metrics>,
    pub app: Router,
    pub addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    served: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
}

/// Starts a server over `dir`.
pub async fn start(dir: &Path) -> Node {
    let store = Arc::new(SqliteStore::open(dir).await.expect("open the store"));
    let dyn_store: Arc<dyn Store> = store.clone();
    let auth = Arc::new(Auth::with_defaults(dyn_store));
    let state = AppState::default();
    let metrics = state.metrics.clone();
    let hub = Arc::new(Hub::new(auth.clone(), state.metrics.clone(), state.page_size));
    let app = keis_sync_server::app_on(state, hub.clone());
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let served = tokio::spawn(keis_sync_server::serve(app.clone(), listener, async {
        let _ = stopped.await;
    }));
    Node { store, auth, hub, metrics, app, addr, stop: Some(stop), served: Some(served) }
}

impl Node {
    /// Stops serving and closes the store (its files stay).
    pub async fn shut_down(mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if let Some(h) = self.served.take() {
            // Connections the proxy cut end on their own; do not wait forever for them.
            let _ = tokio::time::timeout(Duration::from_secs(5), h).await;
        }
        self.store.close().await.expect("close the store");
    }

    /// Starts the uplink of this server as an edge of the central server at `url`.
    pub fn uplink(&self, url: String, dir: &Path) -> UpstreamHandle {
        let mut c = UpstreamConfig::new(url, dir);
        c.backoff_min = Duration::from_millis(50);
        c.backoff_max = Duration::from_millis(400);
        upstream::spawn(self.hub.clone(), c)
    }

    /// `GET uri` as JSON.
    pub async fn get_json(&self, uri: &str) -> Value {
        let req = Request::builder().uri(uri).body(Body::empty()).expect("request");
        let res = self.app.clone().oneshot(req).await.expect("response");
        assert_eq!(res.status(), StatusCode::OK, "{uri}");
        let bytes = to_bytes(res.into_body(), 1 << 20).await.expect("body");
        serde_json::from_slice(&bytes).expect("JSON")
    }

    /// The case as stored here, with its heads.
    pub async fn stored(&self, id: &str) -> Option<(Case, Vec<ChangeHash>)> {
        let doc = self.store.load(id).await.expect("load")?;
        let mut am = AutoCommit::load(&doc.concatenated()).expect("stored bytes load");
        Some((read_case(&am).expect("a case"), sorted(am.get_heads())))
    }

    /// Sync frames received from devices (and edges) so far.
    pub fn frames_in(&self) -> u64 {
        let text = self.metrics.render();
        let line = text.lines().find(|l| l.starts_with("keis_sync_frames_total{direction=\"in\"}"));
        line.and_then(|l| l.rsplit(' ').next()).and_then(|n| n.parse().ok()).unwrap_or(0)
    }

    /// The audit lines about `case`.
    pub async fn audit(&self, case: &str) -> Vec<AuditRecord> {
        let q = AuditQuery { case_id: Some(case.to_owned()), limit: 1000, ..AuditQuery::default() };
        self.store.audit(q).await.expect("audit").records
    }
}

pub fn sorted(mut heads: Vec<ChangeHash>) -> Vec<ChangeHash> {
    heads.sort();
    heads
}

/// Polls `f` until it answers `true`, at most [`PATIENCE`].
pub async fn eventually<F, Fut>(what: &str, mut f: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + PATIENCE;
    while !f().await {
        assert!(tokio::time::Instant::now() < deadline, "timed out waiting: {what}");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

async fn call(app: &Router, uri: &str, token: Option<&str>, body: Value) -> (StatusCode, Value) {
    let mut req = Request::builder().method("POST").uri(uri).header("content-type", "application/json");
    if let Some(t) = token {
        req = req.header("authorization", format!("Bearer {t}"));
    }
    let res = app.clone().oneshot(req.body(Body::from(body.to_string())).expect("request")).await.expect("response");
    let status = res.status();
    let bytes = to_bytes(res.into_body(), 1 << 20).await.expect("body");
    (status, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
}

/// Enrols a tablet at `n`, approves it with `positions` and signs it in.
pub async fn tablet(n: &Node, positions: &[Position]) -> Tablet {
    let pkcs8 = Ed25519KeyPair::generate_pkcs8(&SystemRandom::new()).expect("key");
    let key = Ed25519KeyPair::from_pkcs8(pkcs8.as_ref()).expect("pkcs8");
    let body = json!({ "public_key": hex::encode(key.public_key().as_ref()), "display_name": "Тестовий планшет" });
    let (status, e) = call(&n.app, "/api/v1/devices", None, body).await;
    assert_eq!(status, StatusCode::CREATED, "{e}");
    let id = e["device_id"].as_str().expect("id").to_owned();
    let code = e["approval_code"].as_str().expect("code");
    admin::approve(&*n.store, &id, code, positions, T0).await.expect("approve");
    let (status, c) = call(&n.app, "/api/v1/session/challenge", None, json!({ "device_id": id })).await;
    assert_eq!(status, StatusCode::OK, "{c}");
    let nonce_hex = c["nonce"].as_str().expect("nonce");
    let nonce: [u8; NONCE_LEN] = hex::decode(nonce_hex).expect("hex").try_into().expect("32 bytes");
    let signature = hex::encode(key.sign(&auth::session_message(&id, &nonce)).as_ref());
    let body = json!({ "device_id": id, "nonce": nonce_hex, "signature": signature });
    let (status, session) = call(&n.app, "/api/v1/session", None, body).await;
    assert_eq!(status, StatusCode::OK, "{session}");
    let token = session["token"].as_str().expect("token").to_owned();
    Tablet { id, token, device: MemoryDevice::default() }
}

/// One whole sync session of the tablet with `n`, until it is idle.
pub async fn sync(n: &Node, t: &mut Tablet) -> Wire {
    let mut req = format!("ws://{}/api/v1/sync", n.addr).into_client_request().expect("request");
    req.headers_mut().insert("authorization", format!("Bearer {}", t.token).parse().expect("header"));
    let (mut ws, _) = tokio_tungstenite::connect_async(req).await.expect("connect");
    let (cursor, dirty) = t.device.begin_session();
    let (mut client, first) = ClientSession::start(cursor, dirty, 8);
    let mut wire = Wire::default();
    drive(&mut ws, &mut client, &mut t.device, first, &mut wire, None).await;
    let _ = ws.close(None).await;
    wire
}

/// A workflow action at `n` over HTTP.
pub async fn act(n: &Node, token: &str, case: &str, position: &str, action: &str) -> (StatusCode, Value) {
    let body = json!({ "position_id": position, "action": action, "comment": "" });
    call(&n.app, &format!("/api/v1/cases/{case}/actions"), Some(token), body).await
}

/// A TCP proxy standing for the network between an edge and the central server.
pub struct Proxy {
    pub addr: SocketAddr,
    target: Arc<Mutex<Option<SocketAddr>>>,
    conns: Arc<Mutex<Vec<AbortHandle>>>,
    accept: AbortHandle,
}

impl Proxy {
    pub async fn start(target: SocketAddr) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let target = Arc::new(Mutex::new(Some(target)));
        let conns: Arc<Mutex<Vec<AbortHandle>>> = Arc::default();
        let (t, c) = (target.clone(), conns.clone());
        let accept = tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                let Some(to) = *t.lock().expect("lock") else { continue };
                let task = tokio::spawn(async move {
                    if let Ok(mut outbound) = TcpStream::connect(to).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                });
                c.lock().expect("lock").push(task.abort_handle());
            }
        })
        .abort_handle();
        Self { addr, target, conns, accept }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The network goes down: open connections drop, new ones are refused.
    pub fn cut(&self) {
        *self.target.lock().expect("lock") = None;
        for c in self.conns.lock().expect("lock").drain(..) {
            c.abort();
        }
    }

    /// The network is back, to `target`.
    pub fn restore(&self, target: SocketAddr) {
        *self.target.lock().expect("lock") = Some(target);
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.cut();
        self.accept.abort();
    }
}
