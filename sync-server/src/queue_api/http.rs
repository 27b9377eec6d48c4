//! The public routes of the queue (no session needed): the office, kiosk tickets, the
//! hall display, desk monitors, pre-booking. Staff routes are in [`super::http_staff`],
//! the live stream in [`super::sse`], the status lookup in [`super::lookup`].

use std::sync::Arc;

use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{FromRef, Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::clock::parse_date;
use super::dto::{BookBody, BookingView, CancelBody, IssueBody, OfficeView, SlotView, TicketView};
use super::error::{ApiError, json_body};
use super::lookup::Lookup;
use super::service::QueueService;
use crate::auth::{Auth, AuthError, SessionInfo};
use crate::queue::{
    Actor, BookingId, BookingRequest, Channel, ContactKey, DeskNo, IssueRequest, Priority, QueueError, Source,
    TicketId, Timestamp,
};

/// What the queue's handlers share.
#[derive(Clone)]
pub(crate) struct ApiState {
    pub(crate) queue: Option<Arc<QueueService>>,
    pub(crate) auth: Arc<Auth>,
    pub(crate) lookup: Arc<Lookup>,
}

impl FromRef<ApiState> for Arc<Auth> {
    fn from_ref(s: &ApiState) -> Self {
        s.auth.clone()
    }
}

impl ApiState {
    pub(crate) fn queue(&self) -> Result<&Arc<QueueService>, ApiError> {
        self.queue.as_ref().ok_or(ApiError::Disabled)
    }
}

/// The path, or a 400.
pub(crate) fn path<T>(p: Result<Path<T>, PathRejection>) -> Result<T, ApiError> {
    p.map(|Path(t)| t).map_err(|r| ApiError::Malformed(r.body_text()))
}

/// The query, or a 400.
pub(crate) fn query<T>(q: Result<Query<T>, QueryRejection>) -> Result<T, ApiError> {
    q.map(|Query(t)| t).map_err(|r| ApiError::Malformed(r.body_text()))
}

pub(crate) fn routes() -> Router<ApiState> {
    Router::new()
        .route("/api/v1/queue/{office}", get(office_view))
        .route("/api/v1/queue/{office}/tickets", post(issue))
        .route("/api/v1/queue/{office}/hall", get(hall))
        .route("/api/v1/queue/{office}/desks/{desk}", get(desk_monitor))
        .route("/api/v1/queue/{office}/slots", get(slots))
        .route("/api/v1/queue/{office}/bookings", post(book))
        .route("/api/v1/queue/{office}/bookings/{id}/cancel", post(cancel))
        .route("/api/v1/queue/{office}/bookings/{id}/check-in", post(check_in))
}

async fn office_view(
    State(s): State<ApiState>,
    office: Result<Path<String>, PathRejection>,
) -> Result<Json<OfficeView>, ApiError> {
    let office = path(office)?;
    let view =
        s.queue()?.read(&office, |o, live, now| Ok(OfficeView::of(o, live.date, live.day.as_ref(), now))).await?;
    Ok(Json(view))
}

async fn hall(State(s): State<ApiState>, office: Result<Path<String>, PathRejection>) -> Result<Response, ApiError> {
    let office = path(office)?;
    let snap = s.queue()?.subscribe(&office)?.borrow().clone();
    Ok(([(header::CONTENT_TYPE, "application/json")], snap.hall_json.to_string()).into_response())
}

async fn desk_monitor(
    State(s): State<ApiState>,
    p: Result<Path<(String, DeskNo)>, PathRejection>,
) -> Result<Response, ApiError> {
    let (office, desk) = path(p)?;
    let monitor = s
        .queue()?
        .read(&office, |o, live, _| {
            super::dto::monitors(o, live.day.as_ref())
                .into_iter()
                .find(|m| m.desk == desk)
                .ok_or(QueueError::UnknownDesk { desk }.into())
        })
        .await?;
    Ok(Json(monitor).into_response())
}

/// The session of the request, if it has an `Authorization: Bearer` header.
pub(crate) async fn optional_session(auth: &Auth, headers: &HeaderMap) -> Result<Option<SessionInfo>, ApiError> {
    let Some(value) = headers.get(header::AUTHORIZATION) else { return Ok(None) };
    let token = value
        .to_str()
        .ok()
        .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
        .map(str::trim)
        .ok_or(AuthError::NoSession)?;
    Ok(Some(auth.authenticate(token).await?))
}

/// `position` if the session holds it, else 403.
pub(crate) fn acting(session: &SessionInfo, position: &str) -> Result<Actor, ApiError> {
    if session.positions.iter().any(|p| p.id == position) {
        Ok(Actor::position(position))
    } else {
        Err(ApiError::PositionNotInSession(position.to_owned()))
    }
}

async fn issue(
    State(s): State<ApiState>,
    office: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
    body: Result<Json<IssueBody>, JsonRejection>,
) -> Result<(StatusCode, Json<TicketView>), ApiError> {
    let office = path(office)?;
    let body = json_body(body)?;
    let session = optional_session(&s.auth, &headers).await?;
    let (req, by) = match (&session, &body.position) {
        (Some(session), Some(position)) => {
            let by = acting(session, position)?;
            let priority = if body.out_of_turn { Priority::OutOfTurn } else { Priority::Regular };
            let req = IssueRequest {
                service: body.service.clone(),
                source: Source::Staff,
                priority,
                case_id: body.case_id.clone().filter(|c| !c.is_empty()),
            };
            (req, by)
        }
        (None, _) if body.out_of_turn || body.position.is_some() => return Err(AuthError::NoSession.into()),
        (Some(_), None) if body.out_of_turn => {
            return Err(ApiError::invalid("position_required", "вкажіть посаду / name the acting position"));
        }
        _ => (IssueRequest::kiosk(body.service.clone()), Actor::System),
    };
    let view = s
        .queue()?
        .run(&office, false, |day, _, now| {
            let id = day.issue(req, by, now)?;
            Ok(day.ticket(id).map(|t| TicketView::of(day, t)))
        })
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok((StatusCode::CREATED, Json(view)))
}

#[derive(Debug, Deserialize)]
struct SlotQuery {
    service: Option<String>,
    date: Option<String>,
}

async fn slots(
    State(s): State<ApiState>,
    office: Result<Path<String>, PathRejection>,
    q: Result<Query<SlotQuery>, QueryRejection>,
) -> Result<Json<Vec<SlotView>>, ApiError> {
    let office = path(office)?;
    let q = query(q)?;
    let service = q.service.ok_or_else(|| ApiError::Malformed("service=CODE".into()))?;
    let queue = s.queue()?;
    let date = match q.date {
        Some(d) => parse_date(&d).ok_or_else(|| ApiError::Malformed("date=YYYY-MM-DD".into()))?,
        None => queue.zone().date_of(queue.now()),
    };
    let out = queue
        .read(&office, |o, live, _| {
            let Some(plan) = queue.plan(o, date) else { return Ok(Vec::new()) };
            let slots = live.book.slots(o, &plan, &service)?;
            Ok(slots
                .into_iter()
                .map(|sl| SlotView { start: sl.start, end: sl.end, free: sl.capacity.saturating_sub(sl.taken) })
                .collect())
        })
        .await?;
    Ok(Json(out))
}

/// A phone number or an e-mail address as the book keeps it, or a 422.
fn contact_key(raw: &str) -> Result<ContactKey, ApiError> {
    let raw = raw.trim();
    let bad = || {
        ApiError::invalid(
            "bad_contact",
            "вкажіть номер телефону або адресу електронної пошти / give a phone number or an e-mail address",
        )
    };
    if raw.contains('@') {
        let (user, domain) = raw.split_once('@').ok_or_else(bad)?;
        let ok = !user.is_empty() && domain.contains('.') && !domain.contains('@') && raw.len() <= 254;
        return if ok && !raw.contains(char::is_whitespace) { Ok(ContactKey::email(raw)) } else { Err(bad()) };
    }
    let digits = raw.chars().filter(char::is_ascii_digit).count();
    let allowed = raw.chars().all(|c| c.is_ascii_digit() || " +-()".contains(c));
    if allowed && (9..=15).contains(&digits) { Ok(ContactKey::phone(raw)) } else { Err(bad()) }
}

/// The code shown with a booking: six digits bound to the office, booking, slot and contact.
fn booking_code(office: &str, id: BookingId, slot: Timestamp, contact: &ContactKey) -> String {
    let mut h = Sha256::new();
    h.update(b"keis-booking-v1");
    h.update(office.as_bytes());
    h.update(id.0.to_be_bytes());
    h.update(slot.0.to_be_bytes());
    h.update(serde_json::to_vec(contact).unwrap_or_default());
    let d = h.finalize();
    let n = u32::from_be_bytes([d[0], d[1], d[2], d[3]]) % 1_000_000;
    format!("{n:06}")
}

async fn book(
    State(s): State<ApiState>,
    office: Result<Path<String>, PathRejection>,
    body: Result<Json<BookBody>, JsonRejection>,
) -> Result<(StatusCode, Json<BookingView>), ApiError> {
    let office = path(office)?;
    let b = json_body(body)?;
    let name = b.name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(ApiError::invalid("bad_name", "вкажіть ім'я (до 100 знаків) / give a name (up to 100 characters)"));
    }
    let contact = contact_key(&b.contact)?;
    let queue = s.queue()?;
    let view = queue
        .run_book(&office, |o, book, now| {
            let date = queue.zone().date_of(b.start);
            let plan = queue.plan(o, date).ok_or(QueueError::NoSuchSlot)?;
            let req = BookingRequest {
                service: b.service.clone(),
                slot: b.start,
                channel: Channel::Web,
                contact: contact.clone(),
                case_id: None,
            };
            let id = book.book(o, &plan, req, now)?;
            let length = o.service(&b.service).and_then(|sv| sv.booking).map_or(0, |r| i64::from(r.length_min));
            Ok(BookingView {
                id: id.0,
                service: b.service.clone(),
                start: b.start,
                end: b.start.plus_minutes(length),
                code: booking_code(&o.id, id, b.start, &contact),
            })
        })
        .await?;
    Ok((StatusCode::CREATED, Json(view)))
}

async fn cancel(
    State(s): State<ApiState>,
    p: Result<Path<(String, u32)>, PathRejection>,
    body: Result<Json<CancelBody>, JsonRejection>,
) -> Result<StatusCode, ApiError> {
    let (office, id) = path(p)?;
    let contact = contact_key(&json_body(body)?.contact)?;
    s.queue()?
        .run_book(&office, |_, book, now| {
            // A booking of someone else is as unknown as no booking at all.
            let unknown = ApiError::Queue(QueueError::UnknownBooking { id });
            if book.booking(BookingId(id)).is_none_or(|b| b.contact != contact) {
                return Err(unknown);
            }
            Ok(book.cancel(BookingId(id), now)?)
        })
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn check_in(
    State(s): State<ApiState>,
    p: Result<Path<(String, u32)>, PathRejection>,
) -> Result<(StatusCode, Json<TicketView>), ApiError> {
    let (office, id) = path(p)?;
    let view = s
        .queue()?
        .run(&office, true, |day, book, now| {
            let t: TicketId = day.check_in(book, BookingId(id), Actor::System, now)?;
            Ok(day.ticket(t).map(|t| TicketView::of(day, t)))
        })
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok((StatusCode::CREATED, Json(view)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contacts_are_phones_or_addresses() {
        assert_eq!(contact_key("+38 (050) 123-45-67").ok(), Some(ContactKey::phone("0501234567")));
        assert_eq!(contact_key(" Olena@Example.org ").ok(), Some(ContactKey::email("olena@example.org")));
        for bad in ["", "12345", "call me", "a@b", "@x.org", "050 123 45 67 ext 2"] {
            assert!(contact_key(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn booking_codes_differ_by_booking() {
        let c = ContactKey::phone("0501234567");
        let a = booking_code("demo", BookingId(1), Timestamp(10), &c);
        assert_eq!(a.len(), 6);
        assert_eq!(a, booking_code("demo", BookingId(1), Timestamp(10), &c));
        assert_ne!(a, booking_code("demo", BookingId(2), Timestamp(10), &c));
    }
}
