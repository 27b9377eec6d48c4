//! `GET /api/v1/queue/{office}/live`: the hall display's live stream (Server-Sent Events).
//!
//! On connect the client gets `event: hall` (the JSON of `/hall`); after every change,
//! `event: hall` again (changes that come faster than the client reads are coalesced by
//! the `watch` channel: it always gets the newest); for each new call one `event: call`
//! with `id: <seq>` and a [`CallOut`](super::dto::CallOut). Calls are sent only when made
//! after the client connected, or after the `Last-Event-ID` header / `?after=SEQ` if
//! given, so a display that reconnects neither chimes twice nor misses a call (of the
//! last [`RECENT_CALLS`](super::service::RECENT_CALLS); older ones are in the hall). Comments
//! keep the connection alive. The stream ends when the service stops.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::sync::Arc;

use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures_util::stream;
use serde::Deserialize;
use tokio::sync::watch;

use super::error::ApiError;
use super::http::{ApiState, path, query};
use super::service::Snapshot;
use crate::queue::Date;

#[derive(Debug, Deserialize)]
pub(crate) struct LiveQuery {
    after: Option<u64>,
}

struct Client {
    rx: watch::Receiver<Arc<Snapshot>>,
    stop: watch::Receiver<bool>,
    date: Date,
    /// The last call sent (or known to the client).
    last_call: u64,
    pending: VecDeque<Event>,
}

impl Client {
    /// Queues the hall and the calls after `last_call` of `snap`.
    fn push(&mut self, snap: &Snapshot) {
        if snap.date != self.date {
            // A new day numbers its events from 1 again.
            self.date = snap.date;
            self.last_call = 0;
        }
        self.pending.push_back(Event::default().event("hall").data(snap.hall_json.as_ref()));
        let after = self.last_call;
        let new = snap.calls.get(snap.calls.partition_point(|c| c.seq <= after)..).unwrap_or_default();
        for c in new {
            if let Ok(e) = Event::default().event("call").id(c.seq.to_string()).json_data(c) {
                self.pending.push_back(e);
            }
            self.last_call = c.seq;
        }
    }

    async fn next(mut self) -> Option<(Result<Event, Infallible>, Self)> {
        loop {
            if let Some(e) = self.pending.pop_front() {
                return Some((Ok(e), self));
            }
            tokio::select! {
                changed = self.rx.changed() => changed.ok()?,
                _ = self.stop.wait_for(|s| *s) => return None,
            }
            let snap = self.rx.borrow_and_update().clone();
            self.push(&snap);
        }
    }
}

pub(crate) async fn live(
    State(s): State<ApiState>,
    office: Result<Path<String>, PathRejection>,
    q: Result<Query<LiveQuery>, QueryRejection>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let office = path(office)?;
    let q = query(q)?;
    let queue = s.queue()?;
    let mut rx = queue.subscribe(&office)?;
    let first = rx.borrow_and_update().clone();
    let last_event_id =
        headers.get("last-event-id").and_then(|v| v.to_str().ok()).and_then(|v| v.trim().parse::<u64>().ok());
    // A seq beyond today's is yesterday's: nothing of today was seen yet, but do not replay.
    let after = q.after.or(last_event_id).map_or(first.seq, |a| if a > first.seq { first.seq } else { a });
    let mut client =
        Client { rx, stop: queue.stopping(), date: first.date, last_call: after, pending: VecDeque::new() };
    client.push(&first);
    let events = stream::unfold(client, Client::next);
    Ok(Sse::new(events).keep_alive(KeepAlive::default()).into_response())
}
