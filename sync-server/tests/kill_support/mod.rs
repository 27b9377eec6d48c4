//! For `sync_kill`: the real server binary as a child process that a test can SIGKILL, a
//! tablet that enrols over HTTP and is approved with the administrator's command line,
//! a WebSocket sync driver that records what the server acknowledged, and the check that
//! every acknowledged change is in the store.
//!
//! # Acknowledged
//!
//! The server answers a device's sync message only after its changes are durable (see
//! `keis_crdt::sync::server`): a `Done { heads }` frame, or a `Sync` frame whose Automerge
//! message states the server's `heads`. Every head so stated is *acknowledged*, and so is
//! every change it depends on. [`Recorder`] collects them per document as the frames
//! arrive, before anything else happens to the connection.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fs::File;
use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use automerge::sync;
use automerge::{ActorId, AutoCommit, ChangeHash};
use futures_util::{SinkExt, StreamExt};
use keis_crdt::sync::memory::MemoryDevice;
use keis_crdt::sync::{ClientHost, ClientSession, Frame, HostError};
use keis_crdt::{CaseDoc, Position, demo};
use keis_sync_server::auth::{self, NONCE_LEN};
use keis_sync_server::store::{SqliteStore, Store};
use ring::rand::SystemRandom;
use ring::signature::{Ed25519KeyPair, KeyPair};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

pub(crate) const T0: i64 = 1_763_900_000_000;
/// Documents in flight at once in a session, as the app does.
const WINDOW: usize = 8;
/// How long the server may take to answer anything.
const ANSWER: Duration = Duration::from_secs(20);
/// How long a started server may take to answer `/healthz`.
const READY: Duration = Duration::from_secs(20);
/// Frames one session may take before the test calls it a livelock.
const MAX_FRAMES: usize = 200_000;

type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// A small seeded generator (SplitMix64): the rounds are reproducible from the seed.
#[derive(Debug, Clone)]
pub(crate) struct Rng(u64);

impl Rng {
    pub(crate) fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `lo..=hi` (`hi >= lo`).
    pub(crate) fn range(&mut self, lo: usize, hi: usize) -> usize {
        let span = (hi.max(lo) - lo) as u64 + 1;
        lo + (self.next_u64() % span) as usize
    }
}

/// A number from the environment, or `default`.
pub(crate) fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    match std::env::var(name) {
        Ok(v) => v.trim().parse().unwrap_or_else(|_| panic!("{name}={v:?} is not a valid number")),
        Err(_) => default,
    }
}

// ---------------------------------------------------------------------------------------
// The server process.

/// The real `keis-sync-server serve` on a data directory; SIGKILLed when dropped.
pub(crate) struct ServerProc {
    child: Child,
    pub(crate) addr: SocketAddr,
    log: PathBuf,
    exited: bool,
}

impl ServerProc {
    /// Starts the server on `data` on a free port and waits for `/healthz`. Its log goes
    /// to `logs/server-<n>.log`. A port taken between choosing and binding it is retried.
    pub(crate) async fn start(data: &Path, logs: &Path, n: usize) -> Self {
        let mut last = String::new();
        for attempt in 0..5 {
            let port = {
                let l = TcpListener::bind("127.0.0.1:0").expect("bind a free port");
                l.local_addr().expect("local addr").port()
            };
            let addr = SocketAddr::from(([127, 0, 0, 1], port));
            let log = logs.join(format!("server-{n}-{attempt}.log"));
            let stderr = File::create(&log).expect("create the server log");
            let child = Command::new(env!("CARGO_BIN_EXE_keis-sync-server"))
                .arg("serve")
                .arg("--listen")
                .arg(addr.to_string())
                .arg("--data")
                .arg(data)
                .env("RUST_LOG", "info")
                .env_remove("KEIS_DEMO")
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(stderr)
                .spawn()
                .expect("spawn keis-sync-server");
            let mut s = Self { child, addr, log, exited: false };
            match s.wait_ready().await {
                Ok(()) => return s,
                Err(text) if text.contains("in use") => last = text,
                Err(text) => panic!("the server did not start:\n{text}"),
            }
        }
        panic!("no free port after 5 attempts; last:\n{last}");
    }

    /// Polls `/healthz` until it answers 200, the process exits (`Err` with its log), or
    /// [`READY`] passes (a panic).
    async fn wait_ready(&mut self) -> Result<(), String> {
        let deadline = Instant::now() + READY;
        loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                self.exited = true;
                return Err(format!("exited with {status}; log:\n{}", self.log_tail()));
            }
            if let Ok((200, body)) = http(self.addr, "GET", "/healthz", None, None).await {
                assert_eq!(body["status"], "ok", "{body}");
                return Ok(());
            }
            assert!(Instant::now() < deadline, "/healthz did not answer within {READY:?}; log:\n{}", self.log_tail());
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    pub(crate) fn pid(&self) -> u32 {
        self.child.id()
    }

    /// SIGKILL (what `Child::kill` sends on Unix), and reap the process.
    pub(crate) fn kill(&mut self) {
        if self.exited {
            return;
        }
        if let Ok(Some(status)) = self.child.try_wait() {
            self.exited = true;
            panic!("the server exited on its own before the kill ({status}); log:\n{}", self.log_tail());
        }
        self.child.kill().expect("SIGKILL the server");
        self.child.wait().expect("reap the server");
        self.exited = true;
    }

    /// The end of the server's log, for failure messages.
    pub(crate) fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(40)..].join("\n")
    }
}

impl Drop for ServerProc {
    fn drop(&mut self) {
        if !self.exited {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// One HTTP/1.1 request with a JSON body (if any); the status and the JSON answer
/// (`Null` if the answer is not JSON).
pub(crate) async fn http(
    addr: SocketAddr,
    method: &str,
    path: &str,
    bearer: Option<&str>,
    body: Option<&Value>,
) -> std::io::Result<(u16, Value)> {
    let exchange = async {
        let mut stream = TcpStream::connect(addr).await?;
        let body = body.map(Value::to_string).unwrap_or_default();
        let mut req = format!(
            "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n",
            body.len()
        );
        if let Some(t) = bearer {
            req.push_str(&format!("Authorization: Bearer {t}\r\n"));
        }
        req.push_str("\r\n");
        req.push_str(&body);
        stream.write_all(req.as_bytes()).await?;
        let mut reply = Vec::new();
        stream.read_to_end(&mut reply).await?;
        Ok::<_, std::io::Error>(reply)
    };
    let reply = tokio::time::timeout(ANSWER, exchange).await.map_err(std::io::Error::other)??;
    let text = String::from_utf8_lossy(&reply);
    let bad = || std::io::Error::other(format!("not an HTTP answer: {text:?}"));
    let status = text.split(' ').nth(1).and_then(|s| s.parse().ok()).ok_or_else(bad)?;
    let (_, body) = text.split_once("\r\n\r\n").ok_or_else(bad)?;
    Ok((status, serde_json::from_str(body).unwrap_or(Value::Null)))
}

async fn post(addr: SocketAddr, path: &str, body: Value) -> Value {
    let (status, answer) =
        http(addr, "POST", path, None, Some(&body)).await.unwrap_or_else(|e| panic!("POST {path}: {e}"));
    assert!((200..300).contains(&status), "POST {path} answered {status}: {answer}");
    answer
}

// ---------------------------------------------------------------------------------------
// The tablet.

/// A tablet's key and its id on the server.
pub(crate) struct Identity {
    pub(crate) id: String,
    key: Ed25519KeyPair,
}

/// Enrols a new tablet over HTTP; its identity and the approval code it would show.
pub(crate) async fn enrol(addr: SocketAddr, name: &str) -> (Identity, String) {
    let pkcs8 = Ed25519KeyPair::generate_pkcs8(&SystemRandom::new()).expect("key");
    let key = Ed25519KeyPair::from_pkcs8(pkcs8.as_ref()).expect("pkcs8");
    let body = json!({ "public_key": hex::encode(key.public_key().as_ref()), "display_name": name });
    let e = post(addr, "/api/v1/devices", body).await;
    let id = e["device_id"].as_str().unwrap_or_else(|| panic!("no device id in {e}")).to_owned();
    let code = e["approval_code"].as_str().unwrap_or_else(|| panic!("no approval code in {e}")).to_owned();
    (Identity { id, key }, code)
}

/// Approves a device the way an administrator does: `keis-sync-server admin approve` on
/// the data directory (while the server runs: SQLite WAL admits the second process).
pub(crate) fn approve_cli(data: &Path, id: &str, code: &str, positions: &[Position]) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_keis-sync-server"));
    cmd.arg("admin").arg("--data").arg(data).args(["approve", id, "--code", code]);
    for p in positions {
        cmd.arg("--position").arg(format!("{}:{}:{}", p.id, p.role.code(), p.scope.code()));
    }
    let out = cmd.env("RUST_LOG", "warn").env_remove("RUST_BACKTRACE").output().expect("run keis-sync-server admin");
    assert!(
        out.status.success() && String::from_utf8_lossy(&out.stdout).contains("approved"),
        "admin approve failed: {out:?}"
    );
}

/// Signs in by challenge-response; the session token. Sessions live in the server's
/// memory, so a tablet signs in again after every restart.
pub(crate) async fn sign_in(addr: SocketAddr, who: &Identity) -> String {
    let c = post(addr, "/api/v1/session/challenge", json!({ "device_id": who.id })).await;
    let nonce_hex = c["nonce"].as_str().unwrap_or_else(|| panic!("no nonce in {c}"));
    let nonce: [u8; NONCE_LEN] = hex::decode(nonce_hex).expect("hex nonce").try_into().expect("32-byte nonce");
    let signature = hex::encode(who.key.sign(&auth::session_message(&who.id, &nonce)).as_ref());
    let s =
        post(addr, "/api/v1/session", json!({ "device_id": who.id, "nonce": nonce_hex, "signature": signature })).await;
    s["token"].as_str().unwrap_or_else(|| panic!("no token in {s}")).to_owned()
}

/// A new demo application made on the device, dirty; its id.
pub(crate) fn new_case(device: &mut MemoryDevice, tablet: &str, n: u32) -> String {
    let actor = ActorId::from(format!("{tablet}-{n}").as_bytes());
    let doc = demo::application(actor, n, T0 + i64::from(n)).expect("demo case");
    let id = doc.case().id.clone();
    device.docs.insert(id.clone(), doc.automerge().clone());
    device.dirty.insert(id.clone());
    id
}

/// Changes the applicant's phone of a case on the device as the app would; dirty.
pub(crate) fn edit_phone(device: &mut MemoryDevice, id: &str, phone: String) {
    device.edit(id, |d| {
        let mut c = CaseDoc::from_automerge(std::mem::take(d)).expect("a case");
        c.edit(T0 + 100_000, |case, _| case.applicant.phone = Some(phone)).expect("edit");
        *d = std::mem::take(c.automerge_mut());
    });
}

// ---------------------------------------------------------------------------------------
// Acknowledgements.

/// Per document, the heads the server stated as durable.
pub(crate) type Acks = BTreeMap<String, BTreeSet<ChangeHash>>;

/// The device's store, recording every head the server acknowledges (see the module
/// documentation).
pub(crate) struct Recorder<'a> {
    pub(crate) device: &'a mut MemoryDevice,
    pub(crate) acks: &'a mut Acks,
}

impl ClientHost for Recorder<'_> {
    fn generate(&mut self, doc: &str) -> Result<Option<Vec<u8>>, HostError> {
        self.device.generate(doc)
    }

    fn receive(&mut self, doc: &str, message: &[u8]) -> Result<(), HostError> {
        let msg = sync::Message::decode(message).map_err(HostError::new)?;
        self.acks.entry(doc.to_owned()).or_default().extend(msg.heads.iter().copied());
        self.device.receive(doc, message)
    }

    fn confirmed(&mut self, doc: &str, heads: &[[u8; 32]]) -> Result<(), HostError> {
        self.acks.entry(doc.to_owned()).or_default().extend(heads.iter().map(|h| ChangeHash(*h)));
        self.device.confirmed(doc, heads)
    }

    fn settled(&mut self, doc: &str) -> Result<(), HostError> {
        self.device.settled(doc)
    }

    fn rejected(&mut self, doc: &str, code: u16, reason: &str) -> Result<(), HostError> {
        self.device.rejected(doc, code, reason)
    }

    fn save_cursor(&mut self, cursor: u64) -> Result<(), HostError> {
        self.device.save_cursor(cursor)
    }

    fn restart(&mut self, doc: &str) -> Result<(), HostError> {
        self.device.restart(doc)
    }
}

/// How a session ended.
#[derive(Debug)]
pub(crate) struct Outcome {
    /// Frames received from the server.
    pub(crate) frames: usize,
    /// The server was killed (at `kill_at`); otherwise the session went idle.
    pub(crate) killed: bool,
    pub(crate) docs_done: usize,
}

async fn next_frame(ws: &mut Ws) -> Option<Frame> {
    loop {
        let msg = tokio::time::timeout(ANSWER, ws.next()).await.ok()??;
        match msg {
            Ok(Message::Binary(b)) => return Some(Frame::decode(&b).expect("the server's frames decode")),
            Ok(Message::Close(_)) | Err(_) => return None,
            Ok(_) => {}
        }
    }
}

/// When to SIGKILL the server during a session: `delay` after the tablet handled the
/// `after`-th frame from the server (the tablet goes on syncing meanwhile). A zero delay
/// kills right after an acknowledgement was read, which is where an acknowledgement given
/// before the write was durable would show; a delay lands anywhere in the server's work.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Kill {
    pub(crate) after: usize,
    pub(crate) delay: Duration,
}

/// One sync session of `device` over a WebSocket until it is idle or the server is
/// SIGKILLed as `kill` says. Acknowledgements are recorded as frames are handled, so
/// those recorded are exactly those the tablet saw before the kill.
pub(crate) async fn session(
    server: &mut ServerProc,
    token: &str,
    device: &mut MemoryDevice,
    acks: &mut Acks,
    kill: Option<Kill>,
) -> Outcome {
    let mut req = format!("ws://{}/api/v1/sync", server.addr).into_client_request().expect("request");
    req.headers_mut().insert("authorization", format!("Bearer {token}").parse().expect("header"));
    let (mut ws, _) = tokio::time::timeout(ANSWER, tokio_tungstenite::connect_async(req))
        .await
        .expect("the WebSocket opens in time")
        .unwrap_or_else(|e| panic!("the WebSocket upgrade failed: {e}; log:\n{}", server.log_tail()));
    let (cursor, dirty) = device.begin_session();
    let (mut client, mut out) = ClientSession::start(cursor, dirty, WINDOW);
    let mut host = Recorder { device, acks };
    let mut frames = 0;
    let mut deadline: Option<tokio::time::Instant> = None;
    let killed = |server: &mut ServerProc, frames: usize, client: &ClientSession| {
        server.kill();
        Outcome { frames, killed: true, docs_done: client.progress().docs_done }
    };
    loop {
        for f in out.drain(..) {
            if let Err(e) = ws.send(Message::Binary(f.encode().into())).await {
                panic!("sending to the server failed after {frames} frames: {e}; log:\n{}", server.log_tail());
            }
        }
        if client.is_idle() {
            if deadline.is_some() {
                return killed(server, frames, &client);
            }
            let _ = ws.close(None).await;
            return Outcome { frames, killed: false, docs_done: client.progress().docs_done };
        }
        assert!(frames < MAX_FRAMES, "the session did not settle within {MAX_FRAMES} frames");
        let next = match deadline {
            Some(at) => tokio::select! {
                f = next_frame(&mut ws) => f,
                () = tokio::time::sleep_until(at) => return killed(server, frames, &client),
            },
            None => next_frame(&mut ws).await,
        };
        let Some(frame) = next else {
            panic!("the server closed or stalled after {frames} frames; log:\n{}", server.log_tail());
        };
        frames += 1;
        out = client
            .on_frame(frame, &mut host)
            .unwrap_or_else(|e| panic!("the session broke after {frames} frames: {e}; log:\n{}", server.log_tail()));
        if let Some(k) = kill
            && k.after == frames
        {
            if k.delay.is_zero() {
                return killed(server, frames, &client);
            }
            deadline = Some(tokio::time::Instant::now() + k.delay);
        }
    }
}

// ---------------------------------------------------------------------------------------
// The check.

/// What [`check`] found.
#[derive(Debug, Default)]
pub(crate) struct Check {
    /// Documents with an acknowledgement.
    pub(crate) docs: usize,
    /// Acknowledged changes (the heads and every change they depend on).
    pub(crate) changes: usize,
    /// Acknowledged changes the server does not have.
    pub(crate) missing: Vec<(String, ChangeHash)>,
    /// Changes the server has that the device did not see acknowledged (in flight when the
    /// server was killed): evidence that the kill cut into the ingest.
    pub(crate) unacknowledged: usize,
}

/// Every change in `doc`, with its dependencies.
fn change_graph(doc: &mut AutoCommit) -> HashMap<ChangeHash, Vec<ChangeHash>> {
    doc.get_changes(&[]).iter().map(|c| (c.hash(), c.deps().to_vec())).collect()
}

/// Whether the server holds every acknowledged change: for each document, the
/// acknowledged heads and, walking the device's copy, all their ancestors. `server`
/// gives the server's copy of a document (`None`: it has none); it is asked about every
/// document the device holds or has acknowledgements for.
pub(crate) fn check(
    acks: &Acks,
    device: &mut BTreeMap<String, AutoCommit>,
    mut server: impl FnMut(&str) -> Option<AutoCommit>,
) -> Check {
    let mut out = Check::default();
    let ids: BTreeSet<String> = acks.keys().chain(device.keys()).cloned().collect();
    let none = BTreeSet::new();
    for id in ids {
        let heads = acks.get(&id).unwrap_or(&none);
        if !heads.is_empty() {
            out.docs += 1;
        }
        let local = device.get_mut(&id).map(change_graph).unwrap_or_default();
        let mut acked = BTreeSet::new();
        let mut stack: Vec<ChangeHash> = heads.iter().copied().collect();
        while let Some(h) = stack.pop() {
            if acked.insert(h) {
                stack.extend(local.get(&h).into_iter().flatten().copied());
            }
        }
        out.changes += acked.len();
        let held = server(&id).as_mut().map(change_graph).unwrap_or_default();
        out.unacknowledged += held.keys().filter(|h| !acked.contains(h)).count();
        out.missing.extend(acked.into_iter().filter(|h| !held.contains_key(h)).map(|h| (id.clone(), h)));
    }
    out
}

/// [`check`] against the store in `data`, opened by the test while no server runs (as
/// the next server would open it: SQLite recovers the WAL of the killed one).
pub(crate) async fn check_store(data: &Path, acks: &Acks, device: &mut BTreeMap<String, AutoCommit>) -> Check {
    let store = SqliteStore::open(data).await.expect("open the killed server's store");
    let mut held = BTreeMap::new();
    let ids: BTreeSet<&String> = acks.keys().chain(device.keys()).collect();
    for id in ids {
        if let Some(d) = store.load(id).await.unwrap_or_else(|e| panic!("load {id}: {e}")) {
            let doc = AutoCommit::load(&d.concatenated()).unwrap_or_else(|e| panic!("stored {id} loads: {e}"));
            held.insert(id.to_owned(), doc);
        }
    }
    store.close().await.expect("close the store");
    check(acks, device, |id| held.remove(id))
}
