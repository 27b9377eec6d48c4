//! Calendar dates as the case document stores them: ISO `YYYY-MM-DD` strings.

use std::fmt;

use super::FieldError;

/// A proleptic Gregorian calendar date. No clock and no time zone: dates in a case are
/// civil dates (a birth date, a document's expiry), compared as such.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    year: i32,
    month: u8,
    day: u8,
}

impl Date {
    /// A date, if it exists in the calendar.
    pub fn new(year: i32, month: u8, day: u8) -> Option<Self> {
        if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
            return None;
        }
        Some(Self { year, month, day })
    }

    /// Parses `YYYY-MM-DD`.
    pub fn parse_iso(s: &str) -> Result<Self, FieldError> {
        let b = s.as_bytes();
        let shape_ok = b.len() == 10
            && b[4] == b'-'
            && b[7] == b'-'
            && b.iter().enumerate().all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
        if !shape_ok {
            return Err(FieldError::DateFormat);
        }
        let num = |r: std::ops::Range<usize>| s[r].parse::<u16>().map_err(|_| FieldError::DateFormat);
        let (y, m, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
        let month = u8::try_from(m).map_err(|_| FieldError::NoSuchDate)?;
        let day = u8::try_from(d).map_err(|_| FieldError::NoSuchDate)?;
        Self::new(i32::from(y), month, day).ok_or(FieldError::NoSuchDate)
    }

    /// Parses the eight digits `YYYYMMDD` (as in a UNZR).
    pub fn parse_compact(s: &str) -> Result<Self, FieldError> {
        if s.len() != 8 || !s.bytes().all(|c| c.is_ascii_digit()) {
            return Err(FieldError::DateFormat);
        }
        Self::parse_iso(&format!("{}-{}-{}", &s[0..4], &s[4..6], &s[6..8]))
    }

    pub fn year(self) -> i32 {
        self.year
    }

    pub fn month(self) -> u8 {
        self.month
    }

    pub fn day(self) -> u8 {
        self.day
    }

    /// Days since 1970-01-01 (negative before), by Howard Hinnant's `days_from_civil`.
    pub fn days_since_epoch(self) -> i64 {
        let y = i64::from(self.year) - i64::from(self.month <= 2);
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let m = i64::from(self.month);
        let doy = (153 * (m + if m > 2 { -3 } else { 9 }) + 2) / 5 + i64::from(self.day) - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe - 719_468
    }

    /// The date `days` after 1970-01-01 (the inverse of [`Date::days_since_epoch`]).
    pub fn from_days_since_epoch(days: i64) -> Option<Self> {
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = u8::try_from(doy - (153 * mp + 2) / 5 + 1).ok()?;
        let month = u8::try_from(if mp < 10 { mp + 3 } else { mp - 9 }).ok()?;
        let year = i32::try_from(yoe + era * 400 + i64::from(month <= 2)).ok()?;
        Self::new(year, month, day)
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

fn days_in_month(year: i32, month: u8) -> u8 {
    match month {
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_real_dates_and_refuses_impossible_ones() {
        let cases: &[(&str, Result<(i32, u8, u8), FieldError>)] = &[
            ("1969-08-06", Ok((1969, 8, 6))),
            ("2024-02-29", Ok((2024, 2, 29))),
            ("2000-02-29", Ok((2000, 2, 29))),
            ("1900-02-29", Err(FieldError::NoSuchDate)),
            ("2023-02-29", Err(FieldError::NoSuchDate)),
            ("2023-04-31", Err(FieldError::NoSuchDate)),
            ("2023-13-01", Err(FieldError::NoSuchDate)),
            ("2023-00-10", Err(FieldError::NoSuchDate)),
            ("2023-1-10", Err(FieldError::DateFormat)),
            ("06.08.1969", Err(FieldError::DateFormat)),
            ("", Err(FieldError::DateFormat)),
            ("２０２３-01-01", Err(FieldError::DateFormat)),
        ];
        for (input, want) in cases {
            let got = Date::parse_iso(input).map(|d| (d.year(), d.month(), d.day()));
            assert_eq!(&got, want, "{input}");
        }
    }

    #[test]
    fn epoch_day_round_trip() {
        for days in [-80_000, -25_567, -1, 0, 1, 10_957, 19_782, 60_000] {
            let d = Date::from_days_since_epoch(days).expect("in range");
            assert_eq!(d.days_since_epoch(), days, "{d}");
        }
        assert_eq!(Date::new(1970, 1, 1).map(Date::days_since_epoch), Some(0));
        assert_eq!(Date::new(1899, 12, 31).map(Date::days_since_epoch), Some(-25_568));
    }
}
