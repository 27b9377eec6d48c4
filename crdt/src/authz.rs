//! Change-level authorisation: may a device acting as a set of positions turn one version
//! of a case into another?
//!
//! The server applies a device's incoming Automerge changes to a fork, reads the case
//! before and after, and calls [`authorize`]. Only if it passes are the changes merged and
//! persisted; otherwise the batch is refused with the [`Refusal`], which says what
//! happened and what the official can do (Ukrainian first, then English).
//!
//! The positions that count are those of the device whose scope covers the case; the
//! others play no part. The checks run in this order and the first problem found is the
//! refusal (one clear reason for the official, not a list):
//!
//! 1. **Scope.** The case (before and after) must be in the scope of at least one position
//!    ([`Scope::covers`](crate::Scope::covers)): hromada A cannot touch hromada B's cases.
//! 2. **Identity.** The hromada and starosta district never change (a case cannot be moved
//!    to, or into, another hromada), nor do the case id, kind, `created_at` and
//!    `created_by`; the schema version never goes down. A new case (no `before`) must have
//!    a known kind and be created by one of the positions, of a role that forms cases of
//!    that kind (front office: applications; social worker, coordinator: social work).
//! 3. **Workflow events** are append-only: no event is removed or changed (records are
//!    compared by id). Every new event names one of the positions (its id, role code and
//!    scope code) and is valid: the fold ([`crate::workflow::derive`]) over the new event
//!    log must accept it. An invalid new event (a starosta's decision, a transition from
//!    the wrong status, a `resolve` the fold refuses) is refused, not merely ignored. No
//!    old event that the fold rejected may become valid through the new ones.
//! 4. **Signatures.** No existing signature is changed or removed. A new one must be
//!    witnessed by one of the positions, and that position's role must be allowed to edit
//!    the content now (rule 5): signatures are taken while the case is being formed.
//! 5. **Content** (the number, applicant, household, services, attachments, chip reads):
//!    judged against the status the case had *before* the change, so a starosta may edit
//!    and submit in one batch. Front office (starosta, ЦНАП clerk and their senior
//!    variants) edit applications while they are being formed or were returned for rework
//!    (statuses 1 and 3); social workers and coordinators edit social-work cases while
//!    they are open (not closed); no one else edits content: the hromada officer and back
//!    office return the application instead, and administrators edit nothing. In a
//!    conflict, content may be edited only if every conflicting outcome allows it. If the
//!    batch also passes the application on (its status after no longer allows editing),
//!    the signed content after must still carry a current applicant's signature: content
//!    edited after submission is refused (ask for a return for rework).
//! 6. **Notes and resolutions.** A new one is authored by one of the positions (any role
//!    but the administrator: the hromada officer and back office write them too). Existing
//!    ones may be changed or removed only by their author, who stays the author.
//!
//! Content checks of the actions themselves (package complete, applicant's signature
//! current when submitting) need the service catalogue and are not repeated here.
//!
//! Pure and total: no I/O, and no input makes it panic.

mod checks;
mod content;
mod edge;

use crate::model::Case;
use crate::workflow::{Position, WorkflowError};

/// Why a change to a case is refused. Shown to the official as it is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error(
        "справа громади {hromada}{} поза межами ваших посад; передайте її посадовцю, до повноважень якого вона належить / the case of hromada {hromada}{} is outside your positions' scope; hand it to an official whose scope covers it",
        district_uk(.district),
        district_en(.district)
    )]
    OutOfScope { hromada: String, district: Option<String> },
    #[error(
        "справу не можна перенести до іншої громади чи старостинського округу ({field}); відкрийте нову справу там / a case cannot be moved to another hromada or starosta district ({field}); open a new case there"
    )]
    Moved { field: &'static str },
    #[error(
        "поле справи «{field}» не змінюється після створення; скасуйте цю зміну / the case field «{field}» never changes after creation; undo this change"
    )]
    Immutable { field: &'static str },
    #[error(
        "справу записано старішою схемою ({after}), ніж на сервері ({before}); оновіть застосунок / the case was written with an older schema ({after}) than the server's ({before}); update the app"
    )]
    SchemaDowngrade { before: u64, after: u64 },
    #[error("невідомий вид справи «{0}»; оновіть застосунок / unknown kind of case «{0}»; update the app")]
    UnknownKind(String),
    #[error(
        "справу «{kind}» може відкрити лише посада цього пристрою, яка формує такі справи; відкрийте її від своєї посади / a «{kind}» case can only be opened by one of this device's positions that forms such cases; open it as your own position"
    )]
    MayNotCreate { kind: String },
    #[error(
        "подію {event} журналу видалено; журнал лише доповнюється, синхронізуйте пристрій заново / event {event} was removed from the log; the log is append-only, sync the device again"
    )]
    EventRemoved { event: String },
    #[error(
        "подію {event} журналу змінено; журнал лише доповнюється, синхронізуйте пристрій заново / event {event} in the log was changed; the log is append-only, sync the device again"
    )]
    EventModified { event: String },
    #[error(
        "подію {event} записано від посади «{position}», якої цей пристрій не має; дійте від своєї посади / event {event} claims the position «{position}», which this device does not hold; act as your own position"
    )]
    NotYourPosition { event: String, position: String },
    #[error(
        "дію «{action}» (подія {event}) відхилено: {reason}; оновіть справу й перевірте її статус / the action «{action}» (event {event}) is refused: {reason}; sync the case and check its status"
    )]
    InvalidEvent { event: String, action: String, reason: WorkflowError },
    #[error(
        "нові події роблять чинною раніше відхилену подію {event}; синхронізуйте пристрій заново / the new events make the earlier refused event {event} valid; sync the device again"
    )]
    EventRevived { event: String },
    #[error(
        "підпис {signature} видалено; підписи не видаляються, синхронізуйте пристрій заново / signature {signature} was removed; signatures are never removed, sync the device again"
    )]
    SignatureRemoved { signature: String },
    #[error(
        "підпис {signature} змінено; підписи не переписуються, візьміть новий підпис / signature {signature} was rewritten; signatures are never rewritten, take a new signature"
    )]
    SignatureRewritten { signature: String },
    #[error(
        "новий підпис {signature} засвідчено не посадою цього пристрою, яка зараз може формувати справу; візьміть підпис від своєї посади / the new signature {signature} is not witnessed by a position of this device that may form the case now; take it as your own position"
    )]
    SignatureNotWitnessed { signature: String },
    #[error(
        "ваші посади не можуть змінювати зміст справи ({field}); поверніть її на доопрацювання або додайте примітку / your positions may not edit the case content ({field}); return it for rework or add a note"
    )]
    MayNotEdit { field: &'static str },
    #[error(
        "зміст справи ({field}) не можна змінювати в статусі «{status}»; попросіть повернути справу на доопрацювання / the case content ({field}) cannot be edited in status «{status}»; ask for the case to be returned for rework"
    )]
    ContentLocked { field: &'static str, status: String },
    #[error(
        "зміст справи ({field}) змінено після передачі, без чинного підпису заявника; попросіть повернути справу на доопрацювання / the case content ({field}) was changed after it was passed on, without a current applicant's signature; ask for the case to be returned for rework"
    )]
    ChangedAfterSubmit { field: &'static str },
    #[error(
        "{} {id} написано не від посади цього пристрою; пишіть від своєї посади / the {} {id} is not authored by a position of this device; write it as your own position",
        record_uk(.record),
        .record
    )]
    NotAuthor { record: &'static str, id: String },
    #[error(
        "{} {id} іншого автора змінено або видалено; додайте власний запис / the {} {id} of another author was changed or removed; add a record of your own",
        record_uk(.record),
        .record
    )]
    OthersRecord { record: &'static str, id: String },
}

fn district_uk(d: &Option<String>) -> String {
    d.as_ref().map(|d| format!(" (округ {d})")).unwrap_or_default()
}

fn district_en(d: &Option<String>) -> String {
    d.as_ref().map(|d| format!(" (district {d})")).unwrap_or_default()
}

fn record_uk(record: &str) -> &'static str {
    match record {
        "note" => "запис",
        "resolution" => "резолюцію",
        _ => "запис",
    }
}

/// Whether a device acting as `positions` may change the case from `before` (`None`: a
/// case the server did not have) to `after`. The first problem found is the refusal; see
/// the [module documentation](self) for the rules.
pub fn authorize(positions: &[Position], before: Option<&Case>, after: &Case) -> Result<(), Refusal> {
    checks::Check::new(positions, before, after)?.run()
}

/// Whether a trusted edge server, enrolled at the central server with `edge` positions
/// (normally one, scoped to its hromada), may forward the change of the case from
/// `before` to `after`: the changes of many of its devices, each already authorised by
/// the edge. Scope and identity are checked as for a device; events stay append-only,
/// accepted by the fold, and may name any position within the edge's scope; signatures
/// are never rewritten. See `authz/edge.rs` for the rules.
pub fn authorize_edge(edge: &[Position], before: Option<&Case>, after: &Case) -> Result<(), Refusal> {
    edge::authorize(edge, before, after)
}
