//! The queue survives a restart: its events are in `<data>/queue.sqlite`, and a new
//! service over the same file shows the same hall, keeps numbering, and keeps bookings.

mod queue_api_support;

use std::sync::Arc;

use axum::http::StatusCode;
use keis_sync_server::queue::Date;
use keis_sync_server::queue_api::office::load_office;
use keis_sync_server::queue_api::{ManualClock, OfficeZone, QueueService, QueueStore, SqliteQueueStore};
use queue_api_support::{at, env, positions, session};
use serde_json::{Value, json};

async fn reopen(dir: &std::path::Path, clock: &ManualClock) -> Arc<QueueService> {
    let store = Arc::new(SqliteQueueStore::open(dir).await.expect("reopen"));
    let office = load_office(None).expect("office");
    QueueService::open(vec![office], OfficeZone::kyiv(), Arc::new(clock.clone()), store, None).await.expect("service")
}

fn hall_of(q: &QueueService) -> Value {
    let snap = q.subscribe("demo").expect("office").borrow().clone();
    serde_json::from_str(&snap.hall_json).expect("json")
}

#[tokio::test]
async fn a_new_service_over_the_same_file_shows_the_same_hall() {
    let e = env(at(9, 0)).await;
    let token = session(&e, &positions()).await;
    e.sign_in(&token, 4, "cisp-operator-1", "Ткаченко О. М.").await;
    for s in ["subsidy", "subsidy", "idp", "documents"] {
        e.kiosk(s).await;
    }
    let (s, _) = e.staff(&token, "desks/4/call-next", json!({ "position": "cisp-operator-1" })).await;
    assert_eq!(s, StatusCode::OK);
    let ten = at(10, 0).0;
    let body = json!({ "service": "subsidy", "start": ten, "name": "Олена", "contact": "0501234567" });
    let (s, _) = e.call("POST", "/api/v1/queue/demo/bookings", None, Some(body)).await;
    assert_eq!(s, StatusCode::CREATED);
    let before = e.hall().await;
    assert_eq!(before["rows"].as_array().map(Vec::len), Some(4));

    let again = reopen(e.dir.path(), &e.clock).await;
    assert_eq!(hall_of(&again), before, "the same hall after replay");
    // A minute on, nothing is due: the called visitor still has time.
    e.clock.advance(60_000);
    assert_eq!(again.tick().await.expect("tick"), 0);
    drop(again);

    // The restarted app numbers on and still knows the operator at desk 4.
    let e2 = e;
    let store = SqliteQueueStore::open(e2.dir.path()).await.expect("open");
    let events = store.day("demo", Date::new(2026, 11, 23)).await.expect("day");
    let book = store.bookings("demo").await.expect("book").expect("saved");
    assert_eq!(book.bookings().len(), 1, "the booking was stored");
    assert_eq!(book.bookings()[0].slot.0, ten);
    assert!(events.len() >= 7, "opened, signed in, 4 issued, called: {}", events.len());
    let fresh = reopen(e2.dir.path(), &e2.clock).await;
    let hall = hall_of(&fresh);
    assert_eq!(hall["desks"][3]["operator"], "Ткаченко О. М.", "{hall}");
    assert_eq!(hall["seq"].as_u64(), Some(events.len() as u64));
}

#[tokio::test]
async fn a_restart_on_the_next_day_starts_an_empty_queue_and_closes_yesterday() {
    let e = env(at(16, 0)).await;
    e.kiosk("care").await;
    e.kiosk("care").await;
    e.clock.set(at(24 + 9, 0)); // Tuesday 09:00
    let q = reopen(e.dir.path(), &e.clock).await;
    let hall = hall_of(&q);
    assert_eq!(hall["rows"].as_array().map(Vec::len), Some(0), "{hall}");
    let store = SqliteQueueStore::open(e.dir.path()).await.expect("open");
    let monday = store.day("demo", Date::new(2026, 11, 23)).await.expect("monday");
    let kinds: Vec<String> =
        monday.iter().map(|ev| serde_json::to_value(&ev.kind).expect("json")["type"].to_string()).collect();
    assert_eq!(kinds.last().map(String::as_str), Some("\"day_closed\""), "{kinds:?}");
    assert_eq!(kinds.iter().filter(|k| k.as_str() == "\"cancelled\"").count(), 2, "{kinds:?}");
}
