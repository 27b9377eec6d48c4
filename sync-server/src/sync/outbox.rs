//! The replies of a connection waiting for the changes they answer to be durable
//! (see `host`'s group commit), sent in the order their frames came in.

use std::collections::VecDeque;

use axum::extract::ws::{WebSocket, close_code};
use keis_crdt::sync::{Reply, codes};

use super::host::Ticket;
use super::ws::{close, error_frame, send_all};
use crate::metrics::Metrics;

/// Batches whose replies may wait at once; beyond that the connection stops reading.
const MAX_QUEUED: usize = 32;

/// What the device is told when the server could not store or answer.
pub(crate) const INTERNAL: &str = "the server could not complete the request; try again later";

/// One batch's reply and what it waits for.
pub(crate) struct Queued {
    pub(crate) reply: Reply,
    /// `None`: nothing to wait for.
    pub(crate) ticket: Option<Ticket>,
}

/// The replies not yet sent, oldest first.
#[derive(Default)]
pub(crate) struct Outbox {
    queue: VecDeque<Queued>,
}

impl Outbox {
    pub(crate) fn push(&mut self, q: Queued) {
        self.queue.push_back(q);
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.queue.is_empty()
    }

    /// Whether another batch may be read.
    pub(crate) fn has_room(&self) -> bool {
        self.queue.len() < MAX_QUEUED
    }

    /// Resolves when the oldest reply's changes are durable (`Err`: they were not stored).
    /// Cancel-safe: the ticket stays queued.
    pub(crate) async fn head_durable(&mut self) -> Result<(), String> {
        match self.queue.front_mut().and_then(|q| q.ticket.as_mut()) {
            Some(ticket) => ticket.await,
            None => Ok(()),
        }
    }

    /// Sends the oldest reply, given what [`Self::head_durable`] said. `false` once the
    /// connection is over (the device is gone, the reply closed the session, or its
    /// changes were not stored and the device is told so).
    pub(crate) async fn send_head(
        &mut self,
        socket: &mut WebSocket,
        metrics: &Metrics,
        durable: Result<(), String>,
    ) -> bool {
        let Some(q) = self.queue.pop_front() else { return true };
        if let Err(reason) = durable {
            tracing::error!(%reason, "synced changes were not stored; the device will send them again");
            close(socket, metrics, close_code::ERROR, Some(error_frame(codes::INTERNAL, INTERNAL))).await;
            return false;
        }
        if !send_all(socket, metrics, q.reply.frames).await {
            return false;
        }
        if q.reply.close {
            close(socket, metrics, close_code::POLICY, None).await;
            return false;
        }
        true
    }

    /// Sends every queued reply, in order, as its changes become durable.
    pub(crate) async fn finish(&mut self, socket: &mut WebSocket, metrics: &Metrics) {
        while !self.queue.is_empty() {
            let durable = self.head_durable().await;
            if !self.send_head(socket, metrics, durable).await {
                return;
            }
        }
    }
}
