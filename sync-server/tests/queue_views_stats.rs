//! What the screens show (hall display, desk monitor, console, new calls) and the
//! statistics of a small scripted day.

mod queue_support;

use keis_sync_server::queue::{
    Actor, Date, DeskMonitor, Dimension, HallRow, IssueRequest, QueueDay, QueueStats, RedirectTo, StatusKind, TicketId,
    Timestamp,
};
use queue_support::{DAY, at, day, op};

fn kiosk(day: &mut QueueDay, service: &str, when: Timestamp) -> TicketId {
    day.issue(IssueRequest::kiosk(service), Actor::System, when).expect("issue")
}

fn row(number: &str, status: StatusKind, desk: Option<u16>, operator: Option<&str>, ahead: Option<usize>) -> HallRow {
    let service = match number.chars().next() {
        Some('С') => "subsidy",
        Some('П') => "benefits",
        _ => "docs",
    };
    HallRow { number: number.into(), service: service.into(), status, desk, operator: operator.map(Into::into), ahead }
}

#[test]
fn the_hall_display_shows_every_ticket_in_progress() {
    let mut day = day();
    let d1 = kiosk(&mut day, "docs", at(9, 0));
    kiosk(&mut day, "subsidy", at(9, 1));
    kiosk(&mut day, "docs", at(9, 2));
    kiosk(&mut day, "docs", at(9, 3));
    day.call_next(2, op("pos-2"), at(9, 5)).expect("call Д-001");
    day.tick(at(9, 8)).expect("Д-001 postponed, Д-002 called");
    let done = kiosk(&mut day, "benefits", at(9, 9));
    day.call_next(3, op("pos-3"), at(9, 9)).expect("call");
    day.start_serving(done, op("pos-3"), at(9, 10)).expect("serve");

    assert_eq!(
        day.hall_display(),
        vec![
            row("Д-002", StatusKind::Called, Some(2), Some("Коваль О. П."), None),
            row("С-001", StatusKind::Waiting, None, None, Some(0)),
            row("Д-003", StatusKind::Waiting, None, None, Some(0)),
            row("Д-001", StatusKind::Postponed, None, None, None),
        ],
        "being served is on the desk monitor, not in the hall list"
    );
    assert_eq!(day.ahead_of(d1), None);

    assert_eq!(
        day.desk_monitors(),
        vec![
            DeskMonitor { desk: 1, ticket: None, status: None, operator: Some("Ткаченко О. М.".into()) },
            DeskMonitor {
                desk: 2,
                ticket: Some("Д-002".into()),
                status: Some(StatusKind::Called),
                operator: Some("Коваль О. П.".into())
            },
            DeskMonitor {
                desk: 3,
                ticket: Some("П-001".into()),
                status: Some(StatusKind::Serving),
                operator: Some("Бойко І. С.".into())
            },
        ]
    );

    // The console of desk 1 (subsidies and documents): what it may call, in order, and
    // the postponed list it may call again.
    let console = day.console(1).expect("desk");
    let numbers =
        |rows: &[keis_sync_server::queue::ConsoleRow]| rows.iter().map(|r| r.number.clone()).collect::<Vec<_>>();
    assert_eq!(numbers(&console.waiting), vec!["С-001", "Д-003"]);
    assert_eq!(numbers(&console.postponed), vec!["Д-001"]);
    assert_eq!(console.current, None);
    assert!(day.console(3).expect("desk").postponed.is_empty(), "desk 3 does not serve documents");
    assert_eq!(day.console(7), None);
}

#[test]
fn a_display_chimes_exactly_once_for_each_new_call() {
    let mut day = day();
    for m in 0..4 {
        kiosk(&mut day, "docs", at(9, m));
    }
    let mut cursor = 0;
    let mut chimes: Vec<(String, bool)> = Vec::new();
    let mut poll = |day: &QueueDay| {
        let new = day.calls_since(cursor);
        if let Some(last) = day.events().last() {
            cursor = last.seq;
        }
        chimes.extend(new.into_iter().map(|n| (n.number, n.again)));
    };
    poll(&day);
    poll(&day);
    let first = day.call_next(2, op("pos-2"), at(9, 10)).expect("call").expect("ticket");
    poll(&day);
    poll(&day);
    day.tick(at(9, 13)).expect("no-show: postponed, next called");
    day.call_next(1, op("pos-1"), at(9, 14)).expect("call");
    poll(&day);
    day.start_serving(TicketId(2), op("pos-1"), at(9, 15)).expect("serve");
    poll(&day);
    day.mark_absent(TicketId(1), op("pos-2"), at(9, 16)).expect("absent");
    day.call_again(first, 2, op("pos-2"), at(9, 20)).expect("again");
    poll(&day);
    poll(&day);
    assert_eq!(
        chimes,
        vec![("Д-001".into(), false), ("Д-002".into(), false), ("Д-003".into(), false), ("Д-001".into(), true)]
    );
    // The notice names the operator who was at the desk when it was called.
    let all = day.calls_since(0);
    assert_eq!(all.len(), 4);
    assert!(all.iter().all(|n| n.operator.is_some()));
    assert_eq!(all.first().map(|n| n.desk), Some(2));
}

/// A small day: С-001 waits 10 min, served 10 min at desk 1; Д-001 waits 8 min, does not
/// come (postponed), comes back and is served 4 min at desk 2; П-001 waits 8 min, served
/// 5 min at desk 3.
fn scripted_day() -> QueueDay {
    let mut day = day();
    let s = kiosk(&mut day, "subsidy", at(9, 0));
    let d = kiosk(&mut day, "docs", at(9, 2));
    let p = kiosk(&mut day, "benefits", at(9, 4));
    day.call_next(1, op("pos-1"), at(9, 10)).expect("call");
    day.call_next(2, op("pos-2"), at(9, 10)).expect("call");
    day.start_serving(s, op("pos-1"), at(9, 11)).expect("serve");
    day.call_next(3, op("pos-3"), at(9, 12)).expect("call");
    day.tick(at(9, 13)).expect("Д-001 postponed");
    day.start_serving(p, op("pos-3"), at(9, 13)).expect("serve");
    day.finish(p, op("pos-3"), at(9, 18)).expect("done");
    day.finish(s, op("pos-1"), at(9, 21)).expect("done");
    day.call_again(d, 2, op("pos-2"), at(10, 0)).expect("again");
    day.start_serving(d, op("pos-2"), at(10, 1)).expect("serve");
    day.finish(d, op("pos-2"), at(10, 5)).expect("done");
    day.tick(at(17, 0)).expect("close");
    day
}

#[test]
fn statistics_of_a_scripted_day() {
    let day = scripted_day();
    let stats = QueueStats::from_events(day.events());
    let docs = stats.get(DAY, Dimension::Service, "docs").expect("docs");
    assert_eq!((docs.calls, docs.no_shows, docs.no_show_rate()), (2, 1, Some(0.5)));
    assert_eq!(
        (docs.waits, docs.wait_avg_ms(), docs.served, docs.service_avg_ms()),
        (1, Some(480_000), 1, Some(240_000))
    );
    let pos1 = stats.get(DAY, Dimension::Operator, "pos-1").expect("pos-1");
    assert_eq!((pos1.calls, pos1.wait_max_ms, pos1.service_max_ms), (1, 600_000, 600_000));

    let csv = stats.to_csv();
    let expected = "\
day,dimension,key,calls,no_shows,no_show_rate,waits,wait_avg_s,wait_max_s,served,service_avg_s,service_max_s
2026-11-23,service,benefits,1,0,0.000,1,480,480,1,300,300
2026-11-23,service,docs,2,1,0.500,1,480,480,1,240,240
2026-11-23,service,subsidy,1,0,0.000,1,600,600,1,600,600
2026-11-23,desk,1,1,0,0.000,1,600,600,1,600,600
2026-11-23,desk,2,2,1,0.500,1,480,480,1,240,240
2026-11-23,desk,3,1,0,0.000,1,480,480,1,300,300
2026-11-23,operator,pos-1,1,0,0.000,1,600,600,1,600,600
2026-11-23,operator,pos-2,2,1,0.500,1,480,480,1,240,240
2026-11-23,operator,pos-3,1,0,0.000,1,480,480,1,300,300
";
    assert_eq!(csv, expected);
}

#[test]
fn statistics_span_days_and_count_a_redirect_as_a_new_wait() {
    let first = scripted_day();
    let office = queue_support::office();
    let tuesday = Date::new(2026, 11, 24);
    let tue = |h, m| at(h, m).plus_minutes(24 * 60);
    let plan = office.plan(tuesday, tue(0, 0)).expect("open on Tuesday");
    let mut second = QueueDay::open(office, plan, tue(7, 0)).expect("open");
    second.sign_in(1, "pos-1", "Ткаченко О. М.", tue(7, 0)).expect("sign in");
    second.sign_in(3, "pos-3", "Бойко І. С.", tue(7, 0)).expect("sign in");
    let t = kiosk(&mut second, "subsidy", tue(9, 0));
    second.call_next(1, op("pos-1"), tue(9, 1)).expect("call");
    second.start_serving(t, op("pos-1"), tue(9, 2)).expect("serve");
    let to = RedirectTo { service: "benefits".into(), desk: None };
    second.redirect(t, to, op("pos-1"), tue(9, 5)).expect("redirect");
    second.call_next(3, op("pos-3"), tue(9, 7)).expect("call");

    let stats = QueueStats::from_events(first.events().iter().chain(second.events()));
    let monday = stats.get(DAY, Dimension::Service, "subsidy").expect("Monday");
    assert_eq!((monday.calls, monday.served, monday.service_total_ms), (1, 1, 600_000));
    // Tuesday: a 1-minute wait, 3 minutes served until the redirect ...
    let subsidy = stats.get(tuesday, Dimension::Service, "subsidy").expect("Tuesday");
    assert_eq!(
        (subsidy.calls, subsidy.wait_total_ms, subsidy.served, subsidy.service_total_ms),
        (1, 60_000, 1, 180_000)
    );
    // ... then a new wait of 2 minutes in the benefits queue, counted there.
    let benefits = stats.get(tuesday, Dimension::Service, "benefits").expect("benefits");
    assert_eq!((benefits.calls, benefits.waits, benefits.wait_total_ms, benefits.no_shows), (1, 1, 120_000, 0));
    assert!(stats.to_csv().contains("2026-11-24,operator,pos-3,1,0,0.000,1,120,120,0,,\n"));
}
