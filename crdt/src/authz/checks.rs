//! The checks of [`super::authorize`], in the order the module documentation gives.

use std::collections::BTreeMap;

use super::Refusal;
use super::content::{changed_field, describe, editable, forms_kind, signed};
use crate::model::{Case, CaseKind};
use crate::workflow::{CaseHeader, CaseState, Position, Role, derive};

/// One change under check: the positions that cover the case, and both versions with
/// every record's id set to its key (a forged record cannot hide behind a wrong id).
pub(crate) struct Check<'a> {
    acting: Vec<&'a Position>,
    before: Case,
    after: Case,
    kind: CaseKind,
}

impl<'a> Check<'a> {
    /// Scope, identity and, for a new case, its creator.
    pub(crate) fn new(positions: &'a [Position], before: Option<&Case>, after: &Case) -> Result<Self, Refusal> {
        if let Some(b) = before {
            if !covered(positions, b) {
                return Err(out_of_scope(b));
            }
            header(b, after)?;
        }
        if !covered(positions, after) {
            return Err(out_of_scope(after));
        }
        let kind = after.case_kind().ok_or_else(|| Refusal::UnknownKind(after.kind.clone()))?;
        let acting: Vec<&Position> =
            positions.iter().filter(|p| p.scope.covers(&after.hromada, after.district.as_deref())).collect();
        if before.is_none() && !acting.iter().any(|p| p.id == after.created_by && forms_kind(p.role, kind)) {
            return Err(Refusal::MayNotCreate { kind: after.kind.clone() });
        }
        let mut before = before.cloned().unwrap_or_else(|| blank(after));
        let mut after = after.clone();
        before.adopt_keys();
        after.adopt_keys();
        Ok(Self { acting, before, after, kind })
    }

    pub(crate) fn run(&self) -> Result<(), Refusal> {
        let (was, now) = self.events()?;
        self.signatures(&was)?;
        self.content(&was, &now)?;
        self.authored("note", &self.before.notes, &self.after.notes, |n| &n.author)?;
        self.authored("resolution", &self.before.resolutions, &self.after.resolutions, |r| &r.author)
    }

    /// Append-only log, own positions, valid new events. Returns the derived state before
    /// and after.
    fn events(&self) -> Result<(CaseState, CaseState), Refusal> {
        append_only(&self.before, &self.after)?;
        let (before, after) = (&self.before.events, &self.after.events);
        for (id, e) in after.iter().filter(|(id, _)| !before.contains_key(*id)) {
            let ours =
                self.acting.iter().any(|p| p.id == e.position && p.role.code() == e.role && p.scope.code() == e.scope);
            if !ours {
                return Err(Refusal::NotYourPosition { event: id.clone(), position: e.position.clone() });
            }
        }
        fold_accepts(self.kind, &self.before, &self.after)
    }

    /// Existing signatures untouched; new ones witnessed by a position that may edit now.
    fn signatures(&self, was: &CaseState) -> Result<(), Refusal> {
        let (before, after) = (&self.before.signatures, &self.after.signatures);
        for (id, old) in before {
            match after.get(id) {
                None => return Err(Refusal::SignatureRemoved { signature: id.clone() }),
                Some(new) if new != old => return Err(Refusal::SignatureRewritten { signature: id.clone() }),
                Some(_) => {}
            }
        }
        for (id, s) in after.iter().filter(|(id, _)| !before.contains_key(*id)) {
            if !self.acting.iter().any(|p| p.id == s.witnessed_by && editable(p.role, self.kind, was)) {
                return Err(Refusal::SignatureNotWitnessed { signature: id.clone() });
            }
        }
        Ok(())
    }

    /// Content edits by the roles that form the case, in the statuses that allow it.
    fn content(&self, was: &CaseState, now: &CaseState) -> Result<(), Refusal> {
        let Some(field) = changed_field(&self.before, &self.after) else {
            return Ok(());
        };
        let editors: Vec<Role> = self.acting.iter().map(|p| p.role).filter(|&r| editable(r, self.kind, was)).collect();
        if editors.is_empty() {
            return Err(if self.acting.iter().any(|p| forms_kind(p.role, self.kind)) {
                Refusal::ContentLocked { field, status: describe(was) }
            } else {
                Refusal::MayNotEdit { field }
            });
        }
        let passed_on = !editors.iter().any(|&r| editable(r, self.kind, now));
        if self.kind == CaseKind::Application && passed_on && !signed(&self.after) {
            return Err(Refusal::ChangedAfterSubmit { field });
        }
        Ok(())
    }

    /// Notes and resolutions: new ones by one of the positions; old ones changed or
    /// removed only by their author, who stays the author.
    fn authored<T: PartialEq>(
        &self,
        record: &'static str,
        before: &BTreeMap<String, T>,
        after: &BTreeMap<String, T>,
        author: impl Fn(&T) -> &str,
    ) -> Result<(), Refusal> {
        let mine = |a: &str| self.acting.iter().any(|p| p.id == a && p.role != Role::Administrator);
        for (id, old) in before {
            let new = after.get(id);
            if new == Some(old) {
                continue;
            }
            if !(mine(author(old)) && new.is_none_or(|n| author(n) == author(old))) {
                return Err(Refusal::OthersRecord { record, id: id.clone() });
            }
        }
        for (id, new) in after.iter().filter(|(id, _)| !before.contains_key(*id)) {
            if !mine(author(new)) {
                return Err(Refusal::NotAuthor { record, id: id.clone() });
            }
        }
        Ok(())
    }
}

fn covered(positions: &[Position], case: &Case) -> bool {
    positions.iter().any(|p| p.scope.covers(&case.hromada, case.district.as_deref()))
}

pub(super) fn out_of_scope(case: &Case) -> Refusal {
    Refusal::OutOfScope { hromada: case.hromada.clone(), district: case.district.clone() }
}

/// The fields that never change (for devices and edges alike).
pub(super) fn header(b: &Case, a: &Case) -> Result<(), Refusal> {
    if b.hromada != a.hromada {
        return Err(Refusal::Moved { field: "hromada" });
    }
    if b.district != a.district {
        return Err(Refusal::Moved { field: "district" });
    }
    let fixed = [
        ("id", b.id == a.id),
        ("kind", b.kind == a.kind),
        ("created_at", b.created_at == a.created_at),
        ("created_by", b.created_by == a.created_by),
    ];
    if let Some((field, _)) = fixed.into_iter().find(|(_, same)| !same) {
        return Err(Refusal::Immutable { field });
    }
    if a.schema < b.schema {
        return Err(Refusal::SchemaDowngrade { before: b.schema, after: a.schema });
    }
    Ok(())
}

/// What a new case is compared against: its header and nothing else.
fn blank(after: &Case) -> Case {
    Case {
        schema: after.schema,
        id: after.id.clone(),
        number: after.number.clone(),
        kind: after.kind.clone(),
        hromada: after.hromada.clone(),
        district: after.district.clone(),
        created_at: after.created_at,
        created_by: after.created_by.clone(),
        ..Default::default()
    }
}

/// Workflow events are append-only: none removed, none rewritten.
pub(super) fn append_only(before: &Case, after: &Case) -> Result<(), Refusal> {
    for (id, old) in &before.events {
        match after.events.get(id) {
            None => return Err(Refusal::EventRemoved { event: id.clone() }),
            Some(new) if new != old => return Err(Refusal::EventModified { event: id.clone() }),
            Some(_) => {}
        }
    }
    Ok(())
}

/// The fold accepts every new event and revives no refused one. Answers the derived
/// state before and after.
pub(super) fn fold_accepts(kind: CaseKind, before: &Case, after: &Case) -> Result<(CaseState, CaseState), Refusal> {
    let header = CaseHeader { kind, hromada: &after.hromada, district: after.district.as_deref() };
    let was = derive(header, before.events.values());
    let now = derive(header, after.events.values());
    let was_valid: BTreeMap<&str, bool> = was.timeline.iter().map(|t| (t.id.as_str(), t.result.is_ok())).collect();
    for t in &now.timeline {
        match (was_valid.get(t.id.as_str()), &t.result) {
            (None, Err(reason)) => {
                return Err(Refusal::InvalidEvent {
                    event: t.id.clone(),
                    action: t.action.clone(),
                    reason: reason.clone(),
                });
            }
            (Some(false), Ok(_)) => return Err(Refusal::EventRevived { event: t.id.clone() }),
            _ => {}
        }
    }
    Ok((was.state, now.state))
}
