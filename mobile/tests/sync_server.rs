//! The sync client against a real `keis-sync-server` on port 0 with real SQLite files: two
//! devices with real encrypted stores enrol over HTTP, are approved through the server
//! library, and sync over the WebSocket; the network drops and goes down in between.

mod server_support;

use std::sync::atomic::Ordering;

use keis_crdt::model::{Member, read_case};
use keis_crdt::sync::codes;
use keis_crdt::workflow::{DecisionRecord, EventRecord};
use keis_crdt::{Attachment, RecordMap, Role, demo};
use keis_mobile::store::StoreError;
use keis_mobile::sync::{Phase, SyncError};
use keis_sync_server::admin;
use server_support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_case_goes_up_comes_down_on_another_device_and_offline_edits_converge() {
    let s = server().await;
    let mut a = device(&s).await;
    let mut b = device(&s).await;
    let id = new_case(&mut a, 1);
    assert_eq!(a.store.dirty_cases().expect("dirty"), vec![id.clone()]);
    a.client.refresh_pending(&mut a.store).expect("pending");
    assert_eq!(a.client.progress().borrow().pending_changes, 1);

    let up = a.client.sync_once(&mut a.store).await.expect("a syncs");
    assert_eq!((up.docs.docs_done, up.docs.docs_rejected, up.pending_changes), (1, 0, 0), "{up:?}");
    assert!(up.bytes_up > 0 && a.store.dirty_cases().expect("dirty").is_empty());
    let on_server = s.case(&id).await.expect("the server stores the case");
    assert_eq!(on_server.applicant, a.store.case(&id).expect("case").case().applicant);
    let p = a.client.progress().borrow().clone();
    assert!(p.last_sync_ms.is_some() && !p.offline && p.phase == Phase::Idle, "{p:?}");

    let down = b.client.sync_once(&mut b.store).await.expect("b syncs");
    assert!(down.docs.docs_done >= 1, "{down:?}");
    assert_eq!(b.store.case_ids().expect("ids"), vec![id.clone()]);
    assert_eq!(b.store.case(&id).expect("case").case(), a.store.case(&id).expect("case").case());
    assert!(b.store.dirty_cases().expect("dirty").is_empty(), "a received case is not an outbox item");
    assert!(b.store.cursor().expect("cursor") > 0);

    // Offline, both edit the same case.
    a.store.edit_case(&id, T0 + 100_000, |c, _| c.applicant.phone = Some("+380991112233".into())).expect("edit a");
    b.store
        .edit_case(&id, T0 + 100_001, |c, ids| {
            c.household.push(Member { id: ids.next_id(), relation: "child".into(), ..Default::default() })
        })
        .expect("edit b");
    a.client.sync_once(&mut a.store).await.expect("a");
    b.client.sync_once(&mut b.store).await.expect("b");
    a.client.sync_once(&mut a.store).await.expect("a again");
    let (ca, cb) = (a.store.case(&id).expect("a").case().clone(), b.store.case(&id).expect("b").case().clone());
    assert_eq!(ca, cb, "both devices converge");
    assert_eq!(ca.applicant.phone.as_deref(), Some("+380991112233"));
    assert_eq!(ca.household.len(), 6, "the demo household of 5 and b's new member");
    assert_eq!(s.case(&id).await.expect("stored"), ca, "the server holds the same");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_attachment_uploads_once_and_downloads_on_the_other_device() {
    let s = server().await;
    let mut a = device(&s).await;
    let mut b = device(&s).await;
    let id = new_case(&mut a, 2);
    let scan: Vec<u8> = (0..700_000u32).map(|i| (i * 31 % 251) as u8).collect();
    let hash = a.store.put_blob(&scan).expect("blob");
    a.store
        .edit_case(&id, T0 + 5_000, |c, ids| {
            c.attachments.add(Attachment {
                id: ids.next_id(),
                sha256: hash.clone(),
                kind: "income_certificate".into(),
                mime: "image/png".into(),
                size: scan.len() as u64,
                ..Default::default()
            })
        })
        .expect("attach");
    a.client.refresh_pending(&mut a.store).expect("pending");
    assert_eq!(a.client.progress().borrow().pending_bytes, scan.len() as u64);
    let r = a.client.sync_once(&mut a.store).await.expect("a syncs");
    assert_eq!(r.blobs_up, 1, "{r:?}");
    assert!(r.bytes_up > scan.len() as u64, "{r:?}");
    assert_eq!(a.client.progress().borrow().pending_bytes, 0);
    let again = a.client.sync_once(&mut a.store).await.expect("a again");
    assert_eq!(again.blobs_up, 0, "an uploaded blob does not go up again");

    let r = b.client.sync_once(&mut b.store).await.expect("b syncs");
    assert_eq!(r.blobs_down, 1, "{r:?}");
    assert!(r.blobs_missing >= 12, "the demo case's fake scans are on no device: {r:?}");
    assert_eq!(b.store.blob(&hash).expect("b holds the scan"), scan);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_interrupted_upload_resumes_from_what_the_server_holds() {
    let s = server().await;
    let mut a = device(&s).await;
    let id = new_case(&mut a, 7);
    let scan: Vec<u8> = (0..1_500_000u32).map(|i| (i * 17 % 253) as u8).collect();
    let hash = a.store.put_blob(&scan).expect("blob");
    a.store
        .edit_case(&id, T0 + 5_000, |c, ids| {
            c.attachments.add(Attachment { id: ids.next_id(), sha256: hash.clone(), ..Default::default() })
        })
        .expect("attach");
    // An earlier try got the first 1 MB through before the connection dropped.
    s.store.begin_blob(&hash, scan.len() as u64).await.expect("begin");
    s.store.put_blob_chunk(&hash, 0, &scan[..1_000_000]).await.expect("first part");

    let r = a.client.sync_once(&mut a.store).await.expect("sync");
    assert_eq!(r.blobs_up, 1, "{r:?}");
    let frames = r.bytes_up;
    assert!(frames < 700_000, "only the missing 500 KB (and the case) went up, not all 1.5 MB: {frames}");
    assert!(frames > 500_000, "{frames}");
    assert_eq!(s.store.blob(&hash).await.expect("read").expect("stored"), scan, "the server verified the whole");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_the_server_refuses_stays_on_the_device_with_the_servers_reason() {
    let s = server().await;
    let mut t = device(&s).await;
    let id = new_case(&mut t, 3);
    let other = new_case(&mut t, 4);
    t.client.sync_once(&mut t.store).await.expect("first sync");

    // The starosta's tablet writes a decision into the log, bypassing the app's checks.
    let starosta = demo::position(Role::Starosta);
    let mut doc = t.store.case(&id).expect("case");
    let am = doc.automerge_mut();
    let mut case = read_case(am).expect("case");
    let event = EventRecord {
        id: "forged-1".into(),
        at: T0 + 200_000,
        position: starosta.id.clone(),
        role: starosta.role.code().into(),
        scope: starosta.scope.code(),
        action: "record_decision".into(),
        decision: Some(DecisionRecord {
            granted: true,
            amount_kop: 9_999_900,
            from: "2026-12-01".into(),
            to: "2027-05-31".into(),
            ..Default::default()
        }),
        ..Default::default()
    };
    case.events.insert(event.id.clone(), event);
    autosurgeon::reconcile(am, &case).expect("reconcile");
    am.commit();
    t.store.put_case(&mut doc).expect("saved locally");
    t.store.edit_case(&other, T0 + 200_001, |c, _| c.applicant.phone = Some("+380993333333".into())).expect("edit");

    let r = t.client.sync_once(&mut t.store).await.expect("the round itself succeeds");
    assert_eq!(r.docs.docs_rejected, 1, "{r:?}");
    let rejection = t.store.rejection(&id).expect("read").expect("the device keeps the server's reason");
    assert_eq!(rejection.code, codes::FORBIDDEN);
    assert!(!rejection.reason.is_empty());
    assert_eq!(t.store.dirty_cases().expect("dirty"), vec![id.clone()], "the refused change stays unconfirmed");
    assert!(t.store.case(&id).expect("case").case().events.contains_key("forged-1"), "the device keeps its data");
    assert!(!s.case(&id).await.expect("stored").events.contains_key("forged-1"), "the server did not store it");
    assert_eq!(s.case(&other).await.expect("stored").applicant.phone.as_deref(), Some("+380993333333"));
    assert_eq!(t.store.rejection(&other).expect("read"), None);
    assert_eq!(t.store.refused_cases().expect("refused"), [id.clone()].into(), "the journal marks it");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_cut_mid_sync_resumes_and_loses_nothing() {
    let s = server().await;
    let mut a = device(&s).await;
    let ids: Vec<String> = (10..40).map(|n| new_case(&mut a, n)).collect();
    a.client.sync_once(&mut a.store).await.expect("a uploads 30 cases");

    let mut proxy = Proxy::start(s.addr).await;
    let mut b = device_via(&s, &proxy.url(), &demo::positions()).await;
    let mine = new_case(&mut b, 99);
    proxy.budget.store(40_000, Ordering::SeqCst);
    let cut = b.client.sync_once(&mut b.store).await.expect_err("the network cuts the session");
    assert!(matches!(cut, SyncError::Dropped | SyncError::Offline(_)), "{cut:?}");
    let got = b.store.case_ids().expect("ids").len();
    assert!(got > 1 && got < 31, "the cut came mid-sync: {got} cases");

    proxy.budget.store(usize::MAX, Ordering::SeqCst);
    let r = b.client.sync_once(&mut b.store).await.expect("b resumes");
    assert_eq!(r.pending_changes, 0, "{r:?}");
    let mut want = ids.clone();
    want.push(mine.clone());
    want.sort();
    assert_eq!(b.store.case_ids().expect("ids"), want, "everything arrived");
    assert!(s.case(&mine).await.is_some(), "b's own case went up");
    for id in &ids {
        assert_eq!(b.store.case(id).expect("b").case(), a.store.case(id).expect("a").case());
    }
    proxy.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_the_server_unreachable_the_device_is_offline_and_backs_off_then_syncs() {
    let s = server().await;
    let mut proxy = Proxy::start(s.addr).await;
    let mut d = device_via(&s, &proxy.url(), &demo::positions()).await;
    let id = new_case(&mut d, 5);
    proxy.stop().await;

    let err = d.client.sync_once(&mut d.store).await.expect_err("no network");
    assert!(err.is_offline(), "{err:?}");
    assert!(d.client.progress().borrow().offline);
    assert_eq!(d.store.dirty_cases().expect("dirty"), vec![id.clone()], "the change waits");

    let mut watch = d.client.progress();
    let network = async {
        // Wait until the client has backed off at least twice, then bring the network back.
        let mut waits = 0;
        while waits < 2 {
            watch.changed().await.expect("progress");
            let p = watch.borrow_and_update().clone();
            if p.phase == Phase::Waiting {
                assert!(p.offline && p.retry_in_ms.is_some_and(|ms| ms <= 400), "{p:?}");
                waits += 1;
            }
        }
        proxy.restart().await;
    };
    let (r, ()) = tokio::join!(d.client.sync_until_done(&mut d.store, 30), network);
    let r = r.expect("synced once the network came back");
    assert_eq!(r.pending_changes, 0);
    assert!(!d.client.progress().borrow().offline);
    assert!(s.case(&id).await.is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revoked_device_wipes_its_local_data() {
    let s = server().await;
    let mut d = device(&s).await;
    let id = new_case(&mut d, 6);
    let blob = d.store.put_blob(b"a scan that must not survive").expect("blob");
    d.client.sync_once(&mut d.store).await.expect("sync");
    assert!(d.dir.path().join("keis.db").is_file());

    // Revoked from the command line (another process): the server's store says so.
    admin::revoke(&*s.store, &d.id, T0 + 1).await.expect("revoke");
    let err = d.client.sync_once(&mut d.store).await.expect_err("revoked");
    assert!(matches!(err, SyncError::Revoked), "{err:?}");
    assert!(d.store.is_wiped());
    assert!(!d.dir.path().join("keis.db").exists(), "the database is gone");
    assert!(!d.store.has_blob(&blob), "the blobs are gone");
    assert!(matches!(d.store.case(&id), Err(StoreError::Wiped)));
    assert!(d.client.progress().borrow().last_error.is_some());
}

/// The app's screens share the store with the sync worker: while a round waits on the
/// network (a server that accepts and does not answer, at sign-in and at the sync
/// socket), the store is free for them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_store_is_free_while_a_round_waits_on_the_network() {
    let s = server().await;
    let mut proxy = Proxy::start(s.addr).await;
    let Device { dir: _dir, store, mut client, .. } = device_via(&s, &proxy.url(), &demo::positions()).await;
    let shared = std::sync::Mutex::new(store);
    for phase in ["sign-in", "sync socket"] {
        proxy.stop().await;
        let stalled = tokio::net::TcpListener::bind(proxy.addr).await.expect("rebind the port");
        let (accepted, mut waiting) = tokio::sync::oneshot::channel();
        let holder = tokio::spawn(async move {
            let (_conn, _) = stalled.accept().await.expect("accept");
            let _ = accepted.send(());
            std::future::pending::<()>().await;
        });
        {
            let round = client.sync_once(&shared);
            tokio::pin!(round);
            tokio::select! {
                _ = &mut waiting => {}
                r = &mut round => panic!("{phase}: the round ended without waiting: {r:?}"),
            }
            assert!(shared.try_lock().is_ok(), "{phase}: the store is free while the round waits");
        }
        holder.abort();
        let _ = holder.await;
        proxy.restart().await;
        if phase == "sign-in" {
            client.sync_once(&shared).await.expect("a round with the network back");
        }
    }
}
