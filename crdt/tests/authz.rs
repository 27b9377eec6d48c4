//! Change-level authorisation as the server sees it: a case before and after a device's
//! changes, and the positions the device holds. Legitimate work passes; forged, out of
//! scope and late changes are refused with a reason.

use automerge::ActorId;
use keis_crdt::authz::{Refusal, authorize};
use keis_crdt::workflow::{AppStatus, CaseHeader, DecisionRecord, EventRecord, derive};
use keis_crdt::{
    Action, Case, CaseDoc, CaseKind, Catalogue, NewCase, Note, Position, RecordMap, Role, Scope, Signature, Status,
    WorkflowError, demo,
};

const T0: i64 = 1_763_900_000_000;
const OTHER_HROMADA: &str = "UA99000000000000033";

fn actor(name: &str) -> ActorId {
    ActorId::from(name.as_bytes())
}

fn catalogue() -> Catalogue {
    Catalogue::embedded().expect("shipped catalogue")
}

fn pos(role: Role) -> Position {
    demo::position(role)
}

fn application(n: u32) -> CaseDoc {
    demo::application(actor("laptop"), n, T0).expect("demo case")
}

fn act(doc: &mut CaseDoc, role: Role, action: Action, comment: &str) -> String {
    doc.act(&pos(role), action, comment, T0 + 10_000, &catalogue()).expect("a legitimate action")
}

/// The applicant signs the application as it is now, witnessed by the starosta.
fn sign(doc: &mut CaseDoc) {
    let digest = doc.content_digest().to_hex();
    doc.edit(T0 + 5_000, |case, ids| {
        case.signatures.add(Signature {
            id: ids.next_id(),
            signer: "applicant".into(),
            witnessed_by: pos(Role::Starosta).id,
            content_digest: digest,
            ..Default::default()
        });
    })
    .expect("sign");
}

/// An application already with the hromada (status 2).
fn submitted(n: u32) -> CaseDoc {
    let mut doc = application(n);
    act(&mut doc, Role::Starosta, Action::Submit { incomplete: None }, "");
    doc
}

/// A forged event on top of the case's event heads.
fn forged(case: &Case, position: &Position, action: &str) -> EventRecord {
    let header = CaseHeader { kind: CaseKind::Application, hromada: &case.hromada, district: case.district.as_deref() };
    EventRecord {
        id: format!("forged-{action}"),
        parents: derive(header, case.events.values()).heads,
        at: T0 + 99,
        position: position.id.clone(),
        role: position.role.code().into(),
        scope: position.scope.code(),
        action: action.into(),
        ..Default::default()
    }
}

/// A scenario: the device's positions, the case before (None: new to the server) and after.
struct Scenario {
    positions: Vec<Position>,
    before: Option<Case>,
    after: Case,
}

fn legit_edit_and_submit() -> Scenario {
    let mut doc = application(1);
    let before = doc.case().clone();
    doc.edit(T0 + 4_000, |case, _| case.applicant.phone = Some("+380991234567".into())).expect("edit");
    sign(&mut doc);
    act(&mut doc, Role::Starosta, Action::Submit { incomplete: None }, "");
    Scenario { positions: vec![pos(Role::Starosta)], before: Some(before), after: doc.case().clone() }
}

fn starosta_forges_decision() -> Scenario {
    let doc = demo::decided_application(actor("laptop"), 2, T0).expect("demo case");
    let before = doc.case().clone();
    let mut after = before.clone();
    let mut e = forged(&before, &pos(Role::Starosta), "record_decision");
    e.decision = Some(DecisionRecord { reason: "підробка".into(), ..Default::default() });
    after.events.add(e);
    Scenario { positions: vec![pos(Role::Starosta)], before: Some(before), after }
}

fn other_hromada_touches() -> Scenario {
    let doc = submitted(3);
    let before = doc.case().clone();
    let mut after = before.clone();
    after.applicant.phone = Some("+380990000000".into());
    let b = Position::new("b-officer", Role::HromadaOfficer, Scope::hromada(OTHER_HROMADA));
    Scenario { positions: vec![b], before: Some(before), after }
}

fn moved_to_other_hromada() -> Scenario {
    let doc = submitted(4);
    let before = doc.case().clone();
    let mut after = before.clone();
    after.hromada = OTHER_HROMADA.into();
    let both = Position::new(
        "two-hromadas",
        Role::HromadaOfficer,
        Scope::Hromadas(vec![demo::HROMADA.into(), OTHER_HROMADA.into()]),
    );
    Scenario { positions: vec![both], before: Some(before), after }
}

fn event_removed() -> Scenario {
    let doc = submitted(5);
    let before = doc.case().clone();
    let mut after = before.clone();
    after.events.clear();
    Scenario { positions: vec![pos(Role::Starosta)], before: Some(before), after }
}

fn event_modified() -> Scenario {
    let doc = submitted(6);
    let before = doc.case().clone();
    let mut after = before.clone();
    for e in after.events.values_mut() {
        e.comment = "переписано".into();
    }
    Scenario { positions: vec![pos(Role::Starosta)], before: Some(before), after }
}

fn signature_rewritten() -> Scenario {
    let doc = application(7);
    let before = doc.case().clone();
    let mut after = before.clone();
    for s in after.signatures.values_mut() {
        s.signer_name = "Хтось Інший".into();
    }
    Scenario { positions: vec![pos(Role::Starosta)], before: Some(before), after }
}

fn back_office_decides() -> Scenario {
    let mut doc = submitted(8);
    act(&mut doc, Role::HromadaOfficer, Action::ForwardToBackOffice { incomplete: None }, "");
    act(&mut doc, Role::BackOffice, Action::MarkChecked, "");
    act(&mut doc, Role::BackOffice, Action::Export { batch: "DAT-8".into() }, "");
    let before = doc.case().clone();
    let refused = keis_crdt::Decision::Refused { reason: "дохід перевищує межу".into() };
    act(&mut doc, Role::BackOffice, Action::RecordDecision(refused), "");
    Scenario { positions: vec![pos(Role::BackOffice)], before: Some(before), after: doc.case().clone() }
}

fn claims_foreign_position() -> Scenario {
    let mut doc = submitted(9);
    let before = doc.case().clone();
    act(&mut doc, Role::HromadaOfficer, Action::ReturnForRework, "уточніть адресу");
    Scenario { positions: vec![pos(Role::Starosta)], before: Some(before), after: doc.case().clone() }
}

fn front_office_edits_after_submission() -> Scenario {
    let doc = submitted(10);
    let before = doc.case().clone();
    let mut after = before.clone();
    after.applicant.phone = Some("+380990000001".into());
    Scenario { positions: vec![pos(Role::Starosta)], before: Some(before), after }
}

fn hromada_officer_adds_note() -> Scenario {
    let doc = submitted(11);
    let before = doc.case().clone();
    let mut after = before.clone();
    after.notes.add(Note {
        id: "note-1".into(),
        kind: "note".into(),
        author: pos(Role::HromadaOfficer).id,
        at: T0 + 50,
        text: "Перевірено телефоном".into(),
    });
    Scenario { positions: vec![pos(Role::HromadaOfficer)], before: Some(before), after }
}

fn hromada_officer_edits_applicant() -> Scenario {
    let mut s = hromada_officer_adds_note();
    s.after.applicant.surname = "Інший".into();
    s
}

fn note_of_another_changed() -> Scenario {
    let s = hromada_officer_adds_note();
    let before = s.after.clone();
    let mut after = before.clone();
    for n in after.notes.values_mut() {
        n.text = "переписано".into();
    }
    Scenario { positions: vec![pos(Role::BackOffice)], before: Some(before), after }
}

fn new_case_out_of_scope() -> Scenario {
    let doc = application(12);
    let south = Position::new(
        "south-starosta",
        Role::Starosta,
        Scope::District { hromada: demo::HROMADA.into(), district: "demo-south".into() },
    );
    Scenario { positions: vec![south], before: None, after: doc.case().clone() }
}

fn new_case_in_scope() -> Scenario {
    let mut doc = application(13);
    act(&mut doc, Role::Starosta, Action::Submit { incomplete: None }, "");
    Scenario { positions: vec![pos(Role::Starosta)], before: None, after: doc.case().clone() }
}

fn conflict_resolved() -> Scenario {
    let mut a = submitted(14);
    let mut b = CaseDoc::load(&a.save(), actor("hromada-desk-2")).expect("load");
    let stand_in = Position::new("demo-hromada-deputy", Role::HromadaOfficer, Scope::hromada(demo::HROMADA));
    let ret = act(&mut a, Role::HromadaOfficer, Action::ReturnForRework, "уточніть адресу");
    b.act(&stand_in, Action::ForwardToBackOffice { incomplete: None }, "", T0 + 3, &catalogue()).expect("fwd");
    a.merge(&mut b).expect("merge");
    assert!(a.derive().state.is_conflict());
    let before = a.case().clone();
    act(&mut a, Role::HromadaOfficer, Action::Resolve { keep: ret }, "повертаємо");
    assert_eq!(a.derive().state.status(), Some(Status::Application(AppStatus::ReturnedForRework)));
    Scenario { positions: vec![pos(Role::HromadaOfficer)], before: Some(before), after: a.case().clone() }
}

fn administrator_adds_note() -> Scenario {
    let mut s = hromada_officer_adds_note();
    let admin = Position::new("admin", Role::Administrator, Scope::All);
    for n in s.after.notes.values_mut() {
        n.author = admin.id.clone();
    }
    s.positions = vec![admin];
    s
}

fn edited_after_submit_in_one_batch() -> Scenario {
    let mut doc = application(15);
    let before = doc.case().clone();
    act(&mut doc, Role::Starosta, Action::Submit { incomplete: None }, "");
    let mut after = doc.case().clone();
    after.applicant.phone = Some("+380990000002".into());
    Scenario { positions: vec![pos(Role::Starosta)], before: Some(before), after }
}

fn hromada_officer_adds_signature() -> Scenario {
    let doc = submitted(16);
    let before = doc.case().clone();
    let mut after = before.clone();
    after.signatures.add(Signature {
        id: "sig-late".into(),
        signer: "staff".into(),
        witnessed_by: pos(Role::HromadaOfficer).id,
        ..Default::default()
    });
    Scenario { positions: vec![pos(Role::HromadaOfficer)], before: Some(before), after }
}

fn social_worker_opens_and_edits_case() -> Scenario {
    let worker = pos(Role::SocialWorker);
    let mut doc = CaseDoc::create(
        actor("tablet"),
        NewCase {
            id: "sw-1",
            number: "2026-SW-1",
            kind: CaseKind::SocialWork,
            hromada: demo::HROMADA,
            district: None,
            created_by: &worker,
            at: T0,
        },
    )
    .expect("create");
    doc.edit(T0 + 1, |case, _| case.applicant.surname = "Тестенко".into()).expect("edit");
    doc.act(&worker, Action::StartAssessment, "", T0 + 2, &catalogue()).expect("assess");
    Scenario { positions: vec![worker], before: None, after: doc.case().clone() }
}

fn created_by_someone_else() -> Scenario {
    let mut s = social_worker_opens_and_edits_case();
    s.positions = vec![pos(Role::Coordinator)];
    s
}

fn case_id_changed() -> Scenario {
    let doc = application(17);
    let before = doc.case().clone();
    let mut after = before.clone();
    after.id = "another-case".into();
    Scenario { positions: vec![pos(Role::Starosta)], before: Some(before), after }
}

type Expect = fn(&Result<(), Refusal>) -> bool;

const TABLE: &[(&str, fn() -> Scenario, Expect)] = &[
    ("a starosta's edit, new signature and submit", legit_edit_and_submit, |r| r.is_ok()),
    ("a starosta's forged decision", starosta_forges_decision, |r| {
        matches!(
            r,
            Err(Refusal::InvalidEvent { reason: WorkflowError::RoleNotAllowed { role: Role::Starosta, .. }, .. })
        )
    }),
    (
        "hromada B touching hromada A's case",
        other_hromada_touches,
        |r| matches!(r, Err(Refusal::OutOfScope { hromada, .. }) if hromada == demo::HROMADA),
    ),
    ("moving a case to another hromada", moved_to_other_hromada, |r| {
        matches!(r, Err(Refusal::Moved { field: "hromada" }))
    }),
    ("removing an event", event_removed, |r| matches!(r, Err(Refusal::EventRemoved { .. }))),
    ("modifying an event", event_modified, |r| matches!(r, Err(Refusal::EventModified { .. }))),
    ("rewriting a signature", signature_rewritten, |r| matches!(r, Err(Refusal::SignatureRewritten { .. }))),
    ("a back-office decision", back_office_decides, |r| r.is_ok()),
    (
        "an event claiming a position the device does not hold",
        claims_foreign_position,
        |r| matches!(r, Err(Refusal::NotYourPosition { position, .. }) if position == "demo-hromada"),
    ),
    ("front-office content edit after submission", front_office_edits_after_submission, |r| {
        matches!(r, Err(Refusal::ContentLocked { field: "applicant", .. }))
    }),
    ("a hromada officer's note", hromada_officer_adds_note, |r| r.is_ok()),
    ("a hromada officer editing the applicant", hromada_officer_edits_applicant, |r| {
        matches!(r, Err(Refusal::MayNotEdit { field: "applicant" }))
    }),
    ("another author's note rewritten", note_of_another_changed, |r| {
        matches!(r, Err(Refusal::OthersRecord { record: "note", .. }))
    }),
    ("a new case out of scope", new_case_out_of_scope, |r| matches!(r, Err(Refusal::OutOfScope { .. }))),
    ("a new case in scope, already submitted", new_case_in_scope, |r| r.is_ok()),
    ("resolving a conflict", conflict_resolved, |r| r.is_ok()),
    ("an administrator's note", administrator_adds_note, |r| matches!(r, Err(Refusal::NotAuthor { .. }))),
    ("content edited after the submit in the same batch", edited_after_submit_in_one_batch, |r| {
        matches!(r, Err(Refusal::ChangedAfterSubmit { field: "applicant" }))
    }),
    ("a hromada officer adding a signature", hromada_officer_adds_signature, |r| {
        matches!(r, Err(Refusal::SignatureNotWitnessed { .. }))
    }),
    ("a social worker opening, editing and assessing a case", social_worker_opens_and_edits_case, |r| r.is_ok()),
    ("a new case created by a position the device does not hold", created_by_someone_else, |r| {
        matches!(r, Err(Refusal::MayNotCreate { .. }))
    }),
    ("changing the case id", case_id_changed, |r| matches!(r, Err(Refusal::Immutable { field: "id" }))),
];

#[test]
fn changes_are_authorised_by_role_scope_and_status() {
    for (name, scenario, expect) in TABLE {
        let s = scenario();
        let got = authorize(&s.positions, s.before.as_ref(), &s.after);
        assert!(expect(&got), "{name}: got {got:?}");
    }
}

#[test]
fn refusals_say_it_in_ukrainian_first_then_english() {
    let s = starosta_forges_decision();
    let refusal = authorize(&s.positions, s.before.as_ref(), &s.after).expect_err("refused");
    let text = refusal.to_string();
    let (uk, en) = text.split_once(" / ").expect("two languages");
    assert!(uk.contains("відхилено"), "{text}");
    assert!(en.contains("refused"), "{text}");
}

#[test]
fn nonsense_input_is_refused_without_a_panic() {
    let empty = Case::default();
    let all = vec![Position::new("x", Role::CnapSuper, Scope::All)];
    assert!(matches!(authorize(&all, None, &empty), Err(Refusal::UnknownKind(_))));
    assert!(matches!(authorize(&[], None, &empty), Err(Refusal::OutOfScope { .. })));
    let real = application(18).case().clone();
    let mut broken = real.clone();
    for (i, e) in broken.events.values_mut().enumerate() {
        e.parents = vec![format!("ghost-{i}"), e.id.clone()];
    }
    let mut cyclic = submitted(19).case().clone();
    for e in ["a", "b"] {
        cyclic.events.add(EventRecord {
            id: e.into(),
            parents: vec![if e == "a" { "b" } else { "a" }.into()],
            position: "x".into(),
            role: "???".into(),
            scope: "all".into(),
            action: "resolve".into(),
            ..Default::default()
        });
    }
    for after in [&empty, &real, &broken, &cyclic] {
        for before in [None, Some(&empty), Some(&real)] {
            let _ = authorize(&all, before, after);
        }
    }
}
