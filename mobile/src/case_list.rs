//! One row of the case list and journal: what an official needs to see at a glance.

use keis_crdt::{CaseDoc, CaseState, Catalogue, SignatureState, Status, workflow::AppStatus};

/// Marks shown next to a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Badge {
    /// Two officials acted at once; someone must resolve it.
    Conflict,
    /// The hromada returned the application for rework.
    ReturnedForRework,
    /// Required documents are missing.
    IncompletePackage,
    /// Signed content was edited after the applicant signed.
    SignatureStale,
}

impl Badge {
    pub fn label(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (Self::Conflict, Lang::Uk) => "Конфлікт",
            (Self::Conflict, Lang::En) => "Conflict",
            (Self::ReturnedForRework, Lang::Uk) => "Повернуто на доопрацювання",
            (Self::ReturnedForRework, Lang::En) => "Returned for rework",
            (Self::IncompletePackage, Lang::Uk) => "Неповний пакет",
            (Self::IncompletePackage, Lang::En) => "Incomplete package",
            (Self::SignatureStale, Lang::Uk) => "Зміст змінено після підписання",
            (Self::SignatureStale, Lang::En) => "Changed after signing",
        }
    }
}

/// The language of the interface: Ukrainian first, English switchable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    Uk,
    En,
}

/// A row of the case list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseRow {
    pub id: String,
    pub number: String,
    pub applicant: String,
    pub status: String,
    pub badges: Vec<Badge>,
}

impl CaseRow {
    pub fn new(doc: &CaseDoc, catalogue: &Catalogue, lang: Lang) -> Self {
        let case = doc.case();
        let state = doc.derive().state;
        let mut badges = Vec::new();
        let status = match &state {
            CaseState::Conflict { .. } => {
                badges.push(Badge::Conflict);
                match lang {
                    Lang::Uk => "Потребує рішення: одночасні дії".to_owned(),
                    Lang::En => "Needs a decision: concurrent actions".to_owned(),
                }
            }
            CaseState::Settled(o) => {
                if o.status == Status::Application(AppStatus::ReturnedForRework) {
                    badges.push(Badge::ReturnedForRework);
                }
                match lang {
                    Lang::Uk => o.status.label_uk().to_owned(),
                    Lang::En => o.status.label_en().to_owned(),
                }
            }
        };
        if !catalogue.package(case).is_complete() {
            badges.push(Badge::IncompletePackage);
        }
        if doc.signature_states().iter().any(|(_, s)| *s == SignatureState::ContentChanged) {
            badges.push(Badge::SignatureStale);
        }
        Self { id: case.id.clone(), number: case.number.clone(), applicant: case.applicant.full_name(), status, badges }
    }
}

#[cfg(test)]
mod tests {
    use automerge::ActorId;
    use keis_crdt::{Action, Role, demo};

    use super::*;

    fn catalogue() -> Catalogue {
        Catalogue::embedded().expect("catalogue")
    }

    #[test]
    fn a_fresh_signed_application_has_no_badges() {
        let doc = demo::application(ActorId::from(b"t".as_slice()), 1, 0).expect("demo");
        let row = CaseRow::new(&doc, &catalogue(), Lang::Uk);
        assert_eq!(row.status, "Формування заяви");
        assert!(row.badges.is_empty(), "{:?}", row.badges);
        assert!(row.applicant.starts_with("Тест") || row.applicant.contains(" Тест"), "{}", row.applicant);
        assert_eq!(CaseRow::new(&doc, &catalogue(), Lang::En).status, "Being formed");
    }

    #[test]
    fn badges_follow_the_case() {
        let c = catalogue();
        let mut doc = demo::application(ActorId::from(b"t".as_slice()), 2, 0).expect("demo");
        doc.act(&demo::position(Role::Starosta), Action::Submit { incomplete: None }, "", 1, &c).expect("submit");
        doc.act(&demo::position(Role::HromadaOfficer), Action::ReturnForRework, "уточніть", 2, &c).expect("return");
        doc.edit(3, |case, _| case.attachments.retain(|_, a| a.kind != "income_declaration")).expect("edit");
        let row = CaseRow::new(&doc, &c, Lang::Uk);
        assert_eq!(row.badges, [Badge::ReturnedForRework, Badge::IncompletePackage, Badge::SignatureStale]);
        assert_eq!(Badge::IncompletePackage.label(Lang::En), "Incomplete package");
    }
}
