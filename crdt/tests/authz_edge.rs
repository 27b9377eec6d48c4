//! The trusted-edge entry point of change-level authorisation: what a central server
//! accepts from an edge of one hromada forwarding its devices' changes, and what it
//! still refuses.

use automerge::ActorId;
use keis_crdt::authz::{Refusal, authorize, authorize_edge};
use keis_crdt::workflow::{CaseHeader, DecisionRecord, EventRecord, derive};
use keis_crdt::{Action, Case, CaseDoc, CaseKind, Catalogue, Note, Position, RecordMap, Role, Scope, demo};

const T0: i64 = 1_763_900_000_000;
const OTHER_HROMADA: &str = "UA99000000000000033";

fn edge_of(hromada: &str) -> Vec<Position> {
    vec![Position::new(format!("edge-{hromada}"), Role::Administrator, Scope::hromada(hromada))]
}

fn edge() -> Vec<Position> {
    edge_of(demo::HROMADA)
}

fn act(doc: &mut CaseDoc, role: Role, action: Action) -> String {
    let catalogue = Catalogue::embedded().expect("catalogue");
    doc.act(&demo::position(role), action, "", T0 + 10_000, &catalogue).expect("a legitimate action")
}

fn application(n: u32) -> CaseDoc {
    demo::application(ActorId::from(b"edge-tablet".as_slice()), n, T0).expect("demo case")
}

fn submitted(n: u32) -> CaseDoc {
    let mut doc = application(n);
    act(&mut doc, Role::Starosta, Action::Submit { incomplete: None });
    doc
}

/// An event of `position` on top of the case's event heads.
fn event_of(case: &Case, position: &Position, action: &str) -> EventRecord {
    let header = CaseHeader { kind: CaseKind::Application, hromada: &case.hromada, district: case.district.as_deref() };
    EventRecord {
        id: format!("ev-{}-{action}", position.id),
        parents: derive(header, case.events.values()).heads,
        at: T0 + 99,
        position: position.id.clone(),
        role: position.role.code().into(),
        scope: position.scope.code(),
        action: action.into(),
        ..Default::default()
    }
}

struct Scenario {
    edge: Vec<Position>,
    before: Option<Case>,
    after: Case,
}

/// The starosta submits and the hromada officer forwards: two positions in one batch.
fn two_positions_forwarded() -> Scenario {
    let mut doc = submitted(1);
    let before = doc.case().clone();
    act(&mut doc, Role::HromadaOfficer, Action::ForwardToBackOffice { incomplete: None });
    let mut after = doc.case().clone();
    after.notes.add(Note {
        id: "n1".into(),
        kind: "note".into(),
        author: demo::position(Role::HromadaOfficer).id,
        at: T0 + 1,
        text: "Перевірено".into(),
    });
    Scenario { edge: edge(), before: Some(before), after }
}

fn new_case_with_its_events() -> Scenario {
    Scenario { edge: edge(), before: None, after: submitted(2).case().clone() }
}

fn case_of_another_hromada() -> Scenario {
    let doc = submitted(3);
    let before = doc.case().clone();
    let mut after = before.clone();
    after.applicant.phone = Some("+380990000000".into());
    Scenario { edge: edge_of(OTHER_HROMADA), before: Some(before), after }
}

fn new_case_of_another_hromada() -> Scenario {
    Scenario { edge: edge_of(OTHER_HROMADA), before: None, after: submitted(4).case().clone() }
}

fn moved_out_of_the_hromada() -> Scenario {
    let doc = submitted(5);
    let before = doc.case().clone();
    let mut after = before.clone();
    after.hromada = OTHER_HROMADA.into();
    let both = vec![Position::new(
        "edge-both",
        Role::Administrator,
        Scope::Hromadas(vec![demo::HROMADA.into(), OTHER_HROMADA.into()]),
    )];
    Scenario { edge: both, before: Some(before), after }
}

fn event_removed() -> Scenario {
    let before = submitted(6).case().clone();
    let mut after = before.clone();
    after.events.clear();
    Scenario { edge: edge(), before: Some(before), after }
}

fn event_modified() -> Scenario {
    let before = submitted(7).case().clone();
    let mut after = before.clone();
    for e in after.events.values_mut() {
        e.comment = "переписано".into();
    }
    Scenario { edge: edge(), before: Some(before), after }
}

fn signature_rewritten() -> Scenario {
    let before = application(8).case().clone();
    let mut after = before.clone();
    for s in after.signatures.values_mut() {
        s.signer_name = "Хтось Інший".into();
    }
    Scenario { edge: edge(), before: Some(before), after }
}

fn event_of_a_central_office() -> Scenario {
    let mut doc = submitted(9);
    act(&mut doc, Role::HromadaOfficer, Action::ForwardToBackOffice { incomplete: None });
    let before = doc.case().clone();
    let mut after = before.clone();
    let central = Position::new("central-back-office", Role::BackOffice, Scope::All);
    after.events.add(event_of(&before, &central, "mark_checked"));
    Scenario { edge: edge(), before: Some(before), after }
}

fn event_of_another_hromadas_position() -> Scenario {
    let mut doc = submitted(10);
    act(&mut doc, Role::HromadaOfficer, Action::ForwardToBackOffice { incomplete: None });
    let before = doc.case().clone();
    let mut after = before.clone();
    let theirs = Position::new("b-back-office", Role::BackOffice, Scope::hromada(OTHER_HROMADA));
    after.events.add(event_of(&before, &theirs, "mark_checked"));
    Scenario { edge: edge(), before: Some(before), after }
}

fn forged_decision() -> Scenario {
    let before = submitted(11).case().clone();
    let mut after = before.clone();
    let mut e = event_of(&before, &demo::position(Role::Starosta), "record_decision");
    e.decision = Some(DecisionRecord { reason: "підробка".into(), ..Default::default() });
    after.events.add(e);
    Scenario { edge: edge(), before: Some(before), after }
}

fn note_reattributed() -> Scenario {
    let s = two_positions_forwarded();
    let before = s.after.clone();
    let mut after = before.clone();
    for n in after.notes.values_mut() {
        n.author = "someone-else".into();
    }
    Scenario { edge: edge(), before: Some(before), after }
}

fn note_without_author() -> Scenario {
    let mut s = two_positions_forwarded();
    for n in s.after.notes.values_mut() {
        n.author.clear();
    }
    s
}

fn case_id_changed() -> Scenario {
    let before = application(12).case().clone();
    let mut after = before.clone();
    after.id = "another-case".into();
    Scenario { edge: edge(), before: Some(before), after }
}

type Expect = fn(&Result<(), Refusal>) -> bool;

const TABLE: &[(&str, fn() -> Scenario, Expect)] = &[
    ("events, notes of two positions of the hromada", two_positions_forwarded, |r| r.is_ok()),
    ("a new case with its events", new_case_with_its_events, |r| r.is_ok()),
    (
        "an edge of hromada B touching hromada A's case",
        case_of_another_hromada,
        |r| matches!(r, Err(Refusal::OutOfScope { hromada, .. }) if hromada == demo::HROMADA),
    ),
    ("an edge of hromada B creating hromada A's case", new_case_of_another_hromada, |r| {
        matches!(r, Err(Refusal::OutOfScope { .. }))
    }),
    ("moving a case to another hromada", moved_out_of_the_hromada, |r| {
        matches!(r, Err(Refusal::Moved { field: "hromada" }))
    }),
    ("removing an event", event_removed, |r| matches!(r, Err(Refusal::EventRemoved { .. }))),
    ("modifying an event", event_modified, |r| matches!(r, Err(Refusal::EventModified { .. }))),
    ("rewriting a signature", signature_rewritten, |r| matches!(r, Err(Refusal::SignatureRewritten { .. }))),
    (
        "an event of a central office's position",
        event_of_a_central_office,
        |r| matches!(r, Err(Refusal::NotYourPosition { position, .. }) if position == "central-back-office"),
    ),
    (
        "an event of another hromada's position",
        event_of_another_hromadas_position,
        |r| matches!(r, Err(Refusal::NotYourPosition { position, .. }) if position == "b-back-office"),
    ),
    ("a starosta's decision the fold refuses", forged_decision, |r| matches!(r, Err(Refusal::InvalidEvent { .. }))),
    ("a note given another author", note_reattributed, |r| {
        matches!(r, Err(Refusal::OthersRecord { record: "note", .. }))
    }),
    ("a note without an author", note_without_author, |r| matches!(r, Err(Refusal::NotAuthor { .. }))),
    ("changing the case id", case_id_changed, |r| matches!(r, Err(Refusal::Immutable { field: "id" }))),
];

#[test]
fn an_edge_forwards_its_hromadas_changes_and_nothing_else() {
    for (name, scenario, expect) in TABLE {
        let s = scenario();
        let got = authorize_edge(&s.edge, s.before.as_ref(), &s.after);
        assert!(expect(&got), "{name}: got {got:?}");
    }
}

#[test]
fn what_an_edge_may_forward_a_plain_device_of_its_positions_may_not() {
    let s = two_positions_forwarded();
    assert!(authorize_edge(&s.edge, s.before.as_ref(), &s.after).is_ok());
    let got = authorize(&s.edge, s.before.as_ref(), &s.after);
    assert!(matches!(got, Err(Refusal::NotYourPosition { .. })), "{got:?}");
}

#[test]
fn nonsense_input_is_refused_without_a_panic() {
    let empty = Case::default();
    assert!(matches!(authorize_edge(&edge(), None, &empty), Err(Refusal::OutOfScope { .. })));
    assert!(matches!(authorize_edge(&[], None, &empty), Err(Refusal::OutOfScope { .. })));
    let all = vec![Position::new("edge-all", Role::Administrator, Scope::All)];
    assert!(matches!(authorize_edge(&all, None, &empty), Err(Refusal::UnknownKind(_))));
}
