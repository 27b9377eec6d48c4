//! The fold on hand-built event graphs: the path of an application, concurrent officials,
//! forged and malformed records.

use super::*;
use crate::validate::Date;
use crate::workflow::{AppStatus as A, Role, Scope};

const H: &str = "UA05020030000031457";

fn header() -> CaseHeader<'static> {
    CaseHeader { kind: CaseKind::Application, hromada: H, district: Some("north") }
}

fn ev(id: &str, parents: &[&str], role: Role, action: &Action, comment: &str) -> EventRecord {
    let scope = match role {
        Role::Starosta => Scope::District { hromada: H.into(), district: "north".into() },
        _ => Scope::hromada(H),
    };
    let mut r = EventRecord {
        id: id.into(),
        parents: parents.iter().map(|p| (*p).to_owned()).collect(),
        at: 1_700_000_000_000,
        position: format!("pos-{}", role.code()),
        role: role.code().into(),
        scope: scope.code(),
        comment: comment.into(),
        ..Default::default()
    };
    r.set_action(action);
    r
}

fn grant() -> Decision {
    let d = |s| Date::parse_iso(s).expect("test date");
    Decision::Granted { amount_kop: 312_050, from: d("2026-12-01"), to: d("2027-05-31") }
}

fn status(d: &Derivation) -> Option<Status> {
    d.state.status()
}

fn submit() -> Action {
    Action::Submit { incomplete: None }
}

fn forward() -> Action {
    Action::ForwardToBackOffice { incomplete: None }
}

#[test]
fn the_whole_path_of_an_application() {
    let events = vec![
        ev("a", &[], Role::Starosta, &submit(), ""),
        ev("b", &["a"], Role::HromadaOfficer, &Action::ReturnForRework, "бракує довідки про доходи"),
        ev("c", &["b"], Role::Starosta, &submit(), ""),
        ev("d", &["c"], Role::HromadaOfficer, &forward(), ""),
        ev("e", &["d"], Role::BackOffice, &Action::ReturnToHromada, "нечитабельна копія"),
        ev("f", &["e"], Role::HromadaOfficer, &forward(), ""),
        ev("g", &["f"], Role::BackOffice, &Action::MarkChecked, ""),
        ev("h", &["g"], Role::BackOffice, &Action::Export { batch: "DAT-001".into() }, ""),
        ev("i", &["h"], Role::BackOffice, &Action::RecordDecision(grant()), ""),
    ];
    let mut seen = Vec::new();
    for n in 0..=events.len() {
        seen.push(status(&derive(header(), &events[..n])).map(|s| match s {
            Status::Application(a) => a.number(),
            Status::CaseWork(_) => 0,
        }));
    }
    let want: Vec<Option<u8>> = [1, 2, 3, 2, 4, 5, 4, 6, 7, 8].into_iter().map(Some).collect();
    assert_eq!(seen, want);
    let d = derive(header(), &events);
    assert_eq!(
        d.state,
        CaseState::Settled(Outcome { status: Status::Application(A::DecisionReceived), decision: Some(grant()) })
    );
    assert_eq!(d.heads, vec!["i".to_owned()]);
    assert!(d.timeline.iter().all(|t| t.result.is_ok()));
}

#[test]
fn return_and_forward_at_once_is_a_visible_conflict_until_resolved() {
    let mut events = vec![
        ev("a", &[], Role::Starosta, &submit(), ""),
        ev("x", &["a"], Role::HromadaOfficer, &Action::ReturnForRework, "перевірте адресу"),
        ev("y", &["a"], Role::HromadaOfficer, &forward(), ""),
    ];
    let d = derive(header(), &events);
    let CaseState::Conflict { events: ids, outcomes } = &d.state else { panic!("expected a conflict: {:?}", d.state) };
    assert_eq!(ids, &["x", "y"]);
    assert_eq!(outcomes[0].status, Status::Application(A::ReturnedForRework));
    assert_eq!(outcomes[1].status, Status::Application(A::SentToBackOffice));
    assert_eq!(d.heads, vec!["x".to_owned(), "y".to_owned()]);

    // Acting as if there were no conflict is refused and changes nothing.
    events.push(ev("z", &["x", "y"], Role::BackOffice, &Action::MarkChecked, ""));
    let d = derive(header(), &events);
    assert!(d.state.is_conflict());
    assert!(matches!(d.timeline[3].result, Err(WorkflowError::UnresolvedConflict { .. })));

    // A back-office specialist may not keep a hromada decision.
    events.push(ev("r0", &["z"], Role::BackOffice, &Action::Resolve { keep: "y".into() }, ""));
    assert!(derive(header(), &events).state.is_conflict());

    events.push(ev("r1", &["r0"], Role::HromadaOfficer, &Action::Resolve { keep: "y".into() }, "узгоджено"));
    let d = derive(header(), &events);
    assert_eq!(status(&d), Some(Status::Application(A::SentToBackOffice)));
    // Nothing is lost: every event is in the timeline.
    assert_eq!(d.timeline.len(), events.len());
}

#[test]
fn the_same_outcome_reached_twice_is_not_a_conflict() {
    let events = vec![
        ev("a", &[], Role::Starosta, &submit(), ""),
        ev("x", &["a"], Role::HromadaOfficer, &forward(), ""),
        ev("y", &["a"], Role::HromadaOfficer, &forward(), ""),
        ev("z", &["y"], Role::BackOffice, &Action::MarkChecked, ""),
    ];
    let d = derive(header(), &events);
    assert_eq!(status(&d), Some(Status::Application(A::CheckedByBackOffice)));
    // `x` is concurrent with `z`, but `z` follows `y`, which took the same step from the
    // same status as `x`: `z` supersedes both.
    assert_eq!(d.heads, vec!["x".to_owned(), "z".to_owned()]);
}

#[test]
fn different_steps_after_twin_forwards_still_conflict() {
    let events = vec![
        ev("a", &[], Role::Starosta, &submit(), ""),
        ev("x", &["a"], Role::HromadaOfficer, &forward(), ""),
        ev("y", &["a"], Role::HromadaOfficer, &forward(), ""),
        ev("w", &["x"], Role::BackOffice, &Action::ReturnToHromada, "нема підпису"),
        ev("z", &["y"], Role::BackOffice, &Action::MarkChecked, ""),
    ];
    let d = derive(header(), &events);
    let CaseState::Conflict { events: ids, .. } = d.state else { panic!("expected a conflict") };
    assert_eq!(ids, ["w", "z"]);
}

#[test]
fn two_different_decisions_conflict() {
    let refusal = Decision::Refused { reason: "дохід перевищує межу".into() };
    let events = vec![
        ev("a", &[], Role::Starosta, &submit(), ""),
        ev("b", &["a"], Role::HromadaOfficer, &forward(), ""),
        ev("c", &["b"], Role::BackOffice, &Action::MarkChecked, ""),
        ev("d", &["c"], Role::BackOffice, &Action::Export { batch: "B1".into() }, ""),
        ev("g", &["d"], Role::BackOffice, &Action::RecordDecision(grant()), ""),
        ev("r", &["d"], Role::BackOffice, &Action::RecordDecision(refusal), ""),
    ];
    assert!(derive(header(), &events).state.is_conflict());
}

#[test]
fn a_forged_decision_from_a_starosta_is_kept_but_ignored() {
    let events = vec![
        ev("a", &[], Role::Starosta, &submit(), ""),
        ev("f", &["a"], Role::Starosta, &Action::RecordDecision(grant()), ""),
    ];
    let d = derive(header(), &events);
    assert_eq!(status(&d), Some(Status::Application(A::SentToHromada)));
    assert_eq!(d.timeline[1].id, "f");
    assert_eq!(
        d.timeline[1].result,
        Err(WorkflowError::RoleNotAllowed { role: Role::Starosta, action: "record_decision" })
    );
}

#[test]
fn an_event_from_outside_the_scope_is_ignored() {
    let mut e = ev("a", &[], Role::Starosta, &submit(), "");
    e.scope = Scope::District { hromada: H.into(), district: "south".into() }.code();
    let d = derive(header(), &[e]);
    assert_eq!(d.timeline[0].result, Err(WorkflowError::OutOfScope));
    assert_eq!(status(&d), Some(Status::Application(A::Forming)));
}

#[test]
fn malformed_records_are_marked_not_fatal() {
    let mut unknown = ev("u", &[], Role::Starosta, &submit(), "");
    unknown.action = "teleport".into();
    let mut bad_role = ev("v", &[], Role::Starosta, &submit(), "");
    bad_role.role = "king".into();
    let dangling = ev("w", &["nowhere"], Role::Starosta, &submit(), "");
    let c1 = ev("c1", &["c2"], Role::Starosta, &submit(), "");
    let c2 = ev("c2", &["c1"], Role::Starosta, &submit(), "");
    let dup_a = ev("dup", &[], Role::Starosta, &submit(), "");
    let dup_b = ev("dup", &[], Role::HromadaOfficer, &forward(), "");
    let events = vec![unknown, bad_role, dangling, c1, c2, dup_a, dup_b];
    let d = derive(header(), &events);
    assert_eq!(d.timeline.len(), events.len());
    let invalid = d.timeline.iter().filter(|t| t.result.is_err()).count();
    assert_eq!(invalid, 6, "{:#?}", d.timeline);
    assert_eq!(status(&d), Some(Status::Application(A::SentToHromada)));
}

#[test]
fn the_order_of_the_log_does_not_matter() {
    let events = vec![
        ev("a", &[], Role::Starosta, &submit(), ""),
        ev("x", &["a"], Role::HromadaOfficer, &Action::ReturnForRework, "адреса"),
        ev("y", &["a"], Role::HromadaOfficer, &forward(), ""),
        ev("r", &["x", "y"], Role::HromadaOfficer, &Action::Resolve { keep: "x".into() }, ""),
        ev("s", &["r"], Role::Starosta, &submit(), ""),
    ];
    let want = derive(header(), &events);
    assert_eq!(status(&want), Some(Status::Application(A::SentToHromada)));
    let mut rotated = events.clone();
    for _ in 0..events.len() {
        rotated.rotate_left(1);
        let mut reversed = rotated.clone();
        reversed.reverse();
        for order in [&rotated, &reversed] {
            let got = derive(header(), order);
            assert_eq!(got.state, want.state);
            assert_eq!(got.heads, want.heads);
            let ids = |d: &Derivation| d.timeline.iter().map(|t| t.id.clone()).collect::<Vec<_>>();
            assert_eq!(ids(&got), ids(&want));
        }
    }
}

#[test]
fn social_work_cases_follow_case_management() {
    let h = CaseHeader { kind: CaseKind::SocialWork, hromada: H, district: None };
    let events = vec![
        ev("a", &[], Role::SocialWorker, &Action::StartAssessment, ""),
        ev("b", &["a"], Role::SocialWorker, &Action::CompleteAssessment, ""),
        ev("c", &["b"], Role::Coordinator, &Action::ApprovePlan, ""),
        ev("d", &["c"], Role::SocialWorker, &Action::Close, "мету досягнуто"),
    ];
    assert_eq!(status(&derive(h, &events)), Some(Status::CaseWork(crate::workflow::CaseWorkState::Closed)));
    assert_eq!(status(&derive(h, &[])), Some(Status::CaseWork(crate::workflow::CaseWorkState::Opened)));
}
