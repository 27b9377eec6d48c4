//! The electronic queue (електронна черга) of a service centre: the pure core.
//!
//! No I/O, no clock, no async: every command is given the time ([`Timestamp`], unix
//! milliseconds) and who acts ([`Actor`]: a position, or the system), and records an
//! event ([`QueueEvent`]). The state of a day ([`QueueDay`]) is the fold of its events,
//! so the server stores the log and [`QueueDay::replay`] brings the queue back after a
//! restart; the HTTP layer, live updates and storage are built on this.
//!
//! - `model`: the office (services with their ticket prefix, desks, opening hours, rules).
//! - `ticket`: a ticket, its source, priority and status.
//! - `event`: the events; `day`: the state and replay; `check`: the lifecycle rules;
//!   `ops`: the commands and [`QueueDay::tick`].
//! - `booking`: pre-booking slots and check-in; `views`: hall display, desk monitor,
//!   console, new calls; `stats`: statistics and CSV.
//!
//! # Lifecycle
//!
//! A ticket is issued (kiosk, staff, or check-in of a pre-booking) and waits; a desk calls
//! it (by the position signed in at the desk); the visitor comes and is served, then done.
//! A called visitor who does not come within `no_show_after_ms` (3 minutes) is postponed
//! by [`QueueDay::tick`], which then calls the desk's next ticket; the operator may also
//! postpone at once. A postponed ticket may be called again the same day, or marked absent,
//! which ends it. Closing the day (at closing time by `tick`, or by a coordinator) cancels
//! every waiting, called and postponed ticket; tickets being served may still be finished.
//! A redirect sends a ticket (waiting, called, serving or postponed) to another service, or
//! one desk, where it waits again in its old place. Anything else is a
//! [`QueueError::IllegalTransition`] or another typed refusal.
//!
//! # Who is called next
//!
//! "Call next" takes, among waiting tickets of the desk's services (and not redirected to
//! another desk), the smallest [`Ticket::queue_key`]: out-of-turn tickets (given by staff)
//! first, then the earliest *anchor*, then issue order. The anchor of a walk-in is its
//! issue time; of a booked ticket, its slot start minus `booking_lead_ms` (5 minutes),
//! whenever the visitor checked in. So a booked visitor goes ahead of every walk-in issued
//! after slot − 5 min and after those issued before it: they are served near their slot,
//! and earlier only if the desk would otherwise be idle. A visitor checking in more than
//! `booking_late_grace_ms` (15 minutes) after the slot start lost the slot and queues as a
//! walk-in. A redirect keeps the anchor, so the ticket keeps its place in the new queue.
//! "How many ahead" counts waiting tickets of the same service with a smaller key.
//!
//! # Example
//!
//! ```
//! use keis_sync_server::queue::*;
//!
//! let hours = Some(Hours { opens_min: 8 * 60, closes_min: 17 * 60 });
//! let office = Office {
//!     id: "cisp".into(),
//!     name_uk: "Центр інтегрованих соціальних послуг".into(),
//!     services: vec![Service {
//!         code: "subsidy".into(),
//!         name_uk: "Житлові субсидії".into(),
//!         prefix: "С".into(),
//!         booking: None,
//!     }],
//!     desks: vec![Desk { number: 1, services: vec!["subsidy".into()] }],
//!     hours: [hours, hours, hours, hours, hours, None, None],
//!     rules: QueueRules::default(),
//! };
//! let midnight = Timestamp(1_795_384_800_000); // given by the caller, who knows the time zone
//! let min = |m: i64| midnight.plus_minutes(m);
//! let plan = office.plan(Date::new(2026, 11, 23), midnight).expect("open on Mondays");
//! let mut day = QueueDay::open(office, plan, min(475))?;
//! day.sign_in(1, "pos-1", "Ткаченко О. М.", min(478))?;
//!
//! let a = day.issue(IssueRequest::kiosk("subsidy"), Actor::System, min(540))?;
//! let b = day.issue(IssueRequest::kiosk("subsidy"), Actor::System, min(541))?;
//! assert_eq!(day.ticket(b).map(|t| t.number.as_str()), Some("С-002"));
//! assert_eq!(day.ahead_of(b), Some(1));
//!
//! day.call_next(1, Actor::position("pos-1"), min(545))?;
//! // Nobody comes within 3 minutes: `a` is postponed, `b` called.
//! let auto = day.tick(min(548))?;
//! assert_eq!(auto.len(), 2);
//! assert_eq!(day.ticket(a).map(|t| t.status.kind()), Some(StatusKind::Postponed));
//! assert_eq!(day.desk_monitor(1).and_then(|m| m.ticket), Some("С-002".to_owned()));
//!
//! // The log is the state: a restarted server replays it.
//! let restarted = QueueDay::replay(day.events().to_vec())?;
//! assert_eq!(restarted, day);
//! # Ok::<(), QueueError>(())
//! ```

mod booking;
mod check;
mod day;
mod error;
mod event;
mod model;
mod ops;
mod stats;
mod ticket;
mod views;

pub use booking::{Booking, BookingBook, BookingId, BookingRequest, BookingStatus, ContactKey, Slot};
pub use day::{DeskState, Operator, QueueDay};
pub use error::{Action, QueueError};
pub use event::{EventKind, QueueEvent};
pub use model::{
    Actor, Date, DayPlan, Desk, DeskNo, Hours, Office, QueueRules, Service, SlotRules, TicketId, Timestamp,
};
pub use ops::{IssueRequest, RedirectTo};
pub use stats::{Dimension, Figures, QueueStats};
pub use ticket::{Channel, Priority, Source, StatusKind, Ticket, TicketStatus};
pub use views::{CallNotice, Console, ConsoleRow, DeskMonitor, HallRow};
