//! The derivation of a case's status: a deterministic fold of the event log in causal
//! order.
//!
//! Events form a graph through their `parents`. Each event is checked against the state
//! its author saw (the fold of its ancestors), never against events it could not know.
//! Where branches of the graph meet, their last valid transitions are compared: if they
//! lead to different outcomes (one official returned the case while another forwarded
//! it), the state is a [`CaseState::Conflict`] naming both events, until a `resolve` event
//! that saw them keeps one. Invalid events (a forged role, a transition from the wrong
//! status, a malformed record) stay in the history, marked, and change nothing. The result
//! depends only on the set of events, so every replica that holds the same events derives
//! the same state.

use std::collections::{BTreeSet, HashMap};

use super::{Action, Decision, EventRecord, Status, WorkflowError, rules};
use crate::model::CaseKind;

/// Where a valid transition leads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub status: Status,
    /// The latest decision recorded, carried forward.
    pub decision: Option<Decision>,
}

/// The state of a case after its events.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CaseState {
    Settled(Outcome),
    /// Concurrent transitions that cannot both hold; `events` are their ids, sorted, and
    /// `outcomes` what each would lead to, in the same order.
    Conflict {
        events: Vec<String>,
        outcomes: Vec<Outcome>,
    },
}

impl CaseState {
    /// The status, unless the case is in conflict.
    pub fn status(&self) -> Option<Status> {
        match self {
            Self::Settled(o) => Some(o.status),
            Self::Conflict { .. } => None,
        }
    }

    pub fn is_conflict(&self) -> bool {
        matches!(self, Self::Conflict { .. })
    }
}

/// One event as the fold saw it, for the case timeline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimelineEntry {
    pub id: String,
    pub at: i64,
    pub position: String,
    pub action: String,
    /// The state the event's author saw.
    pub before: CaseState,
    /// Where it led, or why it is ignored.
    pub result: Result<Outcome, WorkflowError>,
}

/// The fold's result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Derivation {
    pub state: CaseState,
    /// Every event, in the causal order the fold applied them.
    pub timeline: Vec<TimelineEntry>,
    /// Ids of the events no other event has seen: the parents of the next event.
    pub heads: Vec<String>,
}

/// Which case the events belong to, for the scope check.
#[derive(Debug, Clone, Copy)]
pub struct CaseHeader<'a> {
    pub kind: CaseKind,
    pub hromada: &'a str,
    pub district: Option<&'a str>,
}

/// Folds `events` (in any order) into the case's state.
pub fn derive<'a>(header: CaseHeader<'_>, events: impl IntoIterator<Item = &'a EventRecord>) -> Derivation {
    let events: Vec<&EventRecord> = events.into_iter().collect();
    let events = events.as_slice();
    let graph = Graph::new(events);
    let initial = Outcome { status: Status::initial(header.kind), decision: None };
    let n = events.len();
    let mut ancestors = vec![Bits::new(n); n];
    let mut tips: Vec<BTreeSet<usize>> = vec![BTreeSet::new(); n];
    let mut outcomes: Vec<Option<Outcome>> = vec![None; n];
    // For valid events: the settled outcome their author saw (None after a conflict).
    let mut befores: Vec<Option<Outcome>> = vec![None; n];
    let mut timeline = Vec::with_capacity(n);

    for &e in &graph.order {
        for &p in &graph.parents[e] {
            let (pa, ea) = two(&mut ancestors, p, e);
            ea.union_with(pa);
            ea.set(p);
        }
        let frontier = Frontier { ancestors: &ancestors, befores: &befores, outcomes: &outcomes };
        let seen_tips = frontier.of(graph.parents[e].iter().flat_map(|&p| tips[p].iter().copied()));
        let before = state_of(&seen_tips, &outcomes, events, &initial);
        let result = graph.defects[e]
            .clone()
            .map_or_else(|| apply(header, events[e], &before, &seen_tips, &outcomes, events), Err);
        match &result {
            Ok(o) => {
                outcomes[e] = Some(o.clone());
                if let CaseState::Settled(b) = &before {
                    befores[e] = Some(b.clone());
                }
                tips[e] = BTreeSet::from([e]);
            }
            Err(_) => tips[e] = seen_tips,
        }
        let r = events[e];
        timeline.push(TimelineEntry {
            id: r.id.clone(),
            at: r.at,
            position: r.position.clone(),
            action: r.action.clone(),
            before,
            result,
        });
    }
    let frontier = Frontier { ancestors: &ancestors, befores: &befores, outcomes: &outcomes };
    let all_tips = frontier.of(tips.iter().flat_map(|t| t.iter().copied()));
    let state = state_of(&all_tips, &outcomes, events, &initial);
    let mut heads: Vec<String> =
        graph.order.iter().filter(|&&e| !graph.has_child[e]).map(|&e| events[e].id.clone()).collect();
    heads.sort();
    heads.dedup();
    Derivation { state, timeline, heads }
}

fn apply(
    header: CaseHeader<'_>,
    record: &EventRecord,
    before: &CaseState,
    seen_tips: &BTreeSet<usize>,
    outcomes: &[Option<Outcome>],
    events: &[&EventRecord],
) -> Result<Outcome, WorkflowError> {
    let role = record.to_role()?;
    if !record.to_scope()?.covers(header.hromada, header.district) {
        return Err(WorkflowError::OutOfScope);
    }
    match (record.to_action()?, before) {
        (Action::Resolve { keep }, CaseState::Conflict { .. }) => {
            let kept = seen_tips
                .iter()
                .find(|&&t| events[t].id == keep)
                .ok_or_else(|| WorkflowError::NotAConflictingEvent(keep.clone()))?;
            if !rules::role_may(role, &events[*kept].action) {
                return Err(WorkflowError::RoleNotAllowed { role, action: "resolve" });
            }
            outcomes[*kept].clone().ok_or(WorkflowError::NotInConflict)
        }
        (Action::Resolve { .. }, CaseState::Settled(_)) => Err(WorkflowError::NotInConflict),
        (_, CaseState::Conflict { events, .. }) => Err(WorkflowError::UnresolvedConflict { events: events.clone() }),
        (action, CaseState::Settled(o)) => {
            let status = rules::transition(o.status, role, &action, &record.comment)?;
            let decision = match action {
                Action::RecordDecision(d) => Some(d),
                _ => o.decision.clone(),
            };
            Ok(Outcome { status, decision })
        }
    }
}

/// The state given the last valid transitions of every branch.
pub(crate) fn state_of(
    tips: &BTreeSet<usize>,
    outcomes: &[Option<Outcome>],
    events: &[&EventRecord],
    initial: &Outcome,
) -> CaseState {
    let mut found: Vec<(&str, &Outcome)> =
        tips.iter().filter_map(|&t| outcomes[t].as_ref().map(|o| (events[t].id.as_str(), o))).collect();
    found.sort_by(|a, b| a.0.cmp(b.0));
    match found.first() {
        None => CaseState::Settled(initial.clone()),
        Some((_, first)) if found.iter().all(|(_, o)| o == first) => CaseState::Settled((*first).clone()),
        Some(_) => CaseState::Conflict {
            events: found.iter().map(|(id, _)| (*id).to_owned()).collect(),
            outcomes: found.iter().map(|(_, o)| (*o).clone()).collect(),
        },
    }
}

/// What the fold knows so far, to reduce a set of last transitions to the ones that still
/// hold.
struct Frontier<'a> {
    ancestors: &'a [Bits],
    befores: &'a [Option<Outcome>],
    outcomes: &'a [Option<Outcome>],
}

impl Frontier<'_> {
    /// Drops every transition that another one in the set has seen, directly or through an
    /// equivalent twin: when two officials took the same step from the same state at
    /// once (both forwarded), a later step after either one supersedes both.
    fn of(&self, set: impl Iterator<Item = usize>) -> BTreeSet<usize> {
        let set: BTreeSet<usize> = set.collect();
        set.iter().copied().filter(|&a| !set.iter().any(|&b| b != a && self.has_seen(b, a))).collect()
    }

    fn has_seen(&self, later: usize, t: usize) -> bool {
        let anc = &self.ancestors[later];
        if anc.get(t) {
            return true;
        }
        let twin = |x: usize| self.outcomes[x] == self.outcomes[t] && self.befores[x] == self.befores[t];
        (0..self.outcomes.len()).any(|x| x != t && anc.get(x) && self.outcomes[x].is_some() && twin(x))
    }
}

/// The event graph: parents by index, a deterministic causal order, and what is wrong
/// with records that cannot take part (duplicates, unknown parents, cycles).
struct Graph {
    parents: Vec<Vec<usize>>,
    order: Vec<usize>,
    has_child: Vec<bool>,
    defects: Vec<Option<WorkflowError>>,
}

impl Graph {
    fn new(events: &[&EventRecord]) -> Self {
        let n = events.len();
        let mut defects = vec![None; n];
        let mut index: HashMap<&str, usize> = HashMap::with_capacity(n);
        for (i, e) in events.iter().enumerate() {
            if index.contains_key(e.id.as_str()) {
                defects[i] = Some(WorkflowError::MalformedEvent("duplicate event id"));
            } else {
                index.insert(&e.id, i);
            }
        }
        let mut parents = vec![Vec::new(); n];
        let mut children = vec![Vec::new(); n];
        let mut has_child = vec![false; n];
        for (i, e) in events.iter().enumerate() {
            for p in &e.parents {
                match index.get(p.as_str()) {
                    Some(&pi) if pi != i && !parents[i].contains(&pi) => {
                        parents[i].push(pi);
                        children[pi].push(i);
                        has_child[pi] = true;
                    }
                    Some(_) => {}
                    None => defects[i] = Some(WorkflowError::MalformedEvent("refers to an unknown event")),
                }
            }
        }
        // Kahn's algorithm; among ready events the smallest id goes first, so every
        // replica applies concurrent events in the same order.
        let mut pending: Vec<usize> = parents.iter().map(Vec::len).collect();
        let mut ready: BTreeSet<(&str, usize)> =
            (0..n).filter(|&i| pending[i] == 0).map(|i| (events[i].id.as_str(), i)).collect();
        let mut order = Vec::with_capacity(n);
        while let Some((_, i)) = ready.pop_first() {
            order.push(i);
            for &c in &children[i] {
                pending[c] -= 1;
                if pending[c] == 0 {
                    ready.insert((events[c].id.as_str(), c));
                }
            }
        }
        // Events on a cycle never become ready: keep them in the timeline, marked.
        for i in 0..n {
            if pending[i] > 0 {
                defects[i] = Some(WorkflowError::MalformedEvent("its parents form a cycle"));
                parents[i].clear();
                order.push(i);
            }
        }
        Self { parents, order, has_child, defects }
    }
}

/// A fixed-size bit set over event indices.
#[derive(Clone)]
struct Bits(Vec<u64>);

impl Bits {
    fn new(n: usize) -> Self {
        Self(vec![0; n.div_ceil(64)])
    }

    fn set(&mut self, i: usize) {
        self.0[i / 64] |= 1 << (i % 64);
    }

    fn get(&self, i: usize) -> bool {
        self.0[i / 64] & (1 << (i % 64)) != 0
    }

    fn union_with(&mut self, other: &Bits) {
        for (a, b) in self.0.iter_mut().zip(&other.0) {
            *a |= b;
        }
    }
}

/// Borrows element `a` shared and `b` mutably (`a != b`).
fn two(v: &mut [Bits], a: usize, b: usize) -> (&Bits, &mut Bits) {
    if a < b {
        let (l, r) = v.split_at_mut(b);
        (&l[a], &mut r[0])
    } else {
        let (l, r) = v.split_at_mut(a);
        (&r[0], &mut l[b])
    }
}

#[cfg(test)]
mod tests;
