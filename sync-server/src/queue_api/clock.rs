//! Where the queue's time comes from ([`Clock`]: the system's, or a [`ManualClock`] that
//! tests move) and how an instant maps to the office's local calendar ([`OfficeZone`]:
//! the IANA time zone from the bundled tzdb, so no system tzdata is needed).

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use crate::queue::{Date, Timestamp};

/// The time, for everything the queue service does.
pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> Timestamp;
}

/// The system's wall clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        Timestamp(crate::auth::Clock::now_ms(&crate::auth::SystemClock))
    }
}

/// A clock that moves only when told to; cloning shares it (one handle for the test, one
/// for the service). It also serves as the [`auth`](crate::auth) clock, so one test clock
/// drives sessions and the queue alike.
#[derive(Debug, Clone, Default)]
pub struct ManualClock(Arc<AtomicI64>);

impl ManualClock {
    pub fn new(now: Timestamp) -> Self {
        Self(Arc::new(AtomicI64::new(now.0)))
    }

    pub fn set(&self, now: Timestamp) {
        self.0.store(now.0, Ordering::SeqCst);
    }

    /// Moves the clock `ms` milliseconds on.
    pub fn advance(&self, ms: i64) {
        self.0.fetch_add(ms, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Timestamp {
        Timestamp(self.0.load(Ordering::SeqCst))
    }
}

impl crate::auth::Clock for ManualClock {
    fn now_ms(&self) -> i64 {
        self.0.load(Ordering::SeqCst)
    }
}

/// The office's time zone, for local dates and midnights (daylight saving included).
#[derive(Debug, Clone)]
pub struct OfficeZone {
    name: String,
    tz: jiff::tz::TimeZone,
}

/// The time zone is not in the bundled database.
#[derive(Debug, Clone, thiserror::Error)]
#[error("невідомий часовий пояс «{0}» / unknown time zone `{0}` (use an IANA name such as Europe/Kyiv)")]
pub struct UnknownZone(pub String);

impl OfficeZone {
    /// The zone of Ukrainian offices.
    pub const KYIV: &'static str = "Europe/Kyiv";

    /// The zone named `name` (IANA, e.g. `Europe/Kyiv`).
    pub fn named(name: &str) -> Result<Self, UnknownZone> {
        let tz = jiff::tz::TimeZone::get(name).map_err(|_| UnknownZone(name.to_owned()))?;
        Ok(Self { name: name.to_owned(), tz })
    }

    /// `Europe/Kyiv`.
    pub fn kyiv() -> Self {
        Self::named(Self::KYIV).unwrap_or_else(|_| Self { name: "UTC".into(), tz: jiff::tz::TimeZone::UTC })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// The local date at `at`.
    pub fn date_of(&self, at: Timestamp) -> Date {
        let ts = jiff::Timestamp::from_millisecond(at.0).unwrap_or(jiff::Timestamp::UNIX_EPOCH);
        let d = ts.to_zoned_datetime(self.tz.clone()).date();
        Date::new(i32::from(d.year()), u8::try_from(d.month()).unwrap_or(1), u8::try_from(d.day()).unwrap_or(1))
    }

    /// The instant the local `date` begins; `None` for a date that does not exist.
    pub fn midnight(&self, date: Date) -> Option<Timestamp> {
        let d = jiff::civil::Date::new(
            i16::try_from(date.year).ok()?,
            i8::try_from(date.month).ok()?,
            i8::try_from(date.day).ok()?,
        )
        .ok()?;
        let z = d.to_zoned_datetime(self.tz.clone()).ok()?;
        Some(Timestamp(z.timestamp().as_millisecond()))
    }
}

/// The date `days` days before `date`.
pub fn days_before(date: Date, days: i32) -> Option<Date> {
    let d = jiff::civil::Date::new(
        i16::try_from(date.year).ok()?,
        i8::try_from(date.month).ok()?,
        i8::try_from(date.day).ok()?,
    )
    .ok()?
    .checked_sub(jiff::Span::new().days(days))
    .ok()?;
    Some(Date::new(i32::from(d.year()), u8::try_from(d.month()).ok()?, u8::try_from(d.day()).ok()?))
}

/// Reads `YYYY-MM-DD`; `None` unless it is a real date.
pub fn parse_date(text: &str) -> Option<Date> {
    let d: jiff::civil::Date = text.trim().parse().ok()?;
    Some(Date::new(i32::from(d.year()), u8::try_from(d.month()).ok()?, u8::try_from(d.day()).ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kyiv_midnights_follow_daylight_saving() {
        let z = OfficeZone::kyiv();
        assert_eq!(z.name(), "Europe/Kyiv");
        // 2026-11-23 00:00 EET = 2026-11-22 22:00 UTC.
        let winter = z.midnight(Date::new(2026, 11, 23)).expect("date");
        assert_eq!(winter, Timestamp(1_795_384_800_000));
        // 2026-07-01 00:00 EEST = 2026-06-30 21:00 UTC.
        let summer = z.midnight(Date::new(2026, 7, 1)).expect("date");
        assert_eq!(summer, Timestamp(1_782_853_200_000));
        assert_eq!(z.date_of(winter), Date::new(2026, 11, 23));
        assert_eq!(z.date_of(winter.plus_ms(-1)), Date::new(2026, 11, 22));
        assert!(OfficeZone::named("Mars/Olympus").is_err());
    }

    #[test]
    fn dates_parse_only_when_real() {
        assert_eq!(parse_date("2026-11-23"), Some(Date::new(2026, 11, 23)));
        assert_eq!(parse_date("2026-02-30"), None);
        assert_eq!(parse_date("tomorrow"), None);
        assert_eq!(days_before(Date::new(2026, 3, 1), 1), Some(Date::new(2026, 2, 28)));
        assert_eq!(days_before(Date::new(2026, 1, 3), 7), Some(Date::new(2025, 12, 27)));
    }

    #[test]
    fn the_manual_clock_is_shared() {
        let c = ManualClock::new(Timestamp(5));
        let other = c.clone();
        other.advance(10);
        assert_eq!(c.now(), Timestamp(15));
        c.set(Timestamp(1));
        assert_eq!(crate::auth::Clock::now_ms(&other), 1);
    }
}
