//! A samod client over `tokio-tungstenite` with its WebSocket payload bytes counted, and
//! the one-field edit made through samod's document handle.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result};
use automerge::transaction::Transactable;
use automerge::{ObjType, ROOT, ReadDoc, Value};
use futures_util::future::BoxFuture;
use futures_util::{SinkExt, StreamExt};
use samod::{BackoffConfig, ConnectionId, DialError, Dialer, DialerHandle, DocHandle, Repo, Transport, Url};
use tokio_tungstenite::tungstenite::{self, Message};

use super::report::Counters;

/// Dials the samod server at `url`, counting the payload bytes of binary messages.
pub struct CountingDialer {
    url: Url,
    counters: Arc<Counters>,
}

impl Dialer for CountingDialer {
    type Error = std::convert::Infallible;

    fn url(&self) -> Url {
        self.url.clone()
    }

    fn connect(&self) -> BoxFuture<'static, Result<Transport, DialError<Self::Error>>> {
        let (url, counters) = (self.url.clone(), self.counters.clone());
        Box::pin(async move {
            let (ws, _) = tokio_tungstenite::connect_async(url.as_str()).await.map_err(DialError::transient)?;
            let (sink, stream) = ws.split();
            let down = counters.clone();
            let stream = Box::pin(stream.filter_map(move |m| {
                let item = match m {
                    Ok(Message::Binary(b)) => {
                        down.add_down(b.len());
                        Some(Ok(b.to_vec()))
                    }
                    Ok(_) => None,
                    Err(e) => Some(Err(e)),
                };
                std::future::ready(item)
            }));
            let sink = Box::pin(sink.with(move |bytes: Vec<u8>| {
                counters.add_up(bytes.len());
                std::future::ready(Ok::<_, tungstenite::Error>(Message::Binary(bytes.into())))
            }));
            Ok(Transport::new(stream, sink))
        })
    }
}

/// A samod repo in this process (in-memory storage) connected to the server.
pub struct Client {
    pub repo: Repo,
    pub dialer: DialerHandle<std::convert::Infallible>,
    pub conn: ConnectionId,
    pub counters: Arc<Counters>,
}

impl Client {
    /// A new repo dialled to the server at `addr`, once the handshake is done.
    pub async fn connect(addr: SocketAddr) -> Result<Self> {
        let repo = Repo::build_tokio().load().await;
        let counters = Arc::new(Counters::default());
        let (dialer, conn) = dial(&repo, addr, counters.clone()).await?;
        Ok(Self { repo, dialer, conn, counters })
    }

    /// Drops the connection and dials again (an idle reconnect).
    pub async fn reconnect(&mut self, addr: SocketAddr) -> Result<()> {
        self.dialer.close();
        let (dialer, conn) = dial(&self.repo, addr, self.counters.clone()).await?;
        (self.dialer, self.conn) = (dialer, conn);
        Ok(())
    }

    /// Waits until no byte has moved for `quiet` (or `limit` passed); how long it took
    /// until the last byte moved.
    pub async fn settle(&self, quiet: Duration, limit: Duration) -> Duration {
        let start = tokio::time::Instant::now();
        let (mut last, mut last_change) = (self.counters.now(), start);
        while last_change.elapsed() < quiet && start.elapsed() < limit {
            tokio::time::sleep(Duration::from_millis(20)).await;
            let now = self.counters.now();
            if now != last {
                (last, last_change) = (now, tokio::time::Instant::now());
            }
        }
        last_change - start
    }
}

async fn dial(
    repo: &Repo,
    addr: SocketAddr,
    counters: Arc<Counters>,
) -> Result<(DialerHandle<std::convert::Infallible>, ConnectionId)> {
    let url = Url::parse(&format!("ws://{addr}/"))?;
    let dialer = repo.dial(BackoffConfig::default(), Arc::new(CountingDialer { url, counters }))?;
    dialer.established().await.map_err(|e| anyhow::anyhow!("samod did not connect: {e:?}"))?;
    let conn = dialer.connection_id().context("no connection id")?;
    Ok((dialer, conn))
}

/// Sets the applicant's phone in a case document held by samod: the same one-field
/// change as the Keis edit.
pub fn set_phone(handle: &DocHandle, phone: &str) -> Result<()> {
    handle.with_document(|d| {
        let applicant = match d.get(ROOT, "applicant")? {
            Some((Value::Object(ObjType::Map), id)) => id,
            _ => return Err(anyhow::anyhow!("the case has no applicant map")),
        };
        d.transact(|tx| tx.put(&applicant, "phone", phone)).map_err(|e| anyhow::anyhow!("{e:?}"))?;
        Ok(())
    })
}
