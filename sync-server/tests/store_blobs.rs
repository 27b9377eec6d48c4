//! Blobs (scans, chip photos, signature images): a tablet on a poor connection uploads in
//! chunks, loses the connection, resumes where the server stopped, and the server keeps
//! only bytes that match the announced hash.

use keis_sync_server::store::{SqliteStore, Store, StoreConfig, StoreError};
use sha2::{Digest, Sha256};

fn scan(len: usize, seed: u8) -> (Vec<u8>, String) {
    let bytes: Vec<u8> = (0..len).map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed)).collect();
    let hash = hex::encode(Sha256::digest(&bytes));
    (bytes, hash)
}

#[tokio::test]
async fn an_upload_cut_in_the_middle_resumes_after_a_restart_and_finishes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (bytes, hash) = scan(300_000, 1);
    {
        let store = SqliteStore::open(dir.path()).await.expect("open");
        let begun = store.begin_blob(&hash, bytes.len() as u64).await.expect("begin");
        assert_eq!((begun.received, begun.complete), (0, false));
        store.put_blob_chunk(&hash, 0, &bytes[..100_000]).await.expect("chunk 1");
        let st = store.put_blob_chunk(&hash, 100_000, &bytes[100_000..200_000]).await.expect("chunk 2");
        assert_eq!(st.received, 200_000);
        store.close().await.expect("close");
    }
    let store = SqliteStore::open(dir.path()).await.expect("reopen");
    let status = store.blob_status(&hash).await.expect("status").expect("upload known");
    assert_eq!((status.size, status.received, status.complete), (300_000, 200_000, false));
    assert_eq!(store.begin_blob(&hash, 300_000).await.expect("begin again").received, 200_000);
    assert_eq!(store.blob(&hash).await.expect("get"), None, "not readable before it is verified");

    let err = store.put_blob_chunk(&hash, 150_000, &bytes[150_000..]).await.expect_err("wrong offset");
    assert!(matches!(err, StoreError::ChunkOffset { expected: 200_000, got: 150_000, .. }), "{err}");
    let err = store.finish_blob(&hash).await.expect_err("incomplete");
    assert!(matches!(err, StoreError::BlobIncomplete { received: 200_000, .. }), "{err}");
    let err = store.put_blob_chunk(&hash, 200_000, &[0; 100_001]).await.expect_err("too long");
    assert!(matches!(err, StoreError::ChunkBeyondSize { .. }), "{err}");

    store.put_blob_chunk(&hash, 200_000, &bytes[200_000..]).await.expect("last chunk");
    let done = store.finish_blob(&hash).await.expect("finish");
    assert!(done.complete);
    assert_eq!(store.blob(&hash).await.expect("get").as_deref(), Some(bytes.as_slice()));
    store.close().await.expect("close");

    let store = SqliteStore::open(dir.path()).await.expect("reopen");
    assert_eq!(store.blob(&hash).await.expect("get").as_deref(), Some(bytes.as_slice()));
    store.close().await.expect("close");
}

#[tokio::test]
async fn bytes_that_do_not_match_the_hash_are_refused_and_not_kept() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = SqliteStore::open(dir.path()).await.expect("open");
    let (bytes, _) = scan(10_000, 2);
    let (_, other_hash) = scan(10_000, 3);
    store.begin_blob(&other_hash, 10_000).await.expect("begin");
    store.put_blob_chunk(&other_hash, 0, &bytes).await.expect("chunk");
    let err = store.finish_blob(&other_hash).await.expect_err("mismatch");
    match &err {
        StoreError::BlobHashMismatch { expected, actual } => {
            assert_eq!(expected, &other_hash);
            assert_eq!(actual, &hex::encode(Sha256::digest(&bytes)));
        }
        other => panic!("expected a hash mismatch, got {other}"),
    }
    assert!(err.is_refusal());
    assert_eq!(store.blob_status(&other_hash).await.expect("status"), None);
    assert_eq!(store.blob(&other_hash).await.expect("get"), None);
    let leftovers: Vec<_> = std::fs::read_dir(dir.path().join("blobs/partial")).expect("partial dir").collect();
    assert!(leftovers.is_empty(), "no corrupt bytes kept: {leftovers:?}");
    // The client may start over.
    assert_eq!(store.begin_blob(&other_hash, 10_000).await.expect("begin again").received, 0);

    let err = store.begin_blob("not-a-hash", 1).await.expect_err("bad hash");
    assert!(matches!(err, StoreError::InvalidBlobHash { .. }), "{err}");
    let err = store.put_blob_chunk(&scan(1, 9).1, 0, b"x").await.expect_err("never begun");
    assert!(matches!(err, StoreError::NoUpload { .. }), "{err}");
}

#[tokio::test]
async fn a_blob_over_the_size_limit_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = SqliteStore::open_with(dir.path(), StoreConfig { max_blob_size: 1_000 }).await.expect("open");
    let (bytes, hash) = scan(1_001, 4);
    let err = store.begin_blob(&hash, bytes.len() as u64).await.expect_err("too large");
    assert!(matches!(err, StoreError::BlobTooLarge { size: 1_001, max: 1_000 }), "{err}");
    assert_eq!(store.blob_status(&hash).await.expect("status"), None);
    let (small, small_hash) = scan(1_000, 5);
    store.begin_blob(&small_hash, 1_000).await.expect("at the limit");
    store.put_blob_chunk(&small_hash, 0, &small).await.expect("chunk");
    assert!(store.finish_blob(&small_hash).await.expect("finish").complete);
}

#[tokio::test]
async fn uploading_a_blob_the_server_has_is_a_no_op() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = SqliteStore::open(dir.path()).await.expect("open");
    let (bytes, hash) = scan(5_000, 6);
    store.begin_blob(&hash, 5_000).await.expect("begin");
    store.put_blob_chunk(&hash, 0, &bytes).await.expect("chunk");
    store.finish_blob(&hash).await.expect("finish");

    let again = store.begin_blob(&hash, 5_000).await.expect("begin again");
    assert_eq!((again.received, again.complete), (5_000, true), "nothing to send");
    assert!(store.put_blob_chunk(&hash, 0, &bytes).await.expect("chunk again").complete);
    assert!(store.finish_blob(&hash).await.expect("finish again").complete);
    assert_eq!(store.blob(&hash).await.expect("get").as_deref(), Some(bytes.as_slice()));

    let (empty, empty_hash) = scan(0, 0);
    store.begin_blob(&empty_hash, 0).await.expect("begin empty");
    assert!(store.finish_blob(&empty_hash).await.expect("finish empty").complete);
    assert_eq!(store.blob(&empty_hash).await.expect("get").as_deref(), Some(empty.as_slice()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_tablets_uploading_the_same_scan_at_once_store_it_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store: std::sync::Arc<dyn Store> = std::sync::Arc::new(SqliteStore::open(dir.path()).await.expect("open"));
    let (bytes, hash) = scan(64_000, 7);
    let bytes = std::sync::Arc::new(bytes);
    let mut tablets = Vec::new();
    for _ in 0..2 {
        let (store, bytes, hash) = (std::sync::Arc::clone(&store), std::sync::Arc::clone(&bytes), hash.clone());
        tablets.push(tokio::spawn(async move {
            let mut at = store.begin_blob(&hash, bytes.len() as u64).await.expect("begin").received;
            while at < bytes.len() as u64 {
                let end = (at as usize + 4_000).min(bytes.len());
                match store.put_blob_chunk(&hash, at, &bytes[at as usize..end]).await {
                    Ok(st) => at = st.received,
                    // The other tablet sent this part: resume where the server is.
                    Err(StoreError::ChunkOffset { expected, .. }) => at = expected,
                    Err(e) => panic!("chunk: {e}"),
                }
            }
            store.finish_blob(&hash).await
        }));
    }
    for tablet in tablets {
        let done = tablet.await.expect("join").expect("finish");
        assert!(done.complete);
    }
    assert_eq!(store.blob(&hash).await.expect("get").as_deref(), Some(bytes.as_slice()));
}
