//! The case list reads kept summaries, not the cases: they follow every change, and a
//! store from before summaries were kept (schema 1), or a damaged summary, gets them back.

use std::sync::Arc;

use automerge::ActorId;
use keis_crdt::{CaseDoc, Catalogue};
use keis_mobile::case_list::CaseSummary;
use keis_mobile::store::{ManualClock, Pin, Store, StoreConfig};
use rusqlite::Connection;

const T0: i64 = 1_763_900_000_000;
const PIN: &str = "4821";

fn open(dir: &std::path::Path, create: bool) -> Store {
    let (clock, rng) = (Arc::new(ManualClock::at(T0)), Arc::new(ring::rand::SystemRandom::new()));
    if create {
        return Store::create(dir, &Pin::new(PIN), StoreConfig::for_tests(), clock, rng).expect("create");
    }
    let mut s = Store::open(dir, StoreConfig::for_tests(), clock, rng).expect("open");
    s.unlock(&Pin::new(PIN)).expect("unlock");
    s
}

fn demo(n: u32) -> CaseDoc {
    keis_crdt::demo::application(ActorId::from(b"laptop-0001".as_slice()), n, T0).expect("demo case")
}

fn kept(dir: &std::path::Path) -> i64 {
    let conn = Connection::open(dir.join("keis.db")).expect("raw");
    conn.query_row("SELECT count(*) FROM summaries", [], |r| r.get(0)).expect("count")
}

#[test]
fn summaries_follow_every_change_and_come_back_when_missing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let catalogue = Catalogue::embedded().expect("catalogue");
    let mut store = open(dir.path(), true);
    let (mut a, mut b) = (demo(1), demo(2));
    store.put_case(&mut a).expect("put");
    store.put_case(&mut b).expect("put");
    let mut expected = vec![CaseSummary::of(&a, &catalogue), CaseSummary::of(&b, &catalogue)];
    expected.sort_by(|x, y| x.id.cmp(&y.id));
    let listed: Vec<CaseSummary> = store.summaries().expect("summaries").into_iter().map(|(s, _)| s).collect();
    assert_eq!(listed, expected);
    assert!(store.summaries().expect("summaries").iter().all(|(_, dirty)| *dirty), "both unsent");

    let id = a.case().id.clone();
    store.edit_case(&id, T0 + 1, |c, _| c.applicant.surname = "Перейменована".into()).expect("edit");
    let now = store.summaries().expect("summaries");
    let edited = now.iter().find(|(s, _)| s.id == id).expect("listed");
    assert!(edited.0.applicant.starts_with("Перейменована"), "{}", edited.0.applicant);
    assert_eq!(edited.0, CaseSummary::of(&store.case(&id).expect("case"), &catalogue));
    drop(store);

    // A store of schema 1 had no summaries; one summary is also damaged on disk.
    let conn = Connection::open(dir.path().join("keis.db")).expect("raw");
    conn.execute_batch("DROP TABLE summaries; PRAGMA user_version = 1;").expect("downgrade");
    drop(conn);
    let mut store = open(dir.path(), false);
    assert_eq!(kept(dir.path()), 0, "migrated: the table is back, empty");
    let listed = store.summaries().expect("summaries");
    assert_eq!(listed.len(), 2);
    assert_eq!(kept(dir.path()), 2, "computed once and kept");
    let conn = Connection::open(dir.path().join("keis.db")).expect("raw");
    conn.execute("UPDATE summaries SET data = x'00' WHERE case_id = ?1", [&id]).expect("damage");
    drop(conn);
    assert_eq!(store.summaries().expect("summaries"), listed, "a damaged summary is computed again");
}
