//! Shared by the sync client tests: a real `keis-sync-server` on port 0 over real SQLite
//! files, devices with a real encrypted store that enrol over HTTP and are approved through
//! the server library, and a TCP proxy that can cut connections or go away (a network
//! that drops or is down).

#![allow(dead_code, unreachable_pub)]

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use automerge::ActorId;
use keis_crdt::{Position, demo};
use keis_mobile::store::{Pin, Store, StoreConfig, SystemClock};
use keis_mobile::sync::{self, BackoffConfig, SyncClient, SyncConfig};
use keis_sync_server::auth::Auth;
use keis_sync_server::store::SqliteStore;
use keis_sync_server::{AppState, admin};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

pub const T0: i64 = 1_763_900_000_000;
pub const PIN: &str = "2468";

pub struct Server {
    _dir: tempfile::TempDir,
    pub store: Arc<dyn keis_sync_server::store::Store>,
    pub auth: Arc<Auth>,
    pub addr: SocketAddr,
    _stop: tokio::sync::oneshot::Sender<()>,
}

pub async fn server() -> Server {
    let dir = tempfile::tempdir().expect("tempdir");
    let store: Arc<dyn keis_sync_server::store::Store> = Arc::new(SqliteStore::open(dir.path()).await.expect("open"));
    let auth = Arc::new(Auth::with_defaults(store.clone()));
    let app = keis_sync_server::app(AppState::default(), auth.clone());
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(keis_sync_server::serve(app, listener, async {
        let _ = stopped.await;
    }));
    Server { _dir: dir, store, auth, addr, _stop: stop }
}

impl Server {
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The case as the server stores it.
    pub async fn case(&self, id: &str) -> Option<keis_crdt::Case> {
        let doc = self.store.load(id).await.expect("load")?;
        let am = automerge::AutoCommit::load(&doc.concatenated()).expect("stored bytes load");
        Some(keis_crdt::model::read_case(&am).expect("a case"))
    }
}

/// A device: its data directory, unlocked store and sync client.
pub struct Device {
    pub dir: tempfile::TempDir,
    pub store: Store,
    pub client: SyncClient,
    pub id: String,
}

pub fn quick_config() -> SyncConfig {
    SyncConfig { window: 8, timeout: Duration::from_secs(10), backoff: BackoffConfig { base_ms: 100, max_ms: 400 } }
}

/// A new store, enrolled with the server at `url` and approved with `positions`.
pub async fn device_via(s: &Server, url: &str, positions: &[Position]) -> Device {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = Store::create(
        dir.path(),
        &Pin::new(PIN),
        StoreConfig::for_tests(),
        Arc::new(SystemClock),
        Arc::new(ring::rand::SystemRandom::new()),
    )
    .expect("store");
    let e = sync::enrol(&mut store, url, "Тестовий планшет").await.expect("enrol");
    assert_eq!(e.approval_code.len(), 9, "the code the administrator types: {}", e.approval_code);
    let saved = sync::saved_enrolment(&mut store).expect("saved").expect("enrolled");
    assert_eq!((saved.enrolment, saved.server.as_str(), saved.approved), (e.clone(), url, false));
    admin::approve(&*s.store, &e.device_id, &e.approval_code, positions, T0).await.expect("approve");
    Device { dir, store, client: SyncClient::new(quick_config()), id: e.device_id }
}

pub async fn device(s: &Server) -> Device {
    device_via(s, &s.url(), &demo::positions()).await
}

/// A new demo application saved on the device; its id.
pub fn new_case(d: &mut Device, n: u32) -> String {
    let actor = ActorId::from(format!("dev-{}-{n}", d.id).as_bytes());
    let mut doc = demo::application(actor, n, T0 + i64::from(n)).expect("demo case");
    d.store.put_case(&mut doc).expect("put");
    doc.case().id.clone()
}

/// A TCP proxy in front of the server: forwards both ways until `budget` bytes came
/// down (then it cuts every connection), and can be stopped and started on its port.
pub struct Proxy {
    pub addr: SocketAddr,
    upstream: SocketAddr,
    /// Bytes from the server still let through.
    pub budget: Arc<AtomicUsize>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl Proxy {
    pub async fn start(upstream: SocketAddr) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let mut p = Self { addr, upstream, budget: Arc::new(AtomicUsize::new(usize::MAX)), task: None };
        p.serve(listener);
        p
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    fn serve(&mut self, listener: TcpListener) {
        let (upstream, budget) = (self.upstream, self.budget.clone());
        self.task = Some(tokio::spawn(async move {
            let mut conns = tokio::task::JoinSet::new();
            while let Ok((client, _)) = listener.accept().await {
                conns.spawn(pipe(client, upstream, budget.clone()));
            }
        }));
    }

    /// The network goes down: the port refuses connections.
    pub async fn stop(&mut self) {
        if let Some(t) = self.task.take() {
            t.abort();
            let _ = t.await;
        }
    }

    /// The network comes back on the same port.
    pub async fn restart(&mut self) {
        let listener = TcpListener::bind(self.addr).await.expect("rebind the proxy's port");
        self.serve(listener);
    }
}

async fn pipe(client: TcpStream, upstream: SocketAddr, budget: Arc<AtomicUsize>) {
    let Ok(server) = TcpStream::connect(upstream).await else { return };
    let (mut cr, mut cw) = client.into_split();
    let (mut sr, mut sw) = server.into_split();
    let up = async move {
        let _ = tokio::io::copy(&mut cr, &mut sw).await;
        let _ = sw.shutdown().await;
    };
    let down = async move {
        let mut buf = vec![0u8; 4096];
        loop {
            let n = match sr.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => n,
            };
            let left = budget.load(Ordering::SeqCst);
            if left < n {
                budget.store(0, Ordering::SeqCst);
                return; // cut: both halves are dropped, no close handshake
            }
            budget.fetch_sub(n, Ordering::SeqCst);
            if cw.write_all(&buf[..n]).await.is_err() {
                return;
            }
        }
    };
    tokio::select! {
        () = up => {}
        () = down => {}
    }
}
