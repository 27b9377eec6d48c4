//! A small office and a controlled clock for the queue tests.
#![allow(dead_code)]

use keis_sync_server::queue::{
    Actor, Date, DayPlan, Desk, Hours, Office, QueueDay, QueueRules, Service, SlotRules, TicketId, Timestamp,
};

/// Local midnight of [`DAY`] (any fixed instant will do: the queue never reads a clock).
pub(crate) const MIDNIGHT: Timestamp = Timestamp(1_795_384_800_000);
/// A Monday.
pub(crate) const DAY: Date = Date { year: 2026, month: 11, day: 23 };

/// The time `h:m` on [`DAY`].
pub(crate) fn at(h: i64, m: i64) -> Timestamp {
    MIDNIGHT.plus_minutes(h * 60 + m)
}

/// The time `h:m:s` on [`DAY`].
pub(crate) fn at_s(h: i64, m: i64, s: i64) -> Timestamp {
    at(h, m).plus_ms(s * 1000)
}

pub(crate) fn op(position: &str) -> Actor {
    Actor::position(position)
}

fn service(code: &str, name: &str, prefix: &str, booking: Option<SlotRules>) -> Service {
    Service { code: code.into(), name_uk: name.into(), prefix: prefix.into(), booking }
}

/// Services: subsidies «С» (bookable, 30-minute slots of 2), documents «Д», benefits «П».
/// Desk 1 serves subsidies and documents, desk 2 documents, desk 3 benefits.
/// Open Monday to Friday 08:00–17:00.
pub(crate) fn office() -> Office {
    let weekday = Some(Hours { opens_min: 8 * 60, closes_min: 17 * 60 });
    Office {
        id: "odesa-cisp".into(),
        name_uk: "Центр інтегрованих соціальних послуг".into(),
        services: vec![
            service("subsidy", "Житлові субсидії", "С", Some(SlotRules { length_min: 30, capacity: 2 })),
            service("docs", "Донос документів", "Д", None),
            service("benefits", "Пільги", "П", None),
        ],
        desks: vec![
            Desk { number: 1, services: vec!["subsidy".into(), "docs".into()] },
            Desk { number: 2, services: vec!["docs".into()] },
            Desk { number: 3, services: vec!["benefits".into()] },
        ],
        hours: [weekday, weekday, weekday, weekday, weekday, None, None],
        rules: QueueRules::default(),
    }
}

pub(crate) fn plan() -> DayPlan {
    office().plan(DAY, MIDNIGHT).expect("open on Monday")
}

/// The day opened at 07:55 with operators «pos-1», «pos-2», «pos-3» signed in at desks
/// 1, 2 and 3.
pub(crate) fn day() -> QueueDay {
    let mut day = QueueDay::open(office(), plan(), at(7, 55)).expect("open");
    for (desk, pos, name) in [(1, "pos-1", "Ткаченко О. М."), (2, "pos-2", "Коваль О. П."), (3, "pos-3", "Бойко І. С.")]
    {
        day.sign_in(desk, pos, name, at(7, 58)).expect("sign in");
    }
    day
}

/// The called visitor of `t` comes and is served at once, by the desk's operator.
pub(crate) fn serve_and_finish(day: &mut QueueDay, t: TicketId, when: Timestamp) {
    let desk = day.ticket(t).and_then(|t| t.status.desk()).expect("at a desk");
    let who = op(&day.desk(desk).and_then(|d| d.operator.clone()).expect("operator").position);
    day.start_serving(t, who.clone(), when).expect("serve");
    day.finish(t, who, when).expect("done");
}
