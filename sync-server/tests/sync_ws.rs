//! The sync endpoint end to end: a real server on port 0 over real SQLite files, tablets
//! that sign in and sync demo cases over a WebSocket with `ClientSession`.

mod sync_support;

use keis_crdt::model::read_case;
use keis_crdt::sync::{ClientSession, Frame, MAX_FRAME, codes};
use keis_crdt::workflow::{DecisionRecord, EventRecord};
use keis_crdt::{Position, Role, Scope, demo};
use keis_sync_server::admin;
use keis_sync_server::store::AuditQuery;
use keis_sync_server::sync::ws::SESSION_ENDED;
use sync_support::*;
use tokio_tungstenite::tungstenite;

const OTHER_HROMADA: &str = "UA99000000000000099";

fn other_hromada() -> Vec<Position> {
    let d = Scope::District { hromada: OTHER_HROMADA.into(), district: "other-north".into() };
    vec![
        Position::new("other-starosta", Role::Starosta, d),
        Position::new("other-hromada", Role::HromadaOfficer, Scope::hromada(OTHER_HROMADA)),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_devices_edit_one_case_offline_and_converge() {
    let s = server().await;
    let mut a = tablet(&s, &demo::positions()).await;
    let mut b = tablet(&s, &demo::positions()).await;
    let id = new_case(&mut a, 1);
    let w = sync(&s, &mut a).await;
    assert!(w.error.is_none() && a.device.dirty.is_empty() && a.device.rejected.is_empty(), "{w:?}");
    assert!(stored(&s, &id).await.is_some());
    sync(&s, &mut b).await;
    assert_eq!(heads(&mut b, &id), heads(&mut a, &id), "B received the case");

    // Offline, both edit the same case.
    edit_case(&mut a, &id, |c| c.applicant.phone = Some("+380991111111".into()));
    edit_case(&mut b, &id, |c| c.household[0].person.phone = Some("+380992222222".into()));
    for t in [&mut a, &mut b] {
        let w = sync(&s, t).await;
        assert!(w.error.is_none() && t.device.rejected.is_empty(), "{w:?} {:?}", t.device.rejected);
    }
    sync(&s, &mut a).await;
    let (case, server_heads) = stored(&s, &id).await.expect("stored");
    assert_eq!(heads(&mut a, &id), server_heads);
    assert_eq!(heads(&mut b, &id), server_heads);
    assert_eq!(case.applicant.phone.as_deref(), Some("+380991111111"));
    assert_eq!(case.household[0].person.phone.as_deref(), Some("+380992222222"));
    assert!(a.device.dirty.is_empty() && b.device.dirty.is_empty());

    let audit = s.store.audit(AuditQuery { case_id: Some(id.clone()), ..Default::default() }).await.expect("audit");
    let by = |device: &str, action: &str| {
        audit.records.iter().filter(|r| r.entry.device_id == device && r.entry.action == action).count()
    };
    assert_eq!(by(&a.id, "write"), 2, "A's upload and edit");
    assert_eq!(by(&b.id, "write"), 1, "B's edit");
    assert!(by(&b.id, "read") >= 1 && by(&a.id, "read") >= 1, "each received the other's changes");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cut_connection_resumes_and_loses_nothing() {
    let s = server().await;
    let mut a = tablet(&s, &demo::positions()).await;
    let ids: Vec<String> = (200..230).map(|n| new_case(&mut a, n)).collect();
    // The upload is cut again and again, each time a little later.
    let mut cuts = 0;
    for n in (2..).step_by(3) {
        let w = sync_cut(&s, &mut a, Some(n)).await;
        if w.error.is_none() {
            break;
        }
        cuts += 1;
    }
    assert!(cuts >= 3, "{cuts}");
    assert!(a.device.dirty.is_empty());
    let mut b = tablet(&s, &demo::positions()).await;
    for n in (2..).step_by(7) {
        if sync_cut(&s, &mut b, Some(n)).await.error.is_none() {
            break;
        }
    }
    sync(&s, &mut b).await;
    for id in &ids {
        let (_, server_heads) = stored(&s, id).await.expect("stored");
        assert_eq!(heads(&mut a, id), server_heads, "{id}");
        assert_eq!(heads(&mut b, id), server_heads, "{id}");
    }
    let w = sync(&s, &mut b).await;
    assert_eq!(w.kinds().1, vec!["Welcome", "Changed"], "{w:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forged_decision_is_rejected_audited_not_stored_and_kept_on_the_device() {
    let s = server().await;
    let mut t = tablet(&s, &demo::positions()).await;
    let id = new_case(&mut t, 2);
    let other = new_case(&mut t, 3);
    sync(&s, &mut t).await;
    assert!(t.device.dirty.is_empty());

    // The starosta's tablet writes a decision into the log, bypassing the app's checks.
    let starosta = demo::position(Role::Starosta);
    t.device.edit(&id, |d| {
        let mut case = read_case(d).expect("case");
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
        autosurgeon::reconcile(d, &case).expect("reconcile");
    });
    edit_case(&mut t, &other, |c| c.applicant.phone = Some("+380993333333".into()));
    let w = sync(&s, &mut t).await;
    assert!(w.error.is_none(), "{w:?}");
    assert!(w.down.iter().any(|f| matches!(f, Frame::Rejected { doc, code: codes::FORBIDDEN, .. } if *doc == id)));
    let reason = t.device.rejected.get(&id).expect("the tablet shows the reason");
    assert!(!reason.is_empty());
    assert!(t.device.dirty.contains(&id), "the refused change stays unconfirmed");
    let local = read_case(&t.device.docs[&id]).expect("case");
    assert!(local.events.contains_key("forged-1"), "the tablet keeps its data");

    let (case, _) = stored(&s, &id).await.expect("stored");
    assert!(!case.events.contains_key("forged-1"), "the server did not store it");
    assert!(case.events.is_empty());
    let (other_case, _) = stored(&s, &other).await.expect("stored");
    assert_eq!(other_case.applicant.phone.as_deref(), Some("+380993333333"), "other cases went through");

    let audit = s.store.audit(AuditQuery { case_id: Some(id.clone()), ..Default::default() }).await.expect("audit");
    let reject = audit.records.iter().find(|r| r.entry.action == "reject").expect("the refusal is audited");
    assert_eq!(reject.entry.device_id, t.id);
    assert_eq!(reject.entry.detail, "invalid_event");
    assert!(reject.entry.position_id.is_some());
    assert!(audit.records.iter().any(|r| r.entry.action == "write"), "the first upload was audited");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_device_of_another_hromada_gets_nothing_and_cannot_write() {
    let s = server().await;
    let mut a = tablet(&s, &demo::positions()).await;
    let id = new_case(&mut a, 4);
    sync(&s, &mut a).await;
    let (_, before) = stored(&s, &id).await.expect("stored");

    let mut c = tablet(&s, &other_hromada()).await;
    let w = sync(&s, &mut c).await;
    assert!(w.error.is_none(), "{w:?}");
    assert!(c.device.docs.is_empty(), "nothing of hromada A is announced");
    assert!(!w.down.iter().any(|f| matches!(f, Frame::Changed { docs, .. } if !docs.is_empty())));

    // Asking for the case by its id: refused, nothing sent.
    c.device.docs.insert(id.clone(), automerge::AutoCommit::new());
    c.device.dirty.insert(id.clone());
    let w = sync(&s, &mut c).await;
    assert!(c.device.rejected.contains_key(&id), "{w:?}");
    assert!(!w.down.iter().any(|f| matches!(f, Frame::Sync { .. })), "no sync message about the case");
    assert!(heads(&mut c, &id).is_empty());

    // Writing to a copy of it, or opening a new case in hromada A: refused.
    c.device.docs.insert(id.clone(), a.device.docs[&id].clone());
    edit_case(&mut c, &id, |case| case.applicant.phone = Some("+380994444444".into()));
    let new_id = new_case(&mut c, 5);
    c.device.rejected.clear();
    sync(&s, &mut c).await;
    assert!(c.device.rejected.contains_key(&id) && c.device.rejected.contains_key(&new_id));
    assert_eq!(stored(&s, &id).await.expect("stored").1, before, "hromada A's case is unchanged");
    assert!(stored(&s, &new_id).await.is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_upgrade_needs_a_valid_session_of_an_approved_device() {
    let s = server().await;
    let status = |e: tungstenite::Error| match e {
        tungstenite::Error::Http(res) => res.status().as_u16(),
        e => panic!("not an HTTP refusal: {e}"),
    };
    assert_eq!(status(connect(&s, None).await.expect_err("no token")), 401);
    assert_eq!(status(connect(&s, Some("not-a-token")).await.expect_err("bad token")), 401);

    // Revoked from the command line (another process): refused at the next upgrade.
    let t = tablet(&s, &demo::positions()).await;
    let mut ws = connect(&s, Some(&t.token)).await.expect("a valid session connects");
    send(&mut ws, Frame::Hello { cursor: 0 }.encode()).await;
    assert!(matches!(next_frame(&mut ws).await, Some(Frame::Welcome { .. })));
    drop(ws);
    admin::revoke(&*s.store, &t.id, T0 + 1).await.expect("revoke");
    assert_eq!(status(connect(&s, Some(&t.token)).await.expect_err("revoked")), 403);
    assert_eq!(status(connect(&s, Some(&t.token)).await.expect_err("session ended")), 401);

    // Revoked through this server while connected: the next frame ends the connection.
    let t = tablet(&s, &demo::positions()).await;
    let mut ws = connect(&s, Some(&t.token)).await.expect("a valid session connects");
    send(&mut ws, Frame::Hello { cursor: 0 }.encode()).await;
    assert!(matches!(next_frame(&mut ws).await, Some(Frame::Welcome { .. })));
    assert!(matches!(next_frame(&mut ws).await, Some(Frame::Changed { .. })));
    s.auth.revoke(&t.id).await.expect("revoke");
    send(&mut ws, Frame::ChangedSince { cursor: 0 }.encode()).await;
    assert!(matches!(next_frame(&mut ws).await, Some(Frame::Error { code: SESSION_ENDED, .. })));
    assert!(next_frame(&mut ws).await.is_none(), "closed");
    assert_eq!(status(connect(&s, Some(&t.token)).await.expect_err("revoked")), 401);
}

/// Sends `frames` on a fresh connection after a `Hello`; the frames that came back until
/// the server closed (or answered `expect` frames).
async fn exchange(s: &Server, token: &str, frames: Vec<tungstenite::Message>, expect: usize) -> Vec<Frame> {
    use futures_util::SinkExt;
    let mut ws = connect(s, Some(token)).await.expect("connect");
    for m in frames {
        ws.send(m).await.expect("send");
    }
    let mut got = Vec::new();
    while got.len() < expect {
        match next_frame(&mut ws).await {
            Some(f) => got.push(f),
            None => break,
        }
    }
    got
}

fn bin(b: Vec<u8>) -> tungstenite::Message {
    tungstenite::Message::Binary(b.into())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_frames_get_an_error_and_nothing_stored_is_lost() {
    let s = server().await;
    let mut a = tablet(&s, &demo::positions()).await;
    let ids: Vec<String> = (10..13).map(|n| new_case(&mut a, n)).collect();
    sync(&s, &mut a).await;
    let hello = bin(Frame::Hello { cursor: 0 }.encode());
    let is_error = |f: &[Frame]| matches!(f.last(), Some(Frame::Error { .. }));

    let got = exchange(&s, &a.token, vec![bin(b"GET / HTTP/1.1\r\n".to_vec())], 9).await;
    assert!(matches!(got[..], [Frame::Error { code: codes::MALFORMED, .. }]), "{got:?}");
    let sync_frame = Frame::Sync { doc: ids[0].clone(), message: vec![0x42; 40] }.encode();
    let truncated = bin(sync_frame[..sync_frame.len() / 2].to_vec());
    let got = exchange(&s, &a.token, vec![hello.clone(), truncated], 9).await;
    assert!(is_error(&got), "truncated: {got:?}");
    let got = exchange(&s, &a.token, vec![hello.clone(), hello.clone()], 9).await;
    assert!(matches!(got.last(), Some(Frame::Error { code: codes::OUT_OF_ORDER, .. })), "duplicated: {got:?}");
    let got = exchange(&s, &a.token, vec![hello.clone(), tungstenite::Message::Text("hello".into())], 9).await;
    assert!(is_error(&got), "text: {got:?}");
    let got = exchange(&s, &a.token, vec![hello.clone(), bin(vec![0; MAX_FRAME + 1])], 9).await;
    assert!(is_error(&got), "oversized: {got:?}");
    // A valid frame carrying a corrupt Automerge message: refused for that case only.
    let corrupt = bin(sync_frame.clone());
    let again = bin(Frame::ChangedSince { cursor: 0 }.encode());
    let got = exchange(&s, &a.token, vec![hello, corrupt, again], 4).await;
    assert!(
        matches!(
            got[..],
            [
                Frame::Welcome { .. },
                Frame::Changed { .. },
                Frame::Rejected { code: codes::MALFORMED, .. },
                Frame::Changed { .. }
            ]
        ),
        "{got:?}"
    );

    // Nothing was lost: a clean session still converges.
    let mut b = tablet(&s, &demo::positions()).await;
    sync(&s, &mut b).await;
    for id in &ids {
        let (_, server_heads) = stored(&s, id).await.expect("stored");
        assert_eq!(heads(&mut a, id), server_heads);
        assert_eq!(heads(&mut b, id), server_heads);
    }
    edit_case(&mut a, &ids[1], |c| c.applicant.phone = Some("+380995555555".into()));
    sync(&s, &mut a).await;
    sync(&s, &mut b).await;
    assert_eq!(heads(&mut b, &ids[1]), heads(&mut a, &ids[1]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idle_reconnect_moves_only_hello_welcome_changed() {
    let s = server().await;
    let mut a = tablet(&s, &demo::positions()).await;
    for n in 100..150 {
        new_case(&mut a, n);
    }
    let w = sync(&s, &mut a).await;
    assert!(w.error.is_none() && a.device.dirty.is_empty(), "{w:?}");
    let mut b = tablet(&s, &demo::positions()).await;
    sync(&s, &mut b).await;
    assert_eq!(b.device.docs.len(), 50);

    for t in [&mut a, &mut b] {
        let w = sync(&s, t).await;
        let (up, down) = w.kinds();
        assert_eq!((up, down), (vec!["Hello"], vec!["Welcome", "Changed"]), "{w:?}");
        assert!(matches!(&w.down[1], Frame::Changed { docs, more: false, .. } if docs.is_empty()));
        assert!(w.bytes < 64, "idle reconnect moved {} B", w.bytes);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connected_device_is_told_of_changes_live() {
    let s = server().await;
    let mut a = tablet(&s, &demo::positions()).await;
    let mut b = tablet(&s, &demo::positions()).await;
    let mut ws = connect(&s, Some(&b.token)).await.expect("connect");
    let (cursor, dirty) = b.device.begin_session();
    let (mut client, hello) = ClientSession::start(cursor, dirty, 8);
    let mut wire = Wire::default();
    assert!(drive(&mut ws, &mut client, &mut b.device, hello, &mut wire, None).await);
    assert!(client.is_idle());

    let id = new_case(&mut a, 300);
    sync(&s, &mut a).await;
    // B is still connected and hears of it without asking.
    let notice = next_frame(&mut ws).await.expect("a live notice");
    assert!(matches!(&notice, Frame::Changed { docs, more: false, .. } if *docs == [id.clone()]), "{notice:?}");
    let out = client.on_frame(notice, &mut b.device).expect("on frame");
    assert!(drive(&mut ws, &mut client, &mut b.device, out, &mut wire, None).await);
    assert_eq!(heads(&mut b, &id), heads(&mut a, &id));

    // B's own change is not announced back to B; A, connected, hears of it.
    let mut wa = connect(&s, Some(&a.token)).await.expect("connect");
    let (cursor, dirty) = a.device.begin_session();
    let (mut ca, hello) = ClientSession::start(cursor, dirty, 8);
    assert!(drive(&mut wa, &mut ca, &mut a.device, hello, &mut Wire::default(), None).await);
    edit_case(&mut b, &id, |c| c.applicant.phone = Some("+380996666666".into()));
    let out = client.touch(&id, &mut b.device).expect("touch");
    let before = wire.down.len();
    assert!(drive(&mut ws, &mut client, &mut b.device, out, &mut wire, None).await);
    assert!(b.device.dirty.is_empty());
    assert!(!wire.down[before..].iter().any(|f| matches!(f, Frame::Changed { .. })), "{:?}", &wire.down[before..]);
    let notice = next_frame(&mut wa).await.expect("a live notice");
    let quiet = tokio::time::timeout(std::time::Duration::from_millis(300), next_frame(&mut ws)).await;
    assert!(quiet.is_err(), "B hears nothing of its own change: {quiet:?}");
    let out = ca.on_frame(notice, &mut a.device).expect("on frame");
    assert!(drive(&mut wa, &mut ca, &mut a.device, out, &mut Wire::default(), None).await);
    assert_eq!(heads(&mut a, &id), heads(&mut b, &id));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn devices_writing_one_case_at_once_lose_nothing() {
    let s = server().await;
    let mut a = tablet(&s, &demo::positions()).await;
    let mut b = tablet(&s, &demo::positions()).await;
    let id = new_case(&mut a, 400);
    sync(&s, &mut a).await;
    sync(&s, &mut b).await;
    for round in 0..5 {
        edit_case(&mut a, &id, |c| c.applicant.phone = Some(format!("+38099100000{round}")));
        edit_case(&mut b, &id, |c| c.household[1].person.phone = Some(format!("+38099200000{round}")));
        let (wa, wb) = tokio::join!(sync(&s, &mut a), sync(&s, &mut b));
        assert!(wa.error.is_none() && wb.error.is_none(), "{wa:?} {wb:?}");
    }
    sync(&s, &mut a).await;
    sync(&s, &mut b).await;
    let (case, server_heads) = stored(&s, &id).await.expect("stored");
    assert_eq!(heads(&mut a, &id), server_heads);
    assert_eq!(heads(&mut b, &id), server_heads);
    assert_eq!(case.applicant.phone.as_deref(), Some("+380991000004"));
    assert_eq!(case.household[1].person.phone.as_deref(), Some("+380992000004"));
    assert!(a.device.rejected.is_empty() && b.device.rejected.is_empty());
}

/// Two devices upload changes to the same documents at once: each connection holds the
/// writer locks of its pending changes until they are durable, and neither may wait for
/// the other's lock while holding its own (no deadlock), nor lose a change.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn devices_writing_many_shared_cases_at_once_neither_wait_forever_nor_lose() {
    let s = server().await;
    let mut a = tablet(&s, &demo::positions()).await;
    let mut b = tablet(&s, &demo::positions()).await;
    let ids: Vec<String> = (500..524).map(|n| new_case(&mut a, n)).collect();
    sync(&s, &mut a).await;
    sync(&s, &mut b).await;
    for round in 0..3 {
        for id in &ids {
            edit_case(&mut a, id, |c| c.applicant.phone = Some(format!("+38099300000{round}")));
        }
        for id in ids.iter().rev() {
            edit_case(&mut b, id, |c| c.household[1].person.phone = Some(format!("+38099400000{round}")));
        }
        let both = async { tokio::join!(sync(&s, &mut a), sync(&s, &mut b)) };
        let (wa, wb) = tokio::time::timeout(std::time::Duration::from_secs(60), both).await.expect("no deadlock");
        assert!(wa.error.is_none() && wb.error.is_none(), "{wa:?} {wb:?}");
    }
    sync(&s, &mut a).await;
    sync(&s, &mut b).await;
    for id in &ids {
        let (case, server_heads) = stored(&s, id).await.expect("stored");
        assert_eq!(heads(&mut a, id), server_heads, "{id}");
        assert_eq!(heads(&mut b, id), server_heads, "{id}");
        assert_eq!(case.applicant.phone.as_deref(), Some("+380993000002"), "{id}");
        assert_eq!(case.household[1].person.phone.as_deref(), Some("+380994000002"), "{id}");
    }
    assert!(a.device.rejected.is_empty() && b.device.rejected.is_empty());
}
