//! Whether an event may happen now: the rules of the ticket lifecycle and of who may do
//! what. Used by every command and by replay (see `day`).

use super::QueueDay;
use super::error::Action;
use super::event::{EventKind, QueueEvent};
use super::model::{Actor, DeskNo};
use super::ticket::{Priority, Source, StatusKind, Ticket, TicketStatus, ticket_number};
use super::{QueueError, TicketId};

impl QueueDay {
    pub(crate) fn check(&self, ev: &QueueEvent) -> Result<(), QueueError> {
        let last = self.last_at();
        if ev.at < last {
            return Err(QueueError::TimeWentBackwards { at: ev.at, last });
        }
        let by = &ev.by;
        match &ev.kind {
            EventKind::Opened { .. } => Err(QueueError::BadLog { seq: ev.seq, what: "opened twice".into() }),
            EventKind::SignedIn { desk, position, .. } => {
                require_position(by)?;
                let state = self.desks.get(desk).ok_or(QueueError::UnknownDesk { desk: *desk })?;
                let same = state.operator.as_ref().is_some_and(|o| &o.position == position);
                match state.current {
                    Some(t) if !same => Err(QueueError::DeskBusy { desk: *desk, ticket: self.number(t) }),
                    _ => Ok(()),
                }
            }
            EventKind::SignedOut { desk } => {
                require_position(by)?;
                let state = self.desks.get(desk).ok_or(QueueError::UnknownDesk { desk: *desk })?;
                match state.current {
                    Some(t) => Err(QueueError::DeskBusy { desk: *desk, ticket: self.number(t) }),
                    None => Ok(()),
                }
            }
            EventKind::Issued { ticket, number, service, source, priority, anchor, .. } => {
                self.require_open()?;
                let s =
                    self.office.service(service).ok_or_else(|| QueueError::UnknownService { code: service.clone() })?;
                let counter = self.counters.get(service).copied().unwrap_or(0) + 1;
                let expected_id = u32::try_from(self.tickets.len()).unwrap_or(u32::MAX);
                if ticket.0 != expected_id || *number != ticket_number(&s.prefix, counter) {
                    return Err(QueueError::BadLog { seq: ev.seq, what: format!("unexpected ticket {number}") });
                }
                match (priority, source) {
                    (Priority::Regular, _)
                    | (Priority::OutOfTurn, Source::Staff)
                    | (Priority::Booked { .. }, Source::PreBooking { .. }) => {}
                    _ => return Err(QueueError::PriorityNotAllowed),
                }
                if *source == Source::Kiosk && (ev.at < self.plan.opens || ev.at >= self.plan.closes) {
                    return Err(QueueError::OutsideHours);
                }
                if let Source::PreBooking { booking, .. } = source
                    && self
                        .tickets
                        .iter()
                        .any(|t| matches!(&t.source, Source::PreBooking { booking: b, .. } if b == booking))
                {
                    return Err(QueueError::BookingNotActive { id: booking.0 });
                }
                if *anchor != self.anchor_for(*priority, ev.at) {
                    return Err(QueueError::BadLog {
                        seq: ev.seq,
                        what: format!("ticket {number} queues at the wrong time"),
                    });
                }
                Ok(())
            }
            EventKind::Called { ticket, desk, position, again } => {
                self.require_open()?;
                let t = self.get(*ticket)?;
                let action = if *again { Action::CallAgain } else { Action::Call };
                let from = if *again { StatusKind::Postponed } else { StatusKind::Waiting };
                if t.status.kind() != from {
                    return Err(illegal(t, action));
                }
                let operator = self.require_operator(*desk, by)?;
                if operator != position {
                    return Err(QueueError::NotTheDeskOperator { desk: *desk, actor: position.clone() });
                }
                self.require_desk_for(t, *desk)?;
                match self.desks.get(desk).and_then(|d| d.current) {
                    Some(other) => Err(QueueError::DeskBusy { desk: *desk, ticket: self.number(other) }),
                    None => Ok(()),
                }
            }
            EventKind::ServingStarted { ticket } => {
                self.operator_action(*ticket, by, Action::StartServing, &[StatusKind::Called])
            }
            EventKind::Done { ticket } => self.operator_action(*ticket, by, Action::Finish, &[StatusKind::Serving]),
            EventKind::Postponed { ticket, auto: false } => {
                self.operator_action(*ticket, by, Action::Postpone, &[StatusKind::Called])
            }
            EventKind::Postponed { ticket, auto: true } => {
                let t = self.get(*ticket)?;
                match t.status {
                    TicketStatus::Called { at, .. } if by == &Actor::System => {
                        if ev.at.since(at) >= self.office.rules.no_show_after_ms {
                            Ok(())
                        } else {
                            Err(QueueError::NotYetNoShow { ticket: t.number.clone() })
                        }
                    }
                    TicketStatus::Called { .. } => {
                        Err(QueueError::BadLog { seq: ev.seq, what: "automatic postponement by a position".into() })
                    }
                    _ => Err(illegal(t, Action::Postpone)),
                }
            }
            EventKind::Absent { ticket } => {
                let t = self.get(*ticket)?;
                match t.status.kind() {
                    StatusKind::Called => self.operator_action(*ticket, by, Action::MarkAbsent, &[StatusKind::Called]),
                    StatusKind::Postponed => require_position(by),
                    _ => Err(illegal(t, Action::MarkAbsent)),
                }
            }
            EventKind::Redirected { ticket, service, desk } => {
                self.require_open()?;
                let t = self.get(*ticket)?;
                match t.status.kind() {
                    StatusKind::Called | StatusKind::Serving => {
                        self.operator_action(*ticket, by, Action::Redirect, &[t.status.kind()])?
                    }
                    StatusKind::Waiting | StatusKind::Postponed => require_position(by)?,
                    _ => return Err(illegal(t, Action::Redirect)),
                }
                self.office.service(service).ok_or_else(|| QueueError::UnknownService { code: service.clone() })?;
                if let Some(d) = desk {
                    let desk_cfg = self.office.desk(*d).ok_or(QueueError::UnknownDesk { desk: *d })?;
                    if !desk_cfg.serves(service) {
                        return Err(QueueError::DeskDoesNotServe { desk: *d, service: service.clone() });
                    }
                }
                Ok(())
            }
            EventKind::CaseLinked { ticket, .. } => {
                self.get(*ticket)?;
                require_position(by)
            }
            EventKind::Cancelled { ticket } => {
                let t = self.get(*ticket)?;
                match t.status.kind() {
                    StatusKind::Waiting | StatusKind::Postponed | StatusKind::Called => Ok(()),
                    _ => Err(illegal(t, Action::Cancel)),
                }
            }
            EventKind::DayClosed => self.require_open(),
        }
    }

    fn require_open(&self) -> Result<(), QueueError> {
        if self.closed { Err(QueueError::DayClosed) } else { Ok(()) }
    }

    pub(crate) fn get(&self, id: TicketId) -> Result<&Ticket, QueueError> {
        self.ticket(id).ok_or(QueueError::UnknownTicket { id: id.0 })
    }

    fn number(&self, id: TicketId) -> String {
        self.ticket(id).map_or_else(|| format!("#{}", id.0), |t| t.number.clone())
    }

    /// The position signed in at `desk`, which `by` must be (or the system).
    fn require_operator(&self, desk: DeskNo, by: &Actor) -> Result<&String, QueueError> {
        let state = self.desks.get(&desk).ok_or(QueueError::UnknownDesk { desk })?;
        let op = state.operator.as_ref().ok_or(QueueError::NoOperator { desk })?;
        match by {
            Actor::System => Ok(&op.position),
            Actor::Position(p) if *p == op.position => Ok(&op.position),
            Actor::Position(p) => Err(QueueError::NotTheDeskOperator { desk, actor: p.clone() }),
        }
    }

    /// Whether `desk` may call `t`: it serves the ticket's service and the ticket was not
    /// redirected to another desk.
    pub(crate) fn require_desk_for(&self, t: &Ticket, desk: DeskNo) -> Result<(), QueueError> {
        let cfg = self.office.desk(desk).ok_or(QueueError::UnknownDesk { desk })?;
        if !cfg.serves(&t.service) {
            return Err(QueueError::DeskDoesNotServe { desk, service: t.service.clone() });
        }
        match t.desk_only {
            Some(only) if only != desk => Err(QueueError::NotForThisDesk { ticket: t.number.clone(), desk, only }),
            _ => Ok(()),
        }
    }

    /// An action the operator of the desk holding the ticket takes, from one of `from`.
    fn operator_action(&self, id: TicketId, by: &Actor, action: Action, from: &[StatusKind]) -> Result<(), QueueError> {
        let t = self.get(id)?;
        if !from.contains(&t.status.kind()) {
            return Err(illegal(t, action));
        }
        require_position(by)?;
        match t.status.desk() {
            Some(desk) => self.require_operator(desk, by).map(|_| ()),
            None => Err(illegal(t, action)),
        }
    }
}

fn illegal(t: &Ticket, action: Action) -> QueueError {
    QueueError::IllegalTransition { ticket: t.number.clone(), action, from: t.status.kind() }
}

fn require_position(by: &Actor) -> Result<(), QueueError> {
    match by {
        Actor::Position(_) => Ok(()),
        Actor::System => Err(QueueError::PositionRequired),
    }
}
