//! The route `GET /api/v1/sync` and the WebSocket loop of one device.
//!
//! The upgrade needs a valid session (`Authorization: Bearer <token>`, the
//! [`Authenticated`] extractor): without one it is refused with 401 (403 for a revoked
//! device) before any WebSocket exists. Then each binary message is one frame for the
//! connection's [`ServerSession`]. The frames already received are handled together as
//! a batch (at most [`BATCH`]); the batch's replies wait in the `outbox` until the
//! changes they answer are durable, while the next frames are read and handled (their
//! changes join the same group commit). Replies go back in the order the frames came,
//! and a reply that closes the session closes the socket. Text messages and messages larger than
//! [`MAX_FRAME`] are not part of the protocol: an `Error` frame, then close.
//!
//! While connected, a device is told live (a `Changed` frame, as `ServerSession::notify`
//! makes it) when another device's change to a document in its hromadas is stored, once
//! it is not in the middle of paging.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade, close_code};
use axum::extract::{FromRef, State};
use axum::http::{HeaderMap, header};
use axum::response::Response;
use axum::routing::get;
use futures_util::FutureExt;
use keis_crdt::sync::{Frame, MAX_FRAME, Reply, ServerSession, codes};
use tokio::runtime::Handle;
use tokio::sync::broadcast::error::RecvError;
use tracing::Instrument;

use super::check::Hromadas;
use super::host::StoreHost;
use super::outbox::{INTERNAL, Outbox, Queued};
use super::{Hub, PAGE_SIZE};
use crate::auth::{Auth, Authenticated, SessionInfo};
use crate::metrics::{Direction, Metrics};

/// What the sync route shares.
#[derive(Clone)]
struct SyncState {
    hub: Arc<Hub>,
}

impl FromRef<SyncState> for Arc<Auth> {
    fn from_ref(s: &SyncState) -> Self {
        s.hub.auth.clone()
    }
}

/// Slack above [`MAX_FRAME`] that the socket still reads, so a slightly oversized frame is
/// answered by the session (`Error` frame) rather than by a dropped connection.
const READ_SLACK: usize = 64 * 1024;

/// The sync route, over the store of `auth`; merge into the main router. Counts into a
/// [`Metrics`] of its own; [`routes_with`] shares the server's.
pub fn routes(auth: Arc<Auth>) -> Router {
    routes_with(auth, Arc::default(), PAGE_SIZE)
}

/// The sync route counting into `metrics`, `page_size` documents per `Changed` frame.
pub fn routes_with(auth: Arc<Auth>, metrics: Arc<Metrics>, page_size: usize) -> Router {
    routes_on(Arc::new(Hub::new(auth, metrics, page_size)))
}

/// The sync route over `hub`, shared with other writers of case documents (the
/// workflow actions of [`crate::cases`]), so writes are serialised and announced alike.
pub(crate) fn routes_on(hub: Arc<Hub>) -> Router {
    Router::new().route("/api/v1/sync", get(upgrade)).with_state(SyncState { hub })
}

/// The error code of an `Error` frame that ends a connection whose session ended.
pub const SESSION_ENDED: u16 = 401;
/// How often a connection re-checks its device against the store (a revocation from the
/// command line, in another process); in-process revocation and expiry end it at once.
const RECHECK: Duration = Duration::from_secs(30);
/// The WebSocket read and write buffer of a connection, in bytes.
const SOCKET_BUFFER: usize = 8 * 1024;

async fn upgrade(
    State(s): State<SyncState>,
    Authenticated(info): Authenticated,
    headers: HeaderMap,
    ws: WebSocketUpgrade,
) -> Response {
    let span = tracing::info_span!("sync", device_id = %info.device_id);
    let token = bearer(&headers).unwrap_or_default().to_owned();
    // Small socket buffers: a connected tablet is mostly idle, and the 128 KiB defaults
    // would cost a quarter of a megabyte per connection (they grow when a frame needs it).
    ws.read_buffer_size(SOCKET_BUFFER)
        .write_buffer_size(SOCKET_BUFFER)
        .max_message_size(MAX_FRAME + READ_SLACK)
        .max_frame_size(MAX_FRAME + READ_SLACK)
        .on_upgrade(move |socket| run(socket, s.hub, info, token).instrument(span))
}

/// The bearer token, as [`Authenticated`] read it.
fn bearer(headers: &HeaderMap) -> Option<&str> {
    let v = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")).map(str::trim)
}

/// Whether the session still holds: always against the in-memory book (expiry,
/// revocation through this server), every [`RECHECK`] against the store as well.
async fn session_holds(hub: &Hub, token: &str, checked: &mut Instant) -> bool {
    if hub.auth.session(token).is_none() {
        return false;
    }
    if checked.elapsed() < RECHECK {
        return true;
    }
    *checked = Instant::now();
    hub.auth.authenticate(token).await.is_ok()
}

/// The frame that ends a connection for a protocol error.
pub(super) fn error_frame(code: u16, message: &str) -> Vec<u8> {
    Frame::Error { code, message: message.to_owned() }.encode()
}

/// Sends `frames`; `false` if the device is gone.
pub(super) async fn send_all(socket: &mut WebSocket, metrics: &Metrics, frames: Vec<Frame>) -> bool {
    for f in frames {
        let bytes = f.encode();
        metrics.frame(Direction::Out, bytes.len());
        if socket.send(Message::Binary(bytes.into())).await.is_err() {
            return false;
        }
    }
    true
}

pub(super) async fn close(socket: &mut WebSocket, metrics: &Metrics, code: u16, last: Option<Vec<u8>>) {
    if let Some(m) = last {
        metrics.frame(Direction::Out, m.len());
        let _ = socket.send(Message::Binary(m.into())).await;
    }
    let frame = CloseFrame { code, reason: "".into() };
    let _ = socket.send(Message::Close(Some(frame))).await;
}

/// One connection's session and host, and where its paging stands.
struct Conn {
    session: Option<(ServerSession, StoreHost)>,
    /// The cursor of the last `Changed` page sent.
    cursor: Option<u64>,
    /// That page said `more`: the device will ask for the next one.
    paging: bool,
}

impl Conn {
    /// Runs `f` on the session and its host on a blocking thread (see the module
    /// documentation of [`super`]); a panic there ends the connection with an `Error`.
    /// The reply comes with the ticket it must wait for: nothing of it goes out before
    /// the changes it answers are durable.
    async fn blocking<F>(&mut self, f: F) -> Queued
    where
        F: FnOnce(&mut ServerSession, &mut StoreHost) -> Reply + Send + 'static,
    {
        let internal = || Queued {
            reply: Reply {
                frames: vec![Frame::Error { code: codes::INTERNAL, message: INTERNAL.into() }],
                close: true,
            },
            ticket: None,
        };
        let Some((mut s, mut host)) = self.session.take() else { return internal() };
        let span = tracing::Span::current();
        let handled = tokio::task::spawn_blocking(move || {
            let queued = span.in_scope(|| {
                let reply = f(&mut s, &mut host);
                match host.end_batch() {
                    Ok(ticket) => Queued { reply, ticket: Some(ticket) },
                    Err(e) => {
                        tracing::error!(error = %e, "storing synced changes failed");
                        internal()
                    }
                }
            });
            (s, host, queued)
        })
        .await;
        match handled {
            Ok((s, host, queued)) => {
                self.session = Some((s, host));
                for f in &queued.reply.frames {
                    if let Frame::Changed { cursor, more, .. } = f {
                        self.cursor = Some(*cursor);
                        self.paging = *more;
                    }
                }
                queued
            }
            Err(e) => {
                tracing::error!(error = %e, "sync frame handling failed");
                internal()
            }
        }
    }

    /// Where a live notice starts: only once the device has a page and is not paging,
    /// so a notice never cuts into a paged answer (the device saves its cursor when the
    /// pages end).
    fn notice_from(&self) -> Option<u64> {
        if self.paging { None } else { self.cursor }
    }
}

/// Most frames handled in one go: the changes they carry share one commit.
const BATCH: usize = 64;

/// `first` and the binary messages already received after it (at most [`BATCH`]), and
/// the first other message met, to be handled next.
fn drain(socket: &mut WebSocket, first: Bytes) -> (Vec<Bytes>, Option<Option<Result<Message, axum::Error>>>) {
    let mut batch = vec![first];
    while batch.len() < BATCH {
        match socket.recv().now_or_never() {
            None => break,
            Some(Some(Ok(Message::Binary(b)))) => batch.push(b),
            Some(Some(Ok(Message::Ping(_) | Message::Pong(_)))) => {}
            Some(other) => return (batch, Some(other)),
        }
    }
    (batch, None)
}

/// Handles the frames of a batch in order, until one closes the session.
fn handle_batch(s: &mut ServerSession, host: &mut StoreHost, batch: &[Bytes]) -> Reply {
    let mut reply = Reply::default();
    for bytes in batch {
        let r = s.on_bytes(bytes, host);
        reply.frames.extend(r.frames);
        if r.close {
            reply.close = true;
            break;
        }
    }
    reply
}

/// The live notice of what changed after `cursor`, if anything did.
fn notice(s: &mut ServerSession, host: &mut StoreHost, cursor: u64) -> Reply {
    match s.notify(cursor, host) {
        Ok(frame) => Reply { frames: frame.into_iter().collect(), close: false },
        Err(e) => {
            tracing::warn!(error = %e, "could not prepare a live notice");
            Reply::default()
        }
    }
}

async fn run(mut socket: WebSocket, hub: Arc<Hub>, info: SessionInfo, token: String) {
    tracing::info!(positions = info.positions.len(), "sync connected");
    let metrics = hub.metrics.clone();
    let _connected = metrics.client_connected();
    let mut notices = hub.subscribe();
    let hromadas = Hromadas::of(&info.positions);
    let device = info.device_id.clone();
    let host = StoreHost::new(hub.clone(), Handle::current(), info.device_id, info.positions);
    let mut conn = Conn { session: Some((ServerSession::new(hub.page_size), host)), cursor: None, paging: false };
    let (mut frames_in, mut checked, mut pending) = (0u64, Instant::now(), false);
    // A message read while draining a batch, handled next.
    let mut next = None;
    let mut out = Outbox::default();
    loop {
        if next.is_none()
            && pending
            && out.has_room()
            && let Some(cursor) = conn.notice_from()
        {
            pending = false;
            out.push(conn.blocking(move |s, h| notice(s, h, cursor)).await);
        }
        let (waiting, room) = (!out.is_empty(), out.has_room());
        let msg = if let Some(msg) = next.take() {
            msg
        } else {
            tokio::select! {
                durable = out.head_durable(), if waiting => {
                    if !out.send_head(&mut socket, &metrics, durable).await {
                        break;
                    }
                    continue;
                }
                msg = socket.recv(), if room => msg,
                n = notices.recv() => {
                match n {
                    Ok(n) => pending |= n.device != device && hromadas.covers(&n.scope),
                    Err(RecvError::Lagged(_)) => pending = true,
                        Err(RecvError::Closed) => break,
                    }
                    continue;
                }
            }
        };
        let bytes = match msg {
            None | Some(Ok(Message::Close(_))) => break,
            Some(Ok(Message::Binary(b))) => b,
            Some(Ok(Message::Ping(_) | Message::Pong(_))) => continue,
            Some(Ok(Message::Text(_))) => {
                out.finish(&mut socket, &metrics).await;
                let m = error_frame(codes::MALFORMED, "text messages are not part of the sync protocol");
                close(&mut socket, &metrics, close_code::UNSUPPORTED, Some(m)).await;
                break;
            }
            Some(Err(e)) => {
                tracing::info!(error = %e, "sync socket read failed");
                out.finish(&mut socket, &metrics).await;
                let m = error_frame(codes::MALFORMED, &format!("unreadable message (at most {MAX_FRAME} bytes)"));
                close(&mut socket, &metrics, close_code::SIZE, Some(m)).await;
                break;
            }
        };
        let (batch, after) = drain(&mut socket, bytes);
        next = after;
        for b in &batch {
            frames_in += 1;
            metrics.frame(Direction::In, b.len());
        }
        if !session_holds(&hub, &token, &mut checked).await {
            tracing::info!("session ended during sync");
            let m = error_frame(SESSION_ENDED, "the session ended (expired, or the device was revoked); sign in again");
            close(&mut socket, &metrics, close_code::POLICY, Some(m)).await;
            break;
        }
        let queued = conn.blocking(move |s, h| handle_batch(s, h, &batch)).await;
        let closing = queued.reply.close;
        out.push(queued);
        if closing {
            out.finish(&mut socket, &metrics).await;
            break;
        }
    }
    tracing::info!(frames_in, "sync disconnected");
}
