//! One connection of the uplink: the WebSocket to the central server's `/api/v1/sync`
//! and a [`ClientSession`] over [`UpstreamHost`], kept open while both ends are up.
//!
//! Dirty documents are those changed on the edge after the uplink's high-water mark
//! ([`PUSHED_KEY`](super::PUSHED_KEY), the edge's change sequence up to which every
//! change has been offered upstream), less those the central server is known to hold
//! at their latest change (the uplink's own writes). While connected, a stored change
//! of one of the edge's devices (a live notice of the [`Hub`]) makes the documents
//! changed since the last scan dirty at once. The mark moves, durably, only when the
//! session is idle and a scan from the mark finds nothing the central server lacks but
//! documents it refused (they wait for their next change): a change that landed while
//! its document was in flight is offered again (once per change).

use std::collections::HashSet;
use std::sync::Arc;

use futures_util::{SinkExt, StreamExt};
use keis_crdt::sync::{ClientSession, Frame, SessionError};
use tokio::runtime::Handle;
use tokio::sync::broadcast::error::RecvError;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

use super::super::Hub;
use super::host::{UpstreamHost, held, load_meta, save_meta};
use super::{CURSOR_KEY, PEER, PUSHED_KEY, Shared, UpstreamError};
use crate::store::{ALL_SCOPES, Seq};

/// Documents changed on the edge after `from` that the central server does not hold,
/// each with its latest change; and where the scan ended.
async fn dirty_since(hub: &Hub, from: u64) -> Result<(Vec<(String, u64)>, u64), UpstreamError> {
    let (mut docs, mut cursor) = (Vec::new(), from);
    loop {
        let page = hub.store.changed_since(ALL_SCOPES, Seq(cursor), 1).await?;
        let Some(doc) = page.doc_ids.into_iter().next() else { break };
        // One document per page: its latest change is the page's cursor.
        cursor = page.cursor.0;
        if !held(hub, &doc, cursor).await? {
            docs.push((doc, cursor));
        }
    }
    Ok((docs, cursor))
}

/// Offers `docs` in the running session.
async fn touch(client: ClientSession, host: UpstreamHost, docs: Vec<String>) -> Result<Handled, UpstreamError> {
    blocking(client, host, move |c, h| {
        let mut out = Vec::new();
        for d in &docs {
            out.extend(c.touch(d, h)?);
        }
        Ok(out)
    })
    .await
}

/// What the blocking side of one frame returns.
type Handled = (ClientSession, UpstreamHost, Result<Vec<Frame>, SessionError>);

/// Runs `f` on the session and host on a blocking thread.
async fn blocking<F>(client: ClientSession, host: UpstreamHost, f: F) -> Result<Handled, UpstreamError>
where
    F: FnOnce(&mut ClientSession, &mut UpstreamHost) -> Result<Vec<Frame>, SessionError> + Send + 'static,
{
    let (mut client, mut host) = (client, host);
    let span = tracing::Span::current();
    tokio::task::spawn_blocking(move || {
        let r = span.in_scope(|| f(&mut client, &mut host));
        (client, host, r)
    })
    .await
    .map_err(|e| UpstreamError::Ws(format!("the sync handling failed: {e}")))
}

/// Connects with `token` and syncs until the connection ends or `stop` fires. `Ok` when
/// the central server closed the connection in order.
pub(crate) async fn run(
    hub: &Arc<Hub>,
    shared: &Arc<Shared>,
    ws_url: &str,
    token: &str,
    window: usize,
    stop: &mut tokio::sync::watch::Receiver<bool>,
) -> Result<(), UpstreamError> {
    let mut req = ws_url.into_client_request().map_err(|e| UpstreamError::BadUrl(e.to_string()))?;
    let bearer = format!("Bearer {token}").parse().map_err(|_| UpstreamError::Ws("an unusable token".into()))?;
    req.headers_mut().insert("authorization", bearer);
    let (mut ws, _) = tokio_tungstenite::connect_async(req).await.map_err(|e| UpstreamError::Offline(e.to_string()))?;
    let mut notices = hub.subscribe();
    let cursor = load_meta(hub, CURSOR_KEY).await?;
    let mut pushed = load_meta(hub, PUSHED_KEY).await?;
    let (dirty, mut scanned) = dirty_since(hub, pushed).await?;
    tracing::info!(cursor, pushed, dirty = dirty.len(), "uplink connected");
    shared.update(|s| {
        s.connected = true;
        s.connects += 1;
        s.last_error = None;
    });
    let (c, mut out) = ClientSession::start(cursor, dirty.into_iter().map(|(d, _)| d), window);
    let mut session = Some((c, UpstreamHost::new(hub.clone(), Handle::current(), shared.clone())));
    let mut pending_scan = false;
    // Documents offered again at an idle moment, at their latest change: once only.
    let mut retried: HashSet<(String, u64)> = HashSet::new();
    loop {
        for f in out.drain(..) {
            ws.send(Message::Binary(f.encode().into())).await.map_err(|e| UpstreamError::Offline(e.to_string()))?;
        }
        let Some((client, host)) = session.take() else { return Err(UpstreamError::Ws("lost the session".into())) };
        if pending_scan {
            // A device's change: offer what changed since the last scan at once.
            pending_scan = false;
            let (docs, end) = dirty_since(hub, scanned).await?;
            scanned = end;
            let (c, h, r) = touch(client, host, docs.into_iter().map(|(d, _)| d).collect()).await?;
            out = r?;
            session = Some((c, h));
            continue;
        }
        let idle = client.is_idle();
        if idle {
            // Everything offered is through. What the central server still lacks since
            // the mark (a change that landed while its document was in flight) is
            // offered again, once; refused documents wait for their next change.
            let (docs, end) = dirty_since(hub, pushed).await?;
            let again: Vec<String> = docs
                .into_iter()
                .filter(|(d, seq)| !host.refused(d) && retried.insert((d.clone(), *seq)))
                .map(|(d, _)| d)
                .collect();
            if !again.is_empty() {
                let (c, h, r) = touch(client, host, again).await?;
                out = r?;
                session = Some((c, h));
                continue;
            }
            scanned = scanned.max(end);
            if end > pushed {
                save_meta(hub, PUSHED_KEY, end).await?;
                pushed = end;
            }
        }
        let progress = client.progress();
        shared.update(|s| {
            s.idle = idle;
            s.pending = progress.docs_pending;
            s.pushed = pushed;
            if idle {
                s.idle_count += 1;
            }
        });
        session = Some((client, host));
        let msg = tokio::select! {
            m = ws.next() => m,
            n = notices.recv() => {
                match n {
                    Ok(n) => pending_scan |= n.device != PEER,
                    Err(RecvError::Lagged(_)) => pending_scan = true,
                    Err(RecvError::Closed) => return Ok(()),
                }
                continue;
            }
            _ = stop.changed() => {
                let _ = ws.close(None).await;
                return Ok(());
            }
        };
        let bytes = match msg {
            None | Some(Ok(Message::Close(_))) => return Ok(()),
            Some(Ok(Message::Binary(b))) => b,
            Some(Ok(_)) => continue,
            Some(Err(e)) => return Err(UpstreamError::Offline(e.to_string())),
        };
        let frame = Frame::decode(&bytes).map_err(|e| UpstreamError::Ws(format!("an unreadable frame: {e}")))?;
        let Some((client, host)) = session.take() else { return Err(UpstreamError::Ws("lost the session".into())) };
        let (c, h, r) = blocking(client, host, move |c, h| {
            if let Frame::Changed { docs, .. } = &frame {
                for d in docs {
                    h.announced(d);
                }
            }
            c.on_frame(frame, h)
        })
        .await?;
        session = Some((c, h));
        out = r?;
    }
}
