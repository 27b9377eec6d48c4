//! The staff routes of the queue: a bearer session ([`Authenticated`]), and the body
//! names which of the session's positions acts (`{position}`; 403 if the session does
//! not hold it). Sign in and out at a desk, call, serve, postpone, redirect, link a case,
//! the console, statistics, closing the day.

use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use keis_crdt::Role;
use serde::Deserialize;

use super::clock::parse_date;
use super::dto::{StaffBody, StatsRow, TicketView};
use super::error::{ApiError, json_body};
use super::http::{ApiState, acting, path, query};
use crate::auth::Authenticated;
use crate::queue::{Console, DeskNo, QueueDay, QueueError, QueueStats, RedirectTo, TicketId};

pub(crate) fn routes() -> Router<ApiState> {
    Router::new()
        .route("/api/v1/queue/{office}/desks/{desk}/sign-in", post(sign_in))
        .route("/api/v1/queue/{office}/desks/{desk}/sign-out", post(sign_out))
        .route("/api/v1/queue/{office}/desks/{desk}/call-next", post(call_next))
        .route("/api/v1/queue/{office}/desks/{desk}/console", get(console))
        .route("/api/v1/queue/{office}/tickets/{id}/{action}", post(ticket_action))
        .route("/api/v1/queue/{office}/stats", get(stats))
        .route("/api/v1/queue/{office}/stats.csv", get(stats_csv))
        .route("/api/v1/queue/{office}/close", post(close))
}

type DeskPath = Result<Path<(String, DeskNo)>, PathRejection>;
type Body = Result<Json<StaffBody>, JsonRejection>;

async fn sign_in(
    State(s): State<ApiState>,
    Authenticated(session): Authenticated,
    p: DeskPath,
    body: Body,
) -> Result<Response, ApiError> {
    let (office, desk) = path(p)?;
    let b = json_body(body)?;
    acting(&session, &b.position)?;
    let name = b.name.as_deref().map(str::trim).unwrap_or_default().to_owned();
    if name.is_empty() || name.chars().count() > 80 {
        return Err(ApiError::invalid(
            "bad_name",
            "вкажіть ім'я для монітора (до 80 знаків) / give the name the desk monitor shows (up to 80 characters)",
        ));
    }
    let monitor = s
        .queue()?
        .run(&office, false, |day, _, now| {
            day.sign_in(desk, &b.position, &name, now)?;
            Ok(day.desk_monitor(desk))
        })
        .await?;
    Ok(Json(monitor).into_response())
}

async fn sign_out(
    State(s): State<ApiState>,
    Authenticated(session): Authenticated,
    p: DeskPath,
    body: Body,
) -> Result<Response, ApiError> {
    let (office, desk) = path(p)?;
    let b = json_body(body)?;
    let by = acting(&session, &b.position)?;
    let monitor = s
        .queue()?
        .run(&office, false, |day, _, now| {
            day.sign_out(desk, by, now)?;
            Ok(day.desk_monitor(desk))
        })
        .await?;
    Ok(Json(monitor).into_response())
}

async fn call_next(
    State(s): State<ApiState>,
    Authenticated(session): Authenticated,
    p: DeskPath,
    body: Body,
) -> Result<Json<Option<TicketView>>, ApiError> {
    let (office, desk) = path(p)?;
    let by = acting(&session, &json_body(body)?.position)?;
    let view = s
        .queue()?
        .run(&office, false, |day, _, now| {
            let called = day.call_next(desk, by, now)?;
            Ok(called.and_then(|t| day.ticket(t)).map(|t| TicketView::of(day, t)))
        })
        .await?;
    Ok(Json(view))
}

async fn console(
    State(s): State<ApiState>,
    Authenticated(_): Authenticated,
    p: DeskPath,
) -> Result<Json<Console>, ApiError> {
    let (office, desk) = path(p)?;
    let c = s
        .queue()?
        .read(&office, |o, live, _| {
            o.desk(desk).ok_or(QueueError::UnknownDesk { desk })?;
            Ok(live.day.as_ref().and_then(|d| d.console(desk)).unwrap_or(Console {
                current: None,
                waiting: vec![],
                postponed: vec![],
            }))
        })
        .await?;
    Ok(Json(c))
}

/// The desk where `position` is signed in.
fn desk_of(day: &QueueDay, position: &str) -> Option<DeskNo> {
    day.office()
        .desks
        .iter()
        .map(|d| d.number)
        .find(|n| day.desk(*n).and_then(|d| d.operator.as_ref()).is_some_and(|o| o.position == position))
}

async fn ticket_action(
    State(s): State<ApiState>,
    Authenticated(session): Authenticated,
    p: Result<Path<(String, u32, String)>, PathRejection>,
    body: Body,
) -> Result<Json<TicketView>, ApiError> {
    let (office, id, action) = path(p)?;
    let b = json_body(body)?;
    let by = acting(&session, &b.position)?;
    let ticket = TicketId(id);
    let view = s
        .queue()?
        .run(&office, false, |day, _, now| {
            let desk = || {
                b.desk
                    .or_else(|| desk_of(day, &b.position))
                    .ok_or_else(|| QueueError::NoOperator { desk: b.desk.unwrap_or(0) })
            };
            match action.as_str() {
                "call" => {
                    let d = desk()?;
                    day.call(ticket, d, by, now)?;
                }
                "call-again" => {
                    let d = desk()?;
                    day.call_again(ticket, d, by, now)?;
                }
                "start" => {
                    day.start_serving(ticket, by, now)?;
                }
                "finish" => {
                    day.finish(ticket, by, now)?;
                }
                "postpone" => {
                    day.postpone(ticket, by, now)?;
                }
                "absent" => {
                    day.mark_absent(ticket, by, now)?;
                }
                "redirect" => {
                    let current = day.ticket(ticket).ok_or(QueueError::UnknownTicket { id })?.service.clone();
                    let to = RedirectTo { service: b.service.clone().unwrap_or(current), desk: b.desk };
                    day.redirect(ticket, to, by, now)?;
                }
                "link-case" => {
                    let case = b.case_id.as_deref().map(str::trim).filter(|c| !c.is_empty() && c.len() <= 100);
                    let Some(case) = case else {
                        return Ok(Err(ApiError::invalid(
                            "bad_case_id",
                            "вкажіть справу (case_id) / give the case (case_id)",
                        )));
                    };
                    day.link_case(ticket, case, by, now)?;
                }
                _ => {
                    return Ok(Err(ApiError::invalid(
                        "unknown_action",
                        format!("немає дії «{action}» / no action `{action}`"),
                    )));
                }
            }
            Ok(day.ticket(ticket).map(|t| TicketView::of(day, t)).ok_or(ApiError::NotFound))
        })
        .await??;
    Ok(Json(view))
}

#[derive(Debug, Deserialize)]
struct StatsQuery {
    from: Option<String>,
    to: Option<String>,
}

async fn load_stats(s: &ApiState, office: &str, q: StatsQuery) -> Result<QueueStats, ApiError> {
    let queue = s.queue()?;
    queue.office(office)?;
    let today = queue.zone().date_of(queue.now());
    let date = |d: Option<String>| match d {
        Some(t) => parse_date(&t).ok_or_else(|| ApiError::Malformed("from, to: YYYY-MM-DD".into())),
        None => Ok(today),
    };
    let (from, to) = (date(q.from)?, date(q.to)?);
    if from > to {
        return Err(ApiError::Malformed("from is after to".into()));
    }
    let events = queue.store.days(office, from, to).await?;
    Ok(QueueStats::from_events(&events))
}

async fn stats(
    State(s): State<ApiState>,
    Authenticated(_): Authenticated,
    office: Result<Path<String>, PathRejection>,
    q: Result<Query<StatsQuery>, QueryRejection>,
) -> Result<Json<Vec<StatsRow>>, ApiError> {
    let stats = load_stats(&s, &path(office)?, query(q)?).await?;
    let rows = stats
        .rows
        .iter()
        .map(|((day, dim, key), f)| StatsRow {
            day: day.to_string(),
            dimension: dim.code().to_owned(),
            key: key.clone(),
            calls: f.calls,
            no_shows: f.no_shows,
            no_show_rate: f.no_show_rate(),
            waits: f.waits,
            wait_avg_ms: f.wait_avg_ms(),
            wait_max_ms: f.wait_max_ms,
            served: f.served,
            service_avg_ms: f.service_avg_ms(),
            service_max_ms: f.service_max_ms,
        })
        .collect();
    Ok(Json(rows))
}

async fn stats_csv(
    State(s): State<ApiState>,
    Authenticated(_): Authenticated,
    office: Result<Path<String>, PathRejection>,
    q: Result<Query<StatsQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let stats = load_stats(&s, &path(office)?, query(q)?).await?;
    let headers = [
        (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
        (header::CONTENT_DISPOSITION, "attachment; filename=\"queue-stats.csv\""),
    ];
    Ok((headers, stats.to_csv()).into_response())
}

async fn close(
    State(s): State<ApiState>,
    Authenticated(session): Authenticated,
    office: Result<Path<String>, PathRejection>,
    body: Body,
) -> Result<Json<super::dto::HallView>, ApiError> {
    let office = path(office)?;
    let b = json_body(body)?;
    let by = acting(&session, &b.position)?;
    let may = session
        .positions
        .iter()
        .any(|p| p.id == b.position && matches!(p.role, Role::Coordinator | Role::Administrator));
    if !may {
        return Err(ApiError::RoleRequired);
    }
    let hall = s
        .queue()?
        .run(&office, false, |day, _, now| {
            day.close_day(by, now)?;
            Ok(super::dto::HallView::of(day.office(), Some(day)))
        })
        .await?;
    Ok(Json(hall))
}
