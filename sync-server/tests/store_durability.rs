//! Every append the store acknowledged is there after the store is closed (or dropped)
//! and the directory opened again, also when many tasks append at once and their writes
//! are committed in groups.

use std::collections::BTreeMap;
use std::sync::Arc;

use keis_sync_server::store::{ALL_SCOPES, Seq, SqliteStore, Store};

const TASKS: usize = 6;
const APPENDS: usize = 60;

/// Appends from several tasks at once; returns every acknowledged (doc, seq, bytes).
async fn ingest(store: Arc<dyn Store>) -> BTreeMap<String, Vec<(Seq, Vec<u8>)>> {
    let mut tasks = Vec::new();
    for t in 0..TASKS {
        let store = Arc::clone(&store);
        tasks.push(tokio::spawn(async move {
            let mut acked = Vec::new();
            for i in 0..APPENDS {
                let doc = format!("case-{t}-{}", i % 7);
                let scope = if t % 2 == 0 { "UA-A" } else { "UA-B" };
                let bytes = format!("change {t}/{i}").into_bytes();
                let seq = store.append_changes(&doc, scope, &bytes).await.expect("append");
                acked.push((doc, seq, bytes));
            }
            acked
        }));
    }
    let mut all: BTreeMap<String, Vec<(Seq, Vec<u8>)>> = BTreeMap::new();
    for task in tasks {
        for (doc, seq, bytes) in task.await.expect("task") {
            all.entry(doc).or_default().push((seq, bytes));
        }
    }
    all
}

async fn check(store: &dyn Store, acked: &BTreeMap<String, Vec<(Seq, Vec<u8>)>>) {
    let mut seqs: Vec<Seq> = acked.values().flatten().map(|(s, _)| *s).collect();
    seqs.sort();
    seqs.dedup();
    assert_eq!(seqs.len(), TASKS * APPENDS, "every append got its own sequence number");
    for (doc, changes) in acked {
        let stored = store.load(doc).await.expect("load").expect("document kept");
        let chunks: Vec<(Seq, Vec<u8>)> = stored.chunks.into_iter().map(|c| (c.seq, c.bytes)).collect();
        let mut expected = changes.clone();
        expected.sort();
        assert_eq!(chunks, expected, "{doc}: every acknowledged change, in order");
    }
    let changed = store.changed_since(ALL_SCOPES, Seq::START, 10_000).await.expect("changed");
    assert_eq!(changed.doc_ids.len(), acked.len());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_acknowledged_append_survives_close_and_reopen() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Arc::new(SqliteStore::open(dir.path()).await.expect("open"));
    let acked = ingest(Arc::clone(&store) as Arc<dyn Store>).await;
    store.close().await.expect("close");
    drop(store);

    let store = SqliteStore::open(dir.path()).await.expect("reopen");
    check(&store, &acked).await;
    store.close().await.expect("close");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_acknowledged_append_survives_a_drop_without_close() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(dir.path()).await.expect("open"));
    let acked = ingest(Arc::clone(&store)).await;
    drop(store);

    let store = SqliteStore::open(dir.path()).await.expect("reopen");
    check(&store, &acked).await;
}
