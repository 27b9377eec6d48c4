//! The whole server in-process on loopback for the queue's browser test and benchmark:
//! stores in a temporary directory, a [`ManualClock`] that drives sessions and the queue,
//! an office from TOML, and one enrolled operator device signed in (enrolment over HTTP,
//! approval through the library, challenge-response with an Ed25519 key).

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use keis_crdt::{Position, Role, Scope};
use keis_sync_server::admin;
use keis_sync_server::auth::{NONCE_LEN, session_message};
use keis_sync_server::queue::Timestamp;
use keis_sync_server::queue_api::{ManualClock, QueueService, TestApp};
use ring::rand::SystemRandom;
use ring::signature::{Ed25519KeyPair, KeyPair};
use serde_json::json;

use super::http::Conn;

/// Monday 2026-11-23 09:00 in Kyiv: the queue's clock at start.
pub const MONDAY_9AM: Timestamp = Timestamp(1_795_417_200_000);

/// A running server.
pub struct QueueServer {
    pub addr: SocketAddr,
    /// The id of the office served.
    pub office: String,
    /// The session of the operator device, holding every position of [`QueueServer::start`].
    pub token: String,
    pub clock: ManualClock,
    pub queue: Arc<QueueService>,
    _dir: tempfile::TempDir,
    _stop: tokio::sync::oneshot::Sender<()>,
}

impl QueueServer {
    /// Starts the app for the office of `office_toml` at [`MONDAY_9AM`] and enrols an
    /// operator device holding the CNAP clerk positions named `positions`. No tick task:
    /// the caller moves the clock with [`QueueServer::advance`].
    pub async fn start(office_toml: &str, positions: &[String]) -> Result<Self> {
        let dir = tempfile::tempdir()?;
        let clock = ManualClock::new(MONDAY_9AM);
        let t = TestApp::start(dir.path(), clock.clone(), office_toml, None).await.context("start the app")?;
        let office = t.queue.office_ids().into_iter().next().context("no office")?;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(keis_sync_server::serve(t.app.clone(), listener, async {
            let _ = stopped.await;
        }));
        let positions: Vec<Position> =
            positions.iter().map(|p| Position::new(p.as_str(), Role::CnapClerk, Scope::hromada("demo"))).collect();
        let token = enrol(addr, &*t.store, &positions, MONDAY_9AM.0).await?;
        Ok(Self { addr, office, token, clock, queue: t.queue, _dir: dir, _stop: stop })
    }

    /// Moves the clock `ms` on and runs the queue's tick (what the tick task does every
    /// second): no-shows are postponed and the next tickets called.
    pub async fn advance(&self, ms: i64) -> Result<()> {
        self.clock.advance(ms);
        self.queue.tick().await.context("tick")?;
        Ok(())
    }
}

/// Enrols a device over HTTP, approves it with `positions` and opens a session; its token.
async fn enrol(
    addr: SocketAddr,
    store: &dyn keis_sync_server::store::Store,
    positions: &[Position],
    now: i64,
) -> Result<String> {
    let rng = SystemRandom::new();
    let pkcs8 = Ed25519KeyPair::generate_pkcs8(&rng).map_err(|_| anyhow::anyhow!("key generation"))?;
    let key = Ed25519KeyPair::from_pkcs8(pkcs8.as_ref()).map_err(|_| anyhow::anyhow!("pkcs8"))?;
    let mut c = Conn::open(addr).await?;
    let body =
        json!({ "public_key": hex::encode(key.public_key().as_ref()), "display_name": "Пульт оператора (тест)" });
    let e = expect(c.call("POST", "/api/v1/devices", None, Some(&body.to_string())).await?, 201, "enrol")?;
    let id = e["device_id"].as_str().context("device_id")?.to_owned();
    let code = e["approval_code"].as_str().context("approval_code")?;
    admin::approve(store, &id, code, positions, now).await.context("approve")?;
    let body = json!({ "device_id": id }).to_string();
    let ch = expect(c.call("POST", "/api/v1/session/challenge", None, Some(&body)).await?, 200, "challenge")?;
    let nonce_hex = ch["nonce"].as_str().context("nonce")?;
    let nonce: [u8; NONCE_LEN] =
        hex::decode(nonce_hex)?.try_into().map_err(|_| anyhow::anyhow!("the nonce is not {NONCE_LEN} bytes"))?;
    let signature = hex::encode(key.sign(&session_message(&id, &nonce)).as_ref());
    let body = json!({ "device_id": id, "nonce": nonce_hex, "signature": signature }).to_string();
    let s = expect(c.call("POST", "/api/v1/session", None, Some(&body)).await?, 200, "session")?;
    Ok(s["token"].as_str().context("token")?.to_owned())
}

fn expect(r: super::http::Reply, status: u16, what: &str) -> Result<serde_json::Value> {
    if r.status != status {
        bail!("{what}: {} {}", r.status, String::from_utf8_lossy(&r.body));
    }
    r.json()
}
