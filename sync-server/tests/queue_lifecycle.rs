//! The ticket lifecycle with a controlled clock: call, serve, no-show, recall, absent,
//! end of day, redirect, illegal transitions, replay.

mod queue_support;

use keis_sync_server::queue::{
    Action, Actor, EventKind, IssueRequest, Priority, QueueDay, QueueError, QueueEvent, RedirectTo, StatusKind,
    TicketId, Timestamp,
};
use queue_support::{at, at_s, day, op, serve_and_finish};

fn status(day: &QueueDay, t: TicketId) -> StatusKind {
    day.ticket(t).expect("ticket").status.kind()
}

fn kiosk(day: &mut QueueDay, service: &str, when: Timestamp) -> TicketId {
    day.issue(IssueRequest::kiosk(service), Actor::System, when).expect("issue")
}

#[test]
fn a_visitor_takes_a_ticket_is_called_served_and_done() {
    let mut day = day();
    let t = kiosk(&mut day, "subsidy", at(9, 0));
    assert_eq!(day.ticket(t).expect("ticket").number, "С-001");
    assert_eq!(status(&day, t), StatusKind::Waiting);

    assert_eq!(day.call_next(1, op("pos-1"), at(9, 5)).expect("call"), Some(t));
    assert_eq!(status(&day, t), StatusKind::Called);
    day.start_serving(t, op("pos-1"), at(9, 6)).expect("serve");
    assert_eq!(status(&day, t), StatusKind::Serving);
    day.finish(t, op("pos-1"), at(9, 20)).expect("done");
    assert_eq!(status(&day, t), StatusKind::Done);
    assert_eq!(day.desk(1).expect("desk").current, None);

    // Every transition is recorded with who and when.
    let tail: Vec<(&Actor, i64, &str)> = day
        .events()
        .iter()
        .filter(|e| e.kind.ticket() == Some(t))
        .map(|e| {
            let name = match e.kind {
                EventKind::Issued { .. } => "issued",
                EventKind::Called { .. } => "called",
                EventKind::ServingStarted { .. } => "serving",
                EventKind::Done { .. } => "done",
                _ => "other",
            };
            (&e.by, e.at.since(at(9, 0)) / 60_000, name)
        })
        .collect();
    let pos1 = op("pos-1");
    assert_eq!(
        tail,
        vec![(&Actor::System, 0, "issued"), (&pos1, 5, "called"), (&pos1, 6, "serving"), (&pos1, 20, "done")]
    );
    // Numbers count per service.
    let d = kiosk(&mut day, "docs", at(9, 30));
    let s2 = kiosk(&mut day, "subsidy", at(9, 31));
    assert_eq!(day.ticket(d).expect("t").number, "Д-001");
    assert_eq!(day.ticket(s2).expect("t").number, "С-002");
}

#[test]
fn a_visitor_not_coming_within_3_minutes_is_postponed_and_the_next_called() {
    let mut day = day();
    let first = kiosk(&mut day, "subsidy", at(9, 0));
    let second = kiosk(&mut day, "docs", at(9, 1));
    day.call_next(1, op("pos-1"), at(9, 10)).expect("call");

    assert!(day.tick(at_s(9, 12, 59)).expect("tick").is_empty(), "2:59 is not yet a no-show");
    assert_eq!(status(&day, first), StatusKind::Called);

    let events = day.tick(at(9, 13)).expect("tick");
    let kinds: Vec<&EventKind> = events.iter().map(|e| &e.kind).collect();
    assert_eq!(
        kinds,
        vec![
            &EventKind::Postponed { ticket: first, auto: true },
            &EventKind::Called { ticket: second, desk: 1, position: "pos-1".into(), again: false },
        ]
    );
    assert!(events.iter().all(|e| e.by == Actor::System && e.at == at(9, 13)));
    assert_eq!(status(&day, first), StatusKind::Postponed);
    assert_eq!(day.desk(1).expect("desk").current, Some(second));
    assert!(day.tick(at(9, 14)).expect("tick").is_empty(), "a tick does each thing once");

    // The second does not come either; nobody else waits: the desk is left free.
    let events = day.tick(at(9, 16)).expect("tick");
    assert_eq!(events.len(), 1);
    assert_eq!(day.desk(1).expect("desk").current, None);
}

#[test]
fn the_no_show_time_is_configurable() {
    let mut office = queue_support::office();
    office.rules.no_show_after_ms = 60_000;
    office.rules.auto_call_next = false;
    let mut day = QueueDay::open(office, queue_support::plan(), at(7, 0)).expect("open");
    day.sign_in(2, "pos-2", "Коваль О. П.", at(7, 0)).expect("sign in");
    let a = kiosk(&mut day, "docs", at(9, 0));
    let b = kiosk(&mut day, "docs", at(9, 0));
    day.call_next(2, op("pos-2"), at(9, 0)).expect("call");
    assert_eq!(day.tick(at(9, 1)).expect("tick").len(), 1);
    assert_eq!(status(&day, a), StatusKind::Postponed);
    assert_eq!(status(&day, b), StatusKind::Waiting, "automatic calls are off");
}

#[test]
fn a_postponed_ticket_can_be_called_again_the_same_day() {
    let mut day = day();
    let t = kiosk(&mut day, "docs", at(9, 0));
    day.call_next(2, op("pos-2"), at(9, 1)).expect("call");
    day.postpone(t, op("pos-2"), at(9, 2)).expect("postpone by the operator");
    // "Call next" does not take postponed tickets back by itself.
    assert_eq!(day.call_next(2, op("pos-2"), at(9, 3)).expect("call"), None);
    // The visitor came back and told the administrator; any desk serving docs calls again.
    let ev = day.call_again(t, 1, op("pos-1"), at(11, 0)).expect("call again");
    assert_eq!(ev.kind, EventKind::Called { ticket: t, desk: 1, position: "pos-1".into(), again: true });
    day.start_serving(t, op("pos-1"), at(11, 1)).expect("serve");
    day.finish(t, op("pos-1"), at(11, 9)).expect("done");
    assert_eq!(status(&day, t), StatusKind::Done);
}

#[test]
fn absent_ends_a_called_or_a_postponed_ticket() {
    for postponed_first in [false, true] {
        let mut day = day();
        let t = kiosk(&mut day, "benefits", at(9, 0));
        day.call_next(3, op("pos-3"), at(9, 1)).expect("call");
        if postponed_first {
            day.tick(at(9, 4)).expect("tick");
            // A coordinator (any position) clears the postponed list.
            day.mark_absent(t, op("coordinator"), at(9, 30)).expect("absent");
        } else {
            day.mark_absent(t, op("pos-3"), at(9, 2)).expect("absent");
        }
        assert_eq!(status(&day, t), StatusKind::Absent);
        let again = day.call_again(t, 3, op("pos-3"), at(10, 0));
        assert!(matches!(again, Err(QueueError::IllegalTransition { from: StatusKind::Absent, .. })), "{again:?}");
    }
}

#[test]
fn at_the_end_of_the_day_waiting_and_postponed_tickets_are_cancelled() {
    let mut day = day();
    let postponed = kiosk(&mut day, "docs", at(16, 0));
    let serving = kiosk(&mut day, "docs", at(16, 1));
    let waiting = kiosk(&mut day, "docs", at(16, 2));
    day.call_next(2, op("pos-2"), at(16, 10)).expect("call");
    day.tick(at(16, 13)).expect("tick: postponed, next called");
    day.start_serving(serving, op("pos-2"), at(16, 14)).expect("serve");

    let events = day.tick(at(17, 0)).expect("closing time");
    let kinds: Vec<&EventKind> = events.iter().map(|e| &e.kind).collect();
    assert_eq!(
        kinds,
        vec![
            &EventKind::Cancelled { ticket: postponed },
            &EventKind::Cancelled { ticket: waiting },
            &EventKind::DayClosed
        ]
    );
    assert!(day.is_closed());
    assert_eq!(status(&day, postponed), StatusKind::Cancelled);
    assert_eq!(status(&day, waiting), StatusKind::Cancelled);
    // The visitor at the desk is still served to the end.
    day.finish(serving, op("pos-2"), at(17, 5)).expect("finish after closing");
    // Nothing new after the close.
    assert_eq!(day.issue(IssueRequest::staff("docs"), op("pos-2"), at(17, 6)), Err(QueueError::DayClosed));
    assert_eq!(day.call_again(postponed, 2, op("pos-2"), at(17, 6)), Err(QueueError::DayClosed));
    assert!(day.tick(at(18, 0)).expect("tick").is_empty());
}

#[test]
fn a_redirected_ticket_keeps_its_place_by_issue_time() {
    let mut day = day();
    let early = kiosk(&mut day, "subsidy", at(9, 0));
    let b1 = kiosk(&mut day, "benefits", at(9, 5));
    let b2 = kiosk(&mut day, "benefits", at(9, 6));
    day.call_next(1, op("pos-1"), at(9, 10)).expect("call");
    day.start_serving(early, op("pos-1"), at(9, 11)).expect("serve");
    // Subsidies sends the visitor on to benefits: issued at 9:00, they go before 9:05 and 9:06.
    day.redirect(early, RedirectTo { service: "benefits".into(), desk: None }, op("pos-1"), at(9, 20))
        .expect("redirect");
    assert_eq!(day.desk(1).expect("desk").current, None);
    assert_eq!(day.ahead_of(early), Some(0));
    assert_eq!(day.ahead_of(b2), Some(2));
    assert_eq!(day.call_next(3, op("pos-3"), at(9, 21)).expect("call"), Some(early));
    assert_eq!(day.ticket(early).expect("t").number, "С-001", "the number stays");
    serve_and_finish(&mut day, early, at(9, 22));
    assert_eq!(day.call_next(3, op("pos-3"), at(9, 30)).expect("call"), Some(b1));

    // Redirected to one desk: only that desk calls it.
    let d = kiosk(&mut day, "docs", at(10, 0));
    day.redirect(d, RedirectTo { service: "docs".into(), desk: Some(2) }, op("admin"), at(10, 1)).expect("redirect");
    assert_eq!(day.next_for(1), None);
    assert_eq!(
        day.call(d, 1, op("pos-1"), at(10, 2)),
        Err(QueueError::NotForThisDesk { ticket: "Д-001".into(), desk: 1, only: 2 })
    );
    assert_eq!(day.next_for(2), Some(d));
}

#[test]
fn call_next_takes_out_of_turn_first_then_the_earliest() {
    let mut day = day();
    let a = kiosk(&mut day, "docs", at(9, 0));
    let b = kiosk(&mut day, "subsidy", at(9, 1));
    let req = IssueRequest { priority: Priority::OutOfTurn, ..IssueRequest::staff("docs") };
    let urgent = day.issue(req, op("admin"), at(9, 2)).expect("issue");
    let mut order = Vec::new();
    for minute in 0..3 {
        let t = day.call_next(1, op("pos-1"), at(10, minute * 2)).expect("call").expect("someone waits");
        serve_and_finish(&mut day, t, at(10, minute * 2 + 1));
        order.push(t);
    }
    assert_eq!(order, vec![urgent, a, b]);
}

/// What a refused command must answer.
#[derive(Debug)]
enum Refused {
    Illegal(Action, StatusKind),
    Code(&'static str),
}

#[test]
fn illegal_transitions_are_typed_errors() {
    use Refused::{Code, Illegal};
    type Act = fn(&mut QueueDay, [TicketId; 3]) -> Result<QueueEvent, QueueError>;
    // Tickets: [waiting (docs), done (docs), called at desk 1 (subsidy)]; the clock is at 11:00.
    let cases: Vec<(&str, Act, Refused)> = vec![
        (
            "serving a ticket not called",
            |d, [w, ..]| d.start_serving(w, op("pos-2"), at(12, 0)),
            Illegal(Action::StartServing, StatusKind::Waiting),
        ),
        (
            "finishing a ticket not served",
            |d, [.., c]| d.finish(c, op("pos-1"), at(12, 0)),
            Illegal(Action::Finish, StatusKind::Called),
        ),
        (
            "calling a done ticket",
            |d, [_, x, _]| d.call(x, 2, op("pos-2"), at(12, 0)),
            Illegal(Action::Call, StatusKind::Done),
        ),
        (
            "calling again a ticket not postponed",
            |d, [w, ..]| d.call_again(w, 2, op("pos-2"), at(12, 0)),
            Illegal(Action::CallAgain, StatusKind::Waiting),
        ),
        (
            "postponing a done ticket",
            |d, [_, x, _]| d.postpone(x, op("pos-2"), at(12, 0)),
            Illegal(Action::Postpone, StatusKind::Done),
        ),
        (
            "absent for a waiting ticket",
            |d, [w, ..]| d.mark_absent(w, op("pos-2"), at(12, 0)),
            Illegal(Action::MarkAbsent, StatusKind::Waiting),
        ),
        (
            "redirecting a done ticket",
            |d, [_, x, _]| d.redirect(x, RedirectTo { service: "docs".into(), desk: None }, op("pos-2"), at(12, 0)),
            Illegal(Action::Redirect, StatusKind::Done),
        ),
        (
            "a desk calling a service it does not serve",
            |d, [w, ..]| d.call(w, 3, op("pos-3"), at(12, 0)),
            Code("desk_does_not_serve"),
        ),
        (
            "redirecting to a desk that does not serve it",
            |d, [w, ..]| d.redirect(w, RedirectTo { service: "docs".into(), desk: Some(3) }, op("pos-2"), at(12, 0)),
            Code("desk_does_not_serve"),
        ),
        ("a busy desk calling", |d, [w, ..]| d.call(w, 1, op("pos-1"), at(12, 0)), Code("desk_busy")),
        (
            "another position acting at a desk",
            |d, [.., c]| d.start_serving(c, op("pos-2"), at(12, 0)),
            Code("not_the_desk_operator"),
        ),
        (
            "the system starting service",
            |d, [.., c]| d.start_serving(c, Actor::System, at(12, 0)),
            Code("position_required"),
        ),
        ("signing out with a visitor called", |d, _| d.sign_out(1, op("pos-1"), at(12, 0)), Code("desk_busy")),
        ("an unknown desk", |d, [w, ..]| d.call(w, 9, op("pos-2"), at(12, 0)), Code("unknown_desk")),
        ("an unknown ticket", |d, _| d.start_serving(TicketId(99), op("pos-1"), at(12, 0)), Code("unknown_ticket")),
        (
            "the clock going backwards",
            |d, [.., c]| d.start_serving(c, op("pos-1"), at(10, 0)),
            Code("time_went_backwards"),
        ),
        (
            "out of turn from the kiosk",
            |d, _| {
                d.issue(
                    IssueRequest { priority: Priority::OutOfTurn, ..IssueRequest::kiosk("docs") },
                    Actor::System,
                    at(12, 0),
                )
                .map(|_| d.events()[0].clone())
            },
            Code("priority_not_allowed"),
        ),
    ];
    for (name, act, expected) in cases {
        let mut day = day();
        let waiting = kiosk(&mut day, "docs", at(9, 0));
        let done = kiosk(&mut day, "docs", at(9, 0));
        day.call(done, 2, op("pos-2"), at(10, 0)).expect("call");
        serve_and_finish(&mut day, done, at(10, 1));
        let called = kiosk(&mut day, "subsidy", at(11, 0));
        day.call(called, 1, op("pos-1"), at(11, 0)).expect("call");
        let before = day.clone();
        let err = act(&mut day, [waiting, done, called]).expect_err(name);
        let ok = match expected {
            Illegal(action, from) => {
                matches!(&err, QueueError::IllegalTransition { action: a, from: f, .. } if *a == action && *f == from)
            }
            Code(code) => err.code() == code,
        };
        assert!(ok, "{name}: got {err:?}");
        assert!(err.to_string().contains(" / "), "{name}: Ukrainian / English message: {err}");
        assert_eq!(day, before, "{name}: a refused command changes nothing");
    }
    // A desk nobody staffs cannot call.
    let mut day = day();
    let t = kiosk(&mut day, "docs", at(9, 0));
    day.sign_out(2, op("pos-2"), at(9, 1)).expect("sign out");
    assert_eq!(day.call(t, 2, op("pos-2"), at(9, 2)), Err(QueueError::NoOperator { desk: 2 }));
    assert_eq!(day.call_next(2, op("pos-2"), at(9, 2)), Err(QueueError::NoOperator { desk: 2 }));
}

#[test]
fn the_kiosk_issues_only_during_opening_hours() {
    let mut day = day();
    assert_eq!(day.issue(IssueRequest::kiosk("docs"), Actor::System, at(7, 59)), Err(QueueError::OutsideHours));
    assert_eq!(
        day.issue(IssueRequest::kiosk("nope"), Actor::System, at(9, 0)),
        Err(QueueError::UnknownService { code: "nope".into() })
    );
    // Staff may issue before opening (the administrator letting in a queue at the door).
    day.issue(IssueRequest::staff("docs"), op("admin"), at(7, 59)).expect("staff");
}

#[test]
fn replaying_the_event_log_gives_the_same_state() {
    let mut day = day();
    let a = kiosk(&mut day, "subsidy", at(9, 0));
    let b = kiosk(&mut day, "docs", at(9, 1));
    let c = kiosk(&mut day, "benefits", at(9, 2));
    day.link_case(b, "case-0042", op("pos-1"), at(9, 3)).expect("link");
    day.call_next(1, op("pos-1"), at(9, 5)).expect("call");
    day.tick(at(9, 8)).expect("postpone a, call b");
    day.start_serving(b, op("pos-1"), at(9, 9)).expect("serve");
    day.redirect(b, RedirectTo { service: "benefits".into(), desk: None }, op("pos-1"), at(9, 15)).expect("redirect");
    day.call_again(a, 1, op("pos-1"), at(9, 16)).expect("again");
    day.mark_absent(a, op("pos-1"), at(9, 17)).expect("absent");
    // Redirected with its 9:01 place, b goes before c (9:02) at benefits.
    assert_eq!(day.call_next(3, op("pos-3"), at(9, 18)).expect("call"), Some(b));
    day.tick(at(17, 0)).expect("close");
    assert_eq!(status(&day, c), StatusKind::Cancelled);

    // As stored in a database: JSON, one event per row.
    let rows: Vec<String> = day.events().iter().map(|e| serde_json::to_string(e).expect("json")).collect();
    let loaded: Vec<QueueEvent> = rows.iter().map(|r| serde_json::from_str(r).expect("parse")).collect();
    let replayed = QueueDay::replay(loaded.clone()).expect("replay");
    assert_eq!(replayed, day);
    assert_eq!(replayed.hall_display(), day.hall_display());

    // Half-way replays too, and continues like the original.
    let half = QueueDay::replay(loaded.iter().take(8).cloned()).expect("replay half");
    assert_eq!(half.events().len(), 8);

    // A damaged log is refused, not half-applied.
    let mut gap = loaded.clone();
    gap.remove(5);
    assert!(matches!(QueueDay::replay(gap), Err(QueueError::BadLog { seq: 7, .. })));
    let mut forged = loaded.clone();
    if let Some(e) = forged.get_mut(9) {
        e.by = op("intruder");
    }
    assert!(matches!(QueueDay::replay(forged), Err(QueueError::BadLog { .. })));
    assert_eq!(QueueDay::replay(loaded.iter().skip(1).cloned()), Err(QueueError::NotOpened));
    // An automatic postponement before the 3 minutes ran out is refused on replay too.
    let mut early = loaded.iter().take(9).cloned().collect::<Vec<_>>();
    let called = early.iter().rev().find_map(|e| match e.kind {
        EventKind::Called { ticket, .. } => Some((ticket, e.at)),
        _ => None,
    });
    let (ticket, called_at) = called.expect("a call in the log");
    early.push(QueueEvent {
        seq: 10,
        at: called_at.plus_ms(179_999),
        by: Actor::System,
        kind: EventKind::Postponed { ticket, auto: true },
    });
    let err = QueueDay::replay(early).expect_err("too early");
    assert!(err.to_string().contains("час на підхід"), "{err}");
}
