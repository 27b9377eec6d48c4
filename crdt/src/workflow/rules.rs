//! Which role may take which action from which status, and where it leads. The checks here
//! depend only on the action itself (role, status, comment, payload), so the derivation of
//! status applies them identically on every replica. Checks that depend on the case content
//! (package completeness, signature) run when the action is taken ([`crate::CaseDoc::act`])
//! and again on the server at ingest.

use super::{Action, AppStatus, CaseWorkState, Role, Status, WorkflowError};

use AppStatus as A;
use CaseWorkState as W;
use Role as R;

struct Rule {
    action: &'static str,
    roles: &'static [Role],
    from: &'static [Status],
    to: Status,
    needs_comment: bool,
}

const FRONT: &[Role] = &[R::Starosta, R::StarostaSuper, R::CnapClerk, R::CnapSuper];
const CASE_STAFF: &[Role] = &[R::SocialWorker, R::Coordinator];
const OPEN_WORK: &[Status] = &[
    Status::CaseWork(W::Opened),
    Status::CaseWork(W::Assessment),
    Status::CaseWork(W::Planning),
    Status::CaseWork(W::Delivery),
    Status::CaseWork(W::Monitoring),
];

const fn app(s: AppStatus) -> Status {
    Status::Application(s)
}

const fn work(s: CaseWorkState) -> Status {
    Status::CaseWork(s)
}

const fn rule(
    action: &'static str,
    roles: &'static [Role],
    from: &'static [Status],
    to: Status,
    needs_comment: bool,
) -> Rule {
    Rule { action, roles, from, to, needs_comment }
}

const RULES: &[Rule] = &[
    rule("submit", FRONT, &[app(A::Forming), app(A::ReturnedForRework)], app(A::SentToHromada), false),
    rule(
        "return_for_rework",
        &[R::HromadaOfficer],
        &[app(A::SentToHromada), app(A::ReturnedToHromada)],
        app(A::ReturnedForRework),
        true,
    ),
    rule(
        "forward_to_back_office",
        &[R::HromadaOfficer],
        &[app(A::SentToHromada), app(A::ReturnedToHromada)],
        app(A::SentToBackOffice),
        false,
    ),
    rule(
        "return_to_hromada",
        &[R::BackOffice],
        &[app(A::SentToBackOffice), app(A::CheckedByBackOffice)],
        app(A::ReturnedToHromada),
        true,
    ),
    rule("mark_checked", &[R::BackOffice], &[app(A::SentToBackOffice)], app(A::CheckedByBackOffice), false),
    rule("export", &[R::BackOffice], &[app(A::CheckedByBackOffice)], app(A::Exported), false),
    // A decision can be amended after it is recorded (a recalculated amount).
    rule(
        "record_decision",
        &[R::BackOffice],
        &[app(A::Exported), app(A::DecisionReceived)],
        app(A::DecisionReceived),
        false,
    ),
    rule("start_assessment", CASE_STAFF, &[work(W::Opened)], work(W::Assessment), false),
    rule("complete_assessment", CASE_STAFF, &[work(W::Assessment)], work(W::Planning), false),
    rule("approve_plan", &[R::Coordinator], &[work(W::Planning)], work(W::Delivery), false),
    rule("start_monitoring", CASE_STAFF, &[work(W::Delivery)], work(W::Monitoring), false),
    rule("resume_delivery", CASE_STAFF, &[work(W::Monitoring)], work(W::Delivery), false),
    rule("close", CASE_STAFF, OPEN_WORK, work(W::Closed), true),
    rule("reopen", &[R::Coordinator], &[work(W::Closed)], work(W::Assessment), true),
];

/// The status `action` leads to from `from`, or why it is refused. `resolve` is not a
/// transition and is handled by the derivation.
pub fn transition(from: Status, role: Role, action: &Action, comment: &str) -> Result<Status, WorkflowError> {
    let code = action.code();
    let rule =
        RULES.iter().find(|r| r.action == code).ok_or(WorkflowError::WrongStatus { action: code, status: from })?;
    if !rule.roles.contains(&role) {
        return Err(WorkflowError::RoleNotAllowed { role, action: code });
    }
    if !rule.from.contains(&from) {
        return Err(WorkflowError::WrongStatus { action: code, status: from });
    }
    if rule.needs_comment && comment.trim().is_empty() {
        return Err(WorkflowError::CommentRequired { action: code });
    }
    match action {
        Action::RecordDecision(d) => d.check()?,
        Action::Export { batch } if batch.trim().is_empty() => return Err(WorkflowError::MissingBatch),
        Action::Submit { incomplete: Some(r) } | Action::ForwardToBackOffice { incomplete: Some(r) }
            if r.trim().is_empty() =>
        {
            return Err(WorkflowError::CommentRequired { action: code });
        }
        _ => {}
    }
    Ok(rule.to)
}

/// Whether `role` may take the action with this code at all (in some status).
pub fn role_may(role: Role, action_code: &str) -> bool {
    RULES.iter().any(|r| r.action == action_code && r.roles.contains(&role))
}

#[cfg(test)]
mod tests;
