//! The SQLite store keeps case documents, the change cursor and sync state on real files:
//! what a tablet syncs in is what comes back out, also after a restart.

use std::sync::Arc;

use automerge::ActorId;
use automerge::sync::SyncDoc;
use keis_crdt::{CaseDoc, Member, demo};
use keis_sync_server::store::{ALL_SCOPES, Seq, SqliteStore, Store, StoreError};

const AT: i64 = 1_763_900_000_000;

fn actor(name: &str) -> ActorId {
    ActorId::from(name.as_bytes())
}

async fn open(dir: &tempfile::TempDir) -> Arc<dyn Store> {
    Arc::new(SqliteStore::open(dir.path()).await.expect("open store"))
}

fn add_member(doc: &mut CaseDoc, at: i64, relation: &str) {
    doc.edit(at, |case, ids| {
        case.household.push(Member { id: ids.next_id(), relation: relation.into(), ..Default::default() })
    })
    .expect("edit");
}

#[tokio::test]
async fn a_case_saved_then_appended_incrementally_loads_back_equal() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = open(&dir).await;
    let mut doc = demo::application(actor("tablet-0001"), 1, AT).expect("demo case");
    let (id, hromada) = (doc.case().id.clone(), doc.case().hromada.clone());

    let first = store.append_changes(&id, &hromada, &doc.save()).await.expect("save");
    doc.edit(AT + 120_000, |case, _| case.applicant.phone = Some("+380671234567".into())).expect("edit phone");
    let second = store.append_changes(&id, &hromada, &doc.save_incremental()).await.expect("append");
    add_member(&mut doc, AT + 180_000, "grandchild");
    let third = store.append_changes(&id, &hromada, &doc.save_incremental()).await.expect("append");
    assert!(first < second && second < third, "sequence numbers grow: {first:?} {second:?} {third:?}");

    let stored = store.load(&id).await.expect("load").expect("stored");
    assert_eq!(stored.scope, hromada);
    assert_eq!(stored.snapshot, None);
    assert_eq!(stored.chunks.iter().map(|c| c.seq).collect::<Vec<_>>(), vec![first, second, third]);
    assert_eq!(stored.covers, third);
    let mut back = CaseDoc::load(&stored.concatenated(), actor("server")).expect("load case");
    assert_eq!(back.case(), doc.case());
    assert_eq!(back.heads(), doc.heads());
    assert_eq!(store.load("no-such-case").await.expect("load"), None);
}

#[tokio::test]
async fn a_document_never_changes_hromada() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = open(&dir).await;
    store.append_changes("case-1", "UA-A", b"x").await.expect("append");
    let err = store.append_changes("case-1", "UA-B", b"y").await.expect_err("other scope");
    assert!(matches!(err, StoreError::ScopeMismatch { .. }), "{err}");
    let err = store.append_changes("case-2", ALL_SCOPES, b"y").await.expect_err("scope all");
    assert!(matches!(err, StoreError::InvalidScope { .. }), "{err}");
    assert_eq!(store.load("case-1").await.expect("load").expect("stored").chunks.len(), 1);
}

#[tokio::test]
async fn compaction_keeps_a_chunk_appended_after_the_load() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = open(&dir).await;
    let mut doc = demo::application(actor("tablet-0001"), 2, AT).expect("demo case");
    let (id, hromada) = (doc.case().id.clone(), doc.case().hromada.clone());
    store.append_changes(&id, &hromada, &doc.save()).await.expect("save");
    add_member(&mut doc, AT + 1, "child");
    store.append_changes(&id, &hromada, &doc.save_incremental()).await.expect("append");

    let read = store.load(&id).await.expect("load").expect("stored");
    // Another device's change lands while the compactor works on what it read.
    add_member(&mut doc, AT + 2, "parent");
    let late = store.append_changes(&id, &hromada, &doc.save_incremental()).await.expect("late append");
    let snapshot = CaseDoc::load(&read.concatenated(), actor("compactor")).expect("load").save();
    store.compact(&id, &snapshot, read.covers).await.expect("compact");

    let after = store.load(&id).await.expect("load").expect("stored");
    assert_eq!(after.snapshot.as_deref(), Some(snapshot.as_slice()));
    assert_eq!(after.chunks.iter().map(|c| c.seq).collect::<Vec<_>>(), vec![late]);
    assert_eq!(after.covers, late);
    let back = CaseDoc::load(&after.concatenated(), actor("server")).expect("load case");
    assert_eq!(back.case(), doc.case());

    // An older snapshot must not replace the newer one.
    let err = store.compact(&id, b"old", Seq(read.covers.0 - 1)).await.expect_err("stale");
    assert!(matches!(err, StoreError::StaleCompaction { .. }), "{err}");
    let err = store.compact(&id, b"future", Seq(late.0 + 100)).await.expect_err("ahead");
    assert!(matches!(err, StoreError::CompactionAhead { .. }), "{err}");
    let err = store.compact("no-such-case", b"x", Seq(1)).await.expect_err("unknown");
    assert!(matches!(err, StoreError::UnknownDoc { .. }), "{err}");
}

#[tokio::test]
async fn compaction_racing_with_appends_loses_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = open(&dir).await;
    let mut doc = demo::application(actor("tablet-0001"), 3, AT).expect("demo case");
    let (id, hromada) = (doc.case().id.clone(), doc.case().hromada.clone());
    store.append_changes(&id, &hromada, &doc.save()).await.expect("save");
    let before = doc.case().household.len();
    const EDITS: usize = 40;

    let writer = {
        let (store, id, hromada) = (Arc::clone(&store), id.clone(), hromada.clone());
        tokio::spawn(async move {
            for i in 0..EDITS {
                add_member(&mut doc, AT + 10 + i as i64, "child");
                store.append_changes(&id, &hromada, &doc.save_incremental()).await.expect("append");
                tokio::task::yield_now().await;
            }
            doc
        })
    };
    let compactor = {
        let (store, id) = (Arc::clone(&store), id.clone());
        tokio::spawn(async move {
            let mut compactions = 0;
            for _ in 0..EDITS {
                let read = store.load(&id).await.expect("load").expect("stored");
                let snapshot = CaseDoc::load(&read.concatenated(), actor("compactor")).expect("load").save();
                match store.compact(&id, &snapshot, read.covers).await {
                    Ok(()) => compactions += 1,
                    Err(StoreError::StaleCompaction { .. }) => {}
                    Err(e) => panic!("compaction failed: {e}"),
                }
                tokio::task::yield_now().await;
            }
            compactions
        })
    };
    let mut doc = writer.await.expect("writer");
    assert!(compactor.await.expect("compactor") > 0);

    let stored = store.load(&id).await.expect("load").expect("stored");
    let mut back = CaseDoc::load(&stored.concatenated(), actor("server")).expect("load case");
    assert_eq!(back.case().household.len(), before + EDITS);
    assert_eq!(back.case(), doc.case());
    assert_eq!(back.heads(), doc.heads());
}

#[tokio::test]
async fn cursors_return_exactly_what_changed_in_order_per_scope_and_for_all() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = open(&dir).await;
    let (a, b) = ("UA-HROMADA-A", "UA-HROMADA-B");
    store.append_changes("a1", a, b"1").await.expect("a1");
    store.append_changes("b1", b, b"1").await.expect("b1");
    store.append_changes("a2", a, b"1").await.expect("a2");
    let a1_again = store.append_changes("a1", a, b"2").await.expect("a1 again");

    let first = store.changed_since(a, Seq::START, 100).await.expect("changed");
    assert_eq!(first.doc_ids, ["a2", "a1"], "each document once, by its latest change");
    assert_eq!(first.cursor, a1_again);
    assert!(!first.more);

    let idle = store.changed_since(a, first.cursor, 100).await.expect("idle");
    assert!(idle.doc_ids.is_empty());
    assert_eq!(idle.cursor, first.cursor, "nothing changed: the cursor stays");

    store.append_changes("b1", b, b"2").await.expect("b1 again");
    assert!(store.changed_since(a, first.cursor, 100).await.expect("a").doc_ids.is_empty(), "B's change is not A's");
    let b_changes = store.changed_since(b, Seq::START, 100).await.expect("b");
    assert_eq!(b_changes.doc_ids, ["b1"]);
    let a3 = store.append_changes("a3", a, b"1").await.expect("a3");
    let next = store.changed_since(a, first.cursor, 100).await.expect("a");
    assert_eq!((next.doc_ids.as_slice(), next.cursor), (["a3".to_owned()].as_slice(), a3));

    let all = store.changed_since(ALL_SCOPES, Seq::START, 100).await.expect("all");
    assert_eq!(all.doc_ids, ["a2", "a1", "b1", "a3"]);
    let page = store.changed_since(ALL_SCOPES, Seq::START, 3).await.expect("page");
    assert_eq!((page.doc_ids.len(), page.more), (3, true));
    let rest = store.changed_since(ALL_SCOPES, page.cursor, 3).await.expect("rest");
    assert_eq!((rest.doc_ids.as_slice(), rest.more), (["a3".to_owned()].as_slice(), false));
    assert!(store.changed_since("UA-NOWHERE", Seq::START, 10).await.expect("none").doc_ids.is_empty());
}

#[tokio::test]
async fn sync_state_round_trips_per_peer_and_document() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = open(&dir).await;
    let mut doc = demo::application(actor("tablet-0001"), 4, AT).expect("demo case");
    let mut state = automerge::sync::State::new();
    let _ = doc.automerge_mut().sync().generate_sync_message(&mut state);
    let encoded = state.encode();

    assert_eq!(store.sync_state("peer-1", "case-1").await.expect("get"), None);
    store.put_sync_state("peer-1", "case-1", &encoded).await.expect("put");
    let back = store.sync_state("peer-1", "case-1").await.expect("get").expect("saved");
    assert_eq!(back, encoded);
    automerge::sync::State::decode(&back).expect("decodes");
    store.put_sync_state("peer-1", "case-1", b"newer").await.expect("replace");
    assert_eq!(store.sync_state("peer-1", "case-1").await.expect("get").as_deref(), Some(b"newer".as_slice()));
    assert_eq!(store.sync_state("peer-2", "case-1").await.expect("get"), None);
    assert_eq!(store.sync_state("peer-1", "case-2").await.expect("get"), None);
}

#[tokio::test]
async fn reopening_the_directory_keeps_everything_and_migrates_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut doc = demo::application(actor("tablet-0001"), 5, AT).expect("demo case");
    let (id, hromada) = (doc.case().id.clone(), doc.case().hromada.clone());
    let cursor = {
        let store = SqliteStore::open(dir.path()).await.expect("open");
        store.append_changes(&id, &hromada, &doc.save()).await.expect("save");
        add_member(&mut doc, AT + 5, "child");
        let seq = store.append_changes(&id, &hromada, &doc.save_incremental()).await.expect("append");
        store.put_sync_state("peer-1", &id, b"state").await.expect("sync state");
        assert_eq!(store.schema_versions().await.expect("versions"), [1, 2, 3]);
        store.close().await.expect("close");
        let err = store.load(&id).await.expect_err("closed");
        assert!(matches!(err, StoreError::Closed), "{err}");
        seq
    };
    let store = SqliteStore::open(dir.path()).await.expect("reopen");
    assert_eq!(store.schema_versions().await.expect("versions"), [1, 2, 3], "applied once");
    let stored = store.load(&id).await.expect("load").expect("stored");
    let back = CaseDoc::load(&stored.concatenated(), actor("server")).expect("load case");
    assert_eq!(back.case(), doc.case());
    assert_eq!(store.changed_since(&hromada, Seq::START, 10).await.expect("changed").cursor, cursor);
    assert_eq!(store.sync_state("peer-1", &id).await.expect("get").as_deref(), Some(b"state".as_slice()));
    store.close().await.expect("close");
}

#[tokio::test]
async fn a_recorded_change_stores_its_journal_row_and_audit_line_or_nothing() {
    use keis_sync_server::journal::{JournalEntry, JournalQuery, catalogue};
    use keis_sync_server::store::{AuditEntry, AuditQuery};

    let dir = tempfile::tempdir().expect("tempdir");
    let store = open(&dir).await;
    let mut doc = demo::application(actor("tablet-0001"), 1, AT).expect("demo case");
    let (id, hromada) = (doc.case().id.clone(), doc.case().hromada.clone());
    let row = JournalEntry::of_case(doc.case(), catalogue().expect("catalogue"), AT);
    let audit = |detail: &str| AuditEntry {
        at: AT,
        device_id: "tablet-0001".into(),
        position_id: Some("starosta-1".into()),
        case_id: Some(id.clone()),
        action: "write".into(),
        detail: detail.into(),
    };

    let seq = store
        .append_recorded(&id, &hromada, &doc.save(), Some(row.clone()), audit("3 KB"), None)
        .await
        .expect("append");
    let journal = store.journal(JournalQuery { limit: 10, ..Default::default() }).await.expect("journal");
    assert_eq!(journal.rows.iter().map(|r| r.row.id.as_str()).collect::<Vec<_>>(), vec![id.as_str()]);
    let lines = store.audit(AuditQuery { case_id: Some(id.clone()), limit: 10, ..Default::default() }).await;
    let lines = lines.expect("audit").records;
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0].entry.detail, format!("seq {}, 3 KB", seq.0));

    // Filed under another hromada: refused, and neither a row nor an audit line is left.
    let mut moved = row;
    moved.row.id = "case-elsewhere".into();
    store.append_changes("case-elsewhere", "UA-OTHER", b"x").await.expect("first chunk");
    let err = store
        .append_recorded("case-elsewhere", &hromada, b"y", Some(moved), audit("moved"), None)
        .await
        .expect_err("other scope");
    assert!(matches!(err, StoreError::ScopeMismatch { .. }), "{err}");
    let journal = store.journal(JournalQuery { limit: 10, ..Default::default() }).await.expect("journal");
    assert_eq!(journal.total, 1);
    let all = store.audit(AuditQuery { limit: 10, ..Default::default() }).await.expect("audit").records;
    assert_eq!(all.len(), 1, "the refused change left no audit line");
}

#[tokio::test]
async fn the_wal_is_checkpointed_in_the_background_while_the_store_is_open() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = open(&dir).await;
    let mut doc = demo::application(actor("tablet-0001"), 6, AT).expect("demo case");
    let (id, hromada) = (doc.case().id.clone(), doc.case().hromada.clone());
    store.append_changes(&id, &hromada, &doc.save()).await.expect("append");
    // The writer never checkpoints; the checkpoint thread does within a second. The
    // database file alone (without its WAL) then holds the change.
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    let copy = tempfile::tempdir().expect("tempdir");
    let db = copy.path().join("only-the-db.sqlite3");
    std::fs::copy(dir.path().join(keis_sync_server::store::sqlite::DB_FILE), &db).expect("copy");
    let conn = rusqlite::Connection::open(&db).expect("open the copy");
    let n: i64 = conn.query_row("SELECT count(*) FROM docs WHERE doc_id = ?1", [&id], |r| r.get(0)).expect("count");
    assert_eq!(n, 1, "the change reached the database file");
}
