//! Pre-booking (попередній запис): time slots per service, bookings by phone (entered by
//! staff), e-mail or the web form, and check-in on arrival, which issues a ticket with
//! the booking's priority.
//!
//! A slot takes up to its capacity of active bookings; one contact holds at most one
//! active booking per service and day; a cancellation frees the place. Contacts are kept
//! only as a [`ContactKey`] (a SHA-256 of the normalised phone or e-mail), so neither the
//! book nor its logs hold the number or the address.

use std::fmt;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::model::{Actor, Date, DayPlan, Office, Timestamp};
use super::ops::IssueRequest;
use super::ticket::{Channel, Priority, Source};
use super::{QueueDay, QueueError, TicketId};

/// A booking, numbered from 0 in the order made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct BookingId(pub u32);

/// Who booked, as a hash of their normalised contact: enough to refuse a double booking,
/// nothing to read back.
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ContactKey(String);

impl ContactKey {
    /// From a phone number: digits only, a national «0XX…» number read as «380XX…».
    pub fn phone(raw: &str) -> Self {
        let digits: String = raw.chars().filter(char::is_ascii_digit).collect();
        let normalised = if digits.len() == 10 && digits.starts_with('0') { format!("38{digits}") } else { digits };
        Self::hash("phone", &normalised)
    }

    /// From an e-mail address: trimmed, lower case.
    pub fn email(raw: &str) -> Self {
        Self::hash("email", &raw.trim().to_lowercase())
    }

    fn hash(kind: &str, value: &str) -> Self {
        let mut h = Sha256::new();
        h.update(kind.as_bytes());
        h.update([0]);
        h.update(value.as_bytes());
        Self(hex::encode(h.finalize()))
    }
}

impl fmt::Debug for ContactKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ContactKey({}…)", self.0.get(..8).unwrap_or_default())
    }
}

/// What a booking asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BookingRequest {
    pub service: String,
    /// The start of one of the service's slots that day (see [`BookingBook::slots`]).
    pub slot: Timestamp,
    pub channel: Channel,
    pub contact: ContactKey,
    pub case_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BookingStatus {
    Active,
    Cancelled { at: Timestamp },
    CheckedIn { ticket: TicketId, at: Timestamp },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Booking {
    pub id: BookingId,
    pub date: Date,
    pub service: String,
    pub slot: Timestamp,
    pub channel: Channel,
    pub contact: ContactKey,
    pub case_id: Option<String>,
    pub booked_at: Timestamp,
    pub status: BookingStatus,
}

/// A slot of a service on a day and how full it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Slot {
    pub start: Timestamp,
    pub end: Timestamp,
    pub capacity: u16,
    /// Active and checked-in bookings.
    pub taken: u16,
}

impl Slot {
    pub fn is_free(&self) -> bool {
        self.taken < self.capacity
    }
}

/// Every booking of an office (all days). Plain data: the server stores it as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BookingBook {
    bookings: Vec<Booking>,
}

impl BookingBook {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn booking(&self, id: BookingId) -> Option<&Booking> {
        self.bookings.get(usize::try_from(id.0).ok()?)
    }

    pub fn bookings(&self) -> &[Booking] {
        &self.bookings
    }

    /// The slots of `service` on the day of `plan`: from opening time, one after another,
    /// the last ending by closing time.
    pub fn slots(&self, office: &Office, plan: &DayPlan, service: &str) -> Result<Vec<Slot>, QueueError> {
        let s = office.service(service).ok_or_else(|| QueueError::UnknownService { code: service.into() })?;
        let rules = s.booking.ok_or_else(|| QueueError::NotBookable { service: service.into() })?;
        let length = i64::from(rules.length_min) * Timestamp::MINUTE_MS;
        let mut out = Vec::new();
        let mut start = plan.opens;
        while start.plus_ms(length) <= plan.closes {
            let taken = self.taken(plan.date, service, start);
            out.push(Slot { start, end: start.plus_ms(length), capacity: rules.capacity, taken });
            start = start.plus_ms(length);
        }
        Ok(out)
    }

    fn taken(&self, date: Date, service: &str, slot: Timestamp) -> u16 {
        let n = self
            .bookings
            .iter()
            .filter(|b| b.date == date && b.service == service && b.slot == slot)
            .filter(|b| !matches!(b.status, BookingStatus::Cancelled { .. }))
            .count();
        u16::try_from(n).unwrap_or(u16::MAX)
    }

    /// Books a place, refusing a slot that is not offered, has passed or is full, and a
    /// second active booking of the same contact for the same service that day.
    pub fn book(
        &mut self,
        office: &Office,
        plan: &DayPlan,
        req: BookingRequest,
        now: Timestamp,
    ) -> Result<BookingId, QueueError> {
        let slot = self
            .slots(office, plan, &req.service)?
            .into_iter()
            .find(|s| s.start == req.slot)
            .ok_or(QueueError::NoSuchSlot)?;
        if slot.start <= now {
            return Err(QueueError::SlotPassed);
        }
        if !slot.is_free() {
            return Err(QueueError::SlotFull);
        }
        let double = self.bookings.iter().any(|b| {
            b.date == plan.date
                && b.service == req.service
                && b.contact == req.contact
                && b.status == BookingStatus::Active
        });
        if double {
            return Err(QueueError::AlreadyBooked);
        }
        let id = BookingId(u32::try_from(self.bookings.len()).unwrap_or(u32::MAX));
        tracing::info!(booking = id.0, service = %req.service, slot = req.slot.0, channel = ?req.channel, "booked");
        self.bookings.push(Booking {
            id,
            date: plan.date,
            service: req.service,
            slot: req.slot,
            channel: req.channel,
            contact: req.contact,
            case_id: req.case_id,
            booked_at: now,
            status: BookingStatus::Active,
        });
        Ok(id)
    }

    /// Cancels an active booking, freeing its place.
    pub fn cancel(&mut self, id: BookingId, now: Timestamp) -> Result<(), QueueError> {
        let b = self.active_mut(id)?;
        b.status = BookingStatus::Cancelled { at: now };
        Ok(())
    }

    fn active_mut(&mut self, id: BookingId) -> Result<&mut Booking, QueueError> {
        let b = usize::try_from(id.0)
            .ok()
            .and_then(|i| self.bookings.get_mut(i))
            .ok_or(QueueError::UnknownBooking { id: id.0 })?;
        if b.status == BookingStatus::Active { Ok(b) } else { Err(QueueError::BookingNotActive { id: id.0 }) }
    }
}

impl QueueDay {
    /// The booked visitor arrived: issues their ticket and marks the booking used.
    ///
    /// The ticket queues as if issued `booking_lead_ms` before the slot (see the `queue`
    /// docs); a visitor later than `booking_late_grace_ms` after the slot start queues as
    /// a walk-in from now.
    pub fn check_in(
        &mut self,
        book: &mut BookingBook,
        id: BookingId,
        by: Actor,
        now: Timestamp,
    ) -> Result<TicketId, QueueError> {
        let plan_date = self.plan.date;
        let late_grace = self.office.rules.booking_late_grace_ms;
        let b = book.active_mut(id)?;
        if b.date != plan_date {
            return Err(QueueError::BookingOtherDay { id: id.0 });
        }
        let priority =
            if now.since(b.slot) > late_grace { Priority::Regular } else { Priority::Booked { slot: b.slot } };
        let req = IssueRequest {
            service: b.service.clone(),
            source: Source::PreBooking { booking: id, channel: b.channel },
            priority,
            case_id: b.case_id.clone(),
        };
        let ticket = self.issue(req, by, now)?;
        b.status = BookingStatus::CheckedIn { ticket, at: now };
        Ok(ticket)
    }
}
