//! The office a queue serves, from a TOML file: the embedded demo office
//! (`assets/queue/office.toml`) or one named by the `queue_office` setting.
//!
//! ```toml
//! id = "demo"
//! name_uk = "ЦНАП / ЦІСП Демонстраційної громади"
//! [hours]            # local time; a day not listed is closed
//! mon = "08:00-17:00"
//! [rules]            # optional, defaults shown
//! no_show_after_secs = 180
//! [[services]]
//! code = "subsidy"
//! name_uk = "Житлові субсидії"
//! prefix = "С"
//! booking = { length_min = 20, capacity = 1 }   # optional: takes pre-bookings
//! [[desks]]
//! number = 1
//! services = ["subsidy"]
//! ```

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use crate::queue::{Desk, Hours, Office, QueueRules, Service, SlotRules};

/// The demo office, embedded in the binary.
pub const DEMO_OFFICE_TOML: &str = include_str!("../../../assets/queue/office.toml");

/// Why an office file cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum OfficeError {
    #[error("cannot read the office file {path}: {source}")]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("the office file is not valid: {0}")]
    Toml(#[from] toml::de::Error),
    #[error("the office file is not valid: {0}")]
    Invalid(String),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OfficeFile {
    id: String,
    name_uk: String,
    #[serde(default)]
    hours: BTreeMap<String, String>,
    #[serde(default)]
    rules: RulesFile,
    services: Vec<ServiceFile>,
    desks: Vec<DeskFile>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RulesFile {
    #[serde(default = "no_show")]
    no_show_after_secs: i64,
    #[serde(default = "lead")]
    booking_lead_secs: i64,
    #[serde(default = "grace")]
    booking_late_grace_secs: i64,
    #[serde(default = "yes")]
    auto_call_next: bool,
}

fn no_show() -> i64 {
    QueueRules::default().no_show_after_ms / 1000
}
fn lead() -> i64 {
    QueueRules::default().booking_lead_ms / 1000
}
fn grace() -> i64 {
    QueueRules::default().booking_late_grace_ms / 1000
}
fn yes() -> bool {
    true
}

impl Default for RulesFile {
    fn default() -> Self {
        Self {
            no_show_after_secs: no_show(),
            booking_lead_secs: lead(),
            booking_late_grace_secs: grace(),
            auto_call_next: true,
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ServiceFile {
    code: String,
    name_uk: String,
    prefix: String,
    booking: Option<SlotRules>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DeskFile {
    number: u16,
    services: Vec<String>,
}

const DAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

/// `HH:MM-HH:MM` as minutes after midnight.
fn parse_hours(day: &str, text: &str) -> Result<Hours, OfficeError> {
    let bad = || OfficeError::Invalid(format!("hours.{day}: expected \"HH:MM-HH:MM\", found \"{text}\""));
    let minutes = |t: &str| -> Option<u16> {
        let (h, m) = t.trim().split_once(':')?;
        let (h, m): (u16, u16) = (h.parse().ok()?, m.parse().ok()?);
        (h <= 24 && m < 60).then_some(h * 60 + m)
    };
    let (a, b) = text.split_once('-').ok_or_else(bad)?;
    Ok(Hours { opens_min: minutes(a).ok_or_else(bad)?, closes_min: minutes(b).ok_or_else(bad)? })
}

/// Reads and checks an office from TOML text.
pub fn parse_office(text: &str) -> Result<Office, OfficeError> {
    let f: OfficeFile = toml::from_str(text)?;
    let mut hours = [None; 7];
    for (day, range) in &f.hours {
        let i = DAYS
            .iter()
            .position(|d| d == day)
            .ok_or_else(|| OfficeError::Invalid(format!("hours: unknown day `{day}` (use {})", DAYS.join(", "))))?;
        if let Some(slot) = hours.get_mut(i) {
            *slot = Some(parse_hours(day, range)?);
        }
    }
    let r = &f.rules;
    if r.no_show_after_secs <= 0 || r.booking_lead_secs < 0 || r.booking_late_grace_secs < 0 {
        return Err(OfficeError::Invalid("rules: times must be positive".into()));
    }
    let office = Office {
        id: f.id,
        name_uk: f.name_uk,
        services: f
            .services
            .into_iter()
            .map(|s| Service { code: s.code, name_uk: s.name_uk, prefix: s.prefix, booking: s.booking })
            .collect(),
        desks: f.desks.into_iter().map(|d| Desk { number: d.number, services: d.services }).collect(),
        hours,
        rules: QueueRules {
            no_show_after_ms: r.no_show_after_secs.saturating_mul(1000),
            booking_lead_ms: r.booking_lead_secs.saturating_mul(1000),
            booking_late_grace_ms: r.booking_late_grace_secs.saturating_mul(1000),
            auto_call_next: r.auto_call_next,
        },
    };
    if office.id.is_empty() || !office.id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
        return Err(OfficeError::Invalid("id: letters, digits, `-` and `_` only (it is part of URLs)".into()));
    }
    office.validate().map_err(|e| OfficeError::Invalid(e.to_string()))?;
    Ok(office)
}

/// The office in the file at `path`, or the embedded demo office if `None`.
pub fn load_office(path: Option<&Path>) -> Result<Office, OfficeError> {
    match path {
        None => parse_office(DEMO_OFFICE_TOML),
        Some(p) => {
            let text = std::fs::read_to_string(p)
                .map_err(|source| OfficeError::Read { path: p.display().to_string(), source })?;
            parse_office(&text)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_office_is_valid() {
        let o = load_office(None).expect("demo office");
        assert_eq!(o.services.len(), 6);
        assert_eq!(o.desks.len(), 4);
        assert!(o.service("documents").is_some_and(|s| s.name_uk == "Донос документів"));
        assert_eq!(o.services.iter().filter(|s| s.booking.is_some()).count(), 1);
        assert_eq!(o.hours[0], Some(Hours { opens_min: 480, closes_min: 1020 }));
        assert_eq!((o.hours[5], o.hours[6]), (None, None));
    }

    #[test]
    fn mistakes_are_named() {
        let spoil = |from: &str, to: &str| parse_office(&DEMO_OFFICE_TOML.replacen(from, to, 1));
        assert!(matches!(spoil("mon = \"08:00-17:00\"", "mon = \"8 to 5\""), Err(OfficeError::Invalid(_))));
        assert!(matches!(spoil("mon = ", "monday = "), Err(OfficeError::Invalid(_))));
        assert!(matches!(spoil("prefix = \"М\"", "prefix = \"С\""), Err(OfficeError::Invalid(_))));
        assert!(matches!(spoil("id = \"demo\"", "id = \"a/b\""), Err(OfficeError::Invalid(_))));
        assert!(matches!(spoil("number = 1", "numbr = 1"), Err(OfficeError::Toml(_))));
    }
}
