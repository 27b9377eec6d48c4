//! The JSON bodies of the queue's HTTP API (answers and requests), built from the core's
//! views. Field names are a contract with the public pages: change them only with them.

use serde::{Deserialize, Serialize};

use crate::queue::{
    CallNotice, Date, DeskMonitor, DeskNo, HallRow, Office, QueueDay, StatusKind, Ticket, TicketId, Timestamp,
};

/// `GET /api/v1/queue/{office}`: the office, today and its services.
#[derive(Debug, Clone, Serialize)]
pub struct OfficeView {
    pub office: OfficeName,
    pub date: String,
    /// Open for kiosk tickets now.
    pub open: bool,
    pub services: Vec<ServiceView>,
    pub desks: Vec<DeskMonitor>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OfficeName {
    pub id: String,
    pub name_uk: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ServiceView {
    pub code: String,
    pub name_uk: String,
    pub prefix: String,
    /// Tickets waiting for it now.
    pub waiting: usize,
    pub bookable: bool,
}

impl OfficeView {
    /// The view of `office` on `date` with its `day` (if open that day) at `now`.
    pub fn of(office: &Office, date: Date, day: Option<&QueueDay>, now: Timestamp) -> Self {
        let waiting = |code: &str| {
            day.map_or(0, |d| {
                d.tickets().iter().filter(|t| t.service == code && t.status.kind() == StatusKind::Waiting).count()
            })
        };
        Self {
            office: OfficeName { id: office.id.clone(), name_uk: office.name_uk.clone() },
            date: date.to_string(),
            open: day.is_some_and(|d| !d.is_closed() && d.plan().opens <= now && now < d.plan().closes),
            services: office
                .services
                .iter()
                .map(|s| ServiceView {
                    code: s.code.clone(),
                    name_uk: s.name_uk.clone(),
                    prefix: s.prefix.clone(),
                    waiting: waiting(&s.code),
                    bookable: s.booking.is_some(),
                })
                .collect(),
            desks: monitors(office, day),
        }
    }
}

/// Every desk's monitor (empty monitors on a day the office is closed).
pub fn monitors(office: &Office, day: Option<&QueueDay>) -> Vec<DeskMonitor> {
    match day {
        Some(d) => d.desk_monitors(),
        None => office
            .desks
            .iter()
            .map(|d| DeskMonitor { desk: d.number, ticket: None, status: None, operator: None })
            .collect(),
    }
}

/// `GET /api/v1/queue/{office}/hall` and the `hall` event of the live stream.
#[derive(Debug, Clone, Serialize)]
pub struct HallView {
    /// The last event of the day (0 before the day opened).
    pub seq: u64,
    pub rows: Vec<HallRowOut>,
    pub desks: Vec<DeskMonitor>,
}

/// A [`HallRow`] as the core serialises it, plus the service's name.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct HallRowOut {
    pub number: String,
    pub service: String,
    pub service_name_uk: String,
    pub status: StatusKind,
    pub desk: Option<DeskNo>,
    pub operator: Option<String>,
    pub ahead: Option<usize>,
}

impl HallView {
    pub fn of(office: &Office, day: Option<&QueueDay>) -> Self {
        let name = |code: &str| office.service(code).map(|s| s.name_uk.clone()).unwrap_or_default();
        let row = |r: HallRow| HallRowOut {
            service_name_uk: name(&r.service),
            number: r.number,
            service: r.service,
            status: r.status,
            desk: r.desk,
            operator: r.operator,
            ahead: r.ahead,
        };
        Self {
            seq: day.and_then(|d| d.events().last()).map_or(0, |e| e.seq),
            rows: day.map(|d| d.hall_display().into_iter().map(row).collect()).unwrap_or_default(),
            desks: monitors(office, day),
        }
    }
}

/// The `call` event of the live stream: a [`CallNotice`] and the service's name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallOut {
    pub seq: u64,
    pub number: String,
    pub desk: DeskNo,
    pub operator: Option<String>,
    pub again: bool,
    pub service_name_uk: String,
}

impl CallOut {
    pub fn of(day: &QueueDay, n: CallNotice) -> Self {
        let service_name_uk = day.office().service(&n.service).map(|s| s.name_uk.clone()).unwrap_or_default();
        Self { seq: n.seq, number: n.number, desk: n.desk, operator: n.operator, again: n.again, service_name_uk }
    }
}

/// A ticket as the kiosk and the operator's actions answer it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TicketView {
    pub id: TicketId,
    pub number: String,
    pub service: String,
    pub service_name_uk: String,
    /// Waiting tickets of the same service ahead (waiting tickets only).
    pub ahead: Option<usize>,
    pub issued_at: Timestamp,
    pub status: StatusKind,
    pub desk: Option<DeskNo>,
    pub case_id: Option<String>,
}

impl TicketView {
    pub fn of(day: &QueueDay, t: &Ticket) -> Self {
        Self {
            id: t.id,
            number: t.number.clone(),
            service: t.service.clone(),
            service_name_uk: day.office().service(&t.service).map(|s| s.name_uk.clone()).unwrap_or_default(),
            ahead: day.ahead_of(t.id),
            issued_at: t.created_at,
            status: t.status.kind(),
            desk: t.status.desk(),
            case_id: t.case_id.clone(),
        }
    }
}

/// One slot of `GET …/slots`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SlotView {
    pub start: Timestamp,
    pub end: Timestamp,
    /// Places left.
    pub free: u16,
}

/// `POST …/bookings` answer.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BookingView {
    pub id: u32,
    pub service: String,
    pub start: Timestamp,
    pub end: Timestamp,
    /// Shown to the visitor: say it at the desk or type it at the kiosk.
    pub code: String,
}

/// One row of `GET …/stats`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StatsRow {
    pub day: String,
    pub dimension: String,
    pub key: String,
    pub calls: u32,
    pub no_shows: u32,
    pub no_show_rate: Option<f64>,
    pub waits: u32,
    pub wait_avg_ms: Option<i64>,
    pub wait_max_ms: i64,
    pub served: u32,
    pub service_avg_ms: Option<i64>,
    pub service_max_ms: i64,
}

/// The body of every kiosk and staff ticket request.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct IssueBody {
    pub service: String,
    #[serde(default)]
    pub out_of_turn: bool,
    pub position: Option<String>,
    pub case_id: Option<String>,
}

/// `POST …/bookings`.
#[derive(Debug, Clone, Deserialize)]
pub struct BookBody {
    pub service: String,
    pub start: Timestamp,
    pub name: String,
    /// A phone number or an e-mail address.
    pub contact: String,
}

/// `POST …/bookings/{id}/cancel`.
#[derive(Debug, Clone, Deserialize)]
pub struct CancelBody {
    pub contact: String,
}

/// The body of the staff routes: which of the session's positions acts, and what else
/// the action needs.
#[derive(Debug, Clone, Deserialize)]
pub struct StaffBody {
    pub position: String,
    pub desk: Option<DeskNo>,
    /// Sign-in: the name the desk monitor shows.
    pub name: Option<String>,
    /// Redirect: the new service.
    pub service: Option<String>,
    /// Link-case: the case.
    pub case_id: Option<String>,
}
