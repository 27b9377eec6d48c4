use super::{Role, Status};
use crate::validate::ValidationError;

/// Why a workflow action is refused. Shown to the official as it is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WorkflowError {
    #[error("a position with the role {role} may not {action} / ця посада не може виконати дію «{action}»")]
    RoleNotAllowed { role: Role, action: &'static str },
    #[error("cannot {action} a case in status «{status}» / дія «{action}» неможлива в статусі «{status}»")]
    WrongStatus { action: &'static str, status: Status },
    #[error("the case is outside this position's scope / справа поза межами повноважень посади")]
    OutOfScope,
    #[error("«{action}» needs a comment saying why / для дії «{action}» потрібен коментар")]
    CommentRequired { action: &'static str },
    #[error("the document package is incomplete (missing: {}); attach them or mark the package incomplete with a reason / пакет документів неповний (бракує: {}); додайте їх або позначте пакет неповним і вкажіть причину", missing.join(", "), missing.join(", "))]
    IncompletePackage { missing: Vec<String> },
    #[error(
        "the applicant has not signed the application as it is now; ask them to sign / заявник не підписав заяву в поточному вигляді; попросіть підписати"
    )]
    NotSigned,
    #[error("the application has invalid data: {} / у заяві є помилки: {}", list(.0), list(.0))]
    InvalidData(Vec<ValidationError>),
    #[error("choose at least one service / оберіть хоча б одну послугу")]
    NoServices,
    #[error(
        "unknown service code {0}: update the service catalogue / невідомий код послуги {0}: оновіть каталог послуг"
    )]
    UnknownService(String),
    #[error("the decision is not valid: {0} / рішення некоректне: {0}")]
    InvalidDecision(&'static str),
    #[error("the export needs a batch identifier / для вивантаження потрібен ідентифікатор пакета")]
    MissingBatch,
    #[error(
        "two officials acted on this case at the same time; resolve the conflict first / двоє посадовців одночасно змінили статус; спершу розв'яжіть конфлікт"
    )]
    UnresolvedConflict { events: Vec<String> },
    #[error("there is no conflict to resolve / немає конфлікту для розв'язання")]
    NotInConflict,
    #[error("event {0} is not one of the conflicting events / подія {0} не є однією з конфліктних")]
    NotAConflictingEvent(String),
    #[error("this action does not apply to this kind of case / ця дія не стосується справ такого виду")]
    WrongCaseKind,
    #[error("the event record is malformed: {0} / запис події пошкоджено: {0}")]
    MalformedEvent(&'static str),
}

fn list(v: &[ValidationError]) -> String {
    v.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ")
}
