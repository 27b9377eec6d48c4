//! The world of the end-to-end test: a real `keis-sync-server` on port 0 (its own tokio
//! runtime), an empty data directory for the tablet (the window makes the store and
//! enrols; the test approves it as the administrator would), a back-office session token
//! for the server's action route, and a directory with a scanned page.

#![allow(unreachable_pub)]

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use keis_crdt::{Role, demo};
use keis_mobile::store::{Pin, Store, StoreConfig, SystemClock};
use keis_mobile::sync::{self, BackoffConfig, SyncClient, SyncConfig};
use keis_sync_server::auth::Auth;
use keis_sync_server::store::SqliteStore;
use keis_sync_server::{AppState, admin};
use keis_ui::real::RealConfig;

pub const PIN: &str = "482916";
const T0: i64 = 1_763_900_000_000;

/// Everything the test runs against; lives until the process exits.
pub struct World {
    pub rt: tokio::runtime::Runtime,
    pub root: tempfile::TempDir,
    pub addr: SocketAddr,
    server: Arc<dyn keis_sync_server::store::Store>,
    /// A session of the hromada officer and back office (one device with both positions).
    pub office_token: String,
    pub config: RealConfig,
    _stop: tokio::sync::oneshot::Sender<()>,
}

fn store(dir: &Path) -> Result<Store, String> {
    let rng = Arc::new(ring::rand::SystemRandom::new());
    Store::create(dir, &Pin::new(PIN), StoreConfig::for_tests(), Arc::new(SystemClock), rng).map_err(|e| e.to_string())
}

fn quick() -> SyncConfig {
    SyncConfig { window: 8, timeout: Duration::from_secs(10), backoff: BackoffConfig { base_ms: 100, max_ms: 400 } }
}

impl World {
    pub fn new() -> Result<Self, String> {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .map_err(|e| e.to_string())?;
        let root = tempfile::tempdir().map_err(|e| e.to_string())?;
        let server_dir = root.path().join("server");
        std::fs::create_dir_all(&server_dir).map_err(|e| e.to_string())?;
        let (server, addr, stop) = rt.block_on(async {
            let store: Arc<dyn keis_sync_server::store::Store> =
                Arc::new(SqliteStore::open(&server_dir).await.map_err(|e| e.to_string())?);
            let auth = Arc::new(Auth::with_defaults(store.clone()));
            let app = keis_sync_server::app(AppState::default(), auth);
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.map_err(|e| e.to_string())?;
            let addr = listener.local_addr().map_err(|e| e.to_string())?;
            let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
            tokio::spawn(keis_sync_server::serve(app, listener, async {
                let _ = stopped.await;
            }));
            Ok::<_, String>((store, addr, stop))
        })?;
        let url = format!("http://{addr}");
        let enrol = |dir: PathBuf, name: &'static str, positions: Vec<keis_crdt::Position>| {
            let server = server.clone();
            let url = url.clone();
            rt.block_on(async move {
                let mut s = store(&dir)?;
                let e = sync::enrol(&mut s, &url, name).await.map_err(|e| e.to_string())?;
                admin::approve(&*server, &e.device_id, &e.approval_code, &positions, T0)
                    .await
                    .map_err(|e| e.to_string())?;
                Ok::<_, String>(s)
            })
        };
        let tablet = root.path().join("tablet");
        let mut office = enrol(
            root.path().join("office"),
            "Тестовий бек-офіс",
            vec![demo::position(Role::HromadaOfficer), demo::position(Role::BackOffice)],
        )?;
        let office_token = rt.block_on(SyncClient::new(quick()).sign_in(&mut office)).map_err(|e| e.to_string())?;
        let scans = root.path().join("scans");
        std::fs::create_dir_all(&scans).map_err(|e| e.to_string())?;
        let page = image::GrayImage::from_fn(1240, 1754, |x, y| {
            image::Luma([if (x / 40 + y / 60) % 9 == 0 { 0 } else { 255 }])
        });
        page.save(scans.join("page-1.png")).map_err(|e| e.to_string())?;
        let mut config = RealConfig::new(tablet);
        config.server = Some(url);
        config.store = StoreConfig::for_tests();
        config.sync = quick();
        config.auto_sync = None;
        config.scan_source = Some(scans);
        Ok(Self { rt, root, addr, server, office_token, config, _stop: stop })
    }

    /// Approves the tablet as the administrator does (`keis-sync-server admin approve`):
    /// the starosta and social worker of the demo hromada.
    pub async fn approve(&self, device_id: &str, code: &str) -> Result<(), String> {
        let (server, id, code) = (self.server.clone(), device_id.to_owned(), code.to_owned());
        let positions = vec![demo::position(Role::Starosta), demo::position(Role::SocialWorker)];
        self.rt
            .spawn(async move {
                admin::approve(&*server, &id, &code, &positions, T0).await.map(|_| ()).map_err(|e| e.to_string())
            })
            .await
            .map_err(|e| e.to_string())?
    }

    /// `POST /api/v1/cases/{id}/actions` as the office; the answer's status and body.
    pub async fn act(
        &self,
        case_id: &str,
        position: &str,
        action: &str,
        incomplete_reason: Option<&str>,
    ) -> Result<(u16, serde_json::Value), String> {
        let body = serde_json::json!({
            "position_id": position, "action": action, "comment": "", "incomplete_reason": incomplete_reason,
        })
        .to_string();
        let (addr, token, path) = (self.addr, self.office_token.clone(), format!("/api/v1/cases/{case_id}/actions"));
        self.rt.spawn(post(addr, path, token, body)).await.map_err(|e| e.to_string())?
    }
}

async fn post(addr: SocketAddr, path: String, token: String, body: String) -> Result<(u16, serde_json::Value), String> {
    use http_body_util::{BodyExt, Full};
    let tcp = tokio::net::TcpStream::connect(addr).await.map_err(|e| e.to_string())?;
    let (mut send, conn) =
        hyper::client::conn::http1::handshake::<_, Full<hyper::body::Bytes>>(hyper_util::rt::TokioIo::new(tcp))
            .await
            .map_err(|e| e.to_string())?;
    tokio::spawn(conn);
    let req = hyper::Request::post(path)
        .header("host", addr.to_string())
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", "application/json")
        .body(Full::new(hyper::body::Bytes::from(body)))
        .map_err(|e| e.to_string())?;
    let res = send.send_request(req).await.map_err(|e| e.to_string())?;
    let status = res.status().as_u16();
    let bytes = res.into_body().collect().await.map_err(|e| e.to_string())?.to_bytes();
    Ok((status, serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null)))
}
