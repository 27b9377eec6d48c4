//! The commands of the queue: issue, call, serve, postpone, redirect, end the day, and
//! [`QueueDay::tick`], which does what the clock decides. Each records its events
//! through `commit` and answers what it recorded.

use super::QueueDay;
use super::event::{EventKind, QueueEvent};
use super::model::{Actor, DeskNo, Timestamp};
use super::ticket::{Priority, Source, StatusKind, TicketStatus, ticket_number};
use super::{QueueError, TicketId};

/// What a new ticket is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssueRequest {
    pub service: String,
    pub source: Source,
    pub priority: Priority,
    /// An existing case the visit is about («Донос документів»).
    pub case_id: Option<String>,
}

impl IssueRequest {
    /// A walk-in ticket from the kiosk.
    pub fn kiosk(service: impl Into<String>) -> Self {
        Self { service: service.into(), source: Source::Kiosk, priority: Priority::Regular, case_id: None }
    }

    /// A ticket issued by staff.
    pub fn staff(service: impl Into<String>) -> Self {
        Self { source: Source::Staff, ..Self::kiosk(service) }
    }
}

/// Where a redirect sends a ticket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RedirectTo {
    pub service: String,
    /// Only this desk may call it.
    pub desk: Option<DeskNo>,
}

impl QueueDay {
    /// A position signs in at a desk; `name` is shown on the desk monitor.
    pub fn sign_in(
        &mut self,
        desk: DeskNo,
        position: &str,
        name: &str,
        at: Timestamp,
    ) -> Result<QueueEvent, QueueError> {
        let kind = EventKind::SignedIn { desk, position: position.into(), name: name.into() };
        self.commit(Actor::position(position), at, kind)
    }

    pub fn sign_out(&mut self, desk: DeskNo, by: Actor, at: Timestamp) -> Result<QueueEvent, QueueError> {
        self.commit(by, at, EventKind::SignedOut { desk })
    }

    /// Issues a ticket: the next number of its service. Kiosk tickets only during
    /// opening hours; none after the day is closed.
    pub fn issue(&mut self, req: IssueRequest, by: Actor, at: Timestamp) -> Result<TicketId, QueueError> {
        let service = self
            .office
            .service(&req.service)
            .ok_or_else(|| QueueError::UnknownService { code: req.service.clone() })?;
        let counter = self.counters.get(&req.service).copied().unwrap_or(0) + 1;
        let number = ticket_number(&service.prefix, counter);
        let ticket = TicketId(u32::try_from(self.tickets.len()).unwrap_or(u32::MAX));
        let anchor = self.anchor_for(req.priority, at);
        let IssueRequest { service, source, priority, case_id } = req;
        let kind = EventKind::Issued { ticket, number, service, source, priority, case_id, anchor };
        self.commit(by, at, kind)?;
        Ok(ticket)
    }

    /// The ticket `desk` would call next: the smallest [`queue_key`](super::Ticket::queue_key)
    /// among waiting tickets of the desk's services (and not redirected to another desk).
    pub fn next_for(&self, desk: DeskNo) -> Option<TicketId> {
        let cfg = self.office.desk(desk)?;
        self.tickets
            .iter()
            .filter(|t| t.status == TicketStatus::Waiting && t.callable_at(desk, cfg.serves(&t.service)))
            .min_by_key(|t| t.queue_key())
            .map(|t| t.id)
    }

    /// «Викликати»: calls the desk's next ticket; `None` if nobody waits.
    pub fn call_next(&mut self, desk: DeskNo, by: Actor, at: Timestamp) -> Result<Option<TicketId>, QueueError> {
        let operator = self.desk_operator(desk)?;
        if let Some(current) = self.desks.get(&desk).and_then(|d| d.current) {
            let ticket = self.get(current)?.number.clone();
            return Err(QueueError::DeskBusy { desk, ticket });
        }
        let Some(ticket) = self.next_for(desk) else { return Ok(None) };
        self.commit(by, at, EventKind::Called { ticket, desk, position: operator, again: false })?;
        Ok(Some(ticket))
    }

    /// Calls one chosen waiting ticket (out of the usual order) to `desk`.
    pub fn call(&mut self, ticket: TicketId, desk: DeskNo, by: Actor, at: Timestamp) -> Result<QueueEvent, QueueError> {
        let position = self.desk_operator(desk)?;
        self.commit(by, at, EventKind::Called { ticket, desk, position, again: false })
    }

    /// Calls a postponed ticket again (the visitor came back the same day).
    pub fn call_again(
        &mut self,
        ticket: TicketId,
        desk: DeskNo,
        by: Actor,
        at: Timestamp,
    ) -> Result<QueueEvent, QueueError> {
        let position = self.desk_operator(desk)?;
        self.commit(by, at, EventKind::Called { ticket, desk, position, again: true })
    }

    /// «Почати обробку»: the called visitor came.
    pub fn start_serving(&mut self, ticket: TicketId, by: Actor, at: Timestamp) -> Result<QueueEvent, QueueError> {
        self.commit(by, at, EventKind::ServingStarted { ticket })
    }

    pub fn finish(&mut self, ticket: TicketId, by: Actor, at: Timestamp) -> Result<QueueEvent, QueueError> {
        self.commit(by, at, EventKind::Done { ticket })
    }

    /// «Відкласти» by the operator, before the no-show time ran out.
    pub fn postpone(&mut self, ticket: TicketId, by: Actor, at: Timestamp) -> Result<QueueEvent, QueueError> {
        self.commit(by, at, EventKind::Postponed { ticket, auto: false })
    }

    /// «Відсутній»: ends a called or postponed ticket.
    pub fn mark_absent(&mut self, ticket: TicketId, by: Actor, at: Timestamp) -> Result<QueueEvent, QueueError> {
        self.commit(by, at, EventKind::Absent { ticket })
    }

    /// Sends the ticket to another service (or desk); it waits there in its old place.
    pub fn redirect(
        &mut self,
        ticket: TicketId,
        to: RedirectTo,
        by: Actor,
        at: Timestamp,
    ) -> Result<QueueEvent, QueueError> {
        self.commit(by, at, EventKind::Redirected { ticket, service: to.service, desk: to.desk })
    }

    /// Attaches the visit to a case, so the operator sees the case file.
    pub fn link_case(
        &mut self,
        ticket: TicketId,
        case_id: &str,
        by: Actor,
        at: Timestamp,
    ) -> Result<QueueEvent, QueueError> {
        self.commit(by, at, EventKind::CaseLinked { ticket, case_id: case_id.into() })
    }

    /// Ends the day: every waiting, called and postponed ticket is cancelled; tickets
    /// being served may still be finished; nothing new is issued or called.
    pub fn close_day(&mut self, by: Actor, at: Timestamp) -> Result<Vec<QueueEvent>, QueueError> {
        if self.closed {
            return Err(QueueError::DayClosed);
        }
        let open: Vec<TicketId> = self
            .tickets
            .iter()
            .filter(|t| matches!(t.status.kind(), StatusKind::Waiting | StatusKind::Called | StatusKind::Postponed))
            .map(|t| t.id)
            .collect();
        let mut out = Vec::with_capacity(open.len() + 1);
        for ticket in open {
            out.push(self.commit(by.clone(), at, EventKind::Cancelled { ticket })?);
        }
        out.push(self.commit(by, at, EventKind::DayClosed)?);
        Ok(out)
    }

    /// What the clock decides at `now`: a called ticket whose visitor did not come within
    /// the no-show time is postponed and the desk's next ticket called (desks in number
    /// order); at closing time the day ends ([`close_day`](Self::close_day)). Answers the
    /// events recorded; call it as often as you like.
    pub fn tick(&mut self, now: Timestamp) -> Result<Vec<QueueEvent>, QueueError> {
        if self.closed {
            return Ok(Vec::new());
        }
        if now >= self.plan.closes {
            return self.close_day(Actor::System, now);
        }
        let limit = self.office.rules.no_show_after_ms;
        let mut overdue: Vec<(DeskNo, TicketId)> = self
            .tickets
            .iter()
            .filter_map(|t| match &t.status {
                TicketStatus::Called { desk, at, .. } if now.since(*at) >= limit => Some((*desk, t.id)),
                _ => None,
            })
            .collect();
        overdue.sort();
        let mut out = Vec::new();
        for (desk, ticket) in overdue {
            out.push(self.commit(Actor::System, now, EventKind::Postponed { ticket, auto: true })?);
            if self.office.rules.auto_call_next
                && let Ok(position) = self.desk_operator(desk)
                && let Some(next) = self.next_for(desk)
            {
                out.push(self.commit(
                    Actor::System,
                    now,
                    EventKind::Called { ticket: next, desk, position, again: false },
                )?);
            }
        }
        Ok(out)
    }

    fn desk_operator(&self, desk: DeskNo) -> Result<String, QueueError> {
        let state = self.desks.get(&desk).ok_or(QueueError::UnknownDesk { desk })?;
        state.operator.as_ref().map(|o| o.position.clone()).ok_or(QueueError::NoOperator { desk })
    }
}
