//! Cases saved by the version-1 pilot app open in the current app, and devices that upgrade
//! the same case independently still agree.

use automerge::transaction::Transactable;
use automerge::{ActorId, AutoCommit, ObjType, ROOT, ReadDoc};
use keis_crdt::{CaseDoc, SCHEMA_VERSION, schema};

/// A case as the version-1 app wrote it: one name string, bare service codes.
fn v1_case() -> AutoCommit {
    let mut doc = AutoCommit::new().with_actor(ActorId::from(b"pilot-device".as_slice()));
    doc.put(ROOT, "id", "case-v1-0001").expect("put");
    doc.put(ROOT, "number", "2025-000001").expect("put");
    doc.put(ROOT, "kind", "application").expect("put");
    doc.put(ROOT, "hromada", "UA99000000000000017").expect("put");
    doc.put(ROOT, "created_at", 1_735_000_000_000i64).expect("put");
    doc.put(ROOT, "created_by", "pilot-starosta").expect("put");
    let a = doc.put_object(ROOT, "applicant", ObjType::Map).expect("put");
    doc.put(&a, "full_name", "Тестенко Оксана Тестівна").expect("put");
    doc.put(&a, "birth_date", "1969-08-06").expect("put");
    doc.put(&a, "sex", "F").expect("put");
    doc.put(&a, "rnokpp", "2542000120").expect("put");
    doc.put(&a, "document_number", "900000001").expect("put");
    doc.put(&a, "address", "вул. Вигадана, 1").expect("put");
    doc.put(&a, "phone", "").expect("put");
    let s = doc.put_object(ROOT, "services", ObjType::List).expect("put");
    doc.insert(&s, 0, "housing_subsidy").expect("insert");
    doc.insert(&s, 1, "utility_benefits").expect("insert");
    let atts = doc.put_object(ROOT, "attachments", ObjType::List).expect("put");
    let att = doc.insert_object(&atts, 0, ObjType::Map).expect("insert");
    doc.put(&att, "id", "att-1").expect("put");
    doc.put(&att, "sha256", "ab".repeat(32)).expect("put");
    doc.put(&att, "kind", "identity_document").expect("put");
    doc.put(&att, "mime", "image/jpeg").expect("put");
    doc.put(&att, "size", 51_200u64).expect("put");
    doc.commit();
    doc
}

fn open(doc: &mut AutoCommit, actor: &str) -> CaseDoc {
    let bytes = doc.save();
    CaseDoc::load(&bytes, ActorId::from(actor.as_bytes())).expect("a version-1 case opens")
}

#[test]
fn a_version_1_case_opens_with_its_data_in_the_new_shape() {
    let mut v1 = v1_case();
    assert_eq!(schema::version(&v1).expect("version"), 1);
    let doc = open(&mut v1, "tablet");
    let case = doc.case();
    assert_eq!(case.schema, SCHEMA_VERSION);
    assert_eq!(
        (case.applicant.surname.as_str(), case.applicant.given_name.as_str(), case.applicant.patronymic.as_str()),
        ("Тестенко", "Оксана", "Тестівна")
    );
    assert_eq!(case.applicant.document.kind, "id_card");
    assert_eq!(case.applicant.document.number, "900000001");
    assert_eq!(case.applicant.registered_address.line, "вул. Вигадана, 1");
    assert_eq!(case.applicant.phone, None);
    let codes: Vec<&str> = case.service_codes().collect();
    assert_eq!(codes, ["housing_subsidy", "utility_benefits"]);
    assert_eq!(case.attachments["att-1"].size, 51_200);
    assert_eq!(case.attachments["att-1"].captured_by, "pilot-starosta");
    // The legacy fields are gone from the document itself.
    let (_, applicant) = doc.automerge().get(ROOT, "applicant").expect("get").expect("applicant");
    assert!(doc.automerge().get(&applicant, "full_name").expect("get").is_none());
}

#[test]
fn two_devices_upgrading_the_same_case_make_one_upgrade() {
    let mut v1 = v1_case();
    let mut a = open(&mut v1, "device-a");
    let mut b = open(&mut v1, "device-b");
    assert_eq!(a.heads(), b.heads(), "the same state upgrades to the same change");
    a.merge(&mut b).expect("merge");
    assert_eq!(a.automerge_mut().get_changes(&[]).len(), 2, "the v1 change and one upgrade");
    assert_eq!(a.case(), b.case());
}

#[test]
fn an_upgrade_concurrent_with_a_version_1_edit_still_converges() {
    let mut v1 = v1_case();
    let mut old_app = v1.fork().with_actor(ActorId::from(b"old-app".as_slice()));
    let (_, applicant) = old_app.get(ROOT, "applicant").expect("get").expect("applicant");
    old_app.put(&applicant, "phone", "+380991112233").expect("put");
    old_app.commit();
    let mut a = open(&mut v1, "device-a");
    let mut b = open(&mut old_app, "device-b");
    a.merge(&mut b).expect("merge");
    b.merge(&mut a).expect("merge");
    assert_eq!(a.case(), b.case());
    assert_eq!(a.case().schema, SCHEMA_VERSION);
    assert_eq!(a.case().service_codes().count(), 2, "services are not duplicated by two upgrades");
}

#[test]
fn a_current_document_is_not_upgraded_again() {
    let mut v1 = v1_case();
    let mut doc = open(&mut v1, "device-a");
    let before = doc.heads();
    assert!(!schema::upgrade(doc.automerge_mut()).expect("upgrade"));
    assert_eq!(doc.heads(), before);
}
