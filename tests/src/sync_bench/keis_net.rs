//! A Keis tablet over the network, as the field app is: enrolment and approval, a
//! challenge-response session, and a `ClientSession` over the sync WebSocket with its
//! payload bytes counted.

use std::net::SocketAddr;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use futures_util::{SinkExt, StreamExt};
use keis_crdt::CaseDoc;
use keis_crdt::sync::memory::MemoryDevice;
use keis_crdt::sync::{ClientSession, Frame};
use keis_sync_server::auth::{self, NONCE_LEN};
use ring::rand::SystemRandom;
use ring::signature::{Ed25519KeyPair, KeyPair};
use serde_json::json;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use super::proc::ServerProcess;
use super::report::Traffic;
use crate::queue_bench::http::Conn;

type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// How long one frame may take to come before the run is called broken.
const FRAME_TIMEOUT: Duration = Duration::from_secs(300);

/// A tablet: its id on the server, a session token and its local store.
pub struct Tablet {
    pub id: String,
    pub token: String,
    pub device: MemoryDevice,
}

/// Enrols a tablet, has the server approve it with the positions `spec` names
/// (`demo` or `hromada:CODE`) and signs it in.
pub async fn enrol(server: &mut ServerProcess, spec: &str) -> Result<Tablet> {
    let mut http = Conn::open(server.addr).await?;
    let pkcs8 = Ed25519KeyPair::generate_pkcs8(&SystemRandom::new()).map_err(|_| anyhow::anyhow!("key"))?;
    let key = Ed25519KeyPair::from_pkcs8(pkcs8.as_ref()).map_err(|_| anyhow::anyhow!("pkcs8"))?;
    let body = json!({ "public_key": hex::encode(key.public_key().as_ref()), "display_name": "Тестовий планшет" });
    let e = http.call("POST", "/api/v1/devices", None, Some(&body.to_string())).await?.json()?;
    let id = e["device_id"].as_str().with_context(|| format!("enrolment answered {e}"))?.to_owned();
    let code = e["approval_code"].as_str().context("no approval code")?;
    server.command(&format!("approve {id} {code} {spec}")).await?;
    let c = http.call("POST", "/api/v1/session/challenge", None, Some(&json!({ "device_id": id }).to_string())).await?;
    let c = c.json()?;
    let nonce_hex = c["nonce"].as_str().with_context(|| format!("challenge answered {c}"))?;
    let nonce: [u8; NONCE_LEN] =
        hex::decode(nonce_hex)?.try_into().map_err(|_| anyhow::anyhow!("the nonce is not {NONCE_LEN} bytes"))?;
    let signature = hex::encode(key.sign(&auth::session_message(&id, &nonce)).as_ref());
    let body = json!({ "device_id": id, "nonce": nonce_hex, "signature": signature });
    let s = http.call("POST", "/api/v1/session", None, Some(&body.to_string())).await?.json()?;
    let token = s["token"].as_str().with_context(|| format!("session answered {s}"))?.to_owned();
    Ok(Tablet { id, token, device: MemoryDevice::default() })
}

/// One sync session over one WebSocket.
pub struct Session {
    ws: Ws,
    client: ClientSession,
    /// Payload bytes of the binary messages, both ways, since the socket opened.
    pub traffic: Traffic,
}

impl Session {
    /// Connects, says `Hello` and syncs until idle (the device's dirty documents and
    /// whatever the server announces).
    pub async fn start(addr: SocketAddr, tablet: &mut Tablet, window: usize) -> Result<Self> {
        let mut req = format!("ws://{addr}/api/v1/sync").into_client_request()?;
        req.headers_mut().insert("authorization", format!("Bearer {}", tablet.token).parse()?);
        let (ws, _) = tokio_tungstenite::connect_async(req).await.context("open the sync socket")?;
        let (cursor, dirty) = tablet.device.begin_session();
        let (client, first) = ClientSession::start(cursor, dirty, window);
        let mut s = Self { ws, client, traffic: Traffic::default() };
        s.drive(&mut tablet.device, first).await?;
        Ok(s)
    }

    /// `doc` was edited on the device: syncs it until idle.
    pub async fn changed(&mut self, device: &mut MemoryDevice, doc: &str) -> Result<()> {
        let out = self.client.touch(doc, device)?;
        self.drive(device, out).await
    }

    /// Several documents were edited: syncs them all until idle.
    pub async fn changed_many(&mut self, device: &mut MemoryDevice, docs: &[String]) -> Result<()> {
        let mut out = Vec::new();
        for d in docs {
            out.extend(self.client.touch(d, device)?);
        }
        self.drive(device, out).await
    }

    /// Closes the socket.
    pub async fn close(mut self) {
        let _ = self.ws.close(None).await;
    }

    async fn drive(&mut self, device: &mut MemoryDevice, mut out: Vec<Frame>) -> Result<()> {
        loop {
            for f in out.drain(..) {
                let bytes = f.encode();
                self.traffic.up += bytes.len() as u64;
                self.ws.send(Message::Binary(bytes.into())).await?;
            }
            if self.client.is_idle() {
                if let Some((doc, reason)) = device.rejected.iter().next() {
                    bail!("the server refused {doc}: {reason}");
                }
                return Ok(());
            }
            let frame = self.next().await?;
            out = self.client.on_frame(frame, device)?;
        }
    }

    async fn next(&mut self) -> Result<Frame> {
        loop {
            let msg = tokio::time::timeout(FRAME_TIMEOUT, self.ws.next()).await.context("the server went quiet")?;
            match msg.context("the server closed the socket")?? {
                Message::Binary(b) => {
                    self.traffic.down += b.len() as u64;
                    return Ok(Frame::decode(&b)?);
                }
                Message::Close(_) => bail!("the server closed the socket"),
                _ => {}
            }
        }
    }
}

/// Sets the applicant's phone of case `id` on the device, as the app edits a field.
pub fn set_phone(device: &mut MemoryDevice, id: &str, phone: &str, at: i64) -> Result<()> {
    let mut result = Ok(());
    device.edit(id, |d| {
        let doc = std::mem::take(d);
        match CaseDoc::from_automerge(doc) {
            Ok(mut c) => {
                result = c.edit(at, |case, _| case.applicant.phone = Some(phone.to_owned())).map(|_| ());
                *d = std::mem::take(c.automerge_mut());
            }
            Err(e) => result = Err(e),
        }
    });
    Ok(result?)
}
