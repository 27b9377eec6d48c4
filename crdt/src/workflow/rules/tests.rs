//! Every (action, role, status) combination, checked against the allowed transitions
//! written out one by one as the source process describes them.

use super::super::Decision;
use super::*;
use crate::validate::Date;

fn d(s: &str) -> Date {
    Date::parse_iso(s).expect("test date")
}

fn actions() -> Vec<Action> {
    vec![
        Action::Submit { incomplete: None },
        Action::ReturnForRework,
        Action::ForwardToBackOffice { incomplete: None },
        Action::ReturnToHromada,
        Action::MarkChecked,
        Action::Export { batch: "DAT-2026-11-001".into() },
        Action::RecordDecision(Decision::Granted { amount_kop: 250_000, from: d("2026-11-01"), to: d("2027-04-30") }),
        Action::StartAssessment,
        Action::CompleteAssessment,
        Action::ApprovePlan,
        Action::StartMonitoring,
        Action::ResumeDelivery,
        Action::Close,
        Action::Reopen,
    ]
}

/// (action, roles, from, to), as the process reads.
fn allowed() -> Vec<(&'static str, Vec<Role>, Status, Status)> {
    let front = vec![R::Starosta, R::StarostaSuper, R::CnapClerk, R::CnapSuper];
    let staff = vec![R::SocialWorker, R::Coordinator];
    let hromada = vec![R::HromadaOfficer];
    let back = vec![R::BackOffice];
    let mut v = vec![
        ("submit", front.clone(), app(A::Forming), app(A::SentToHromada)),
        ("submit", front, app(A::ReturnedForRework), app(A::SentToHromada)),
        ("return_for_rework", hromada.clone(), app(A::SentToHromada), app(A::ReturnedForRework)),
        ("return_for_rework", hromada.clone(), app(A::ReturnedToHromada), app(A::ReturnedForRework)),
        ("forward_to_back_office", hromada.clone(), app(A::SentToHromada), app(A::SentToBackOffice)),
        ("forward_to_back_office", hromada, app(A::ReturnedToHromada), app(A::SentToBackOffice)),
        ("return_to_hromada", back.clone(), app(A::SentToBackOffice), app(A::ReturnedToHromada)),
        ("return_to_hromada", back.clone(), app(A::CheckedByBackOffice), app(A::ReturnedToHromada)),
        ("mark_checked", back.clone(), app(A::SentToBackOffice), app(A::CheckedByBackOffice)),
        ("export", back.clone(), app(A::CheckedByBackOffice), app(A::Exported)),
        ("record_decision", back.clone(), app(A::Exported), app(A::DecisionReceived)),
        ("record_decision", back, app(A::DecisionReceived), app(A::DecisionReceived)),
        ("start_assessment", staff.clone(), work(W::Opened), work(W::Assessment)),
        ("complete_assessment", staff.clone(), work(W::Assessment), work(W::Planning)),
        ("approve_plan", vec![R::Coordinator], work(W::Planning), work(W::Delivery)),
        ("start_monitoring", staff.clone(), work(W::Delivery), work(W::Monitoring)),
        ("resume_delivery", staff.clone(), work(W::Monitoring), work(W::Delivery)),
        ("reopen", vec![R::Coordinator], work(W::Closed), work(W::Assessment)),
    ];
    for s in [W::Opened, W::Assessment, W::Planning, W::Delivery, W::Monitoring] {
        v.push(("close", staff.clone(), work(s), work(W::Closed)));
    }
    v
}

fn all_statuses() -> Vec<Status> {
    AppStatus::ALL.into_iter().map(app).chain(CaseWorkState::ALL.into_iter().map(work)).collect()
}

#[test]
fn every_combination_matches_the_process() {
    let allowed = allowed();
    let mut checked = 0;
    for action in actions() {
        for role in Role::ALL {
            for from in all_statuses() {
                let want = allowed
                    .iter()
                    .find(|(a, roles, f, _)| *a == action.code() && roles.contains(&role) && *f == from)
                    .map(|(_, _, _, to)| *to);
                let got = transition(from, role, &action, "причина");
                match (want, got) {
                    (Some(to), Ok(got)) => assert_eq!(got, to, "{} by {role} from {from:?}", action.code()),
                    (None, Err(WorkflowError::RoleNotAllowed { .. } | WorkflowError::WrongStatus { .. })) => {}
                    (want, got) => panic!("{} by {role} from {from:?}: want {want:?}, got {got:?}", action.code()),
                }
                checked += 1;
            }
        }
    }
    assert_eq!(checked, 14 * 9 * 14);
}

#[test]
fn refusals_say_why() {
    let refused = Action::RecordDecision(Decision::Refused { reason: "дохід перевищує межу".into() });
    let cases: Vec<(Status, Role, Action, &str, WorkflowError)> = vec![
        (
            app(A::Exported),
            R::Starosta,
            refused,
            "",
            WorkflowError::RoleNotAllowed { role: R::Starosta, action: "record_decision" },
        ),
        (
            app(A::Forming),
            R::HromadaOfficer,
            Action::ForwardToBackOffice { incomplete: None },
            "",
            WorkflowError::WrongStatus { action: "forward_to_back_office", status: app(A::Forming) },
        ),
        (
            app(A::SentToHromada),
            R::HromadaOfficer,
            Action::ReturnForRework,
            " ",
            WorkflowError::CommentRequired { action: "return_for_rework" },
        ),
        (
            app(A::SentToBackOffice),
            R::BackOffice,
            Action::ReturnToHromada,
            "",
            WorkflowError::CommentRequired { action: "return_to_hromada" },
        ),
        (work(W::Delivery), R::SocialWorker, Action::Close, "", WorkflowError::CommentRequired { action: "close" }),
        (
            app(A::Forming),
            R::Starosta,
            Action::Submit { incomplete: Some("  ".into()) },
            "",
            WorkflowError::CommentRequired { action: "submit" },
        ),
        (
            app(A::CheckedByBackOffice),
            R::BackOffice,
            Action::Export { batch: String::new() },
            "",
            WorkflowError::MissingBatch,
        ),
        (
            work(W::Planning),
            R::SocialWorker,
            Action::ApprovePlan,
            "",
            WorkflowError::RoleNotAllowed { role: R::SocialWorker, action: "approve_plan" },
        ),
        (
            app(A::Forming),
            R::Administrator,
            Action::Submit { incomplete: None },
            "",
            WorkflowError::RoleNotAllowed { role: R::Administrator, action: "submit" },
        ),
    ];
    for (from, role, action, comment, want) in cases {
        assert_eq!(transition(from, role, &action, comment), Err(want.clone()), "{want}");
    }
}

#[test]
fn a_grant_needs_an_amount_and_a_period_and_a_refusal_a_reason() {
    let bad = [
        Decision::Granted { amount_kop: 0, from: d("2026-11-01"), to: d("2027-04-30") },
        Decision::Granted { amount_kop: 100, from: d("2027-05-01"), to: d("2027-04-30") },
        Decision::Refused { reason: " ".into() },
    ];
    for decision in bad {
        let got = transition(app(A::Exported), R::BackOffice, &Action::RecordDecision(decision.clone()), "");
        assert!(matches!(got, Err(WorkflowError::InvalidDecision(_))), "{decision:?}: {got:?}");
    }
    let one_day = Decision::Granted { amount_kop: 1, from: d("2026-11-01"), to: d("2026-11-01") };
    assert_eq!(
        transition(app(A::Exported), R::BackOffice, &Action::RecordDecision(one_day), ""),
        Ok(app(A::DecisionReceived))
    );
}

#[test]
fn role_may_lists_powers() {
    assert!(role_may(R::BackOffice, "record_decision"));
    assert!(!role_may(R::Starosta, "record_decision"));
    assert!(!role_may(R::Administrator, "submit"));
    assert!(role_may(R::CnapSuper, "submit"));
}
