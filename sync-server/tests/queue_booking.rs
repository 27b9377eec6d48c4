//! Pre-booking: slots, conflicts, cancellation, check-in, and booked visitors served near
//! their slot.

mod queue_support;

use keis_sync_server::queue::{
    Actor, BookingBook, BookingRequest, BookingStatus, Channel, ContactKey, IssueRequest, Priority, QueueDay,
    QueueError, Source, Timestamp,
};
use queue_support::{DAY, MIDNIGHT, at, day, office, op, plan};

fn request(slot: Timestamp, contact: &str) -> BookingRequest {
    BookingRequest {
        service: "subsidy".into(),
        slot,
        channel: Channel::Web,
        contact: ContactKey::email(contact),
        case_id: None,
    }
}

#[test]
fn slots_come_from_the_opening_hours() {
    let book = BookingBook::new();
    let slots = book.slots(&office(), &plan(), "subsidy").expect("slots");
    assert_eq!(slots.len(), 18, "08:00–17:00 in 30-minute slots");
    assert_eq!(slots.first().map(|s| (s.start, s.end)), Some((at(8, 0), at(8, 30))));
    assert_eq!(slots.last().map(|s| s.end), Some(at(17, 0)));
    assert!(slots.iter().all(|s| s.capacity == 2 && s.taken == 0));
    assert_eq!(book.slots(&office(), &plan(), "docs"), Err(QueueError::NotBookable { service: "docs".into() }));
    // Saturday: closed, no plan, no slots.
    assert_eq!(office().plan(keis_sync_server::queue::Date::new(2026, 11, 28), MIDNIGHT), None);
}

#[test]
fn booking_conflicts_are_refused_and_a_cancellation_frees_the_place() {
    let (office, plan) = (office(), plan());
    let now = at(7, 0);
    let mut book = BookingBook::new();
    let first = book.book(&office, &plan, request(at(10, 0), "a@example.org"), now).expect("book");
    book.book(&office, &plan, request(at(10, 0), "b@example.org"), now).expect("second place of the slot");

    type Case = (&'static str, BookingRequest, Timestamp, QueueError);
    let cases: Vec<Case> = vec![
        ("slot full", request(at(10, 0), "c@example.org"), now, QueueError::SlotFull),
        ("double booking, same service and day", request(at(11, 0), " A@Example.org "), now, QueueError::AlreadyBooked),
        ("not a slot start", request(at(10, 10), "c@example.org"), now, QueueError::NoSuchSlot),
        ("slot already begun", request(at(10, 0), "c@example.org"), at(10, 0), QueueError::SlotPassed),
        (
            "service without booking",
            BookingRequest { service: "docs".into(), ..request(at(11, 0), "c@example.org") },
            now,
            QueueError::NotBookable { service: "docs".into() },
        ),
    ];
    for (name, req, when, expected) in cases {
        assert_eq!(book.book(&office, &plan, req, when), Err(expected), "{name}");
    }
    let taken = |book: &BookingBook| {
        book.slots(&office, &plan, "subsidy")
            .expect("slots")
            .into_iter()
            .find(|s| s.start == at(10, 0))
            .map(|s| s.taken)
    };
    assert_eq!(taken(&book), Some(2));

    book.cancel(first, at(7, 5)).expect("cancel");
    assert_eq!(taken(&book), Some(1));
    assert_eq!(book.cancel(first, at(7, 6)), Err(QueueError::BookingNotActive { id: first.0 }));
    // The place is free again, and the same person may book anew.
    book.book(&office, &plan, request(at(10, 0), "a@example.org"), at(7, 10)).expect("rebook");
    book.book(&office, &plan, request(at(10, 0), "c@example.org"), at(7, 10)).expect_err("full again");
}

#[test]
fn phone_contacts_are_normalised_and_not_kept_in_clear() {
    assert_eq!(ContactKey::phone("+38 (067) 123-45-67"), ContactKey::phone("0671234567"));
    assert_ne!(ContactKey::phone("0671234567"), ContactKey::phone("0671234568"));
    assert_ne!(ContactKey::phone("0671234567"), ContactKey::email("0671234567"));
    let shown = format!("{:?}", ContactKey::phone("0671234567"));
    assert!(!shown.contains("1234567"), "{shown}");
    let stored = serde_json::to_string(&ContactKey::email("a@example.org")).expect("json");
    assert!(!stored.contains("example"), "{stored}");
}

fn book_and_check_in(
    day: &mut QueueDay,
    book: &mut BookingBook,
    slot: Timestamp,
    arrival: Timestamp,
) -> Result<keis_sync_server::queue::TicketId, QueueError> {
    let req = BookingRequest {
        channel: Channel::Phone,
        contact: ContactKey::phone("0501112233"),
        case_id: Some("case-7".into()),
        ..request(slot, "")
    };
    let id = book.book(day.office(), day.plan(), req, at(7, 0))?;
    day.check_in(book, id, op("admin"), arrival)
}

#[test]
fn a_booked_visitor_is_served_near_the_slot() {
    let mut day = day();
    let mut book = BookingBook::new();
    let walk_in =
        |day: &mut QueueDay, h, m| day.issue(IssueRequest::kiosk("subsidy"), Actor::System, at(h, m)).expect("issue");
    let before = walk_in(&mut day, 9, 40);
    // Booked for 10:00, arrives early at 9:45: queues as if issued at 9:55.
    let booked = book_and_check_in(&mut day, &mut book, at(10, 0), at(9, 45)).expect("check in");
    let t = day.ticket(booked).expect("ticket");
    assert_eq!(t.priority, Priority::Booked { slot: at(10, 0) });
    assert_eq!(t.anchor, at(9, 55));
    assert_eq!(t.case_id.as_deref(), Some("case-7"), "the case comes with the booking");
    assert!(matches!(t.source, Source::PreBooking { channel: Channel::Phone, .. }));
    assert!(matches!(
        book.booking(keis_sync_server::queue::BookingId(0)).map(|b| &b.status),
        Some(BookingStatus::CheckedIn { .. })
    ));
    let between = walk_in(&mut day, 9, 50);
    let after = walk_in(&mut day, 9, 56);
    assert_eq!(day.ahead_of(booked), Some(2), "9:40 and 9:50 are ahead");
    assert_eq!(day.ahead_of(after), Some(3));

    let mut order = Vec::new();
    for k in 0..4 {
        let t = day.call_next(1, op("pos-1"), at(10, k * 3)).expect("call").expect("someone");
        day.start_serving(t, op("pos-1"), at(10, k * 3 + 1)).expect("serve");
        day.finish(t, op("pos-1"), at(10, k * 3 + 2)).expect("done");
        order.push(t);
    }
    assert_eq!(order, vec![before, between, booked, after]);
    // A used booking cannot be checked in twice.
    assert_eq!(
        day.check_in(&mut book, keis_sync_server::queue::BookingId(0), op("admin"), at(11, 0)),
        Err(QueueError::BookingNotActive { id: 0 })
    );
}

#[test]
fn a_booked_visitor_is_called_early_when_the_desk_is_free() {
    let mut day = day();
    let mut book = BookingBook::new();
    let booked = book_and_check_in(&mut day, &mut book, at(12, 0), at(11, 0)).expect("check in");
    assert_eq!(day.call_next(1, op("pos-1"), at(11, 1)).expect("call"), Some(booked));
}

#[test]
fn a_visitor_late_for_the_slot_queues_as_a_walk_in() {
    for (arrival, expected) in [(at(10, 15), Priority::Booked { slot: at(10, 0) }), (at(10, 16), Priority::Regular)] {
        let mut day = day();
        let mut book = BookingBook::new();
        let t = book_and_check_in(&mut day, &mut book, at(10, 0), arrival).expect("check in");
        let ticket = day.ticket(t).expect("ticket");
        assert_eq!(ticket.priority, expected, "arrival {:?}", arrival);
        let anchor = if expected == Priority::Regular { arrival } else { at(9, 55) };
        assert_eq!(ticket.anchor, anchor);
    }
}

#[test]
fn a_booking_for_another_day_is_not_checked_in_today() {
    let office = office();
    let tuesday =
        office.plan(keis_sync_server::queue::Date::new(2026, 11, 24), MIDNIGHT.plus_minutes(24 * 60)).expect("open");
    let mut book = BookingBook::new();
    let id =
        book.book(&office, &tuesday, request(tuesday.opens.plus_minutes(60), "a@example.org"), at(7, 0)).expect("book");
    let mut day = day();
    assert_eq!(day.check_in(&mut book, id, op("admin"), at(9, 0)), Err(QueueError::BookingOtherDay { id: id.0 }));
    assert_eq!(book.booking(id).map(|b| (&b.status, b.date)), Some((&BookingStatus::Active, tuesday.date)));
    assert_ne!(tuesday.date, DAY);
}
