//! A case as the people using it see it: taking the application, the guards on passing it
//! on, signatures, concurrent officials, and documents that arrive damaged.

use automerge::ActorId;
use keis_crdt::workflow::{AppStatus, CaseState};
use keis_crdt::{
    Action, Attachment, CaseDoc, CaseError, Catalogue, Decision, NewCase, Position, RecordMap, Role, Scope,
    SignatureState, Status, WorkflowError, demo,
};

const T0: i64 = 1_763_900_000_000;

fn actor(name: &str) -> ActorId {
    ActorId::from(name.as_bytes())
}

fn catalogue() -> Catalogue {
    Catalogue::embedded().expect("shipped catalogue")
}

fn status(doc: &CaseDoc) -> Option<Status> {
    doc.derive().state.status()
}

fn workflow_err(r: Result<String, CaseError>) -> WorkflowError {
    match r {
        Err(CaseError::Workflow(e)) => e,
        other => panic!("expected a workflow refusal, got {other:?}"),
    }
}

#[test]
fn a_signed_complete_application_goes_to_the_hromada() {
    let mut doc = demo::application(actor("laptop"), 1, T0).expect("demo case");
    assert!(catalogue().package(doc.case()).is_complete());
    let id = doc.act(&demo::position(Role::Starosta), Action::Submit { incomplete: None }, "", T0 + 1, &catalogue());
    assert!(id.is_ok(), "{id:?}");
    assert_eq!(status(&doc), Some(Status::Application(AppStatus::SentToHromada)));
}

#[test]
fn submitting_needs_a_current_signature() {
    let mut doc = demo::application(actor("laptop"), 2, T0).expect("demo case");
    doc.edit(T0 + 5, |case, _| case.applicant.phone = Some("+380991112233".into())).expect("edit");
    assert_eq!(doc.signature_states()[0].1, SignatureState::ContentChanged);
    let refused =
        doc.act(&demo::position(Role::Starosta), Action::Submit { incomplete: None }, "", T0 + 6, &catalogue());
    assert_eq!(workflow_err(refused), WorkflowError::NotSigned);
    assert_eq!(status(&doc), Some(Status::Application(AppStatus::Forming)));
}

#[test]
fn an_incomplete_package_needs_a_stated_reason() {
    let mut doc = demo::application(actor("laptop"), 3, T0).expect("demo case");
    let sta = demo::position(Role::Starosta);
    // Dropping a document changes the signed content, so re-sign after it.
    doc.edit(T0 + 5, |case, _| case.attachments.retain(|_, a| a.kind != "income_declaration")).expect("edit");
    let digest = doc.content_digest().to_hex();
    doc.edit(T0 + 6, |case, ids| {
        let mut s = case.signatures.values().next().expect("signed").clone();
        s.id = ids.next_id();
        s.content_digest = digest;
        case.signatures.add(s);
    })
    .expect("re-sign");
    let refused = doc.act(&sta, Action::Submit { incomplete: None }, "", T0 + 7, &catalogue());
    assert_eq!(workflow_err(refused), WorkflowError::IncompletePackage { missing: vec!["income_declaration".into()] });
    let reason = Some("декларацію донесе у понеділок".to_owned());
    doc.act(&sta, Action::Submit { incomplete: reason }, "", T0 + 8, &catalogue()).expect("submit with reason");
    assert_eq!(status(&doc), Some(Status::Application(AppStatus::SentToHromada)));
    let event = doc.case().events.values().next().expect("event");
    assert_eq!(event.incomplete_reason.as_deref(), Some("декларацію донесе у понеділок"));
}

#[test]
fn invalid_applicant_data_is_named_field_by_field() {
    let mut doc = demo::application(actor("laptop"), 4, T0).expect("demo case");
    doc.edit(T0 + 5, |case, _| {
        case.applicant.rnokpp = Some("1234567890".into());
        case.household[1].person.birth_date = "2013-02-30".into();
    })
    .expect("edit");
    let refused =
        doc.act(&demo::position(Role::Starosta), Action::Submit { incomplete: None }, "", T0 + 6, &catalogue());
    let WorkflowError::InvalidData(problems) = workflow_err(refused) else { panic!("expected invalid data") };
    let fields: Vec<&str> = problems.iter().map(|p| p.field.as_str()).collect();
    assert!(fields.contains(&"applicant.rnokpp"), "{fields:?}");
    assert!(fields.contains(&"household[1].birth_date"), "{fields:?}");
}

#[test]
fn positions_act_only_within_their_scope() {
    let mut doc = demo::application(actor("laptop"), 5, T0).expect("demo case");
    let elsewhere = Position::new(
        "other-starosta",
        Role::Starosta,
        Scope::District { hromada: demo::HROMADA.into(), district: "demo-south".into() },
    );
    let refused = doc.act(&elsewhere, Action::Submit { incomplete: None }, "", T0 + 1, &catalogue());
    assert_eq!(workflow_err(refused), WorkflowError::OutOfScope);
    let other_hromada = Position::new("h2", Role::HromadaOfficer, Scope::hromada("UA99000000000000033"));
    let refused = doc.act(&other_hromada, Action::ReturnForRework, "x", T0 + 1, &catalogue());
    assert_eq!(workflow_err(refused), WorkflowError::OutOfScope);
}

#[test]
fn a_starosta_cannot_record_a_decision() {
    let mut doc = demo::decided_application(actor("laptop"), 6, T0).expect("demo case");
    let forged = Action::RecordDecision(Decision::Refused { reason: "підробка".into() });
    let refused = doc.act(&demo::position(Role::Starosta), forged, "", T0 + 1, &catalogue());
    assert!(matches!(workflow_err(refused), WorkflowError::RoleNotAllowed { role: Role::Starosta, .. }));
}

#[test]
fn the_event_log_and_signatures_cannot_be_rewritten_by_edits() {
    let mut doc = demo::decided_application(actor("laptop"), 7, T0).expect("demo case");
    let before = doc.case().clone();
    doc.edit(T0 + 1, |case, _| {
        case.events.clear();
        for s in case.signatures.values_mut() {
            s.signer_name = "Хтось Інший".into();
        }
        case.signatures.add(keis_crdt::Signature {
            id: "new-sig".into(),
            signer: "staff".into(),
            ..Default::default()
        });
    })
    .expect("edit");
    assert_eq!(doc.case().events, before.events);
    for (id, s) in &before.signatures {
        assert_eq!(doc.case().signatures.get(id), Some(s));
    }
    // What the document holds, not only the typed view.
    let reloaded = CaseDoc::load(&doc.save(), actor("other")).expect("load");
    assert_eq!(reloaded.case(), doc.case());
    assert_eq!(doc.case().signatures.len(), 2);
}

#[test]
fn the_demo_case_walks_the_whole_path() {
    let doc = demo::decided_application(actor("laptop"), 8, T0).expect("demo case");
    let d = doc.derive();
    assert_eq!(d.timeline.len(), 10);
    assert!(d.timeline.iter().all(|t| t.result.is_ok()), "{:#?}", d.timeline);
    let CaseState::Settled(o) = d.state else { panic!("settled") };
    assert_eq!(o.status, Status::Application(AppStatus::DecisionReceived));
    assert!(matches!(o.decision, Some(Decision::Granted { amount_kop: 318_000, .. })));
}

#[test]
fn two_officials_acting_at_once_see_a_conflict_and_one_resolves_it() {
    let mut a = demo::application(actor("laptop"), 9, T0).expect("demo case");
    a.act(&demo::position(Role::Starosta), Action::Submit { incomplete: None }, "", T0 + 1, &catalogue())
        .expect("submit");
    let mut b = CaseDoc::load(&a.save(), actor("hromada-desk-2")).expect("load");
    let hromada = demo::position(Role::HromadaOfficer);
    let stand_in = Position::new("demo-hromada-deputy", Role::HromadaOfficer, Scope::hromada(demo::HROMADA));
    let ret = a.act(&hromada, Action::ReturnForRework, "уточніть адресу", T0 + 2, &catalogue()).expect("return");
    let fwd =
        b.act(&stand_in, Action::ForwardToBackOffice { incomplete: None }, "", T0 + 3, &catalogue()).expect("fwd");
    a.merge(&mut b).expect("merge");
    b.merge(&mut a).expect("merge");
    assert_eq!(a.case(), b.case());
    let CaseState::Conflict { events, .. } = a.derive().state else { panic!("conflict expected") };
    let mut want = vec![ret.clone(), fwd.clone()];
    want.sort();
    assert_eq!(events, want);
    // Nothing else can happen until someone resolves it.
    let refused = a.act(&hromada, Action::ReturnForRework, "ще раз", T0 + 4, &catalogue());
    assert!(matches!(workflow_err(refused), WorkflowError::UnresolvedConflict { .. }));
    a.act(&hromada, Action::Resolve { keep: ret }, "повертаємо", T0 + 5, &catalogue()).expect("resolve");
    assert_eq!(status(&a), Some(Status::Application(AppStatus::ReturnedForRework)));
    assert_eq!(a.case().events.len(), 4);
}

#[test]
fn concurrent_edits_to_different_items_merge_by_identity() {
    let mut a = demo::application(actor("laptop"), 10, T0).expect("demo case");
    let mut b = CaseDoc::load(&a.save(), actor("tablet")).expect("load");
    let removed = a.case().household[2].id.clone();
    a.edit(T0 + 1, |case, _| case.household.retain(|m| m.id != removed)).expect("remove");
    b.edit(T0 + 2, |case, _| case.household[3].person.phone = Some("+380991234567".into())).expect("edit");
    b.edit(T0 + 3, |case, ids| {
        case.attachments.add(Attachment { id: ids.next_id(), kind: "photo".into(), ..Default::default() })
    })
    .expect("insert");
    a.merge(&mut b).expect("merge");
    b.merge(&mut a).expect("merge");
    assert_eq!(a.case(), b.case());
    let h = &a.case().household;
    assert_eq!(h.len(), 4);
    assert!(h.iter().all(|m| m.id != removed));
    assert_eq!(h[2].person.phone.as_deref(), Some("+380991234567"));
    assert_eq!(a.case().attachments.len(), 13);
}

#[test]
fn damaged_bytes_give_an_error_not_a_crash() {
    let mut doc = demo::application(actor("laptop"), 11, T0).expect("demo case");
    let good = doc.save();
    let inputs: Vec<Vec<u8>> = vec![
        Vec::new(),
        b"not an automerge document".to_vec(),
        good[..good.len() / 2].to_vec(),
        good.iter().enumerate().map(|(i, b)| if i % 97 == 13 { b ^ 0x5a } else { *b }).collect(),
    ];
    for bytes in inputs {
        assert!(CaseDoc::load(&bytes, actor("x")).is_err());
    }
    // A well-formed Automerge document that is not a case.
    let mut other = automerge::AutoCommit::new();
    automerge::transaction::Transactable::put(&mut other, automerge::ROOT, "schema", 2u64).expect("put");
    automerge::transaction::Transactable::put(&mut other, automerge::ROOT, "applicant", "a string").expect("put");
    assert!(matches!(CaseDoc::load(&other.save(), actor("x")), Err(CaseError::Shape(_))));
}

#[test]
fn a_newer_schema_asks_for_an_update() {
    let mut doc = demo::application(actor("laptop"), 12, T0).expect("demo case");
    automerge::transaction::Transactable::put(doc.automerge_mut(), automerge::ROOT, "schema", 3u64).expect("put");
    let bytes = doc.save();
    assert!(matches!(CaseDoc::load(&bytes, actor("x")), Err(CaseError::NewerSchema { found: 3, supported: 2 })));
}

#[test]
fn one_field_changed_is_a_small_incremental_save() {
    let mut doc = demo::decided_application(actor("laptop"), 13, T0).expect("demo case");
    doc.save();
    doc.edit(T0 + 1, |case, _| case.applicant.phone = Some("+380990000001".into())).expect("edit");
    let inc = doc.save_incremental();
    assert!(!inc.is_empty() && inc.len() <= 200, "{} bytes", inc.len());
    let new = NewCase {
        id: "c",
        number: "n",
        kind: keis_crdt::CaseKind::SocialWork,
        hromada: demo::HROMADA,
        district: None,
        created_by: &demo::position(Role::SocialWorker),
        at: T0,
    };
    let mut sw = CaseDoc::create(actor("tablet"), new).expect("create");
    assert_eq!(status(&sw), Some(Status::CaseWork(keis_crdt::CaseWorkState::Opened)));
    let unchanged = sw.save_incremental();
    sw.edit(T0 + 1, |_, _| {}).expect("no-op edit");
    assert!(sw.save_incremental().is_empty(), "an unchanged edit writes nothing (first save {} B)", unchanged.len());
}
