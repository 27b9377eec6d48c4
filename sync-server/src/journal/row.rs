//! [`JournalRow`]: the summary of one case, built from its document (or from the case
//! read out of one, as the sync host has it).

use keis_crdt::model::Case;
use keis_crdt::workflow::{CaseHeader, derive};
use keis_crdt::{CaseDoc, CaseKind, CaseState, Catalogue};
use serde::{Deserialize, Serialize};

/// One row of the journal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JournalRow {
    pub id: String,
    pub number: String,
    pub hromada: String,
    pub district: Option<String>,
    pub applicant: String,
    pub services: Vec<String>,
    /// Status number 1-8 of an application; `None` for social work or in conflict.
    pub status_number: Option<u8>,
    /// The status in Ukrainian, or a note that officials acted concurrently.
    pub status: String,
    pub conflict: bool,
    pub package_complete: bool,
    /// When the case was opened (on the tablet), milliseconds since the Unix epoch.
    pub created_at: i64,
}

impl JournalRow {
    pub fn of(doc: &CaseDoc, catalogue: &Catalogue) -> Self {
        Self::of_case(doc.case(), catalogue)
    }

    /// The row of `case` (read as the current schema).
    pub fn of_case(case: &Case, catalogue: &Catalogue) -> Self {
        let header = CaseHeader {
            kind: case.case_kind().unwrap_or(CaseKind::Application),
            hromada: &case.hromada,
            district: case.district.as_deref(),
        };
        let state = derive(header, case.events.values()).state;
        let (status, status_number) = match &state {
            CaseState::Settled(o) => (
                o.status.label_uk().to_owned(),
                match o.status {
                    keis_crdt::Status::Application(a) => Some(a.number()),
                    keis_crdt::Status::CaseWork(_) => None,
                },
            ),
            CaseState::Conflict { .. } => ("Одночасні дії: потрібне рішення".to_owned(), None),
        };
        Self {
            id: case.id.clone(),
            number: case.number.clone(),
            hromada: case.hromada.clone(),
            district: case.district.clone(),
            applicant: case.applicant.full_name(),
            services: case.service_codes().map(str::to_owned).collect(),
            status_number,
            status,
            conflict: state.is_conflict(),
            package_complete: catalogue.package(case).is_complete(),
            created_at: case.created_at,
        }
    }
}

#[cfg(test)]
mod tests {
    use automerge::ActorId;
    use keis_crdt::demo;

    use super::*;

    #[test]
    fn a_row_shows_status_and_completeness() {
        let c = Catalogue::embedded().expect("catalogue");
        let decided = demo::decided_application(ActorId::from(b"s".as_slice()), 1, 0).expect("demo");
        let row = JournalRow::of(&decided, &c);
        assert_eq!(row.status_number, Some(8));
        assert_eq!(row.status, "Отримано відповідь по заяві");
        assert!(row.package_complete && !row.conflict);
        assert_eq!(row.services.len(), 3);
        let mut fresh = demo::application(ActorId::from(b"s".as_slice()), 2, 0).expect("demo");
        fresh.edit(1, |case, _| case.attachments.clear()).expect("edit");
        let row = JournalRow::of(&fresh, &c);
        assert_eq!(row.status_number, Some(1));
        assert!(!row.package_complete);
    }
}
