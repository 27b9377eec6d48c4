//! The one-pass reader against autosurgeon's own hydration, on documents with the
//! shapes merging produces: conflicts, objects that lost a conflict, empty maps.

use automerge::transaction::Transactable;
use automerge::{ActorId, AutoCommit, ObjType, ROOT, ReadDoc};

use super::case;
use crate::CaseDoc;
use crate::demo;
use crate::model::{Address, Case, Note, RecordMap};

fn reference<D: autosurgeon::ReadDoc>(doc: &D) -> Case {
    let mut c: Case = autosurgeon::hydrate(doc).expect("autosurgeon hydrate");
    c.adopt_keys();
    c
}

fn actor(name: &str) -> ActorId {
    ActorId::from(name.as_bytes())
}

#[test]
fn reads_what_autosurgeon_reads() {
    let mut doc = demo::decided_application(actor("a"), 3, 0).expect("demo");
    doc.edit(1, |c, _| {
        c.applicant.actual_address = Some(Address { katottg: "UA99000000000000041".into(), ..Default::default() });
        c.district = None;
    })
    .expect("edit");
    let am = doc.automerge();
    let read = case(am).expect("fast read");
    assert_eq!(read.events.len(), 10);
    assert_eq!(read, reference(am));
}

#[test]
fn reads_empty_record_maps() {
    let doc = demo::application(actor("a"), 5, 0).expect("demo");
    let am = doc.automerge();
    let read = case(am).expect("fast read");
    assert!(read.events.is_empty() && read.notes.is_empty());
    assert_eq!(read, reference(am));
}

#[test]
fn reads_merged_concurrent_edits_as_autosurgeon_does() {
    let mut a = demo::decided_application(actor("a"), 6, 0).expect("demo");
    let mut b = CaseDoc::load(&a.save(), actor("b")).expect("fork");
    a.edit(10, |c, ids| {
        c.applicant.phone = Some("+380990000001".into());
        c.household.remove(1);
        c.notes.add(Note { id: ids.next_id(), kind: "visit".into(), at: 10, ..Default::default() });
    })
    .expect("edit a");
    b.edit(11, |c, ids| {
        c.applicant.phone = Some("+380990000002".into());
        c.household[3].person.surname = "Петренко".into();
        c.notes.add(Note { id: ids.next_id(), kind: "plan".into(), at: 11, ..Default::default() });
    })
    .expect("edit b");
    a.merge(&mut b).expect("merge");
    let am = a.automerge();
    let read = case(am).expect("fast read");
    assert_eq!(read.notes.len(), 2);
    assert_eq!(read.household.len(), 4);
    assert_eq!(read, reference(am));
}

#[test]
fn reads_only_the_winner_of_conflicting_objects() {
    let mut a = demo::application(actor("a"), 7, 0).expect("demo").automerge().clone();
    let mut b = a.fork().with_actor(actor("b"));
    for (doc, n) in [(&mut a, 70), (&mut b, 71)] {
        let fresh = doc.put_object(ROOT, "applicant", ObjType::Map).expect("put");
        let person = demo::person(n, crate::validate::Date::parse_iso("1980-01-02").expect("date"));
        autosurgeon::reconcile_prop(doc, ROOT, "applicant", &person).expect("reconcile");
        assert_eq!(doc.length(&fresh), 11, "the new map holds the person");
    }
    a.merge(&mut b).expect("merge");
    assert_eq!(a.get_all(ROOT, "applicant").expect("get").len(), 2, "a conflict");
    let read = case(&a).expect("fast read");
    assert_eq!(read, reference(&a));
}

#[test]
fn a_case_of_the_wrong_shape_is_an_error() {
    let fresh = || demo::application(actor("a"), 4, 0).expect("demo").automerge().clone();
    let mut am = fresh();
    let (_, events) = am.get(ROOT, "events").expect("get").expect("events");
    am.put(&events, "forged", "{not json").expect("put");
    assert!(case(&am).is_err());
    am.put(ROOT, "events", "not a map").expect("put");
    assert!(case(&am).is_err());
    am.put(ROOT, "household", 7).expect("put");
    assert!(case(&am).is_err());

    let mut am = fresh();
    am.put_object(ROOT, "number", ObjType::Text).expect("put");
    assert!(case(&am).is_err(), "a text object where a string belongs");
    let mut am = fresh();
    let (_, household) = am.get(ROOT, "household").expect("get").expect("household");
    am.insert(&household, 0, "not a member").expect("insert");
    assert!(case(&am).is_err(), "a household member that is not a map");
    let mut am: AutoCommit = fresh();
    am.delete(ROOT, "id").expect("delete");
    assert!(case(&am).is_err(), "a missing field");
}
