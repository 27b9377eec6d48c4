//! The encrypted store as the device's side of sync, against the in-memory server: two
//! tablets converge on an edited case, and a change the server refuses stays on the
//! tablet with the server's reason.

use std::path::Path;
use std::sync::Arc;

use automerge::ActorId;
use keis_crdt::CaseDoc;
use keis_crdt::sync::memory::MemoryServer;
use keis_crdt::sync::{ClientHost, ClientSession, Frame, ServerHost, ServerSession, codes};
use keis_mobile::store::{ManualClock, Pin, Store, StoreConfig};

const T0: i64 = 1_763_900_000_000;
const PIN: &str = "4821";
const FORBIDDEN_PHONE: &str = "+380990000000";

fn store(dir: &Path) -> Store {
    let rng = Arc::new(ring::rand::SystemRandom::new());
    Store::create(dir, &Pin::new(PIN), StoreConfig::for_tests(), Arc::new(ManualClock::at(T0)), rng).expect("create")
}

fn demo(n: u32) -> CaseDoc {
    keis_crdt::demo::application(ActorId::from(b"laptop-0001".as_slice()), n, T0).expect("demo case")
}

/// One whole session of `store` against `server`, frames moved until nothing is left to
/// send. Returns whether the device ended idle.
fn session(store: &mut Store, server: &mut MemoryServer, name: &str) -> bool {
    let (mut host, cursor, dirty) = store.begin_sync().expect("begin sync");
    let (mut client, hello) = ClientSession::start(cursor, dirty, 8);
    let mut conn = server.connect(name);
    let mut srv = ServerSession::new(100);
    pump(&mut client, &mut host, &mut srv, &mut conn, hello);
    client.is_idle()
}

fn pump(
    client: &mut ClientSession,
    host: &mut impl ClientHost,
    srv: &mut ServerSession,
    conn: &mut impl keis_crdt::sync::ServerHost,
    first: Vec<Frame>,
) {
    let mut to_server: Vec<Vec<u8>> = first.iter().map(Frame::encode).collect();
    while !to_server.is_empty() {
        let mut to_client = Vec::new();
        for bytes in to_server.drain(..) {
            let reply = srv.on_bytes(&bytes, conn);
            assert!(!reply.close, "the server closed: {:?}", reply.frames);
            to_client.extend(reply.frames);
        }
        for frame in to_client {
            let out = client.on_frame(frame, host).expect("the session goes on");
            to_server.extend(out.iter().map(Frame::encode));
        }
    }
}

#[test]
fn two_tablets_converge_on_a_case_edited_on_both() {
    let (da, db) = (tempfile::tempdir().expect("tempdir"), tempfile::tempdir().expect("tempdir"));
    let (mut a, mut b) = (store(da.path()), store(db.path()));
    let mut server = MemoryServer::default();
    let mut case = demo(1);
    let id = case.case().id.clone();
    a.put_case(&mut case).expect("put");

    assert!(session(&mut a, &mut server, "a"));
    assert!(a.dirty_cases().expect("dirty").is_empty(), "confirmed durable");
    assert!(session(&mut b, &mut server, "b"));
    assert_eq!(b.case(&id).expect("B has the case").case(), case.case());
    assert_eq!(b.cursor().expect("cursor"), server.cursor());
    assert!(b.dirty_cases().expect("dirty").is_empty(), "what came from the server is not dirty");

    // Offline, each corrects something else.
    a.edit_case(&id, T0 + 60_000, |c, _| c.applicant.phone = Some("+380991112233".into())).expect("edit");
    b.edit_case(&id, T0 + 90_000, |c, _| c.applicant.given_name = "Оксана".into()).expect("edit");
    assert!(session(&mut a, &mut server, "a"));
    assert!(session(&mut b, &mut server, "b"));
    assert!(session(&mut a, &mut server, "a"));

    let (mut ca, mut cb) = (a.case(&id).expect("case"), b.case(&id).expect("case"));
    assert_eq!(ca.heads(), cb.heads());
    assert_eq!(ca.case(), cb.case());
    assert_eq!(ca.case().applicant.phone.as_deref(), Some("+380991112233"));
    assert_eq!(ca.case().applicant.given_name, "Оксана");
    assert!(a.dirty_cases().expect("dirty").is_empty() && b.dirty_cases().expect("dirty").is_empty());

    // After a reopen, the persisted sync state and cursor make an idle reconnect.
    drop(a);
    let rng = Arc::new(ring::rand::SystemRandom::new());
    let mut a = Store::open(da.path(), StoreConfig::for_tests(), Arc::new(ManualClock::at(T0)), rng).expect("open");
    a.unlock(&Pin::new(PIN)).expect("unlock");
    assert_eq!(a.cursor().expect("cursor"), server.cursor());
    assert!(session(&mut a, &mut server, "a"));
}

fn refuse_forbidden_phone() -> MemoryServer {
    MemoryServer::with_authorizer(Box::new(|_, doc| {
        let case = keis_crdt::model::read_case(doc).map_err(|e| e.to_string())?;
        if case.applicant.phone.as_deref() == Some(FORBIDDEN_PHONE) {
            return Err("Номер телефону не підтверджено / the phone number is not verified".into());
        }
        Ok(())
    }))
}

#[test]
fn a_refused_change_stays_on_the_tablet_with_the_servers_reason() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut a = store(dir.path());
    let mut server = refuse_forbidden_phone();
    let mut case = demo(2);
    let id = case.case().id.clone();
    let original = case.case().applicant.phone.clone();
    a.put_case(&mut case).expect("put");
    assert!(session(&mut a, &mut server, "a"));
    assert_eq!(a.rejection(&id).expect("rejection"), None);

    a.edit_case(&id, T0 + 60_000, |c, _| c.applicant.phone = Some(FORBIDDEN_PHONE.into())).expect("edit");
    session(&mut a, &mut server, "a");
    let rejection = a.rejection(&id).expect("rejection").expect("the server refused");
    assert_eq!(rejection.code, codes::FORBIDDEN);
    assert!(rejection.reason.contains("не підтверджено"), "{rejection:?}");
    assert_eq!(a.case(&id).expect("case").case().applicant.phone.as_deref(), Some(FORBIDDEN_PHONE), "kept locally");
    assert_eq!(a.dirty_cases().expect("dirty"), vec![id.clone()], "still waiting to be sent");
    let on_server = keis_crdt::model::read_case(&server.docs[&id]).expect("server case");
    assert_eq!(on_server.applicant.phone, original);

    // The reason is sealed like everything else.
    let raw = std::fs::read(dir.path().join("keis.db")).expect("db");
    assert!(!raw.windows("не підтверджено".len()).any(|w| w == "не підтверджено".as_bytes()));

    // Corrected, the change goes through and the refusal is cleared.
    a.edit_case(&id, T0 + 120_000, |c, _| c.applicant.phone = Some("+380991234567".into())).expect("edit");
    assert!(session(&mut a, &mut server, "a"));
    assert_eq!(a.rejection(&id).expect("rejection"), None);
    assert!(a.dirty_cases().expect("dirty").is_empty());
}

#[test]
fn a_case_edited_during_a_session_is_sent_in_the_same_session() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut a = store(dir.path());
    let mut server = MemoryServer::default();
    let mut case = demo(3);
    let id = case.case().id.clone();
    a.put_case(&mut case).expect("put");

    let (mut host, cursor, dirty) = a.begin_sync().expect("begin sync");
    assert_eq!(dirty, vec![id.clone()]);
    let (mut client, hello) = ClientSession::start(cursor, dirty, 8);
    let mut conn = server.connect("a");
    let mut srv = ServerSession::new(100);
    pump(&mut client, &mut host, &mut srv, &mut conn, hello);
    assert!(client.is_idle());

    host.store().edit_case(&id, T0 + 60_000, |c, _| c.applicant.phone = Some("+380991234567".into())).expect("edit");
    let first = client.touch(&id, &mut host).expect("touch");
    pump(&mut client, &mut host, &mut srv, &mut conn, first);
    assert!(client.is_idle());
    assert!(host.store().dirty_cases().expect("dirty").is_empty());
    drop(conn);
    let on_server = keis_crdt::model::read_case(&server.docs[&id]).expect("server case");
    assert_eq!(on_server.applicant.phone.as_deref(), Some("+380991234567"));
}

/// The sync client lets go of the store between frames (the app's screens share it); a
/// case the user edits meanwhile is read afresh, so the server's confirmation of the older
/// copy does not mark the edit as sent, and the next session sends it.
#[test]
fn a_case_edited_while_the_session_let_go_of_the_store_is_not_taken_as_sent() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut a = store(dir.path());
    let mut server = MemoryServer::default();
    let mut case = demo(4);
    let id = case.case().id.clone();
    a.put_case(&mut case).expect("put");

    let (host, cursor, dirty) = a.begin_sync().expect("begin sync");
    let mut cache = host.into_cache();
    let (mut client, hello) = ClientSession::start(cursor, dirty, 8);
    let mut conn = server.connect("a");
    let mut srv = ServerSession::new(100);
    let mut to_server: Vec<Vec<u8>> = hello.iter().map(Frame::encode).collect();
    let mut edited = false;
    while !to_server.is_empty() {
        let mut to_client = Vec::new();
        for bytes in to_server.drain(..) {
            to_client.extend(srv.on_bytes(&bytes, &mut conn).frames);
        }
        // The server holds the case now; the user edits it before its answer is read.
        if !edited && !ServerHost::heads(&mut conn, &id).expect("heads").is_empty() {
            a.edit_case(&id, T0 + 60_000, |c, _| c.applicant.phone = Some("+380997654321".into())).expect("edit");
            edited = true;
        }
        for frame in to_client {
            let mut host = a.resume_sync(std::mem::take(&mut cache));
            let out = client.on_frame(frame, &mut host).expect("the session goes on");
            cache = host.into_cache();
            to_server.extend(out.iter().map(Frame::encode));
        }
    }
    assert!(edited, "the server took the case during the session");
    assert_eq!(a.dirty_cases().expect("dirty"), vec![id.clone()], "the edit is not taken as sent");
    drop(conn);

    assert!(session(&mut a, &mut server, "a"));
    assert!(a.dirty_cases().expect("dirty").is_empty());
    let on_server = keis_crdt::model::read_case(&server.docs[&id]).expect("server case");
    assert_eq!(on_server.applicant.phone.as_deref(), Some("+380997654321"));
}
