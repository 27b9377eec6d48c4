//! Random operator sessions with a seeded generator: after every step the desks and the
//! tickets agree, a refused command changes nothing, and the log replays to the same
//! state. `QUEUE_RANDOM_STEPS` and `QUEUE_RANDOM_SEEDS` make it a longer soak.

mod queue_support;

use keis_sync_server::queue::{Actor, IssueRequest, Priority, QueueDay, RedirectTo, TicketId, TicketStatus};
use queue_support::{at, day, op};

/// xorshift64*: enough for choosing commands, and the same on every machine.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

fn env(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn check_invariants(day: &QueueDay) {
    for desk in 1..=3u16 {
        let state = day.desk(desk).expect("desk");
        if let Some(t) = state.current {
            let status = &day.ticket(t).expect("ticket").status;
            assert_eq!(status.desk(), Some(desk), "desk {desk} holds {t:?} which is {status:?}");
        }
    }
    for t in day.tickets() {
        if let Some(desk) = t.status.desk() {
            assert_eq!(day.desk(desk).and_then(|d| d.current), Some(t.id), "{} is at desk {desk}", t.number);
        }
    }
    for (i, e) in day.events().iter().enumerate() {
        assert_eq!(e.seq, i as u64 + 1);
    }
}

#[test]
fn random_sessions_keep_desks_and_tickets_consistent_and_replay() {
    let steps = env("QUEUE_RANDOM_STEPS", 1500);
    for seed in 1..=env("QUEUE_RANDOM_SEEDS", 4) {
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15 ^ seed);
        let mut day = day();
        let mut now = at(8, 0);
        let services = ["subsidy", "docs", "benefits"];
        let positions = ["pos-1", "pos-2", "pos-3", "coordinator"];
        for _ in 0..steps {
            now = now.plus_ms(i64::try_from(rng.below(40_000)).expect("small"));
            let n = u32::try_from(day.tickets().len()).expect("small");
            let desk = u16::try_from(rng.below(3) + 1).expect("small");
            // Mostly the ticket at the desk and its operator, sometimes anything at all.
            let any = TicketId(u32::try_from(rng.below(u64::from(n) + 1)).expect("small"));
            let current = day.desk(desk).and_then(|d| d.current);
            let t = if rng.below(4) == 0 { any } else { current.unwrap_or(any) };
            let who = if rng.below(4) == 0 {
                op(positions[usize::try_from(rng.below(4)).expect("small")])
            } else {
                op(&format!("pos-{desk}"))
            };
            let service = services[usize::try_from(rng.below(3)).expect("small")];
            let before = day.clone();
            let result = match rng.below(16) {
                0 | 1 => day.issue(IssueRequest::kiosk(service), Actor::System, now).map(|_| ()),
                2 => day
                    .issue(IssueRequest { priority: Priority::OutOfTurn, ..IssueRequest::staff(service) }, who, now)
                    .map(|_| ()),
                3 | 4 => day.call_next(desk, who, now).map(|_| ()),
                5 => day.call_again(t, desk, who, now).map(|_| ()),
                6..=8 => day.start_serving(t, who, now).map(|_| ()),
                9..=11 => day.finish(t, who, now).map(|_| ()),
                12 => day.postpone(t, who, now).map(|_| ()),
                13 => day.mark_absent(t, who, now).map(|_| ()),
                14 => day.redirect(t, RedirectTo { service: service.into(), desk: None }, who, now).map(|_| ()),
                _ => day.tick(now).map(|_| ()),
            };
            if result.is_err() {
                assert_eq!(day, before, "seed {seed}: a refused command changed the day: {result:?}");
            }
            check_invariants(&day);
        }
        day.tick(at(17, 0).max(now)).expect("close");
        assert!(day.tickets().iter().all(|t| !matches!(
            t.status,
            TicketStatus::Waiting | TicketStatus::Called { .. } | TicketStatus::Postponed
        )));
        let replayed = QueueDay::replay(day.events().to_vec()).expect("replay");
        assert_eq!(replayed, day, "seed {seed}");
        let calls = day.events().iter().filter(|e| matches!(e.kind, keis_sync_server::queue::EventKind::Called { .. }));
        let calls = calls.count();
        assert_eq!(day.calls_since(0).len(), calls);
        let served = day.tickets().iter().filter(|t| t.status == TicketStatus::Done).count();
        eprintln!("seed {seed}: {} events, {calls} calls, {served} served", day.events().len());
        assert!(calls > 50 && served > 10, "seed {seed}: the session should exercise the queue");
    }
}
