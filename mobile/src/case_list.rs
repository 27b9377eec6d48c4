//! One row of the case list and journal: what an official needs to see at a glance.

use keis_crdt::workflow::{AppStatus, CaseWorkState};
use keis_crdt::{CaseDoc, CaseState, Catalogue, SignatureState, Status};

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
    /// Every badge, in the order of its code in a stored [`CaseSummary`].
    pub const ALL: [Badge; 4] =
        [Self::Conflict, Self::ReturnedForRework, Self::IncompletePackage, Self::SignatureStale];

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
        Self::of(&CaseSummary::of(doc, catalogue), lang)
    }

    /// The row of a case from its [`CaseSummary`], in `lang`.
    pub fn of(s: &CaseSummary, lang: Lang) -> Self {
        let status = match (s.status, lang) {
            (None, Lang::Uk) => "Потребує рішення: одночасні дії".to_owned(),
            (None, Lang::En) => "Needs a decision: concurrent actions".to_owned(),
            (Some(st), Lang::Uk) => st.label_uk().to_owned(),
            (Some(st), Lang::En) => st.label_en().to_owned(),
        };
        Self {
            id: s.id.clone(),
            number: s.number.clone(),
            applicant: s.applicant.clone(),
            status,
            badges: s.badges.clone(),
        }
    }
}

/// What the case list and the journal need of a case, in no language: computed once per
/// change and kept (sealed) by the store, so the list opens without loading every case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseSummary {
    pub id: String,
    pub number: String,
    pub applicant: String,
    pub rnokpp: String,
    /// Requested service codes.
    pub services: Vec<String>,
    /// `None` while the case is in conflict.
    pub status: Option<Status>,
    /// Whether every required document is attached.
    pub complete: bool,
    pub badges: Vec<Badge>,
}

impl CaseSummary {
    pub fn of(doc: &CaseDoc, catalogue: &Catalogue) -> Self {
        let case = doc.case();
        let status = match doc.derive().state {
            CaseState::Conflict { .. } => None,
            CaseState::Settled(o) => Some(o.status),
        };
        let complete = catalogue.package(case).is_complete();
        let mut badges = Vec::new();
        match status {
            None => badges.push(Badge::Conflict),
            Some(Status::Application(AppStatus::ReturnedForRework)) => badges.push(Badge::ReturnedForRework),
            Some(_) => {}
        }
        if !complete {
            badges.push(Badge::IncompletePackage);
        }
        if doc.signature_states().iter().any(|(_, s)| *s == SignatureState::ContentChanged) {
            badges.push(Badge::SignatureStale);
        }
        Self {
            id: case.id.clone(),
            number: case.number.clone(),
            applicant: case.applicant.full_name(),
            rnokpp: case.applicant.rnokpp.clone().unwrap_or_default(),
            services: case.service_codes().map(str::to_owned).collect(),
            status,
            complete,
            badges,
        }
    }

    /// The bytes the store seals.
    pub fn encode(&self) -> Vec<u8> {
        let saved = Saved {
            id: &self.id,
            number: &self.number,
            applicant: &self.applicant,
            rnokpp: &self.rnokpp,
            services: &self.services,
            status: self.status.map(status_code),
            complete: self.complete,
            badges: self.badges.iter().map(|b| *b as u8).collect(),
        };
        serde_json::to_vec(&saved).unwrap_or_default()
    }

    /// Reads [`encode`](Self::encode)'s bytes; `None` if they are not a summary (the store
    /// then computes it again from the case).
    pub fn decode(bytes: &[u8]) -> Option<Self> {
        let s: SavedOwned = serde_json::from_slice(bytes).ok()?;
        let status = match s.status {
            None => None,
            Some(code) => Some(status_of(&code)?),
        };
        let badges = s.badges.iter().map(|&b| Badge::ALL.get(usize::from(b)).copied()).collect::<Option<_>>()?;
        Some(Self {
            id: s.id,
            number: s.number,
            applicant: s.applicant,
            rnokpp: s.rnokpp,
            services: s.services,
            status,
            complete: s.complete,
            badges,
        })
    }
}

#[derive(serde::Serialize)]
struct Saved<'a> {
    id: &'a str,
    number: &'a str,
    applicant: &'a str,
    rnokpp: &'a str,
    services: &'a [String],
    status: Option<String>,
    complete: bool,
    badges: Vec<u8>,
}

#[derive(serde::Deserialize)]
struct SavedOwned {
    id: String,
    number: String,
    applicant: String,
    rnokpp: String,
    services: Vec<String>,
    status: Option<String>,
    complete: bool,
    badges: Vec<u8>,
}

/// `a1`…`a8` for the application statuses, `w0`… for the case-work states.
fn status_code(s: Status) -> String {
    match s {
        Status::Application(a) => format!("a{}", a.number()),
        Status::CaseWork(w) => format!("w{}", CaseWorkState::ALL.iter().position(|x| *x == w).unwrap_or(0)),
    }
}

fn status_of(code: &str) -> Option<Status> {
    let n: usize = code.get(1..)?.parse().ok()?;
    match code.get(..1)? {
        "a" => AppStatus::ALL.iter().find(|a| usize::from(a.number()) == n).map(|a| Status::Application(*a)),
        "w" => CaseWorkState::ALL.get(n).map(|w| Status::CaseWork(*w)),
        _ => None,
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

    #[test]
    fn a_summary_round_trips_and_gives_the_same_rows() {
        let c = catalogue();
        let mut doc = demo::application(ActorId::from(b"t".as_slice()), 3, 0).expect("demo");
        doc.act(&demo::position(Role::Starosta), Action::Submit { incomplete: None }, "", 1, &c).expect("submit");
        doc.act(&demo::position(Role::HromadaOfficer), Action::ReturnForRework, "уточніть", 2, &c).expect("return");
        let s = CaseSummary::of(&doc, &c);
        assert_eq!(CaseSummary::decode(&s.encode()), Some(s.clone()));
        for lang in [Lang::Uk, Lang::En] {
            assert_eq!(CaseRow::of(&s, lang), CaseRow::new(&doc, &c, lang));
        }
        assert_eq!(CaseSummary::decode(b"{\"id\":1}"), None, "not a summary");
        let mut bad = s;
        bad.status = None;
        let text = String::from_utf8(bad.encode()).expect("json").replace("\"badges\":[", "\"badges\":[9,");
        assert_eq!(CaseSummary::decode(text.as_bytes()), None, "an unknown badge");
        for st in AppStatus::ALL.map(Status::Application).into_iter().chain(CaseWorkState::ALL.map(Status::CaseWork)) {
            assert_eq!(status_of(&status_code(st)), Some(st));
        }
    }
}
