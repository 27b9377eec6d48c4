//! Server tiers: the uplink of an edge server (`keis-sync-server serve --upstream URL`).
//!
//! An edge (a hromada's server) serves its devices as any server does and, in the
//! background, syncs its documents with a central server *as a peer*: it is a client of
//! the central server's `/api/v1/sync` like a tablet, with its own enrolled identity.
//!
//! 1. **Identity** ([`identity`]): an Ed25519 key generated on first start
//!    (`<data>/edge.key`, 0600) and the enrolment (`<data>/edge.json`). The edge enrols at
//!    the central server (`POST /api/v1/devices`) and logs the approval code; the central
//!    administrator approves it as an edge of its hromada:
//!    `keis-sync-server admin --data DIR approve ID --code CODE --edge --hromada KATOTTG`.
//!    The central server then judges what the edge forwards with
//!    [`keis_crdt::authz::authorize_edge`] (the edge has authorised each device already)
//!    and sends it the documents of its hromada.
//! 2. **Sessions**: challenge-response as any device, then the WebSocket, then a
//!    [`ClientSession`](keis_crdt::sync::ClientSession) over `UpstreamHost`, the edge's
//!    own store (`link`, `host`). Changes from the central server are stored through the
//!    same path as a device's (durable append, journal, audit, live notices to the edge's
//!    devices), trusted, before the next message goes out.
//! 3. **Resuming**: the central cursor, the uplink's high-water mark of the edge's own
//!    change sequence and the per-document sync states are persisted in the edge's store
//!    under pseudo-peers ([`PEER`], [`META`]) no device id can take, so a cut uplink
//!    resumes where it stopped and a restart does not resend what the central holds.
//! 4. **Down**: the edge keeps serving its devices; the uplink retries with exponential
//!    backoff and catches up in both directions when the central server is back.
//!
//! [`spawn`] starts it and answers an [`UpstreamHandle`] to watch its [`UplinkStatus`].

mod host;
mod http;
pub mod identity;
mod link;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;

use super::Hub;
use crate::store::StoreError;

/// The pseudo-peer under which the edge keeps its per-document sync states with the
/// central server (a `/` never appears in a device id).
pub const PEER: &str = "upstream/central";
/// The pseudo-peer of the uplink's own settings: [`CURSOR_KEY`], [`PUSHED_KEY`].
pub const META: &str = "upstream/meta";
/// The central server's change cursor, as the session saved it.
pub const CURSOR_KEY: &str = "cursor";
/// The edge's change sequence up to which every change has been offered upstream.
pub const PUSHED_KEY: &str = "pushed";

/// Why the uplink is down (it retries; none of these stops the edge serving devices).
#[derive(Debug, thiserror::Error)]
pub enum UpstreamError {
    #[error("the upstream URL is not usable ({0}); give it as http://host:port")]
    BadUrl(String),
    #[error("the central server cannot be reached ({0}); retrying")]
    Offline(String),
    #[error("waiting for the central administrator to approve this edge")]
    Pending,
    #[error("the central server revoked this edge; enrol it anew (move edge.json away) and have it approved")]
    Revoked,
    #[error("the central server does not know this edge; enrolling anew")]
    Unknown,
    #[error("the central server refused ({status}): {message}")]
    Refused { status: u16, message: String },
    #[error("the edge's identity file {} cannot be used: {source}", path.display())]
    Identity {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("the edge's storage failed: {0}")]
    Store(#[from] StoreError),
    #[error("the sync session ended: {0}")]
    Session(#[from] keis_crdt::sync::SessionError),
    #[error("the sync connection failed: {0}")]
    Ws(String),
}

/// How the uplink runs.
#[derive(Debug, Clone)]
pub struct UpstreamConfig {
    /// The central server, `http://host:port`.
    pub url: String,
    /// The edge's data directory (its identity files live there).
    pub data_dir: PathBuf,
    /// The name the central administrator sees at approval.
    pub display_name: String,
    /// Documents in flight at once.
    pub window: usize,
    /// First and longest wait between attempts.
    pub backoff_min: Duration,
    pub backoff_max: Duration,
}

impl UpstreamConfig {
    /// The defaults for `url` and `data_dir`: retry after 1 s, doubling up to 60 s.
    pub fn new(url: impl Into<String>, data_dir: impl Into<PathBuf>) -> Self {
        Self {
            url: url.into(),
            data_dir: data_dir.into(),
            display_name: "Keis edge server".into(),
            window: 8,
            backoff_min: Duration::from_secs(1),
            backoff_max: Duration::from_secs(60),
        }
    }
}

/// Where the uplink stands.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UplinkStatus {
    /// A sync connection to the central server is open.
    pub connected: bool,
    /// Everything known is in sync (while connected).
    pub idle: bool,
    /// How many times the session became idle.
    pub idle_count: u64,
    /// How many connections were opened.
    pub connects: u64,
    /// Documents queued or in flight.
    pub pending: usize,
    /// The edge's id at the central server, once enrolled.
    pub device_id: Option<String>,
    /// The approval code to give the central administrator, while waiting.
    pub approval_code: Option<String>,
    /// The central cursor saved last.
    pub cursor: u64,
    /// The edge's change sequence offered upstream in full.
    pub pushed: u64,
    /// Documents whose changes the central server refused.
    pub rejected: u64,
    /// Why the uplink is down, if it is.
    pub last_error: Option<String>,
}

/// What `/healthz` tells of an edge's uplink: no identifiers, no approval code (the
/// central administrator gets that from the edge's log).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct UplinkHealth {
    pub connected: bool,
    pub idle: bool,
    pub pending: usize,
    pub waiting_for_approval: bool,
    pub last_error: Option<String>,
}

impl From<&UplinkStatus> for UplinkHealth {
    fn from(s: &UplinkStatus) -> Self {
        Self {
            connected: s.connected,
            idle: s.idle,
            pending: s.pending,
            waiting_for_approval: s.approval_code.is_some(),
            last_error: s.last_error.clone(),
        }
    }
}

/// The status, shared by the task and its handle.
pub(crate) struct Shared {
    tx: watch::Sender<UplinkStatus>,
}

impl Shared {
    pub(crate) fn update(&self, f: impl FnOnce(&mut UplinkStatus)) {
        self.tx.send_modify(f);
    }

    pub(crate) fn rejected(&self) {
        self.update(|s| s.rejected += 1);
    }
}

/// A running uplink: watch it, stop it.
#[derive(Debug)]
pub struct UpstreamHandle {
    status: watch::Receiver<UplinkStatus>,
    stop: watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

impl UpstreamHandle {
    /// The status now.
    pub fn status(&self) -> UplinkStatus {
        self.status.borrow().clone()
    }

    /// A receiver of status changes.
    pub fn watch(&self) -> watch::Receiver<UplinkStatus> {
        self.status.clone()
    }

    /// Waits until `f` holds of the status, at most `timeout`; the status then, or `None`.
    pub async fn wait_for(&self, timeout: Duration, f: impl FnMut(&UplinkStatus) -> bool) -> Option<UplinkStatus> {
        let mut rx = self.status.clone();
        tokio::time::timeout(timeout, rx.wait_for(f)).await.ok()?.ok().map(|s| s.clone())
    }

    /// Stops the uplink (closing its connection) and waits for it.
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        let _ = self.task.await;
    }
}

/// Starts the uplink of an edge whose devices are served through `hub`.
pub fn spawn(hub: Arc<Hub>, config: UpstreamConfig) -> UpstreamHandle {
    let (tx, status) = watch::channel(UplinkStatus::default());
    let (stop, stopped) = watch::channel(false);
    hub.metrics.watch_uplink(status.clone());
    let shared = Arc::new(Shared { tx });
    let span = tracing::info_span!("uplink", central = %config.url);
    let task = tokio::spawn(tracing::Instrument::instrument(run(hub, config, shared, stopped), span));
    UpstreamHandle { status, stop, task }
}

/// The longest wait between looks while the edge waits for approval.
const PENDING_POLL: Duration = Duration::from_secs(10);

/// Doubles the wait up to `max`.
fn next_backoff(now: Duration, max: Duration) -> Duration {
    now.saturating_mul(2).min(max)
}

async fn run(hub: Arc<Hub>, config: UpstreamConfig, shared: Arc<Shared>, mut stop: watch::Receiver<bool>) {
    let mut wait = config.backoff_min;
    loop {
        if *stop.borrow() {
            break;
        }
        let attempt = once(&hub, &config, &shared, &mut stop).await;
        let connected_before = shared.tx.borrow().connected;
        let error = match &attempt {
            Ok(()) => {
                tracing::info!("uplink closed");
                None
            }
            Err(UpstreamError::Pending) => {
                tracing::info!("waiting for approval at the central server");
                None
            }
            Err(e) => {
                tracing::warn!(error = %e, "uplink down");
                Some(e.to_string())
            }
        };
        // One update: whoever sees the uplink down also sees why.
        shared.update(|s| {
            s.connected = false;
            s.idle = false;
            if error.is_some() {
                s.last_error = error;
            }
        });
        wait = match attempt {
            _ if connected_before => config.backoff_min,
            // Approval is a person's step: look again soon.
            Err(UpstreamError::Pending) => next_backoff(wait, config.backoff_max.min(PENDING_POLL)),
            _ => next_backoff(wait, config.backoff_max),
        };
        tokio::select! {
            () = tokio::time::sleep(wait) => {}
            _ = stop.changed() => break,
        }
    }
}

/// One attempt: enrol if needed, sign in, sync until the connection ends.
async fn once(
    hub: &Arc<Hub>,
    config: &UpstreamConfig,
    shared: &Arc<Shared>,
    stop: &mut watch::Receiver<bool>,
) -> Result<(), UpstreamError> {
    let ep = http::Endpoint::parse(&config.url)?;
    let key = identity::load_or_create_key(&config.data_dir)?;
    let mut enrolment = match identity::load_enrolment(&config.data_dir) {
        Some(e) if e.central == config.url => e,
        _ => {
            let (device_id, code) = http::enrol(&ep, &key, &config.display_name).await?;
            let e = identity::Enrolment { central: config.url.clone(), device_id, approval_code: Some(code) };
            identity::save_enrolment(&config.data_dir, &e)?;
            e
        }
    };
    shared.update(|s| {
        s.device_id = Some(enrolment.device_id.clone());
        s.approval_code.clone_from(&enrolment.approval_code);
    });
    let token = match http::sign_in(&ep, &key, &enrolment.device_id).await {
        Ok(t) => t,
        Err(UpstreamError::Pending) => {
            let code = enrolment.approval_code.as_deref().unwrap_or("(shown at enrolment)");
            tracing::warn!(
                "this edge waits for approval; at the central server run: keis-sync-server admin --data DIR approve {} --code {code} --edge --hromada KATOTTG",
                enrolment.device_id
            );
            return Err(UpstreamError::Pending);
        }
        Err(UpstreamError::Unknown) => {
            identity::forget_enrolment(&config.data_dir)?;
            return Err(UpstreamError::Unknown);
        }
        Err(e) => return Err(e),
    };
    if enrolment.approval_code.take().is_some() {
        identity::save_enrolment(&config.data_dir, &enrolment)?;
        shared.update(|s| s.approval_code = None);
    }
    link::run(hub, shared, &ep.ws_url(), &token, config.window, stop).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_backoff_doubles_up_to_its_cap() {
        let max = Duration::from_secs(60);
        let mut d = Duration::from_secs(1);
        let mut seen = Vec::new();
        for _ in 0..8 {
            d = next_backoff(d, max);
            seen.push(d.as_secs());
        }
        assert_eq!(seen, [2, 4, 8, 16, 32, 60, 60, 60]);
    }
}
