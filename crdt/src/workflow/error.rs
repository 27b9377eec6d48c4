use super::{Role, Status};
use crate::validate::ValidationError;

/// Why a workflow action is refused. Shown to the official as it is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WorkflowError {
    #[error("ця посада не може виконати дію «{action}» / a position with the role {role} may not {action}")]
    RoleNotAllowed { role: Role, action: &'static str },
    #[error("дія «{action}» неможлива в статусі «{status}» / cannot {action} a case in status «{status}»")]
    WrongStatus { action: &'static str, status: Status },
    #[error("справа поза межами повноважень посади / the case is outside this position's scope")]
    OutOfScope,
    #[error("для дії «{action}» потрібен коментар / «{action}» needs a comment saying why")]
    CommentRequired { action: &'static str },
    #[error("пакет документів неповний (бракує: {}); додайте їх або позначте пакет неповним і вкажіть причину / the document package is incomplete (missing: {}); attach them or mark the package incomplete with a reason", missing.join(", "), missing.join(", "))]
    IncompletePackage { missing: Vec<String> },
    #[error(
        "заявник не підписав заяву в поточному вигляді; попросіть підписати / the applicant has not signed the application as it is now; ask them to sign"
    )]
    NotSigned,
    #[error("у заяві є помилки: {} / the application has invalid data: {}", list(.0), list(.0))]
    InvalidData(Vec<ValidationError>),
    #[error("оберіть хоча б одну послугу / choose at least one service")]
    NoServices,
    #[error(
        "невідомий код послуги {0}: оновіть каталог послуг / unknown service code {0}: update the service catalogue"
    )]
    UnknownService(String),
    #[error("рішення некоректне: {0} / the decision is not valid: {0}")]
    InvalidDecision(&'static str),
    #[error("для вивантаження потрібен ідентифікатор пакета / the export needs a batch identifier")]
    MissingBatch,
    #[error(
        "двоє посадовців одночасно змінили статус; спершу розв'яжіть конфлікт / two officials acted on this case at the same time; resolve the conflict first"
    )]
    UnresolvedConflict { events: Vec<String> },
    #[error("немає конфлікту для розв'язання / there is no conflict to resolve")]
    NotInConflict,
    #[error("подія {0} не є однією з конфліктних / event {0} is not one of the conflicting events")]
    NotAConflictingEvent(String),
    #[error("запис події пошкоджено: {0} / the event record is malformed: {0}")]
    MalformedEvent(&'static str),
}

fn list(v: &[ValidationError]) -> String {
    v.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ")
}
