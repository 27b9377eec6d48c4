//! The journal of applications (журнал реєстрації звернень): rows with what a search and
//! the filters need, and the search itself: by name, RNOKPP or case number, filtered by
//! status, service and package completeness.

use keis_crdt::{CaseDoc, Catalogue, Status};

use crate::case_list::{CaseRow, CaseSummary, Lang};

/// One journal row: the [`CaseRow`] shown, plus what the filters look at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JournalRow {
    pub row: CaseRow,
    pub rnokpp: String,
    /// Requested service codes.
    pub services: Vec<String>,
    /// `None` while the case is in conflict.
    pub status: Option<Status>,
    /// Whether every required document is attached.
    pub complete: bool,
    /// Changed on this device and not yet sent.
    pub unsynced: bool,
    /// The server refused this device's changes (the reason is in the case's detail).
    pub refused: bool,
    /// Lowercased number, name and RNOKPP, searched by [`search`].
    haystack: String,
}

impl JournalRow {
    /// A row from its parts.
    pub fn new(
        row: CaseRow,
        rnokpp: String,
        services: Vec<String>,
        status: Option<Status>,
        complete: bool,
        unsynced: bool,
    ) -> Self {
        let haystack = format!("{}\n{}\n{}", row.number, row.applicant, rnokpp).to_lowercase();
        Self { row, rnokpp, services, status, complete, unsynced, refused: false, haystack }
    }

    /// The row of a stored case.
    pub fn from_doc(doc: &CaseDoc, catalogue: &Catalogue, lang: Lang, unsynced: bool) -> Self {
        Self::of(&CaseSummary::of(doc, catalogue), lang, unsynced)
    }

    /// The row of a case from its stored [`CaseSummary`].
    pub fn of(s: &CaseSummary, lang: Lang, unsynced: bool) -> Self {
        Self::new(CaseRow::of(s, lang), s.rnokpp.clone(), s.services.clone(), s.status, s.complete, unsynced)
    }
}

/// Which packages to show.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Completeness {
    #[default]
    Any,
    Complete,
    Incomplete,
}

/// The search box and the filters of the journal.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct JournalFilter {
    /// Words that must all occur in the number, the applicant's name or the RNOKPP.
    pub query: String,
    pub status: Option<Status>,
    /// A service code the case must request.
    pub service: Option<String>,
    pub completeness: Completeness,
}

/// Indexes of the rows that match `filter`, in their order.
pub fn search(rows: &[JournalRow], filter: &JournalFilter) -> Vec<usize> {
    let words: Vec<String> = filter.query.split_whitespace().map(str::to_lowercase).collect();
    rows.iter()
        .enumerate()
        .filter(|(_, r)| {
            filter.status.is_none_or(|s| r.status == Some(s))
                && filter.service.as_ref().is_none_or(|s| r.services.contains(s))
                && match filter.completeness {
                    Completeness::Any => true,
                    Completeness::Complete => r.complete,
                    Completeness::Incomplete => !r.complete,
                }
                && words.iter().all(|w| r.haystack.contains(w.as_str()))
        })
        .map(|(i, _)| i)
        .collect()
}

#[cfg(test)]
mod tests {
    use keis_crdt::AppStatus;

    use super::*;

    fn row(n: u32, name: &str, status: AppStatus, services: &[&str], complete: bool) -> JournalRow {
        let row = CaseRow {
            id: format!("c{n}"),
            number: format!("2026-{n:06}"),
            applicant: name.into(),
            status: status.label_uk().into(),
            badges: vec![],
        };
        let services = services.iter().map(|s| (*s).to_owned()).collect();
        JournalRow::new(row, format!("31234{n:05}"), services, Some(Status::Application(status)), complete, false)
    }

    fn rows() -> Vec<JournalRow> {
        vec![
            row(1, "Тестенко Оксана Тестівна", AppStatus::Forming, &["housing_subsidy"], true),
            row(2, "Прикладний Тарас Тестович", AppStatus::SentToHromada, &["birth_assistance"], false),
            row(3, "Зразкова Леся Тестівна", AppStatus::Forming, &["housing_subsidy", "birth_assistance"], false),
        ]
    }

    #[test]
    fn searches_name_number_and_rnokpp_case_insensitively() {
        let r = rows();
        let q = |query: &str| search(&r, &JournalFilter { query: query.into(), ..Default::default() });
        assert_eq!(q(""), [0, 1, 2]);
        assert_eq!(q("тестенко"), [0]);
        assert_eq!(q("ТЕСТІВНА леся"), [2]);
        assert_eq!(q("2026-000002"), [1]);
        assert_eq!(q("3123400003"), [2]);
        assert!(q("Нікого").is_empty());
    }

    #[test]
    fn filters_combine() {
        let r = rows();
        let forming = Some(Status::Application(AppStatus::Forming));
        let f = JournalFilter { status: forming, ..Default::default() };
        assert_eq!(search(&r, &f), [0, 2]);
        let f = JournalFilter { service: Some("birth_assistance".into()), ..Default::default() };
        assert_eq!(search(&r, &f), [1, 2]);
        let f = JournalFilter { status: forming, completeness: Completeness::Incomplete, ..Default::default() };
        assert_eq!(search(&r, &f), [2]);
        let f = JournalFilter { completeness: Completeness::Complete, query: "леся".into(), ..Default::default() };
        assert!(search(&r, &f).is_empty());
    }
}
