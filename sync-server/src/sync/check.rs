//! What the server checks before it stores a device's changes: which hromadas a device
//! sees, reading a case (upgrading an older schema on a throwaway fork), and short codes
//! of refusals for the audit log (no personal data).

use std::collections::BTreeSet;

use automerge::AutoCommit;
use keis_crdt::authz::Refusal;
use keis_crdt::model::{Case, read_case};
use keis_crdt::{Position, SCHEMA_VERSION, Scope, schema};

use crate::store::ALL_SCOPES;

/// The hromadas a device's positions cover, as the store files documents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Hromadas {
    All,
    Some(BTreeSet<String>),
}

impl Hromadas {
    pub(crate) fn of(positions: &[Position]) -> Self {
        let mut set = BTreeSet::new();
        for p in positions {
            match &p.scope {
                Scope::All => return Self::All,
                Scope::Hromadas(list) => set.extend(list.iter().cloned()),
                Scope::District { hromada, .. } => {
                    set.insert(hromada.clone());
                }
            }
        }
        Self::Some(set)
    }

    pub(crate) fn covers(&self, hromada: &str) -> bool {
        match self {
            Self::All => true,
            Self::Some(set) => set.contains(hromada),
        }
    }

    /// The scope names to ask the store about.
    pub(crate) fn store_scopes(&self) -> Vec<String> {
        match self {
            Self::All => vec![ALL_SCOPES.to_owned()],
            Self::Some(set) => set.iter().cloned().collect(),
        }
    }
}

/// Why a document cannot be read as a case (what the device is told).
#[derive(Debug, thiserror::Error)]
#[error("the document is not a readable case ({0})")]
pub(crate) struct Unreadable(String);

impl From<keis_crdt::CaseError> for Unreadable {
    fn from(e: keis_crdt::CaseError) -> Self {
        Self(e.to_string())
    }
}

impl From<autosurgeon::HydrateError> for Unreadable {
    fn from(e: autosurgeon::HydrateError) -> Self {
        Self(e.to_string())
    }
}

/// The case in `doc`, read as the current schema (an older one is upgraded on a fork that
/// is thrown away: the server does not write upgrades itself).
pub(crate) fn case_of(doc: &mut AutoCommit) -> Result<Case, Unreadable> {
    if schema::version(doc)? < SCHEMA_VERSION {
        let mut fork = doc.fork();
        schema::upgrade(&mut fork)?;
        return Ok(read_case(&fork)?);
    }
    Ok(read_case(doc)?)
}

/// The first of `positions` whose scope covers `case`: the one named in the audit log.
pub(crate) fn acting_position<'a>(positions: &'a [Position], case: &Case) -> Option<&'a Position> {
    positions.iter().find(|p| p.scope.covers(&case.hromada, case.district.as_deref()))
}

/// The first of `positions` whose scope reaches into `hromada`.
pub(crate) fn position_in<'a>(positions: &'a [Position], hromada: &str) -> Option<&'a Position> {
    positions.iter().find(|p| match &p.scope {
        Scope::All => true,
        Scope::Hromadas(list) => list.iter().any(|h| h == hromada),
        Scope::District { hromada: h, .. } => h == hromada,
    })
}

/// A short, stable code of a refusal for the audit log.
pub(crate) fn refusal_code(r: &Refusal) -> &'static str {
    match r {
        Refusal::OutOfScope { .. } => "out_of_scope",
        Refusal::Moved { .. } => "moved",
        Refusal::Immutable { .. } => "immutable",
        Refusal::SchemaDowngrade { .. } => "schema_downgrade",
        Refusal::UnknownKind(_) => "unknown_kind",
        Refusal::MayNotCreate { .. } => "may_not_create",
        Refusal::EventRemoved { .. } => "event_removed",
        Refusal::EventModified { .. } => "event_modified",
        Refusal::NotYourPosition { .. } => "not_your_position",
        Refusal::InvalidEvent { .. } => "invalid_event",
        Refusal::EventRevived { .. } => "event_revived",
        Refusal::SignatureRemoved { .. } => "signature_removed",
        Refusal::SignatureRewritten { .. } => "signature_rewritten",
        Refusal::SignatureNotWitnessed { .. } => "signature_not_witnessed",
        Refusal::MayNotEdit { .. } => "may_not_edit",
        Refusal::ContentLocked { .. } => "content_locked",
        Refusal::ChangedAfterSubmit { .. } => "changed_after_submit",
        Refusal::NotAuthor { .. } => "not_author",
        Refusal::OthersRecord { .. } => "others_record",
    }
}

#[cfg(test)]
mod tests {
    use keis_crdt::Role;

    use super::*;

    #[test]
    fn hromadas_follow_the_positions() {
        let d = Scope::District { hromada: "H1".into(), district: "n".into() };
        let h = Hromadas::of(&[
            Position::new("a", Role::Starosta, d),
            Position::new("b", Role::HromadaOfficer, Scope::Hromadas(vec!["H2".into(), "H1".into()])),
        ]);
        assert!(h.covers("H1") && h.covers("H2") && !h.covers("H3"));
        assert_eq!(h.store_scopes(), vec!["H1".to_owned(), "H2".to_owned()]);
        let all = Hromadas::of(&[Position::new("c", Role::BackOffice, Scope::All)]);
        assert!(all.covers("H9"));
        assert_eq!(all.store_scopes(), vec![ALL_SCOPES.to_owned()]);
        assert!(!Hromadas::of(&[]).covers("H1"));
    }
}
