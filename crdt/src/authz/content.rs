//! Who may edit the content of a case, and in which statuses.

use crate::digest::{ContentDigest, SignatureState, signature_state_for};
use crate::model::{Case, CaseKind};
use crate::workflow::{AppStatus, CaseState, CaseWorkState, Role, Status};

/// Whether `role` forms cases of `kind` (opens them and edits their content in some
/// status): front office for applications, case staff for social work.
pub(crate) fn forms_kind(role: Role, kind: CaseKind) -> bool {
    match kind {
        CaseKind::Application => role.is_front_office(),
        CaseKind::SocialWork => matches!(role, Role::SocialWorker | Role::Coordinator),
    }
}

/// Whether `role` may edit the content of a case of `kind` in `status`.
pub(crate) fn may_edit(role: Role, kind: CaseKind, status: Status) -> bool {
    forms_kind(role, kind)
        && match status {
            Status::Application(s) => matches!(s, AppStatus::Forming | AppStatus::ReturnedForRework),
            Status::CaseWork(s) => s != CaseWorkState::Closed,
        }
}

/// As [`may_edit`] for a derived state; in a conflict, every outcome must allow it.
pub(crate) fn editable(role: Role, kind: CaseKind, state: &CaseState) -> bool {
    match state {
        CaseState::Settled(o) => may_edit(role, kind, o.status),
        CaseState::Conflict { outcomes, .. } => {
            !outcomes.is_empty() && outcomes.iter().all(|o| may_edit(role, kind, o.status))
        }
    }
}

/// The state for a refusal message.
pub(crate) fn describe(state: &CaseState) -> String {
    match state {
        CaseState::Settled(o) => o.status.to_string(),
        CaseState::Conflict { .. } => "конфлікт дій / conflicting actions".into(),
    }
}

/// The first content field that differs, by its name in the case.
pub(crate) fn changed_field(b: &Case, a: &Case) -> Option<&'static str> {
    [
        ("number", b.number == a.number),
        ("applicant", b.applicant == a.applicant),
        ("household", b.household == a.household),
        ("services", b.services == a.services),
        ("attachments", b.attachments == a.attachments),
        ("chip_reads", b.chip_reads == a.chip_reads),
    ]
    .into_iter()
    .find(|(_, same)| !same)
    .map(|(field, _)| field)
}

/// Whether the applicant's signature covers the content as it is.
pub(crate) fn signed(case: &Case) -> bool {
    let digest = ContentDigest::of(case);
    case.signatures
        .values()
        .any(|s| s.signer == "applicant" && signature_state_for(&digest, s) == SignatureState::Valid)
}
