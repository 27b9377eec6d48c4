//! [`QueueDay`]: the queue of one office on one day, as the fold of its events.
//!
//! Every command (in `ops`) builds an event and hands it to [`QueueDay::commit`], which
//! checks it against the state (`check`) and applies it (`apply`). Replaying a stored
//! log runs the same check and apply, so a log that replays is a log the commands could
//! have written, and a restarted server comes back to the same state.

use std::collections::BTreeMap;

use super::event::{EventKind, QueueEvent};
use super::model::{Actor, DayPlan, DeskNo, Office, Timestamp};
use super::ticket::{Priority, Ticket, TicketStatus};
use super::{QueueError, TicketId};

/// The position signed in at a desk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Operator {
    pub position: String,
    /// The name the desk monitor shows.
    pub name: String,
}

/// A desk during the day: who works there and the ticket it holds (called or serving).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeskState {
    pub operator: Option<Operator>,
    pub current: Option<TicketId>,
}

/// The queue of one office on one day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueDay {
    pub(crate) office: Office,
    pub(crate) plan: DayPlan,
    pub(crate) events: Vec<QueueEvent>,
    pub(crate) tickets: Vec<Ticket>,
    /// Tickets issued per service today: the counter in the ticket number.
    pub(crate) counters: BTreeMap<String, u32>,
    pub(crate) desks: BTreeMap<DeskNo, DeskState>,
    pub(crate) closed: bool,
}

impl QueueDay {
    /// Opens the day's queue for `office` on `plan` (see [`Office::plan`]), recording the
    /// configuration as event 1.
    pub fn open(office: Office, plan: DayPlan, at: Timestamp) -> Result<Self, QueueError> {
        office.validate()?;
        let opened = QueueEvent { seq: 1, at, by: Actor::System, kind: EventKind::Opened { office, plan } };
        Self::replay([opened])
    }

    /// Rebuilds the day from its stored events, checking each one as the commands do.
    pub fn replay(events: impl IntoIterator<Item = QueueEvent>) -> Result<Self, QueueError> {
        let mut events = events.into_iter();
        let first = events.next().ok_or(QueueError::NotOpened)?;
        let EventKind::Opened { office, plan } = &first.kind else { return Err(QueueError::NotOpened) };
        if first.seq != 1 {
            return Err(QueueError::NotOpened);
        }
        office.validate()?;
        let desks = office.desks.iter().map(|d| (d.number, DeskState::default())).collect();
        let mut day = Self {
            office: office.clone(),
            plan: *plan,
            events: Vec::new(),
            tickets: Vec::new(),
            counters: BTreeMap::new(),
            desks,
            closed: false,
        };
        day.events.push(first);
        for ev in events {
            let expected = day.next_seq();
            if ev.seq != expected {
                return Err(QueueError::BadLog { seq: ev.seq, what: format!("expected event {expected}") });
            }
            day.check(&ev).map_err(|e| QueueError::BadLog { seq: ev.seq, what: e.to_string() })?;
            day.apply(&ev);
            day.events.push(ev);
        }
        Ok(day)
    }

    /// Checks and applies one new event; the answer is the recorded event.
    pub(crate) fn commit(&mut self, by: Actor, at: Timestamp, kind: EventKind) -> Result<QueueEvent, QueueError> {
        let ev = QueueEvent { seq: self.next_seq(), at, by, kind };
        self.check(&ev)?;
        self.apply(&ev);
        self.events.push(ev.clone());
        Ok(ev)
    }

    pub(crate) fn next_seq(&self) -> u64 {
        self.events.last().map_or(1, |e| e.seq + 1)
    }

    pub(crate) fn last_at(&self) -> Timestamp {
        self.events.last().map_or(Timestamp(i64::MIN), |e| e.at)
    }

    /// Every event of the day, in order.
    pub fn events(&self) -> &[QueueEvent] {
        &self.events
    }

    /// The events after event `seq` (what a live client that has seen `seq` needs).
    pub fn events_since(&self, seq: u64) -> &[QueueEvent] {
        let from = self.events.partition_point(|e| e.seq <= seq);
        self.events.get(from..).unwrap_or_default()
    }

    pub fn office(&self) -> &Office {
        &self.office
    }

    pub fn plan(&self) -> &DayPlan {
        &self.plan
    }

    pub fn is_closed(&self) -> bool {
        self.closed
    }

    pub fn ticket(&self, id: TicketId) -> Option<&Ticket> {
        self.tickets.get(usize::try_from(id.0).ok()?)
    }

    /// The ticket with this number («С-014»), if issued today.
    pub fn ticket_by_number(&self, number: &str) -> Option<&Ticket> {
        self.tickets.iter().find(|t| t.number == number)
    }

    pub fn tickets(&self) -> &[Ticket] {
        &self.tickets
    }

    pub fn desk(&self, desk: DeskNo) -> Option<&DeskState> {
        self.desks.get(&desk)
    }

    fn ticket_mut(&mut self, id: TicketId) -> Option<&mut Ticket> {
        self.tickets.get_mut(usize::try_from(id.0).ok()?)
    }

    /// Frees the desk holding `id`, if one does.
    fn release_desk(&mut self, id: TicketId) {
        if let Some(desk) = self.ticket(id).and_then(|t| t.status.desk())
            && let Some(state) = self.desks.get_mut(&desk)
            && state.current == Some(id)
        {
            state.current = None;
        }
    }

    /// Applies a checked event. Lookups cannot fail after `check`; if they did, the event
    /// changes nothing rather than panicking.
    fn apply(&mut self, ev: &QueueEvent) {
        match &ev.kind {
            EventKind::Opened { .. } => {}
            EventKind::SignedIn { desk, position, name } => {
                if let Some(d) = self.desks.get_mut(desk) {
                    d.operator = Some(Operator { position: position.clone(), name: name.clone() });
                }
            }
            EventKind::SignedOut { desk } => {
                if let Some(d) = self.desks.get_mut(desk) {
                    d.operator = None;
                }
            }
            EventKind::Issued { ticket, number, service, source, priority, case_id, anchor } => {
                *self.counters.entry(service.clone()).or_default() += 1;
                self.tickets.push(Ticket {
                    id: *ticket,
                    number: number.clone(),
                    service: service.clone(),
                    source: source.clone(),
                    priority: *priority,
                    case_id: case_id.clone(),
                    created_at: ev.at,
                    anchor: *anchor,
                    desk_only: None,
                    status: TicketStatus::Waiting,
                });
            }
            EventKind::Called { ticket, desk, position, .. } => {
                if let Some(d) = self.desks.get_mut(desk) {
                    d.current = Some(*ticket);
                }
                if let Some(t) = self.ticket_mut(*ticket) {
                    t.status = TicketStatus::Called { desk: *desk, position: position.clone(), at: ev.at };
                }
            }
            EventKind::ServingStarted { ticket } => {
                if let Some(t) = self.ticket_mut(*ticket)
                    && let TicketStatus::Called { desk, position, .. } = &t.status
                {
                    t.status = TicketStatus::Serving { desk: *desk, position: position.clone(), since: ev.at };
                }
            }
            EventKind::Done { ticket } => self.finish_with(*ticket, TicketStatus::Done),
            EventKind::Postponed { ticket, .. } => self.finish_with(*ticket, TicketStatus::Postponed),
            EventKind::Absent { ticket } => self.finish_with(*ticket, TicketStatus::Absent),
            EventKind::Cancelled { ticket } => self.finish_with(*ticket, TicketStatus::Cancelled),
            EventKind::Redirected { ticket, service, desk } => {
                self.release_desk(*ticket);
                if let Some(t) = self.ticket_mut(*ticket) {
                    t.service = service.clone();
                    t.desk_only = *desk;
                    t.status = TicketStatus::Waiting;
                }
            }
            EventKind::CaseLinked { ticket, case_id } => {
                if let Some(t) = self.ticket_mut(*ticket) {
                    t.case_id = Some(case_id.clone());
                }
            }
            EventKind::DayClosed => self.closed = true,
        }
    }

    /// Frees the ticket's desk and sets its new status.
    fn finish_with(&mut self, id: TicketId, status: TicketStatus) {
        self.release_desk(id);
        if let Some(t) = self.ticket_mut(id) {
            t.status = status;
        }
    }

    /// The anchor of a new ticket: see [`Ticket::anchor`] and the module docs of `queue`.
    pub(crate) fn anchor_for(&self, priority: Priority, at: Timestamp) -> Timestamp {
        match priority {
            Priority::Booked { slot } => slot.plus_ms(-self.office.rules.booking_lead_ms),
            Priority::Regular | Priority::OutOfTurn => at,
        }
    }
}
