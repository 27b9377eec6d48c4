//! [`CaseDoc`]: one case as an Automerge document, with the typed view kept in step.
//!
//! Every change goes through here: content edits ([`CaseDoc::edit`]) reconcile the typed
//! [`Case`] into the document, so only changed fields become operations; workflow actions
//! ([`CaseDoc::act`]) are checked and appended as events. Time and actor come in as
//! arguments: nothing here reads a clock or a random source.

use automerge::{ActorId, AutoCommit, ChangeHash, transaction::CommitOptions};
use sha2::{Digest, Sha256};

use crate::catalogue::Catalogue;
use crate::digest::{ContentDigest, SignatureState, signature_state_for};
use crate::model::{Case, CaseKind};
use crate::schema::{self, SCHEMA_VERSION};
use crate::workflow::{Action, CaseHeader, CaseState, Derivation, EventRecord, Position, WorkflowError, derive, rules};

/// Why a case document could not be read or changed.
#[derive(Debug, thiserror::Error)]
pub enum CaseError {
    #[error("документ справи пошкоджено: {0} / the case document is damaged or not an Automerge document: {0}")]
    Automerge(#[from] automerge::AutomergeError),
    #[error("документ не має форми справи: {0} / the case document does not have the shape of a case: {0}")]
    Shape(#[from] autosurgeon::HydrateError),
    #[error("зміну не вдалося записати до справи: {0} / the change could not be written into the case document: {0}")]
    Reconcile(#[from] autosurgeon::ReconcileError),
    #[error(
        "справу створено новішою версією; оновіть застосунок / the case was written by a newer version (schema {found}, this app knows {supported}); update the app"
    )]
    NewerSchema { found: u64, supported: u64 },
    #[error("документ не є справою / the document is not a case (no case id, no schema version)")]
    NotACase,
    #[error("невідомий вид справи {0:?} / unknown kind of case {0:?}")]
    UnknownKind(String),
    #[error(transparent)]
    Workflow(#[from] WorkflowError),
    #[error(transparent)]
    Catalogue(#[from] crate::catalogue::CatalogueError),
}

/// What a new case starts with.
#[derive(Debug, Clone)]
pub struct NewCase<'a> {
    pub id: &'a str,
    pub number: &'a str,
    pub kind: CaseKind,
    pub hromada: &'a str,
    pub district: Option<&'a str>,
    pub created_by: &'a Position,
    pub at: i64,
}

/// Makes ids for new list items: unique per actor and document state, with no randomness,
/// so a replayed edit makes the same ids.
#[derive(Debug)]
pub struct Ids {
    actor: Vec<u8>,
    heads: Vec<ChangeHash>,
    seq: u64,
}

impl Ids {
    pub fn next_id(&mut self) -> String {
        self.seq += 1;
        let mut h = Sha256::new();
        h.update(&self.actor);
        for head in &self.heads {
            h.update(head.0);
        }
        h.update(self.seq.to_be_bytes());
        hex::encode(&h.finalize()[..8])
    }
}

/// One case document.
#[derive(Debug)]
pub struct CaseDoc {
    doc: AutoCommit,
    case: Case,
    seq: u64,
    /// The raw document was handed out mutably: re-read it before the next change, so a
    /// change never reconciles a stale view over what sync brought in.
    stale: bool,
}

impl CaseDoc {
    /// Opens a new case.
    pub fn create(actor: ActorId, new: NewCase<'_>) -> Result<Self, CaseError> {
        let case = Case {
            schema: SCHEMA_VERSION,
            id: new.id.to_owned(),
            number: new.number.to_owned(),
            kind: new.kind.code().to_owned(),
            hromada: new.hromada.to_owned(),
            district: new.district.map(str::to_owned),
            created_at: new.at,
            created_by: new.created_by.id.clone(),
            ..Default::default()
        };
        let mut doc = AutoCommit::new().with_actor(actor);
        autosurgeon::reconcile(&mut doc, &case)?;
        doc.commit_with(CommitOptions::default().with_time(new.at));
        Ok(Self { doc, case, seq: 0, stale: false })
    }

    /// Loads a saved document, upgrading an older schema.
    pub fn load(bytes: &[u8], actor: ActorId) -> Result<Self, CaseError> {
        Self::from_automerge(AutoCommit::load(bytes)?.with_actor(actor))
    }

    /// Wraps a document the caller already holds (from storage or sync).
    pub fn from_automerge(mut doc: AutoCommit) -> Result<Self, CaseError> {
        schema::upgrade(&mut doc)?;
        let case = crate::model::read_case(&doc)?;
        if case.case_kind().is_none() {
            return Err(CaseError::UnknownKind(case.kind));
        }
        Ok(Self { doc, case, seq: 0, stale: false })
    }

    pub fn case(&self) -> &Case {
        &self.case
    }

    pub fn kind(&self) -> CaseKind {
        self.case.case_kind().unwrap_or(CaseKind::Application)
    }

    pub fn automerge(&self) -> &AutoCommit {
        &self.doc
    }

    /// The raw document, for the sync layer. The typed view is re-read before the next
    /// change; call [`CaseDoc::refresh`] to see the new content earlier.
    pub fn automerge_mut(&mut self) -> &mut AutoCommit {
        self.stale = true;
        &mut self.doc
    }

    /// Re-reads the typed view after the document changed underneath (sync, merge).
    pub fn refresh(&mut self) -> Result<(), CaseError> {
        schema::upgrade(&mut self.doc)?;
        self.case = crate::model::read_case(&self.doc)?;
        self.stale = false;
        Ok(())
    }

    fn fresh(&mut self) -> Result<(), CaseError> {
        if self.stale { self.refresh() } else { Ok(()) }
    }

    pub fn heads(&mut self) -> Vec<ChangeHash> {
        self.doc.get_heads()
    }

    pub fn save(&mut self) -> Vec<u8> {
        self.doc.save()
    }

    /// The changes since the last save, for appending to storage.
    pub fn save_incremental(&mut self) -> Vec<u8> {
        self.doc.save_incremental()
    }

    /// Merges another replica of the same case into this one.
    pub fn merge(&mut self, other: &mut CaseDoc) -> Result<(), CaseError> {
        self.doc.merge(&mut other.doc)?;
        self.refresh()
    }

    /// Edits the content. The closure gets a copy of the case and an id maker for new
    /// list items. The workflow log and existing signatures cannot be changed this way:
    /// events are appended by [`CaseDoc::act`] only, and a signature, once taken, is never
    /// rewritten or removed (new ones may be added).
    pub fn edit<R>(&mut self, at: i64, f: impl FnOnce(&mut Case, &mut Ids) -> R) -> Result<R, CaseError> {
        self.fresh()?;
        let mut ids = self.ids();
        let mut next = self.case.clone();
        let out = f(&mut next, &mut ids);
        self.seq = ids.seq;
        next.schema = self.case.schema;
        next.events = self.case.events.clone();
        for (id, old) in &self.case.signatures {
            next.signatures.insert(id.clone(), old.clone());
        }
        next.adopt_keys();
        self.write(next, at)?;
        Ok(out)
    }

    /// Takes a workflow action as `position`, after checking it against the rules, the
    /// position's scope and, for actions that pass the package on, the content (services
    /// chosen, data valid, package complete or marked incomplete, applicant's signature
    /// current). Returns the new event's id.
    pub fn act(
        &mut self,
        position: &Position,
        action: Action,
        comment: &str,
        at: i64,
        catalogue: &Catalogue,
    ) -> Result<String, CaseError> {
        self.fresh()?;
        let case = &self.case;
        if !position.scope.covers(&case.hromada, case.district.as_deref()) {
            return Err(WorkflowError::OutOfScope.into());
        }
        let derivation = self.derive();
        match (&action, &derivation.state) {
            (Action::Resolve { keep }, CaseState::Conflict { events, .. }) => {
                let kept = case.events.get(keep).filter(|_| events.contains(keep));
                let kept = kept.ok_or_else(|| WorkflowError::NotAConflictingEvent(keep.clone()))?;
                if !rules::role_may(position.role, &kept.action) {
                    return Err(WorkflowError::RoleNotAllowed { role: position.role, action: "resolve" }.into());
                }
            }
            (Action::Resolve { .. }, CaseState::Settled(_)) => return Err(WorkflowError::NotInConflict.into()),
            (_, CaseState::Conflict { events, .. }) => {
                return Err(WorkflowError::UnresolvedConflict { events: events.clone() }.into());
            }
            (action, CaseState::Settled(o)) => {
                rules::transition(o.status, position.role, action, comment)?;
                self.check_content(&action.clone(), catalogue)?;
            }
        }
        let mut ids = self.ids();
        let mut event = EventRecord {
            id: ids.next_id(),
            parents: derivation.heads,
            at,
            position: position.id.clone(),
            role: position.role.code().to_owned(),
            scope: position.scope.code(),
            comment: comment.to_owned(),
            ..Default::default()
        };
        self.seq = ids.seq;
        event.set_action(&action);
        let id = event.id.clone();
        let mut next = self.case.clone();
        next.events.insert(id.clone(), event);
        self.write(next, at)?;
        Ok(id)
    }

    /// The derived workflow state and timeline.
    pub fn derive(&self) -> Derivation {
        let header =
            CaseHeader { kind: self.kind(), hromada: &self.case.hromada, district: self.case.district.as_deref() };
        derive(header, self.case.events.values())
    }

    pub fn content_digest(&self) -> ContentDigest {
        ContentDigest::of(&self.case)
    }

    /// Every signature with whether it still covers the current content.
    pub fn signature_states(&self) -> Vec<(&str, SignatureState)> {
        let digest = self.content_digest();
        self.case.signatures.values().map(|s| (s.id.as_str(), signature_state_for(&digest, s))).collect()
    }

    fn check_content(&self, action: &Action, catalogue: &Catalogue) -> Result<(), WorkflowError> {
        let incomplete_ok = |reason: &Option<String>| reason.as_ref().is_some_and(|r| !r.trim().is_empty());
        let package = || {
            let p = catalogue.package(&self.case);
            if let Some(code) = p.unknown_services.first() {
                return Err(WorkflowError::UnknownService(code.clone()));
            }
            Ok(p)
        };
        match action {
            Action::Submit { incomplete } => {
                if self.case.services.is_empty() {
                    return Err(WorkflowError::NoServices);
                }
                let problems = self.case.validate_people();
                if !problems.is_empty() {
                    return Err(WorkflowError::InvalidData(problems));
                }
                let p = package()?;
                if !p.is_complete() && !incomplete_ok(incomplete) {
                    return Err(missing(&p));
                }
                let digest = self.content_digest();
                let signed = self
                    .case
                    .signatures
                    .values()
                    .any(|s| s.signer == "applicant" && signature_state_for(&digest, s) == SignatureState::Valid);
                if !signed {
                    return Err(WorkflowError::NotSigned);
                }
            }
            Action::ForwardToBackOffice { incomplete } => {
                let p = package()?;
                if !p.is_complete() && !incomplete_ok(incomplete) {
                    return Err(missing(&p));
                }
            }
            Action::MarkChecked => {
                let p = package()?;
                if !p.is_complete() {
                    return Err(missing(&p));
                }
            }
            _ => {}
        }
        Ok(())
    }

    fn ids(&mut self) -> Ids {
        let actor = self.doc.get_actor().to_bytes().to_vec();
        Ids { actor, heads: self.doc.get_heads(), seq: self.seq }
    }

    fn write(&mut self, next: Case, at: i64) -> Result<(), CaseError> {
        if next == self.case {
            return Ok(());
        }
        autosurgeon::reconcile(&mut self.doc, &next)?;
        self.doc.commit_with(CommitOptions::default().with_time(at));
        self.case = next;
        Ok(())
    }
}

fn missing(p: &crate::catalogue::PackageStatus) -> WorkflowError {
    WorkflowError::IncompletePackage { missing: p.missing.iter().map(|m| m.document.clone()).collect() }
}
