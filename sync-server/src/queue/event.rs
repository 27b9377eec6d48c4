//! The queue's events: every transition, with who and when. The day's state is the fold
//! of its events ([`QueueDay::replay`](super::QueueDay::replay)), so the log is what a
//! database stores; the events are serde types for that.

use serde::{Deserialize, Serialize};

use super::TicketId;
use super::model::{Actor, DayPlan, DeskNo, Office, Timestamp};
use super::ticket::{Priority, Source};

/// One recorded transition. `seq` counts from 1 within the day, with no gaps.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueEvent {
    pub seq: u64,
    pub at: Timestamp,
    pub by: Actor,
    pub kind: EventKind,
}

/// What happened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum EventKind {
    /// The day's queue opened with this configuration (always event 1), so a log replays
    /// on its own even after the office's configuration changed.
    Opened {
        office: Office,
        plan: DayPlan,
    },
    /// A position signed in at a desk; `name` is what the desk monitor shows.
    SignedIn {
        desk: DeskNo,
        position: String,
        name: String,
    },
    SignedOut {
        desk: DeskNo,
    },
    Issued {
        ticket: TicketId,
        number: String,
        service: String,
        source: Source,
        priority: Priority,
        case_id: Option<String>,
        /// See [`Ticket::anchor`](super::Ticket::anchor).
        anchor: Timestamp,
    },
    /// A ticket called to a desk; `again` for a postponed ticket called back.
    Called {
        ticket: TicketId,
        desk: DeskNo,
        position: String,
        again: bool,
    },
    ServingStarted {
        ticket: TicketId,
    },
    Done {
        ticket: TicketId,
    },
    /// By the operator («відкласти»), or by the system when the visitor did not come in
    /// time (`auto`).
    Postponed {
        ticket: TicketId,
        auto: bool,
    },
    Absent {
        ticket: TicketId,
    },
    /// Sent to another service (and perhaps one desk), keeping its anchor.
    Redirected {
        ticket: TicketId,
        service: String,
        desk: Option<DeskNo>,
    },
    CaseLinked {
        ticket: TicketId,
        case_id: String,
    },
    /// Cancelled at the end of the day.
    Cancelled {
        ticket: TicketId,
    },
    DayClosed,
}

impl EventKind {
    /// The ticket the event is about, if any.
    pub fn ticket(&self) -> Option<TicketId> {
        match self {
            Self::Issued { ticket, .. }
            | Self::Called { ticket, .. }
            | Self::ServingStarted { ticket }
            | Self::Done { ticket }
            | Self::Postponed { ticket, .. }
            | Self::Absent { ticket }
            | Self::Redirected { ticket, .. }
            | Self::CaseLinked { ticket, .. }
            | Self::Cancelled { ticket } => Some(*ticket),
            Self::Opened { .. } | Self::SignedIn { .. } | Self::SignedOut { .. } | Self::DayClosed => None,
        }
    }
}
