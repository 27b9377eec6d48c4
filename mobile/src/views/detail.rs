//! The case detail: applicant, documents, the timeline of workflow events and
//! resolutions, the signatures' state, and conflicts waiting to be resolved.

use keis_crdt::{CaseDoc, CaseState, Catalogue, SignatureState, Status};

use crate::case_list::Lang;
use crate::views::notes::{NoteLine, ResolutionLine};
use crate::views::text::pick;

/// One attached document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentLine {
    pub id: String,
    /// The document kind in the chosen language.
    pub label: String,
    pub pages: u32,
    pub sha256: String,
}

/// One line of the timeline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimelineLine {
    pub at: i64,
    pub position: String,
    pub action: String,
    pub comment: String,
    /// Where it led, or why it is ignored.
    pub outcome: String,
}

/// A way out of a conflict: keep this event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConflictChoice {
    pub event: String,
    /// The status keeping it leads to.
    pub leads_to: String,
}

/// The case detail view model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseDetail {
    pub id: String,
    pub number: String,
    pub applicant: String,
    pub rnokpp: String,
    /// `None` while in conflict.
    pub status: Option<Status>,
    pub status_label: String,
    pub services: Vec<String>,
    pub documents: Vec<DocumentLine>,
    /// Labels of required documents not attached.
    pub missing: Vec<String>,
    pub timeline: Vec<TimelineLine>,
    /// Each signer's name with the state of the signature.
    pub signatures: Vec<(String, SignatureState)>,
    pub conflict: Vec<ConflictChoice>,
    /// Visits and case-management records, oldest first.
    pub notes: Vec<NoteLine>,
    /// Resolutions (резолюції), oldest first.
    pub resolutions: Vec<ResolutionLine>,
    /// Why the server refused this device's changes ("uk / en"), if it did: the changes
    /// stay on the device until the case is put right and synced again.
    pub refused: Option<String>,
}

impl CaseDetail {
    pub fn new(doc: &CaseDoc, catalogue: &Catalogue, lang: Lang) -> Self {
        let case = doc.case();
        let derivation = doc.derive();
        let label = |s: Status| match lang {
            Lang::Uk => s.label_uk().to_owned(),
            Lang::En => s.label_en().to_owned(),
        };
        let doc_label = |code: &str| {
            catalogue.document(code).map_or_else(
                || code.to_owned(),
                |d| match lang {
                    Lang::Uk => d.uk.clone(),
                    Lang::En => d.en.clone(),
                },
            )
        };
        let (status_label, conflict) = match &derivation.state {
            CaseState::Settled(o) => (label(o.status), Vec::new()),
            CaseState::Conflict { events, outcomes } => (
                pick("Конфлікт: одночасні дії / Conflict: concurrent actions", lang).to_owned(),
                events
                    .iter()
                    .zip(outcomes)
                    .map(|(e, o)| ConflictChoice { event: e.clone(), leads_to: label(o.status) })
                    .collect(),
            ),
        };
        let timeline = derivation
            .timeline
            .iter()
            .map(|t| TimelineLine {
                at: t.at,
                position: t.position.clone(),
                action: t.action.clone(),
                comment: case.events.get(&t.id).map(|e| e.comment.clone()).unwrap_or_default(),
                outcome: match &t.result {
                    Ok(o) => label(o.status),
                    Err(e) => pick(&e.to_string(), lang).to_owned(),
                },
            })
            .collect();
        let states = doc.signature_states();
        let signatures = case
            .signatures
            .values()
            .map(|s| {
                let state = states.iter().find(|(id, _)| *id == s.id).map_or(SignatureState::ContentChanged, |x| x.1);
                (s.signer_name.clone(), state)
            })
            .collect();
        let (notes, resolutions) = crate::views::notes::lines(case, lang);
        let services = case
            .service_codes()
            .map(|c| {
                catalogue.service(c).map_or_else(
                    || c.to_owned(),
                    |s| match lang {
                        Lang::Uk => s.uk.clone(),
                        Lang::En => s.en.clone(),
                    },
                )
            })
            .collect();
        Self {
            id: case.id.clone(),
            number: case.number.clone(),
            applicant: case.applicant.full_name(),
            rnokpp: case.applicant.rnokpp.clone().unwrap_or_default(),
            status: derivation.state.status(),
            status_label,
            services,
            documents: case
                .attachments
                .values()
                .map(|a| DocumentLine {
                    id: a.id.clone(),
                    label: doc_label(&a.kind),
                    pages: a.pages,
                    sha256: a.sha256.clone(),
                })
                .collect(),
            missing: catalogue.package(case).missing.iter().map(|m| doc_label(&m.document)).collect(),
            timeline,
            signatures,
            conflict,
            notes,
            resolutions,
            refused: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use automerge::ActorId;
    use keis_crdt::{AppStatus, demo};

    use super::*;

    #[test]
    fn a_decided_application_in_detail() {
        let c = Catalogue::embedded().expect("catalogue");
        let doc = demo::decided_application(ActorId::from(b"t".as_slice()), 3, 0).expect("demo");
        let d = CaseDetail::new(&doc, &c, Lang::Uk);
        assert_eq!(d.status, Some(Status::Application(AppStatus::DecisionReceived)));
        assert_eq!(d.timeline.len(), 10);
        assert_eq!(d.timeline[1].comment, "уточніть склад сім'ї");
        assert_eq!(d.documents.len(), 12);
        assert!(d.missing.is_empty());
        assert_eq!(d.signatures.len(), 1);
        assert_eq!(d.signatures[0].1, SignatureState::Valid);
        assert!(d.conflict.is_empty());
        assert_eq!(CaseDetail::new(&doc, &c, Lang::En).status_label, "Decision received");
    }
}
