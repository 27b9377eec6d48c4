//! Change-level authorisation of a trusted edge server forwarding its devices' changes
//! to the central server ([`super::authorize_edge`]).
//!
//! An edge has already judged each change of its devices with [`super::authorize`], as
//! the device's own positions, when the device synced it. What it forwards upstream
//! therefore carries the events, signatures and notes of many positions. The central
//! server cannot repeat the per-device judgement (it does not know the edge's devices),
//! but it still holds the edge to what no device could do either:
//!
//! 1. **Scope.** The case, before and after, is in the edge's scope (its positions'
//!    scopes, normally its one hromada): an edge of hromada A cannot touch, create or
//!    move cases of hromada B.
//! 2. **Identity.** As for devices: hromada, district, id, kind, `created_at` and
//!    `created_by` never change, the schema never goes down; a new case has a known kind
//!    and names who created it.
//! 3. **Workflow events** are append-only; each new one names a position whose scope lies
//!    within the edge's scope (an edge of hromada A cannot forward an event of a position
//!    of hromada B or of a central office), and the fold accepts it; no refused event is
//!    revived.
//! 4. **Signatures** are never changed or removed; a new one names its witness.
//! 5. **Notes and resolutions**: a new one names its author; an existing one keeps its
//!    author.
//!
//! Content edits are not judged again: the edge judged them by role and status when its
//! devices synced them, against the case as it then was.

use std::collections::BTreeMap;

use super::Refusal;
use super::checks::{append_only, fold_accepts, header, out_of_scope};
use crate::model::{Case, CaseKind};
use crate::workflow::{Position, Scope};

/// See [`super::authorize_edge`].
pub(super) fn authorize(edge: &[Position], before: Option<&Case>, after: &Case) -> Result<(), Refusal> {
    if let Some(b) = before {
        if !covered(edge, &b.hromada, b.district.as_deref()) {
            return Err(out_of_scope(b));
        }
        header(b, after)?;
    }
    if !covered(edge, &after.hromada, after.district.as_deref()) {
        return Err(out_of_scope(after));
    }
    let kind = after.case_kind().ok_or_else(|| Refusal::UnknownKind(after.kind.clone()))?;
    if before.is_none() && after.created_by.is_empty() {
        return Err(Refusal::MayNotCreate { kind: after.kind.clone() });
    }
    let mut b = before.cloned().unwrap_or_else(|| Case {
        schema: after.schema,
        id: after.id.clone(),
        number: after.number.clone(),
        kind: after.kind.clone(),
        hromada: after.hromada.clone(),
        district: after.district.clone(),
        created_at: after.created_at,
        created_by: after.created_by.clone(),
        ..Default::default()
    });
    let mut a = after.clone();
    b.adopt_keys();
    a.adopt_keys();
    events(edge, kind, &b, &a)?;
    signatures(&b, &a)?;
    authored("note", &b.notes, &a.notes, |n| &n.author)?;
    authored("resolution", &b.resolutions, &a.resolutions, |r| &r.author)
}

fn covered(edge: &[Position], hromada: &str, district: Option<&str>) -> bool {
    edge.iter().any(|p| p.scope.covers(hromada, district))
}

/// Whether a position of `scope` lies within the edge's scope.
fn within(edge: &[Position], scope: &Scope) -> bool {
    match scope {
        Scope::All => edge.iter().any(|p| p.scope == Scope::All),
        Scope::Hromadas(list) => !list.is_empty() && list.iter().all(|h| hromada_within(edge, h)),
        Scope::District { hromada, district } => covered(edge, hromada, Some(district)),
    }
}

/// Whether the whole of hromada `h` (every district) is within the edge's scope.
fn hromada_within(edge: &[Position], h: &str) -> bool {
    edge.iter().any(|p| match &p.scope {
        Scope::All => true,
        Scope::Hromadas(list) => list.iter().any(|x| x == h),
        Scope::District { .. } => false,
    })
}

/// Append-only log; new events of positions within the edge's scope, accepted by the fold.
fn events(edge: &[Position], kind: CaseKind, before: &Case, after: &Case) -> Result<(), Refusal> {
    append_only(before, after)?;
    for (id, e) in after.events.iter().filter(|(id, _)| !before.events.contains_key(*id)) {
        let ours = !e.position.is_empty() && Scope::from_code(&e.scope).is_some_and(|s| within(edge, &s));
        if !ours {
            return Err(Refusal::NotYourPosition { event: id.clone(), position: e.position.clone() });
        }
    }
    fold_accepts(kind, before, after).map(|_| ())
}

/// Existing signatures untouched; new ones name their witness.
fn signatures(before: &Case, after: &Case) -> Result<(), Refusal> {
    for (id, old) in &before.signatures {
        match after.signatures.get(id) {
            None => return Err(Refusal::SignatureRemoved { signature: id.clone() }),
            Some(new) if new != old => return Err(Refusal::SignatureRewritten { signature: id.clone() }),
            Some(_) => {}
        }
    }
    for (id, s) in after.signatures.iter().filter(|(id, _)| !before.signatures.contains_key(*id)) {
        if s.witnessed_by.is_empty() {
            return Err(Refusal::SignatureNotWitnessed { signature: id.clone() });
        }
    }
    Ok(())
}

/// New records name an author; existing ones keep theirs.
fn authored<T>(
    record: &'static str,
    before: &BTreeMap<String, T>,
    after: &BTreeMap<String, T>,
    author: impl Fn(&T) -> &str,
) -> Result<(), Refusal> {
    for (id, old) in before {
        if after.get(id).is_some_and(|new| author(new) != author(old)) {
            return Err(Refusal::OthersRecord { record, id: id.clone() });
        }
    }
    for (id, new) in after.iter().filter(|(id, _)| !before.contains_key(*id)) {
        if author(new).is_empty() {
            return Err(Refusal::NotAuthor { record, id: id.clone() });
        }
    }
    Ok(())
}
