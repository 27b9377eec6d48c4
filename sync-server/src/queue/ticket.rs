//! A ticket (талон): its number, service, source, priority and where it stands.

use serde::{Deserialize, Serialize};

use super::model::{DeskNo, Timestamp};
use super::{BookingId, TicketId};

/// Where a ticket came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// The touch terminal in the hall.
    Kiosk,
    /// Issued by staff (the administrator at the entrance, or an operator).
    Staff,
    /// A pre-booking checked in on arrival.
    PreBooking { booking: BookingId, channel: Channel },
}

/// How a pre-booking was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// By phone, entered by staff.
    Phone,
    Email,
    /// The form on the public pages.
    Web,
}

/// How a ticket ranks in its queue; see [`Ticket::queue_key`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Priority {
    /// A walk-in: queued at its issue time.
    Regular,
    /// A booked visitor: queued as if issued shortly before the slot.
    Booked { slot: Timestamp },
    /// Served out of turn (позачергово), given by staff only: ahead of every other ticket.
    OutOfTurn,
}

/// The state of a ticket, with where and by whom it is being handled.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TicketStatus {
    Waiting,
    Called { desk: DeskNo, position: String, at: Timestamp },
    Serving { desk: DeskNo, position: String, since: Timestamp },
    Postponed,
    Done,
    Absent,
    Cancelled,
}

impl TicketStatus {
    pub fn kind(&self) -> StatusKind {
        match self {
            Self::Waiting => StatusKind::Waiting,
            Self::Called { .. } => StatusKind::Called,
            Self::Serving { .. } => StatusKind::Serving,
            Self::Postponed => StatusKind::Postponed,
            Self::Done => StatusKind::Done,
            Self::Absent => StatusKind::Absent,
            Self::Cancelled => StatusKind::Cancelled,
        }
    }

    /// The desk holding the ticket (called or serving).
    pub fn desk(&self) -> Option<DeskNo> {
        match self {
            Self::Called { desk, .. } | Self::Serving { desk, .. } => Some(*desk),
            _ => None,
        }
    }
}

/// [`TicketStatus`] without its data: what errors, views and statistics name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StatusKind {
    Waiting,
    Called,
    Serving,
    Postponed,
    Done,
    Absent,
    Cancelled,
}

impl StatusKind {
    /// What the hall display and the console say.
    pub fn label_uk(self) -> &'static str {
        match self {
            Self::Waiting => "в очікуванні",
            Self::Called => "викликається",
            Self::Serving => "обслуговується",
            Self::Postponed => "відкладено",
            Self::Done => "обслуговано",
            Self::Absent => "відсутній",
            Self::Cancelled => "скасовано",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            Self::Waiting => "waiting",
            Self::Called => "being called",
            Self::Serving => "being served",
            Self::Postponed => "postponed",
            Self::Done => "done",
            Self::Absent => "absent",
            Self::Cancelled => "cancelled",
        }
    }

    /// Done, absent or cancelled: nothing more happens to the ticket.
    pub fn is_final(self) -> bool {
        matches!(self, Self::Done | Self::Absent | Self::Cancelled)
    }
}

/// A ticket of the day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ticket {
    pub id: TicketId,
    /// Prefix and daily counter of the service, e.g. «С-014».
    pub number: String,
    /// The service it queues for now (a redirect changes it).
    pub service: String,
    pub source: Source,
    pub priority: Priority,
    /// The case the visit belongs to («Донос документів»), if linked.
    pub case_id: Option<String>,
    pub created_at: Timestamp,
    /// The time it queues by: issue time, or slot minus the lead for a booking; kept
    /// through redirects, so a redirected ticket keeps its place.
    pub anchor: Timestamp,
    /// Redirected to one desk: only that desk calls it.
    pub desk_only: Option<DeskNo>,
    pub status: TicketStatus,
}

impl Ticket {
    /// The order of "call next": out-of-turn tickets first, then by anchor, then by issue
    /// order. Smaller is called earlier.
    pub fn queue_key(&self) -> (u8, Timestamp, TicketId) {
        let rank = if self.priority == Priority::OutOfTurn { 0 } else { 1 };
        (rank, self.anchor, self.id)
    }

    /// Whether `desk` (serving `serves`) may call this ticket.
    pub(crate) fn callable_at(&self, desk: DeskNo, serves: bool) -> bool {
        serves && self.desk_only.is_none_or(|d| d == desk)
    }
}

/// Formats a ticket number: prefix, hyphen, counter of at least three digits.
pub(crate) fn ticket_number(prefix: &str, counter: u32) -> String {
    format!("{prefix}-{counter:03}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ticket(id: u32, priority: Priority, anchor_min: i64) -> Ticket {
        Ticket {
            id: TicketId(id),
            number: ticket_number("С", id + 1),
            service: "subsidy".into(),
            source: Source::Staff,
            priority,
            case_id: None,
            created_at: Timestamp(0),
            anchor: Timestamp(0).plus_minutes(anchor_min),
            desk_only: None,
            status: TicketStatus::Waiting,
        }
    }

    #[test]
    fn numbers_have_the_prefix_and_three_digits() {
        assert_eq!(ticket_number("С", 14), "С-014");
        assert_eq!(ticket_number("Д", 1234), "Д-1234");
    }

    #[test]
    fn queue_order_is_out_of_turn_then_anchor_then_issue_order() {
        let mut tickets = [
            ticket(0, Priority::Regular, 10),
            ticket(1, Priority::Booked { slot: Timestamp(0).plus_minutes(10) }, 5),
            ticket(2, Priority::OutOfTurn, 30),
            ticket(3, Priority::Regular, 5),
        ];
        tickets.sort_by_key(Ticket::queue_key);
        let ids: Vec<u32> = tickets.iter().map(|t| t.id.0).collect();
        assert_eq!(ids, vec![2, 1, 3, 0]);
    }
}
