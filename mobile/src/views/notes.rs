//! Visits and case-management records (візити, оцінка, план, моніторинг) and resolutions
//! as the case detail lists them, and a record added by the official at hand. A record is
//! authored by a position and only that position may change it (the server's `authz`
//! holds every device to that).

use keis_crdt::model::{NOTE_KINDS, Note, RecordMap};
use keis_crdt::{Case, CaseDoc, CaseError, Position, Role};

use crate::case_list::Lang;

/// The longest record text, in characters (a page of notes).
pub const MAX_NOTE_CHARS: usize = 4_000;

/// One visit or case-management record, for the detail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoteLine {
    pub id: String,
    pub at: i64,
    /// The kind, as the user reads it.
    pub kind: String,
    /// The authoring position's id.
    pub author: String,
    pub text: String,
}

/// One resolution (резолюція), for the detail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolutionLine {
    pub id: String,
    pub at: i64,
    pub author: String,
    pub text: String,
    pub assignee: Option<String>,
    /// `YYYY-MM-DD`.
    pub due: Option<String>,
}

/// The kind of a record in `lang`.
pub fn kind_label(code: &str, lang: Lang) -> &str {
    let (uk, en) = match code {
        "visit" => ("Візит", "Visit"),
        "assessment" => ("Оцінка потреб", "Needs assessment"),
        "plan" => ("План надання послуг", "Service plan"),
        "monitoring" => ("Моніторинг", "Monitoring"),
        "note" => ("Примітка", "Note"),
        other => (other, other),
    };
    if lang == Lang::Uk { uk } else { en }
}

/// The case's records and resolutions, oldest first.
pub fn lines(case: &Case, lang: Lang) -> (Vec<NoteLine>, Vec<ResolutionLine>) {
    let mut notes: Vec<NoteLine> = case
        .notes
        .iter()
        .map(|(id, n)| NoteLine {
            id: id.clone(),
            at: n.at,
            kind: kind_label(&n.kind, lang).to_owned(),
            author: n.author.clone(),
            text: n.text.clone(),
        })
        .collect();
    notes.sort_by(|a, b| (a.at, &a.id).cmp(&(b.at, &b.id)));
    let mut resolutions: Vec<ResolutionLine> = case
        .resolutions
        .iter()
        .map(|(id, r)| ResolutionLine {
            id: id.clone(),
            at: r.at,
            author: r.author.clone(),
            text: r.text.clone(),
            assignee: r.assignee.clone(),
            due: r.due.clone(),
        })
        .collect();
    resolutions.sort_by(|a, b| (a.at, &a.id).cmp(&(b.at, &b.id)));
    (notes, resolutions)
}

/// Why a record was not added.
#[derive(Debug, thiserror::Error)]
pub enum NoteError {
    #[error("Напишіть текст запису / Write the record's text")]
    Empty,
    #[error(
        "Запис задовгий: до {MAX_NOTE_CHARS} символів / The record is too long: at most {MAX_NOTE_CHARS} characters"
    )]
    TooLong,
    #[error("невідомий вид запису {0} / unknown kind of record {0}")]
    UnknownKind(String),
    #[error(
        "ця посада не веде справи цієї громади; оберіть іншу посаду / this position does not work on cases of this hromada; choose another position"
    )]
    NotYourCase,
    /// Boxed: a case error is large, and rare here.
    #[error(transparent)]
    Case(Box<CaseError>),
}

impl From<CaseError> for NoteError {
    fn from(e: CaseError) -> Self {
        Self::Case(Box::new(e))
    }
}

/// Adds a record of `kind` with `text`, authored by `by`, at `at`; its id.
pub fn add_note(doc: &mut CaseDoc, by: &Position, kind: &str, text: &str, at: i64) -> Result<String, NoteError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(NoteError::Empty);
    }
    if text.chars().count() > MAX_NOTE_CHARS {
        return Err(NoteError::TooLong);
    }
    if !NOTE_KINDS.contains(&kind) {
        return Err(NoteError::UnknownKind(kind.to_owned()));
    }
    let case = doc.case();
    if by.role == Role::Administrator || !by.scope.covers(&case.hromada, case.district.as_deref()) {
        return Err(NoteError::NotYourCase);
    }
    let id = doc.edit(at, |case, ids| {
        let id = ids.next_id();
        case.notes.add(Note {
            id: id.clone(),
            kind: kind.to_owned(),
            author: by.id.clone(),
            at,
            text: text.to_owned(),
        });
        id
    })?;
    Ok(id)
}

#[cfg(test)]
mod tests {
    use automerge::ActorId;
    use keis_crdt::{authz, demo};

    use super::*;

    #[test]
    fn a_visit_is_added_by_its_author_listed_in_order_and_accepted_by_the_server_rule() {
        let mut doc = demo::application(ActorId::from(b"tablet".as_slice()), 1, 0).expect("demo");
        let before = doc.case().clone();
        let worker = demo::position(Role::SocialWorker);
        let second = add_note(&mut doc, &worker, "monitoring", "Повторний візит", 200).expect("added");
        let first = add_note(&mut doc, &worker, "visit", "  Візит удома, умови задовільні  ", 100).expect("added");
        let (notes, resolutions) = lines(doc.case(), Lang::Uk);
        assert_eq!(notes.iter().map(|n| n.id.as_str()).collect::<Vec<_>>(), [first.as_str(), second.as_str()]);
        assert_eq!((notes[0].kind.as_str(), notes[0].text.as_str()), ("Візит", "Візит удома, умови задовільні"));
        assert_eq!(notes[0].author, worker.id);
        assert!(resolutions.is_empty());
        assert_eq!(lines(doc.case(), Lang::En).0[1].kind, "Monitoring");
        authz::authorize(&[worker], Some(&before), doc.case()).expect("the server accepts the author's records");
    }

    #[test]
    fn an_empty_long_unknown_or_foreign_record_is_refused_and_changes_nothing() {
        let mut doc = demo::application(ActorId::from(b"tablet".as_slice()), 1, 0).expect("demo");
        let worker = demo::position(Role::SocialWorker);
        assert!(matches!(add_note(&mut doc, &worker, "visit", "  ", 1), Err(NoteError::Empty)));
        let long = "я".repeat(MAX_NOTE_CHARS + 1);
        assert!(matches!(add_note(&mut doc, &worker, "visit", &long, 1), Err(NoteError::TooLong)));
        assert!(matches!(add_note(&mut doc, &worker, "gossip", "x", 1), Err(NoteError::UnknownKind(_))));
        let admin = demo::position(Role::Administrator);
        assert!(matches!(add_note(&mut doc, &admin, "note", "x", 1), Err(NoteError::NotYourCase)));
        let mut elsewhere = demo::position(Role::SocialWorker);
        elsewhere.scope = keis_crdt::Scope::Hromadas(vec!["UA00000000000000001".into()]);
        assert!(matches!(add_note(&mut doc, &elsewhere, "note", "x", 1), Err(NoteError::NotYourCase)));
        assert!(doc.case().notes.is_empty());
    }
}
