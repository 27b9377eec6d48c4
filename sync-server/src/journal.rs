//! The journal of cases (журнал реєстрації звернень): one summary row per case, the
//! projection the back office filters and pages through. Built from case documents.

use keis_crdt::{CaseDoc, CaseState, Catalogue};
use serde::Serialize;

/// One row of the journal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
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
}

impl JournalRow {
    pub fn of(doc: &CaseDoc, catalogue: &Catalogue) -> Self {
        let case = doc.case();
        let state = doc.derive().state;
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
