//! Statistics of service from the event logs of one or more days: waiting time (issued
//! or redirected → called), service time (serving started → done or redirected), and
//! no-shows (calls that ended postponed or absent, over all calls), per service, desk,
//! operator (position) and day; and the same as CSV for the reporting screens.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;

use serde::Serialize;

use super::TicketId;
use super::event::{EventKind, QueueEvent};
use super::model::{Date, DeskNo, Timestamp};

/// What a statistics row is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Dimension {
    Service,
    Desk,
    Operator,
}

impl Dimension {
    pub fn code(self) -> &'static str {
        match self {
            Self::Service => "service",
            Self::Desk => "desk",
            Self::Operator => "operator",
        }
    }
}

/// Sums for one (day, dimension, key). Times in milliseconds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Figures {
    pub calls: u32,
    pub no_shows: u32,
    pub waits: u32,
    pub wait_total_ms: i64,
    pub wait_max_ms: i64,
    pub served: u32,
    pub service_total_ms: i64,
    pub service_max_ms: i64,
}

impl Figures {
    pub fn wait_avg_ms(&self) -> Option<i64> {
        (self.waits > 0).then(|| self.wait_total_ms / i64::from(self.waits))
    }

    pub fn service_avg_ms(&self) -> Option<i64> {
        (self.served > 0).then(|| self.service_total_ms / i64::from(self.served))
    }

    /// No-shows over calls; `None` without calls.
    pub fn no_show_rate(&self) -> Option<f64> {
        (self.calls > 0).then(|| f64::from(self.no_shows) / f64::from(self.calls))
    }
}

/// The statistics, keyed by (day, dimension, key), in that order.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct QueueStats {
    pub rows: BTreeMap<(Date, Dimension, String), Figures>,
}

#[derive(Default)]
struct Track {
    service: String,
    queued_since: Option<Timestamp>,
    call: Option<(DeskNo, String)>,
    serving: Option<(DeskNo, String, Timestamp)>,
}

impl QueueStats {
    /// Reads the logs of any number of days, each starting with its `Opened` event.
    /// Events before the first `Opened` are ignored.
    pub fn from_events<'a>(events: impl IntoIterator<Item = &'a QueueEvent>) -> Self {
        let mut stats = Self::default();
        let mut day: Option<Date> = None;
        let mut tickets: HashMap<TicketId, Track> = HashMap::new();
        for ev in events {
            if let EventKind::Opened { plan, .. } = &ev.kind {
                day = Some(plan.date);
                tickets.clear();
                continue;
            }
            let (Some(day), Some(id)) = (day, ev.kind.ticket()) else { continue };
            let t = tickets.entry(id).or_default();
            match &ev.kind {
                EventKind::Issued { service, .. } => {
                    t.service = service.clone();
                    t.queued_since = Some(ev.at);
                }
                EventKind::Called { desk, position, .. } => {
                    let wait = t.queued_since.take().map(|q| ev.at.since(q));
                    stats.add(day, &t.service, *desk, position, |f| {
                        f.calls += 1;
                        if let Some(w) = wait {
                            f.waits += 1;
                            f.wait_total_ms += w;
                            f.wait_max_ms = f.wait_max_ms.max(w);
                        }
                    });
                    t.call = Some((*desk, position.clone()));
                }
                EventKind::ServingStarted { .. } => {
                    if let Some((desk, position)) = t.call.take() {
                        t.serving = Some((desk, position, ev.at));
                    }
                }
                EventKind::Postponed { .. } | EventKind::Absent { .. } => {
                    if let Some((desk, position)) = t.call.take() {
                        stats.add(day, &t.service, desk, &position, |f| f.no_shows += 1);
                    }
                }
                EventKind::Done { .. } | EventKind::Redirected { .. } => {
                    if let Some((desk, position, since)) = t.serving.take() {
                        let took = ev.at.since(since);
                        stats.add(day, &t.service, desk, &position, |f| {
                            f.served += 1;
                            f.service_total_ms += took;
                            f.service_max_ms = f.service_max_ms.max(took);
                        });
                    }
                    if let EventKind::Redirected { service, .. } = &ev.kind {
                        t.call = None;
                        t.service = service.clone();
                        t.queued_since = Some(ev.at);
                    }
                }
                EventKind::Cancelled { .. } => *t = Track::default(),
                _ => {}
            }
        }
        stats
    }

    fn add(&mut self, day: Date, service: &str, desk: DeskNo, position: &str, f: impl Fn(&mut Figures)) {
        for key in [
            (day, Dimension::Service, service.to_owned()),
            (day, Dimension::Desk, desk.to_string()),
            (day, Dimension::Operator, position.to_owned()),
        ] {
            f(self.rows.entry(key).or_default());
        }
    }

    /// The figures for one row, if there were any.
    pub fn get(&self, day: Date, dim: Dimension, key: &str) -> Option<&Figures> {
        self.rows.get(&(day, dim, key.to_owned()))
    }

    /// CSV with a header; times in whole seconds, rates with three decimals, empty where
    /// there is nothing to average.
    pub fn to_csv(&self) -> String {
        let mut out = String::from(
            "day,dimension,key,calls,no_shows,no_show_rate,waits,wait_avg_s,wait_max_s,served,service_avg_s,service_max_s\n",
        );
        let secs = |ms: Option<i64>| ms.map(|m| ((m + 500) / 1000).to_string()).unwrap_or_default();
        for ((day, dim, key), f) in &self.rows {
            let rate = f.no_show_rate().map(|r| format!("{r:.3}")).unwrap_or_default();
            let _ = writeln!(
                out,
                "{day},{},{},{},{},{rate},{},{},{},{},{},{}",
                dim.code(),
                csv_field(key),
                f.calls,
                f.no_shows,
                f.waits,
                secs(f.wait_avg_ms()),
                secs((f.waits > 0).then_some(f.wait_max_ms)),
                f.served,
                secs(f.service_avg_ms()),
                secs((f.served > 0).then_some(f.service_max_ms)),
            );
        }
        out
    }
}

/// Quotes a CSV field when it holds a comma, a quote or a line break; a leading `=`,
/// `+`, `-` or `@` is prefixed with `'` so a spreadsheet does not run it as a formula.
fn csv_field(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@']) { format!("'{s}") } else { s.to_owned() };
    if s.contains([',', '"', '\n', '\r']) { format!("\"{}\"", s.replace('"', "\"\"")) } else { s }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_are_quoted_and_defused() {
        for (raw, want) in
            [("pos-1", "pos-1"), ("a,b", "\"a,b\""), ("say \"hi\"", "\"say \"\"hi\"\"\""), ("=1+1", "'=1+1")]
        {
            assert_eq!(csv_field(raw), want);
        }
    }
}
