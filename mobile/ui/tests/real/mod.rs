//! Shared by the tests of the real services: a real `keis-sync-server` on port 0 over
//! SQLite files in a temp directory (on a runtime of its own, since the services are
//! synchronous), a device store enrolled and approved through the server library, and a
//! fictional application as the wizard outputs it.

#![allow(dead_code, unreachable_pub)]

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use keis_crdt::validate::Date;
use keis_crdt::{Position, demo};
use keis_mobile::store::{Pin, Store, StoreConfig, SystemClock};
use keis_mobile::sync::{self, BackoffConfig, Identity, PositionCodes, SyncConfig};
use keis_mobile::views::wizard::{Field, NewApplication, Wizard};
use keis_sync_server::auth::Auth;
use keis_sync_server::store::SqliteStore;
use keis_sync_server::{AppState, admin};
use keis_ui::real::RealConfig;

pub const PIN: &str = "482916";

/// The answer of a session call the window would await.
pub fn wait<T, E>(later: keis_ui::Later<T, E>) -> Result<T, E> {
    block_on(later)
}

fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime").block_on(f)
}
pub const T0: i64 = 1_763_900_000_000;

/// A server running until dropped.
pub struct Server {
    pub rt: tokio::runtime::Runtime,
    _dir: tempfile::TempDir,
    pub store: Arc<dyn keis_sync_server::store::Store>,
    pub addr: SocketAddr,
    _stop: tokio::sync::oneshot::Sender<()>,
}

impl Server {
    pub fn start() -> Self {
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
        let dir = tempfile::tempdir().expect("tempdir");
        let (store, addr, stop) = rt.block_on(async {
            let store: Arc<dyn keis_sync_server::store::Store> =
                Arc::new(SqliteStore::open(dir.path()).await.expect("open"));
            let auth = Arc::new(Auth::with_defaults(store.clone()));
            let app = keis_sync_server::app(AppState::default(), auth);
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
            let addr = listener.local_addr().expect("addr");
            let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
            tokio::spawn(keis_sync_server::serve(app, listener, async {
                let _ = stopped.await;
            }));
            (store, addr, stop)
        });
        Self { rt, _dir: dir, store, addr, _stop: stop }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The case as the server stores it.
    pub fn case(&self, id: &str) -> Option<keis_crdt::Case> {
        let doc = self.rt.block_on(self.store.load(id)).expect("load")?;
        let am = automerge::AutoCommit::load(&doc.concatenated()).expect("stored bytes load");
        Some(keis_crdt::model::read_case(&am).expect("a case"))
    }

    /// A new store in `dir`, enrolled here and approved with the demo positions.
    pub fn device(&self, dir: &Path) {
        let mut store = new_store(dir);
        let e = self.rt.block_on(sync::enrol(&mut store, &self.url(), "Тестовий ноутбук")).expect("enrol");
        self.rt
            .block_on(admin::approve(&*self.store, &e.device_id, &e.approval_code, &demo::positions(), T0))
            .expect("approve");
    }
}

pub fn new_store(dir: &Path) -> Store {
    Store::create(
        dir,
        &Pin::new(PIN),
        StoreConfig::for_tests(),
        Arc::new(SystemClock),
        Arc::new(ring::rand::SystemRandom::new()),
    )
    .expect("store")
}

/// A store with an identity that already carries the demo positions (no server needed).
pub fn offline_device(dir: &Path) {
    let mut store = new_store(dir);
    let mut id = Identity::generate("http://127.0.0.1:9").expect("identity");
    id.device_id = "dev-test".into();
    id.positions = demo::positions()
        .iter()
        .map(|p| PositionCodes { id: p.id.clone(), role: p.role.code().into(), scope: p.scope.code() })
        .collect();
    id.save(&mut store).expect("save identity");
}

/// The real services' settings for tests: cheap key derivation, quick timeouts, no timer.
pub fn config(dir: &Path) -> RealConfig {
    let mut c = RealConfig::new(dir);
    c.store = StoreConfig::for_tests();
    c.sync = SyncConfig {
        window: 8,
        timeout: Duration::from_secs(10),
        backoff: BackoffConfig { base_ms: 100, max_ms: 400 },
    };
    c.auto_sync = None;
    c
}

pub fn starosta() -> Position {
    demo::position(keis_crdt::Role::Starosta)
}

/// A fictional application, typed (no card), signed.
pub fn application() -> NewApplication {
    let mut w = Wizard::new();
    w.toggle_service("housing_subsidy");
    let born = Date::new(1975, 6, 1).expect("date");
    for (f, v) in [
        (Field::Surname, "Вигаданенко".to_owned()),
        (Field::GivenName, "Леся".to_owned()),
        (Field::BirthDate, born.to_string()),
        (Field::Sex, "F".to_owned()),
        (Field::Rnokpp, demo::rnokpp(born, 42)),
        (Field::DocumentNumber, "000123456".to_owned()),
        (Field::DocumentIssued, "2020-01-15".to_owned()),
        (Field::Katottg, demo::HROMADA.to_owned()),
        (Field::AddressLine, "с. Вигадане, вул. Тестова, 1".to_owned()),
    ] {
        w.set(f, &v);
    }
    // A wavy line across the pad, as a finger draws a signature.
    w.sign(vec![(0..60).map(|i| (40.0 + i as f32 * 8.0, 100.0 + (i as f32 / 3.0).sin() * 40.0)).collect()]);
    w.output().expect("a complete wizard")
}

/// Polls `f` until it holds or `secs` pass.
pub fn eventually(secs: u64, mut f: impl FnMut() -> bool) -> bool {
    let end = Instant::now() + Duration::from_secs(secs);
    while Instant::now() < end {
        if f() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    f()
}
