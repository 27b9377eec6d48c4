//! The socket side of sync, kept thin: sign-in ([`super::session`]), one session of
//! [`ClientSession`] over a WebSocket, then the blobs. Decisions (retry or not, how long,
//! what the progress says) are in [`super::backoff`] and [`super::progress`].

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use futures_util::{SinkExt, StreamExt};
use keis_crdt::sync::{ClientSession, Frame, Progress, SessionError};
use tokio::net::TcpStream;
use tokio::sync::watch;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::{self, Message};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use super::SyncError;
use super::access::StoreAccess;
use super::backoff::{self, Backoff, BackoffConfig, Next};
use super::blobs::{self, BlobCtx};
use super::http::Endpoint;
use super::progress::SyncProgress;
use super::session;
use crate::store::Store;

type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// The error code of the `Error` frame that ends a connection whose session ended.
const SESSION_ENDED: u16 = 401;

/// The setting with the time of the last successful round (ms since the epoch, i64 BE).
const LAST_SYNC: &str = "last_sync_ms";

/// When the last round succeeded (ms since the epoch), if one ever did.
pub fn last_sync_ms(store: &mut Store) -> Result<Option<i64>, SyncError> {
    Ok(store.setting(LAST_SYNC)?.and_then(|b| b.try_into().ok()).map(i64::from_be_bytes))
}

/// How the client syncs.
#[derive(Debug, Clone)]
pub struct SyncConfig {
    /// Documents in flight at once.
    pub window: usize,
    /// The longest wait for any one answer of the server.
    pub timeout: Duration,
    pub backoff: BackoffConfig,
}

impl Default for SyncConfig {
    fn default() -> Self {
        Self { window: 8, timeout: Duration::from_secs(30), backoff: BackoffConfig::default() }
    }
}

/// What one successful round did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncReport {
    pub docs: Progress,
    pub blobs_up: usize,
    pub blobs_down: usize,
    /// Referenced blobs that neither this device nor the server holds yet.
    pub blobs_missing: usize,
    pub bytes_up: u64,
    pub bytes_down: u64,
    /// Cases still waiting for the server's confirmation (refused ones among them).
    pub pending_changes: usize,
}

fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// The device's sync client. One per app; the UI watches [`SyncClient::progress`].
#[derive(Debug)]
pub struct SyncClient {
    config: SyncConfig,
    progress: watch::Sender<SyncProgress>,
    token: Option<String>,
}

impl SyncClient {
    pub fn new(config: SyncConfig) -> Self {
        Self { config, progress: watch::Sender::new(SyncProgress::default()), token: None }
    }

    /// The progress, for the UI.
    pub fn progress(&self) -> watch::Receiver<SyncProgress> {
        self.progress.subscribe()
    }

    /// Publishes what waits to go up (changed cases, attachment bytes), e.g. when the app
    /// starts or after an edit, without syncing.
    pub fn refresh_pending(&self, store: &mut Store) -> Result<(), SyncError> {
        let (_, _, dirty) = store.begin_sync()?;
        let (_, bytes) = blobs::pending(store)?;
        self.progress.send_modify(|p| {
            p.pending_changes = dirty.len();
            p.pending_bytes = bytes;
        });
        Ok(())
    }

    /// Forgets the session token (the next round signs in again).
    pub fn forget_session(&mut self) {
        self.token = None;
    }

    /// Signs in: answers a challenge with the device key; saves the session's positions.
    pub async fn sign_in(&mut self, mut store: impl StoreAccess) -> Result<String, SyncError> {
        self.sign_in_with(&mut store).await
    }

    async fn sign_in_with(&mut self, store: &mut impl StoreAccess) -> Result<String, SyncError> {
        let token = session::sign_in(store, self.config.timeout).await?;
        self.token = Some(token.clone());
        Ok(token)
    }

    /// One sync round: sign in if needed, sync every document, then the blobs. A revoked
    /// device wipes the store here. The store is held only while it is read or written.
    pub async fn sync_once(&mut self, mut store: impl StoreAccess) -> Result<SyncReport, SyncError> {
        self.once(&mut store).await
    }

    async fn once(&mut self, store: &mut impl StoreAccess) -> Result<SyncReport, SyncError> {
        self.progress.send_modify(SyncProgress::begin_round);
        let result = self.round(store).await;
        match &result {
            Ok(report) => {
                let now = now_ms();
                store.with(|s| s.set_setting(LAST_SYNC, &now.to_be_bytes()))?;
                self.progress.send_modify(|p| {
                    p.succeeded(now);
                    p.pending_changes = report.pending_changes;
                });
            }
            Err(e) => {
                if matches!(e, SyncError::Revoked) {
                    tracing::warn!("the server says this device was revoked: wiping the local data");
                    store.with(Store::wipe_now)?;
                    self.token = None;
                }
                if matches!(e, SyncError::Unauthorized(_)) {
                    self.token = None;
                }
                self.progress.send_modify(|p| p.failed(e.to_string(), e.is_offline(), None));
            }
        }
        result
    }

    /// Rounds until one succeeds, waiting with backoff after transient failures (the
    /// progress says offline and when the next try is); at most `max_attempts` tries.
    pub async fn sync_until_done(
        &mut self,
        mut store: impl StoreAccess,
        max_attempts: u32,
    ) -> Result<SyncReport, SyncError> {
        let mut backoff = Backoff::new(self.config.backoff);
        let mut attempts = 0;
        loop {
            let err = match self.once(&mut store).await {
                Ok(report) => return Ok(report),
                Err(e) => e,
            };
            attempts += 1;
            if attempts >= max_attempts.max(1) {
                return Err(err);
            }
            match backoff::after_failure(&err, &mut backoff, backoff::jitter()) {
                Next::Stop => return Err(err),
                Next::Retry(wait) => {
                    tracing::info!(error = %err, wait_ms = wait.as_millis() as u64, "sync failed; retrying");
                    let ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX);
                    self.progress.send_modify(|p| p.failed(err.to_string(), err.is_offline(), Some(ms)));
                    tokio::time::sleep(wait).await;
                }
            }
        }
    }

    async fn round(&mut self, store: &mut impl StoreAccess) -> Result<SyncReport, SyncError> {
        let identity = store.with(session::enrolled)?;
        let ep = Endpoint::parse(&identity.server)?;
        if self.token.is_none() {
            self.sign_in_with(store).await?;
        }
        // Blobs first, so a device that sees a case's reference finds the blob there.
        let blobs_up = match self.upload(&ep, store).await {
            Err(SyncError::Unauthorized(_)) => {
                self.sign_in_with(store).await?;
                self.upload(&ep, store).await?
            }
            other => other?,
        };
        let mut ws = match self.connect(&ep, store).await? {
            Some(ws) => ws,
            None => {
                // The token was refused: sign in again (this is where a revocation shows).
                self.token = None;
                self.connect(&ep, store).await?.ok_or_else(|| SyncError::Unauthorized("sync".into()))?
            }
        };
        let docs = self.session(&mut ws, store).await;
        let _ = ws.close(None).await;
        let docs = docs?;
        let token = self.token.clone().unwrap_or_default();
        let ctx = BlobCtx { ep: &ep, token: &token, timeout: self.config.timeout, progress: &self.progress };
        let (blobs_down, blobs_missing) = blobs::download_missing(&ctx, store, now_ms()).await?;
        let pending_changes = store.with(|s| s.begin_sync().map(|(_, _, dirty)| dirty.len()))?;
        let p = self.progress.borrow().clone();
        Ok(SyncReport {
            docs,
            blobs_up,
            blobs_down,
            blobs_missing,
            bytes_up: p.bytes_up,
            bytes_down: p.bytes_down,
            pending_changes,
        })
    }

    async fn upload(&self, ep: &Endpoint, store: &mut impl StoreAccess) -> Result<usize, SyncError> {
        let token = self.token.clone().unwrap_or_default();
        let ctx = BlobCtx { ep, token: &token, timeout: self.config.timeout, progress: &self.progress };
        blobs::upload_pending(&ctx, store).await
    }

    /// Opens the sync socket; `None` if the server refused the token (401/403).
    async fn connect(&mut self, ep: &Endpoint, store: &mut impl StoreAccess) -> Result<Option<Ws>, SyncError> {
        let token = match &self.token {
            Some(t) => t.clone(),
            None => self.sign_in_with(store).await?,
        };
        let mut req = ep.ws_url().into_client_request().map_err(|e| SyncError::BadUrl(e.to_string()))?;
        let bearer = format!("Bearer {token}").parse().map_err(|_| SyncError::Protocol("bad token".into()))?;
        req.headers_mut().insert("authorization", bearer);
        match tokio::time::timeout(self.config.timeout, tokio_tungstenite::connect_async(req)).await {
            Err(_) => Err(SyncError::Offline("timed out".into())),
            Ok(Ok((ws, _))) => Ok(Some(ws)),
            Ok(Err(tungstenite::Error::Http(res))) => match res.status().as_u16() {
                401 | 403 => Ok(None),
                status => Err(SyncError::Server { status, message: "the sync route refused".into() }),
            },
            Ok(Err(e)) => Err(SyncError::Offline(e.to_string())),
        }
    }

    /// Drives one [`ClientSession`] until it is idle, taking the store for each frame
    /// (the session's documents stay in its [`SyncCache`](crate::store::SyncCache) meanwhile).
    async fn session(&mut self, ws: &mut Ws, store: &mut impl StoreAccess) -> Result<Progress, SyncError> {
        let (mut cache, cursor, dirty) =
            store.with(|s| s.begin_sync().map(|(host, cursor, dirty)| (host.into_cache(), cursor, dirty)))?;
        let (mut session, mut out) = ClientSession::start(cursor, dirty, self.config.window);
        loop {
            for frame in out.drain(..) {
                let bytes = frame.encode();
                self.progress.send_modify(|p| p.bytes(true, bytes.len()));
                ws.send(Message::Binary(bytes.into())).await.map_err(|_| SyncError::Dropped)?;
            }
            let progress = session.progress();
            self.progress.send_modify(|p| p.documents(&progress));
            if session.is_idle() {
                return Ok(progress);
            }
            let msg = tokio::time::timeout(self.config.timeout, ws.next()).await.map_err(|_| SyncError::Dropped)?;
            match msg {
                Some(Ok(Message::Binary(b))) => {
                    self.progress.send_modify(|p| p.bytes(false, b.len()));
                    let frame = Frame::decode(&b).map_err(|e| SyncError::Protocol(e.to_string()))?;
                    out = store
                        .with(|s| {
                            let mut host = s.resume_sync(std::mem::take(&mut cache));
                            let out = session.on_frame(frame, &mut host);
                            cache = host.into_cache();
                            out
                        })
                        .map_err(session_error)?;
                }
                Some(Ok(Message::Close(_))) | Some(Err(_)) | None => return Err(SyncError::Dropped),
                Some(Ok(_)) => {}
            }
        }
    }
}

fn session_error(e: SessionError) -> SyncError {
    match e {
        SessionError::Server { code: SESSION_ENDED, message } => SyncError::Unauthorized(message),
        SessionError::Server { code, message } => SyncError::Server { status: code, message },
        SessionError::Protocol(p) => SyncError::Protocol(p.into()),
        SessionError::Host(h) => SyncError::Local(h.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_ended_session_signs_in_again_and_other_server_errors_are_reported() {
        let ended = session_error(SessionError::Server { code: SESSION_ENDED, message: "ended".into() });
        assert!(matches!(ended, SyncError::Unauthorized(_)) && ended.is_transient());
        let busy = session_error(SessionError::Server { code: 503, message: "busy".into() });
        assert!(matches!(busy, SyncError::Server { status: 503, .. }) && busy.is_transient());
        assert!(!session_error(SessionError::Protocol("bad")).is_transient());
    }
}
