//! The office a queue runs in (services, desks, opening hours, rules) and the plain
//! values the queue passes around: [`Timestamp`], [`Date`], [`Actor`], ids.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::QueueError;

/// Milliseconds since the Unix epoch. The queue never reads a clock: every call is
/// given the time, so a test drives it with a controlled clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Timestamp(pub i64);

impl Timestamp {
    pub const MINUTE_MS: i64 = 60_000;

    /// This time plus `ms` milliseconds (saturating).
    pub fn plus_ms(self, ms: i64) -> Self {
        Self(self.0.saturating_add(ms))
    }

    /// This time plus `min` minutes (saturating).
    pub fn plus_minutes(self, min: i64) -> Self {
        self.plus_ms(min.saturating_mul(Self::MINUTE_MS))
    }

    /// Milliseconds from `earlier` to `self` (negative if `earlier` is later).
    pub fn since(self, earlier: Timestamp) -> i64 {
        self.0.saturating_sub(earlier.0)
    }
}

/// A calendar date in the office's local time zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Date {
    pub year: i32,
    pub month: u8,
    pub day: u8,
}

impl Date {
    pub fn new(year: i32, month: u8, day: u8) -> Self {
        Self { year, month, day }
    }

    /// Day of the week, 0 = Monday … 6 = Sunday (Sakamoto's method).
    pub fn weekday(self) -> usize {
        const T: [i32; 12] = [0, 3, 2, 5, 0, 3, 5, 1, 4, 6, 2, 4];
        let m = usize::from(self.month.clamp(1, 12)) - 1;
        let y = if self.month < 3 { self.year - 1 } else { self.year };
        let offset = T.get(m).copied().unwrap_or(0);
        let sunday_based = (y + y / 4 - y / 100 + y / 400 + offset + i32::from(self.day)).rem_euclid(7);
        // Sakamoto counts from Sunday = 0.
        usize::try_from((sunday_based + 6) % 7).unwrap_or(0)
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// Who did something: a position (посада) acting as an operator or coordinator, or the
/// queue itself (automatic postponement, automatic calls, end of day).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Actor {
    Position(String),
    System,
}

impl Actor {
    pub fn position(id: impl Into<String>) -> Self {
        Self::Position(id.into())
    }
}

impl fmt::Display for Actor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Position(id) => f.write_str(id),
            Self::System => f.write_str("system"),
        }
    }
}

/// A ticket of one day, numbered from 0 in issue order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct TicketId(pub u32);

/// A desk (window, робоче місце) by the number shown above it.
pub type DeskNo = u16;

/// Opening hours of one day, in minutes after local midnight.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hours {
    pub opens_min: u16,
    pub closes_min: u16,
}

/// Pre-booking of a service: slots of `length_min` minutes from opening to closing time,
/// each taking up to `capacity` bookings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlotRules {
    pub length_min: u16,
    pub capacity: u16,
}

/// A service visitors queue for, e.g. code `subsidy`, «Житлові субсидії», prefix «С».
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Service {
    pub code: String,
    pub name_uk: String,
    /// The letter(s) before a ticket's number: «С» gives «С-014».
    pub prefix: String,
    /// `None`: the service takes no pre-bookings.
    pub booking: Option<SlotRules>,
}

/// A desk and the services (by code) it serves.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Desk {
    pub number: DeskNo,
    pub services: Vec<String>,
}

impl Desk {
    pub fn serves(&self, service: &str) -> bool {
        self.services.iter().any(|s| s == service)
    }
}

/// Timing rules of the queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueRules {
    /// How long a called visitor has to come before the ticket is postponed (3 minutes).
    pub no_show_after_ms: i64,
    /// A booked ticket queues as if issued this long before its slot (5 minutes).
    pub booking_lead_ms: i64,
    /// A booked visitor checking in later than this after the slot start queues as a
    /// walk-in (15 minutes).
    pub booking_late_grace_ms: i64,
    /// After an automatic postponement, call the desk's next ticket at once.
    pub auto_call_next: bool,
}

impl Default for QueueRules {
    fn default() -> Self {
        Self {
            no_show_after_ms: 3 * Timestamp::MINUTE_MS,
            booking_lead_ms: 5 * Timestamp::MINUTE_MS,
            booking_late_grace_ms: 15 * Timestamp::MINUTE_MS,
            auto_call_next: true,
        }
    }
}

/// An office (e.g. the integrated social services centre): its services, desks, weekly
/// opening hours (Monday first; `None` = closed) and queue rules.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Office {
    pub id: String,
    pub name_uk: String,
    pub services: Vec<Service>,
    pub desks: Vec<Desk>,
    pub hours: [Option<Hours>; 7],
    pub rules: QueueRules,
}

impl Office {
    pub fn service(&self, code: &str) -> Option<&Service> {
        self.services.iter().find(|s| s.code == code)
    }

    pub fn desk(&self, number: DeskNo) -> Option<&Desk> {
        self.desks.iter().find(|d| d.number == number)
    }

    /// The concrete hours of `date`, whose local midnight is `midnight` (the caller knows
    /// the time zone and daylight saving); `None` if the office is closed that day.
    pub fn plan(&self, date: Date, midnight: Timestamp) -> Option<DayPlan> {
        let hours = self.hours.get(date.weekday()).copied().flatten()?;
        Some(DayPlan {
            date,
            opens: midnight.plus_minutes(i64::from(hours.opens_min)),
            closes: midnight.plus_minutes(i64::from(hours.closes_min)),
        })
    }

    /// Checks the configuration: unique service codes and prefixes, unique desk numbers,
    /// desks serving known services, sane hours and slots.
    pub fn validate(&self) -> Result<(), QueueError> {
        let bad = |what: String| Err(QueueError::InvalidOffice { what });
        for (i, s) in self.services.iter().enumerate() {
            if s.code.is_empty() || s.prefix.is_empty() {
                return bad(format!("service #{i} has an empty code or prefix"));
            }
            if self.services.iter().skip(i + 1).any(|o| o.code == s.code || o.prefix == s.prefix) {
                return bad(format!("service {} repeats a code or a prefix", s.code));
            }
            if s.booking.is_some_and(|b| b.length_min == 0 || b.capacity == 0) {
                return bad(format!("service {} has an empty booking slot", s.code));
            }
        }
        for (i, d) in self.desks.iter().enumerate() {
            if self.desks.iter().skip(i + 1).any(|o| o.number == d.number) {
                return bad(format!("desk {} appears twice", d.number));
            }
            if let Some(s) = d.services.iter().find(|s| self.service(s).is_none()) {
                return bad(format!("desk {} serves unknown service {s}", d.number));
            }
        }
        if self.hours.iter().flatten().any(|h| h.opens_min >= h.closes_min || h.closes_min > 24 * 60) {
            return bad("opening hours must open before they close, within the day".into());
        }
        Ok(())
    }
}

/// The concrete opening hours of one day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayPlan {
    pub date: Date,
    pub opens: Timestamp,
    pub closes: Timestamp,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn office() -> Office {
        let hours = Some(Hours { opens_min: 480, closes_min: 1020 });
        Office {
            id: "o".into(),
            name_uk: "Центр".into(),
            services: vec![
                Service { code: "a".into(), name_uk: "А".into(), prefix: "А".into(), booking: None },
                Service { code: "b".into(), name_uk: "Б".into(), prefix: "Б".into(), booking: None },
            ],
            desks: vec![Desk { number: 1, services: vec!["a".into()] }],
            hours: [hours, hours, hours, hours, hours, None, None],
            rules: QueueRules::default(),
        }
    }

    #[test]
    fn office_configuration_is_checked() {
        assert_eq!(office().validate(), Ok(()));
        let cases: Vec<(&str, fn(&mut Office))> = vec![
            ("same prefix", |o| o.services[1].prefix = "А".into()),
            ("same code", |o| o.services[1].code = "a".into()),
            ("empty prefix", |o| o.services[0].prefix.clear()),
            ("unknown service at a desk", |o| o.desks[0].services.push("z".into())),
            ("desk twice", |o| o.desks.push(Desk { number: 1, services: vec![] })),
            ("closing before opening", |o| o.hours[0] = Some(Hours { opens_min: 600, closes_min: 500 })),
            ("empty slot", |o| o.services[0].booking = Some(SlotRules { length_min: 0, capacity: 1 })),
        ];
        for (name, spoil) in cases {
            let mut o = office();
            spoil(&mut o);
            assert!(matches!(o.validate(), Err(QueueError::InvalidOffice { .. })), "{name}");
        }
    }

    #[test]
    fn a_plan_is_the_hours_of_the_weekday() {
        let midnight = Timestamp(1_000_000);
        let plan = office().plan(Date::new(2026, 11, 23), midnight).expect("Monday");
        assert_eq!((plan.opens, plan.closes), (midnight.plus_minutes(480), midnight.plus_minutes(1020)));
        assert_eq!(office().plan(Date::new(2026, 11, 29), midnight), None, "Sunday");
    }

    #[test]
    fn weekdays() {
        for (date, wd) in [
            (Date::new(2026, 11, 23), 0),
            (Date::new(2026, 11, 29), 6),
            (Date::new(2024, 2, 29), 3),
            (Date::new(2018, 10, 22), 0),
        ] {
            assert_eq!(date.weekday(), wd, "{date}");
        }
    }
}
