//! The queue's HTTP API over the full application, with a controlled clock: kiosk tickets
//! on the hall display, calls on the desk monitors, the 3-minute no-show, typed refusals,
//! sessions and positions, pre-booking, the citizen's status lookup.

mod queue_api_support;

use automerge::ActorId;
use axum::http::StatusCode;
use keis_crdt::{CaseDoc, CaseKind, Catalogue, NewCase, RecordMap, Role, Signature, demo};
use keis_sync_server::journal::JournalEntry;
use queue_api_support::{at, call_raw, env, positions, row, session};
use serde_json::json;

#[tokio::test]
async fn a_kiosk_ticket_waits_on_the_hall_and_is_called_to_a_desk() {
    let e = env(at(9, 0)).await;
    let (s, office) = e.call("GET", "/api/v1/queue/demo", None, None).await;
    assert_eq!(s, StatusCode::OK, "{office}");
    assert_eq!((office["date"].as_str(), office["open"].as_bool()), (Some("2026-11-23"), Some(true)));
    assert_eq!(office["services"].as_array().map(Vec::len), Some(6));

    let a = e.kiosk("subsidy").await;
    let b = e.kiosk("subsidy").await;
    assert_eq!((a["number"].as_str(), a["ahead"].as_u64()), (Some("С-001"), Some(0)), "{a}");
    assert_eq!((b["number"].as_str(), b["ahead"].as_u64()), (Some("С-002"), Some(1)), "{b}");
    assert_eq!(b["service_name_uk"], "Житлові субсидії");
    let hall = e.hall().await;
    assert_eq!(row(&hall, "С-002")["status"], "waiting", "{hall}");
    assert_eq!(row(&hall, "С-002")["ahead"], 1, "{hall}");
    let (_, office) = e.call("GET", "/api/v1/queue/demo", None, None).await;
    assert_eq!(office["services"][0]["waiting"], 2, "{office}");

    let token = session(&e, &positions()).await;
    e.sign_in(&token, 1, "cisp-operator-1", "Ткаченко О. М.").await;
    let (s, called) = e.staff(&token, "desks/1/call-next", json!({ "position": "cisp-operator-1" })).await;
    assert_eq!(s, StatusCode::OK, "{called}");
    assert_eq!((called["number"].as_str(), called["status"].as_str()), (Some("С-001"), Some("called")));
    let monitor = e.desk(1).await;
    assert_eq!(monitor, json!({ "desk": 1, "ticket": "С-001", "status": "called", "operator": "Ткаченко О. М." }));
    let hall = e.hall().await;
    assert_eq!(
        (row(&hall, "С-001")["status"].as_str(), row(&hall, "С-001")["desk"].as_u64()),
        (Some("called"), Some(1))
    );
    assert_eq!(row(&hall, "С-002")["ahead"], 0, "{hall}");
}

#[tokio::test]
async fn a_visitor_who_does_not_come_in_three_minutes_is_postponed_and_the_next_called() {
    let e = env(at(9, 0)).await;
    let token = session(&e, &positions()).await;
    e.sign_in(&token, 3, "cisp-operator-1", "Коваль О. П.").await;
    e.kiosk("idp").await;
    e.kiosk("documents").await;
    let (s, first) = e.staff(&token, "desks/3/call-next", json!({ "position": "cisp-operator-1" })).await;
    assert_eq!((s, first["number"].as_str()), (StatusCode::OK, Some("В-001")));

    e.clock.advance(179_000);
    assert_eq!(e.t.queue.tick().await.expect("tick"), 0, "not yet: 2 min 59 s");
    assert_eq!(e.desk(3).await["ticket"], "В-001");
    e.clock.advance(1_000);
    assert_eq!(e.t.queue.tick().await.expect("tick"), 2, "postponed, and the next called");
    let hall = e.hall().await;
    assert_eq!(row(&hall, "В-001")["status"], "postponed", "{hall}");
    assert_eq!(row(&hall, "Д-001")["status"], "called", "{hall}");
    assert_eq!(e.desk(3).await["ticket"], "Д-001");

    // The postponed visitor came back: called again, served, done.
    let id = first["id"].as_u64().expect("id");
    let body = json!({ "position": "cisp-operator-1" });
    let (s, _) = e.staff(&token, "tickets/1/start", body.clone()).await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = e.staff(&token, "tickets/1/finish", body.clone()).await;
    assert_eq!(s, StatusCode::OK);
    let (s, again) = e.staff(&token, &format!("tickets/{id}/call-again"), body).await;
    assert_eq!(
        (s, again["status"].as_str(), again["desk"].as_u64()),
        (StatusCode::OK, Some("called"), Some(3)),
        "{again}"
    );
}

#[tokio::test]
async fn refusals_are_typed_and_never_500() {
    let e = env(at(9, 0)).await;
    let token = session(&e, &positions()).await;
    e.sign_in(&token, 1, "cisp-operator-1", "Ткаченко О. М.").await;
    let t = e.kiosk("subsidy").await;
    let op = json!({ "position": "cisp-operator-1" });

    // Finishing a ticket that is only waiting.
    let (s, err) = e.staff(&token, &format!("tickets/{}/finish", t["id"]), op.clone()).await;
    assert_eq!((s, err["error"].as_str()), (StatusCode::CONFLICT, Some("illegal_transition")), "{err}");
    assert!(err["message"].as_str().is_some_and(|m| m.contains(" / ") && m.contains("талон")), "{err}");
    // No session; a position the session does not hold; an unknown action.
    let (s, err) = e.call("POST", "/api/v1/queue/demo/desks/1/call-next", None, Some(op.clone())).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "{err}");
    let (s, err) = e.staff(&token, "desks/1/call-next", json!({ "position": "someone-else" })).await;
    assert_eq!((s, err["error"].as_str()), (StatusCode::FORBIDDEN, Some("position_not_in_session")), "{err}");
    let (s, err) = e.staff(&token, "tickets/0/dance", op.clone()).await;
    assert_eq!((s, err["error"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("unknown_action")), "{err}");
    // Another position than the desk's operator.
    let (s, err) = e.staff(&token, "desks/1/call-next", json!({ "position": "demo-hromada" })).await;
    assert_eq!((s, err["error"].as_str()), (StatusCode::FORBIDDEN, Some("not_the_desk_operator")), "{err}");
    // Only a coordinator closes the day.
    let (s, err) = e.staff(&token, "close", op).await;
    assert_eq!((s, err["error"].as_str()), (StatusCode::FORBIDDEN, Some("role_required")), "{err}");

    // Malformed input: 400, and the queue is unchanged.
    let app = &e.t.app;
    for (method, uri, body) in [
        ("POST", "/api/v1/queue/demo/tickets", Some("not json")),
        ("POST", "/api/v1/queue/demo/tickets", Some(r#"{"service": 5}"#)),
        ("POST", "/api/v1/queue/demo/tickets", Some("{}")),
        ("GET", "/api/v1/queue/demo/desks/abc", None),
        ("GET", "/api/v1/queue/demo/desks/99999999", None),
        ("POST", "/api/v1/queue/demo/bookings/x/cancel", Some(r#"{"contact":"0501234567"}"#)),
        ("GET", "/api/v1/queue/demo/slots", None),
        ("GET", "/api/v1/queue/demo/slots?service=subsidy&date=2026-13-01", None),
    ] {
        let (s, err) = call_raw(app, method, uri, None, body).await;
        assert_eq!(
            (s, err["error"].as_str()),
            (StatusCode::BAD_REQUEST, Some("malformed")),
            "{method} {uri} {body:?}: {err}"
        );
    }
    let (s, err) = e.call("POST", "/api/v1/queue/demo/tickets", None, Some(json!({ "service": "no-such" }))).await;
    assert_eq!((s, err["error"].as_str()), (StatusCode::NOT_FOUND, Some("unknown_service")), "{err}");
    let (s, err) = e.call("GET", "/api/v1/queue/nowhere/hall", None, None).await;
    assert_eq!((s, err["error"].as_str()), (StatusCode::NOT_FOUND, Some("unknown_office")), "{err}");
    // Out-of-turn tickets are for staff.
    let body = json!({ "service": "subsidy", "out_of_turn": true, "position": "cisp-operator-1" });
    let (s, _) = e.call("POST", "/api/v1/queue/demo/tickets", None, Some(body.clone())).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let (s, vip) = e.call("POST", "/api/v1/queue/demo/tickets", Some(&token), Some(body)).await;
    assert_eq!((s, vip["ahead"].as_u64()), (StatusCode::CREATED, Some(0)), "out of turn goes first: {vip}");
    assert_eq!(e.hall().await["rows"].as_array().map(Vec::len), Some(2));
}

#[tokio::test]
async fn the_kiosk_is_closed_outside_hours_and_the_coordinator_ends_the_day() {
    let e = env(at(7, 30)).await;
    let (s, err) = e.call("POST", "/api/v1/queue/demo/tickets", None, Some(json!({ "service": "care" }))).await;
    assert_eq!((s, err["error"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("outside_hours")), "{err}");
    e.clock.set(at(10, 0));
    e.kiosk("care").await;
    let token = session(&e, &positions()).await;
    let (s, hall) = e.staff(&token, "close", json!({ "position": "demo-coordinator" })).await;
    assert_eq!((s, hall["rows"].as_array().map(Vec::len)), (StatusCode::OK, Some(0)), "{hall}");
    let (s, err) = e.staff(&token, "close", json!({ "position": "demo-coordinator" })).await;
    assert_eq!((s, err["error"].as_str()), (StatusCode::CONFLICT, Some("day_closed")), "{err}");
    let (_, office) = e.call("GET", "/api/v1/queue/demo", None, None).await;
    assert_eq!(office["open"], false);
    // The day's statistics, as JSON and CSV.
    let (s, stats) = e.call("GET", "/api/v1/queue/demo/stats", Some(&token), None).await;
    assert_eq!(s, StatusCode::OK, "{stats}");
    let (s, _) = e.call("GET", "/api/v1/queue/demo/stats.csv", None, None).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_slot_is_booked_once_and_the_booking_checks_in_as_a_ticket() {
    let e = env(at(9, 0)).await;
    let (s, slots) = e.call("GET", "/api/v1/queue/demo/slots?service=subsidy", None, None).await;
    assert_eq!(s, StatusCode::OK, "{slots}");
    let slots = slots.as_array().expect("slots").clone();
    assert_eq!(slots.len(), 27, "20-minute slots from 08:00 to 17:00");
    let ten = at(10, 0).0;
    let slot = slots.iter().find(|s| s["start"] == ten).expect("10:00");
    assert_eq!((slot["end"].as_i64(), slot["free"].as_u64()), (Some(ten + 20 * 60_000), Some(1)));

    let book = |start: i64, contact: &str| json!({ "service": "subsidy", "start": start, "name": "Олена Петренко", "contact": contact });
    let (s, b) = e.call("POST", "/api/v1/queue/demo/bookings", None, Some(book(ten, "050 123 45 67"))).await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    assert!(b["code"].as_str().is_some_and(|c| c.len() == 6), "{b}");
    let (s, err) = e.call("POST", "/api/v1/queue/demo/bookings", None, Some(book(ten, "olena@example.org"))).await;
    assert_eq!((s, err["error"].as_str()), (StatusCode::CONFLICT, Some("slot_full")), "{err}");
    let (s, err) =
        e.call("POST", "/api/v1/queue/demo/bookings", None, Some(book(ten + 1_200_000, "+380501234567"))).await;
    assert_eq!((s, err["error"].as_str()), (StatusCode::CONFLICT, Some("already_booked")), "the same phone: {err}");
    let (s, err) = e.call("POST", "/api/v1/queue/demo/bookings", None, Some(book(ten, "not a contact"))).await;
    assert_eq!((s, err["error"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("bad_contact")), "{err}");
    let (_, slots) = e.call("GET", "/api/v1/queue/demo/slots?service=subsidy&date=2026-11-23", None, None).await;
    assert_eq!(
        slots.as_array().and_then(|v| v.iter().find(|s| s["start"] == ten)).map(|s| s["free"].clone()),
        Some(json!(0))
    );

    let id = b["id"].as_u64().expect("id");
    let (s, t) = e.call("POST", &format!("/api/v1/queue/demo/bookings/{id}/check-in"), None, None).await;
    assert_eq!((s, t["number"].as_str()), (StatusCode::CREATED, Some("С-001")), "{t}");
    let (s, err) = e.call("POST", &format!("/api/v1/queue/demo/bookings/{id}/check-in"), None, None).await;
    assert_eq!((s, err["error"].as_str()), (StatusCode::CONFLICT, Some("booking_not_active")), "{err}");

    // Cancelling needs the contact the booking was made with.
    let (s, b2) =
        e.call("POST", "/api/v1/queue/demo/bookings", None, Some(book(ten + 2_400_000, "olena@example.org"))).await;
    assert_eq!(s, StatusCode::CREATED, "{b2}");
    let cancel = format!("/api/v1/queue/demo/bookings/{}/cancel", b2["id"]);
    let (s, _) = e.call("POST", &cancel, None, Some(json!({ "contact": "0991112233" }))).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = e.call("POST", &cancel, None, Some(json!({ "contact": "Olena@Example.org" }))).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
}

#[tokio::test]
async fn the_status_lookup_needs_the_printed_code_and_is_rate_limited() {
    let e = env(at(9, 0)).await;
    // An application the applicant signed on a tablet (the device signature is made up).
    let starosta = demo::position(Role::Starosta);
    let new = NewCase {
        id: "lookup-case-1",
        number: "2026-777777",
        kind: CaseKind::Application,
        hromada: demo::HROMADA,
        district: Some(demo::DISTRICT),
        created_by: &starosta,
        at: at(8, 0).0,
    };
    let mut doc = CaseDoc::create(ActorId::from(b"lookup-test".as_slice()), new).expect("case");
    doc.edit(at(8, 1).0, |case, ids| {
        case.applicant.surname = "Петренко".into();
        case.signatures.add(Signature {
            id: ids.next_id(),
            signer: "applicant".into(),
            device_signature: "5a".repeat(64),
            ..Signature::default()
        });
    })
    .expect("sign");
    let case = doc.case().clone();
    let code = keis_crdt::lookup::lookup_code(&case).expect("a signed application has a code");
    e.t.store.append_changes(&case.id, &case.hromada, &doc.save()).await.expect("store");
    let catalogue = Catalogue::embedded().expect("catalogue");
    e.t.store.upsert_journal(JournalEntry::of_case(&case, &catalogue, at(8, 3).0)).await.expect("journal");

    let uri = |number: &str, code: &str| format!("/api/v1/status?number={number}&code={code}");
    let (s, st) = e.call("GET", &uri(&case.number, &code), None, None).await;
    assert_eq!(s, StatusCode::OK, "{st}");
    assert_eq!((st["number"].as_str(), st["status_number"].as_u64()), (Some(case.number.as_str()), Some(1)), "{st}");
    assert!(st["status"].as_str().is_some_and(|t| t.contains("Формування")), "{st}");
    assert!(st["next_step"].as_str().is_some_and(|t| !t.is_empty()), "{st}");

    let first = if code.starts_with('0') { '1' } else { '0' };
    let wrong = format!("{first}{}", code.get(1..).unwrap_or_default());
    let (s, a) = e.call("GET", &uri(&case.number, &wrong), None, None).await;
    let (s2, b) = e.call("GET", &uri("2026-999999", &code), None, None).await;
    assert_eq!((s, s2), (StatusCode::NOT_FOUND, StatusCode::NOT_FOUND));
    assert_eq!(a, b, "a wrong code and a wrong number look the same");
    let (s, _) = e.call("GET", "/api/v1/status", None, None).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);

    // Ten a minute: four used above, six more pass, the eleventh is refused.
    for _ in 0..6 {
        let (s, _) = e.call("GET", &uri(&case.number, &code), None, None).await;
        assert_eq!(s, StatusCode::OK);
    }
    let (s, err) = e.call("GET", &uri(&case.number, &code), None, None).await;
    assert_eq!((s, err["error"].as_str()), (StatusCode::TOO_MANY_REQUESTS, Some("rate_limited")), "{err}");
    e.clock.advance(60_000);
    let (s, _) = e.call("GET", &uri(&case.number, &code), None, None).await;
    assert_eq!(s, StatusCode::OK, "a minute later");
}
