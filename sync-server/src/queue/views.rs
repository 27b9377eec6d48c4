//! What the screens show, computed from the state: the hall display, the desk monitors,
//! the operator console, and the calls since a given event (so a display chimes once per
//! call).

use std::collections::BTreeMap;

use serde::Serialize;

use super::QueueDay;
use super::TicketId;
use super::event::EventKind;
use super::model::{DeskNo, Timestamp};
use super::ticket::{StatusKind, Ticket, TicketStatus};

/// One line of the hall display.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HallRow {
    pub number: String,
    pub service: String,
    /// Waiting, being called or postponed.
    pub status: StatusKind,
    pub desk: Option<DeskNo>,
    /// The operator's name, for a called ticket.
    pub operator: Option<String>,
    /// Waiting tickets of the same service ahead of this one (waiting tickets only).
    pub ahead: Option<usize>,
}

/// What the monitor above a desk shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeskMonitor {
    pub desk: DeskNo,
    pub ticket: Option<String>,
    pub status: Option<StatusKind>,
    pub operator: Option<String>,
}

/// A new call, for the display's chime and announcement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CallNotice {
    /// The event of the call: pass the last one seen to [`QueueDay::calls_since`].
    pub seq: u64,
    pub number: String,
    /// The code of the ticket's service.
    pub service: String,
    pub desk: DeskNo,
    pub operator: Option<String>,
    /// A postponed ticket called back.
    pub again: bool,
}

/// One ticket in an operator's lists.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConsoleRow {
    pub ticket: TicketId,
    pub number: String,
    pub service: String,
    pub created_at: Timestamp,
    pub case_id: Option<String>,
}

/// The operator's console at a desk («Очікують», «Відкладені», and the current ticket).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Console {
    pub current: Option<ConsoleRow>,
    /// What this desk may call, in the order "call next" takes them.
    pub waiting: Vec<ConsoleRow>,
    /// Postponed tickets of the desk's services, oldest first.
    pub postponed: Vec<ConsoleRow>,
}

impl QueueDay {
    /// Every ticket in progress: those being called (oldest call first), then waiting ones
    /// in queue order, then postponed ones in issue order.
    pub fn hall_display(&self) -> Vec<HallRow> {
        let ahead = self.ahead_counts();
        let mut called: Vec<(&Ticket, Timestamp)> = self
            .tickets
            .iter()
            .filter_map(|t| match t.status {
                TicketStatus::Called { at, .. } => Some((t, at)),
                _ => None,
            })
            .collect();
        called.sort_by_key(|(t, at)| (*at, t.id));
        let mut waiting: Vec<&Ticket> = self.tickets.iter().filter(|t| t.status == TicketStatus::Waiting).collect();
        waiting.sort_by_key(|t| t.queue_key());
        let postponed = self.tickets.iter().filter(|t| t.status == TicketStatus::Postponed);
        called.into_iter().map(|(t, _)| t).chain(waiting).chain(postponed).map(|t| self.hall_row(t, &ahead)).collect()
    }

    /// How many waiting tickets of its service are ahead of `ticket` (for the kiosk
    /// slip); `None` unless it is waiting.
    pub fn ahead_of(&self, ticket: TicketId) -> Option<usize> {
        let t = self.ticket(ticket)?;
        (t.status == TicketStatus::Waiting).then(|| {
            self.tickets
                .iter()
                .filter(|u| {
                    u.status == TicketStatus::Waiting && u.service == t.service && u.queue_key() < t.queue_key()
                })
                .count()
        })
    }

    fn ahead_counts(&self) -> BTreeMap<TicketId, usize> {
        let mut by_service: BTreeMap<&str, Vec<&Ticket>> = BTreeMap::new();
        for t in self.tickets.iter().filter(|t| t.status == TicketStatus::Waiting) {
            by_service.entry(t.service.as_str()).or_default().push(t);
        }
        let mut out = BTreeMap::new();
        for mut list in by_service.into_values() {
            list.sort_by_key(|t| t.queue_key());
            out.extend(list.into_iter().enumerate().map(|(i, t)| (t.id, i)));
        }
        out
    }

    fn hall_row(&self, t: &Ticket, ahead: &BTreeMap<TicketId, usize>) -> HallRow {
        let desk = t.status.desk();
        HallRow {
            number: t.number.clone(),
            service: t.service.clone(),
            status: t.status.kind(),
            desk,
            operator: desk.and_then(|d| self.operator_name(d)),
            ahead: ahead.get(&t.id).copied(),
        }
    }

    fn operator_name(&self, desk: DeskNo) -> Option<String> {
        self.desks.get(&desk)?.operator.as_ref().map(|o| o.name.clone())
    }

    /// The monitor of `desk`, or `None` for an unknown desk.
    pub fn desk_monitor(&self, desk: DeskNo) -> Option<DeskMonitor> {
        let state = self.desks.get(&desk)?;
        let current = state.current.and_then(|id| self.ticket(id));
        Some(DeskMonitor {
            desk,
            ticket: current.map(|t| t.number.clone()),
            status: current.map(|t| t.status.kind()),
            operator: state.operator.as_ref().map(|o| o.name.clone()),
        })
    }

    /// Every desk's monitor, in desk order.
    pub fn desk_monitors(&self) -> Vec<DeskMonitor> {
        self.desks.keys().filter_map(|d| self.desk_monitor(*d)).collect()
    }

    /// The calls recorded after event `seq`: a display remembers the last `seq` it showed
    /// and chimes once for each notice. Each notice names the operator signed in at the
    /// desk when the call was made.
    pub fn calls_since(&self, seq: u64) -> Vec<CallNotice> {
        let mut names: BTreeMap<DeskNo, &str> = BTreeMap::new();
        let mut out = Vec::new();
        for e in &self.events {
            match &e.kind {
                EventKind::SignedIn { desk, name, .. } => {
                    names.insert(*desk, name);
                }
                EventKind::SignedOut { desk } => {
                    names.remove(desk);
                }
                EventKind::Called { ticket, desk, again, .. } if e.seq > seq => out.push(CallNotice {
                    seq: e.seq,
                    number: self.ticket(*ticket).map(|t| t.number.clone()).unwrap_or_default(),
                    service: self.ticket(*ticket).map(|t| t.service.clone()).unwrap_or_default(),
                    desk: *desk,
                    operator: names.get(desk).map(|n| (*n).to_owned()),
                    again: *again,
                }),
                _ => {}
            }
        }
        out
    }

    /// The console of `desk`, or `None` for an unknown desk.
    pub fn console(&self, desk: DeskNo) -> Option<Console> {
        let cfg = self.office.desk(desk)?;
        let row = |t: &Ticket| ConsoleRow {
            ticket: t.id,
            number: t.number.clone(),
            service: t.service.clone(),
            created_at: t.created_at,
            case_id: t.case_id.clone(),
        };
        let mut waiting: Vec<&Ticket> = self
            .tickets
            .iter()
            .filter(|t| t.status == TicketStatus::Waiting && t.callable_at(desk, cfg.serves(&t.service)))
            .collect();
        waiting.sort_by_key(|t| t.queue_key());
        let postponed = self.tickets.iter().filter(|t| t.status == TicketStatus::Postponed && cfg.serves(&t.service));
        Some(Console {
            current: self.desks.get(&desk)?.current.and_then(|id| self.ticket(id)).map(row),
            waiting: waiting.into_iter().map(row).collect(),
            postponed: postponed.map(row).collect(),
        })
    }
}
