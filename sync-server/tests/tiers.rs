//! Server tiers: an edge (`serve --upstream`) and a central server, both real servers on
//! port 0 over real SQLite directories, the uplink running through a TCP proxy that
//! stands for the network. A tablet's case reaches the central server through the edge,
//! a back-office action at the central server reaches the edge and the tablet, the
//! tablets keep syncing with the edge while the uplink is cut, and when the network and
//! a restarted central server are back the edge catches up both ways. An edge cannot
//! forward another hromada's case, and a plain device still cannot forward another
//! position's event.

mod sync_support;
mod tiers_support;

use std::time::Duration;

use automerge::ActorId;
use axum::http::StatusCode;
use keis_crdt::sync::Frame;
use keis_crdt::{Action, AppStatus, CaseDoc, Catalogue, Note, RecordMap, Role, Status, demo};
use keis_sync_server::admin;
use keis_sync_server::sync::upstream::{self, UpstreamHandle};
use sync_support::Tablet;
use tiers_support::*;

const OTHER_HROMADA: &str = "UA99000000000000099";

/// A signed demo application submitted on the starosta's tablet; its id.
fn submitted_case(t: &mut Tablet, n: u32) -> String {
    let actor = ActorId::from(format!("tablet-{}-{n}", t.id).as_bytes());
    let mut doc = demo::application(actor, n, T0).expect("demo case");
    let catalogue = Catalogue::embedded().expect("catalogue");
    doc.act(&demo::position(Role::Starosta), Action::Submit { incomplete: None }, "", T0 + 100_000, &catalogue)
        .expect("submit");
    let id = doc.case().id.clone();
    t.device.docs.insert(id.clone(), doc.automerge().clone());
    t.device.dirty.insert(id.clone());
    id
}

fn status_on(t: &Tablet, id: &str) -> Option<Status> {
    let doc = t.device.docs.get(id)?.clone();
    CaseDoc::from_automerge(doc).expect("a case").derive().state.status()
}

/// Waits until the uplink asks for approval, approves it at `central` as an edge of
/// `hromada`, and waits until it is connected and idle; the edge's device id.
async fn approve_edge(central: &Node, uplink: &UpstreamHandle, hromada: &str) -> String {
    let s = uplink
        .wait_for(PATIENCE, |s| s.device_id.is_some() && s.approval_code.is_some())
        .await
        .expect("the edge enrols and shows an approval code");
    let (id, code) = (s.device_id.unwrap_or_default(), s.approval_code.unwrap_or_default());
    let device = admin::approve_edge(&*central.store, &id, &code, hromada, T0).await.expect("approve the edge");
    assert!(device.edge, "approved as an edge");
    let s = uplink.wait_for(PATIENCE, |s| s.connected && s.idle).await.expect("the uplink connects");
    assert_eq!(s.approval_code, None, "the code is forgotten once approved");
    id
}

/// The case's heads are the same on both servers.
async fn same_heads(a: &Node, b: &Node, id: &str) -> bool {
    match (a.stored(id).await, b.stored(id).await) {
        (Some((_, x)), Some((_, y))) => x == y,
        _ => false,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn edge_and_central_sync_through_a_cut_uplink_and_a_central_restart() {
    let (central_dir, edge_dir) = (tempfile::tempdir().expect("dir"), tempfile::tempdir().expect("dir"));
    let central = start(central_dir.path()).await;
    let proxy = Proxy::start(central.addr).await;
    let edge = start(edge_dir.path()).await;
    let uplink = edge.uplink(proxy.url(), edge_dir.path());
    let edge_id = approve_edge(&central, &uplink, demo::HROMADA).await;
    let key_mode = std::fs::metadata(edge_dir.path().join("edge.key")).expect("the key file");
    #[cfg(unix)]
    assert_eq!(std::os::unix::fs::PermissionsExt::mode(&key_mode.permissions()) & 0o777, 0o600);

    // A tablet's case reaches the central server through the edge.
    let mut sta = tablet(&edge, &[demo::position(Role::Starosta)]).await;
    let case1 = submitted_case(&mut sta, 1);
    let w = sync(&edge, &mut sta).await;
    assert!(
        w.error.is_none() && sta.device.dirty.is_empty() && sta.device.rejected.is_empty(),
        "{:?} {:?}",
        w.error,
        w.kinds()
    );
    eventually("case 1 reaches the central server", || same_heads(&edge, &central, &case1)).await;
    let (at_central, _) = central.stored(&case1).await.expect("stored at central");
    assert_eq!(at_central.created_by, demo::position(Role::Starosta).id);
    let forwarded = central.audit(&case1).await;
    assert!(forwarded.iter().any(|r| r.entry.action == "write" && r.entry.device_id == edge_id), "{forwarded:?}");

    // The hromada officer acts at the central server: it reaches the edge and the tablet.
    let hro = tablet(&central, &[demo::position(Role::HromadaOfficer)]).await;
    let (status, r) = act(&central, &hro.token, &case1, "demo-hromada", "forward_to_back_office").await;
    assert_eq!(status, StatusCode::OK, "{r}");
    eventually("the action reaches the edge", || same_heads(&edge, &central, &case1)).await;
    let w = sync(&edge, &mut sta).await;
    assert!(w.error.is_none(), "{:?} {:?}", w.error, w.kinds());
    assert!(
        w.down.iter().any(|f| matches!(f, Frame::Changed { docs, .. } if docs.contains(&case1))),
        "{:?} {:?}",
        w.error,
        w.kinds()
    );
    assert_eq!(status_on(&sta, &case1), Some(Status::Application(AppStatus::SentToBackOffice)));

    let health = edge.get_json("/healthz").await;
    assert_eq!(health["uplink"]["connected"], true, "{health}");
    assert!(central.get_json("/healthz").await.get("uplink").is_none(), "a central server has no uplink");

    // The uplink is cut: the tablet keeps syncing with the edge.
    proxy.cut();
    uplink.wait_for(PATIENCE, |s| !s.connected).await.expect("the edge sees the uplink down");
    let health = edge.get_json("/healthz").await;
    assert_eq!((&health["status"], &health["uplink"]["connected"]), (&"ok".into(), &false.into()), "{health}");
    assert!(health["uplink"]["last_error"].is_string(), "{health}");
    assert!(edge.metrics.render().contains("keis_uplink_connected 0\n"));
    let case2 = submitted_case(&mut sta, 2);
    let w = sync(&edge, &mut sta).await;
    assert!(
        w.error.is_none() && sta.device.dirty.is_empty() && sta.device.rejected.is_empty(),
        "{:?} {:?}",
        w.error,
        w.kinds()
    );
    let (_, at_edge) = edge.stored(&case2).await.expect("the edge holds case 2");
    assert_eq!(at_edge, sorted(sync_support::heads(&mut sta, &case2)), "acknowledged as the tablet holds it");
    // And a note on case 1, which the central server changes meanwhile.
    sync_support::edit_case(&mut sta, &case1, |c| {
        c.notes.add(Note {
            id: "note-during-cut".into(),
            kind: "note".into(),
            author: demo::position(Role::Starosta).id,
            at: T0 + 7,
            text: "Заявниця телефонувала".into(),
        });
    });
    let w = sync(&edge, &mut sta).await;
    assert!(w.error.is_none() && sta.device.dirty.is_empty() && sta.device.rejected.is_empty(), "{:?}", w.kinds());
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(central.stored(&case2).await.is_none(), "the central server cannot have it yet");

    // Meanwhile the back office acts at the central server, which is then restarted.
    let back = tablet(&central, &[demo::position(Role::BackOffice)]).await;
    let (status, r) = act(&central, &back.token, &case1, "demo-back-office", "mark_checked").await;
    assert_eq!(status, StatusCode::OK, "{r}");
    central.shut_down().await;
    let central = start(central_dir.path()).await;
    proxy.restore(central.addr);

    // The edge catches up both ways; nothing is lost.
    eventually("case 2 reaches the restarted central server", || same_heads(&edge, &central, &case2)).await;
    eventually("the back office's action reaches the edge", || same_heads(&edge, &central, &case1)).await;
    let (merged, _) = central.stored(&case1).await.expect("stored");
    assert!(merged.notes.contains_key("note-during-cut"), "the edge's note reached the central server");
    assert!(merged.events.values().any(|e| e.action == "mark_checked"), "the central action is kept");
    let w = sync(&edge, &mut sta).await;
    assert!(w.error.is_none(), "{:?} {:?}", w.error, w.kinds());
    assert_eq!(status_on(&sta, &case1), Some(Status::Application(AppStatus::CheckedByBackOffice)));
    for id in [&case1, &case2] {
        let (_, at_edge) = edge.stored(id).await.expect("at the edge");
        let (_, at_central) = central.stored(id).await.expect("at central");
        assert_eq!(at_edge, at_central, "{id}");
        assert_eq!(at_edge, sorted(sync_support::heads(&mut sta, id)), "{id} on the tablet");
    }
    let s = uplink.status();
    assert!(s.connects >= 2 && s.rejected == 0 && s.last_error.is_none(), "{s:?}");
    uplink.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_edge_of_another_hromada_is_refused_and_audited() {
    let (central_dir, edge_dir) = (tempfile::tempdir().expect("dir"), tempfile::tempdir().expect("dir"));
    let central = start(central_dir.path()).await;
    let edge = start(edge_dir.path()).await;
    let uplink = edge.uplink(format!("http://{}", central.addr), edge_dir.path());
    let edge_id = approve_edge(&central, &uplink, OTHER_HROMADA).await;

    let mut sta = tablet(&edge, &[demo::position(Role::Starosta)]).await;
    let case = submitted_case(&mut sta, 3);
    let w = sync(&edge, &mut sta).await;
    assert!(w.error.is_none() && sta.device.rejected.is_empty(), "the edge itself accepts it: {:?}", w.kinds());
    uplink.wait_for(PATIENCE, |s| s.rejected >= 1).await.expect("the central server refuses it");
    assert!(central.stored(&case).await.is_none(), "nothing stored at central");
    let audit = central.audit(&case).await;
    assert!(
        audit
            .iter()
            .any(|r| r.entry.action == "reject" && r.entry.device_id == edge_id && r.entry.detail == "out_of_scope"),
        "{audit:?}"
    );
    uplink.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plain_device_still_cannot_forward_another_positions_event() {
    let dir = tempfile::tempdir().expect("dir");
    let central = start(dir.path()).await;
    let mut sta = tablet(&central, &[demo::position(Role::Starosta)]).await;
    let case = submitted_case(&mut sta, 4);
    let w = sync(&central, &mut sta).await;
    assert!(w.error.is_none() && sta.device.rejected.is_empty(), "{:?} {:?}", w.error, w.kinds());

    // The tablet carries an event of the hromada officer, as an edge would.
    let catalogue = Catalogue::embedded().expect("catalogue");
    sta.device.edit(&case, |d| {
        let mut c = CaseDoc::from_automerge(std::mem::take(d)).expect("a case");
        let officer = demo::position(Role::HromadaOfficer);
        c.act(&officer, Action::ForwardToBackOffice { incomplete: None }, "", T0 + 200_000, &catalogue)
            .expect("forward");
        *d = std::mem::take(c.automerge_mut());
    });
    let w = sync(&central, &mut sta).await;
    assert!(sta.device.rejected.contains_key(&case), "refused: {:?}", w.kinds());
    let audit = central.audit(&case).await;
    assert!(audit.iter().any(|r| r.entry.action == "reject" && r.entry.detail == "not_your_position"), "{audit:?}");
    let (stored, _) = central.stored(&case).await.expect("stored");
    assert_eq!(stored.events.len(), 1, "only the submit");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restarted_edge_resumes_without_enrolling_or_resending() {
    let (central_dir, edge_dir) = (tempfile::tempdir().expect("dir"), tempfile::tempdir().expect("dir"));
    let central = start(central_dir.path()).await;
    let edge = start(edge_dir.path()).await;
    let url = format!("http://{}", central.addr);
    let uplink = edge.uplink(url.clone(), edge_dir.path());
    let edge_id = approve_edge(&central, &uplink, demo::HROMADA).await;
    let mut sta = tablet(&edge, &[demo::position(Role::Starosta)]).await;
    let case = submitted_case(&mut sta, 5);
    let w = sync(&edge, &mut sta).await;
    assert!(w.error.is_none() && sta.device.dirty.is_empty(), "{:?}", w.kinds());
    eventually("the case reaches the central server", || same_heads(&edge, &central, &case)).await;
    let s = uplink.wait_for(PATIENCE, |s| s.idle && s.pushed > 0).await.expect("the high-water mark moves");
    let pushed = s.pushed;

    uplink.stop().await;
    edge.shut_down().await;
    let frames = central.frames_in();
    let edge = start(edge_dir.path()).await;
    let uplink = edge.uplink(url, edge_dir.path());
    let s = uplink.wait_for(PATIENCE, |s| s.connected && s.idle).await.expect("reconnects without approval");
    assert_eq!(s.device_id.as_deref(), Some(edge_id.as_str()), "the same identity");
    assert_eq!((s.approval_code, s.pushed), (None, pushed), "nothing new to offer");
    let writes = |records: Vec<keis_sync_server::store::AuditRecord>| {
        records.iter().filter(|r| r.entry.action == "write" && r.entry.device_id == edge_id).count()
    };
    assert_eq!(writes(central.audit(&case).await), 1, "the case was sent once, not again");
    assert_eq!(central.frames_in() - frames, 1, "an idle reconnect is a Hello: nothing is offered again");
    let from_central = edge.audit(&case).await;
    assert!(!from_central.iter().any(|r| r.entry.device_id == upstream::PEER), "nothing came back as new");
    uplink.stop().await;
}
