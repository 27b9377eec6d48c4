//! A device's first start over the real services: no store in the data directory, a PIN
//! chosen in the app makes it, the device enrols with a real `keis-sync-server` on port 0,
//! waits while the administrator has not approved it (also across a restart of the app),
//! and gets its positions once approved; a device revoked before approval wipes itself and
//! starts over.

mod real;

use keis_crdt::demo;
use keis_mobile::store::Store;
use keis_sync_server::admin;
use keis_ui::real::services;
use keis_ui::{Access, Enrolment, UnlockError};
use real::{PIN, Server, T0, config, wait};

#[test]
fn a_new_device_makes_its_store_enrols_and_gets_its_positions_once_approved() {
    let server = Server::start();
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("tablet");
    let mut cfg = config(&data);
    cfg.server = Some(server.url());
    let s = services(cfg.clone()).expect("services start without a store");
    assert!(s.session.needs_setup());
    assert!(matches!(wait(s.session.unlock(PIN)), Err(UnlockError::Wiped)), "nothing to unlock");
    assert!(wait(s.session.create("123456")).is_err_and(|e| e.0.contains("легко вгадати")), "a guessable PIN");
    assert!(!Store::exists(&data));

    let e = wait(s.session.create(PIN)).expect("the store is made");
    assert_eq!(e, Enrolment::NotEnrolled { server: server.url() });
    assert!(Store::exists(&data) && !s.session.needs_setup());
    assert!(wait(s.session.create(PIN)).is_err(), "never over an existing store");

    let bad = wait(s.session.enrol("hromada.example", "Тестовий планшет"));
    assert!(bad.is_err_and(|e| e.0.contains("адреса сервера")), "a bad address is refused");
    let Enrolment::Pending { device_id, approval_code, .. } =
        wait(s.session.enrol(&server.url(), "Тестовий планшет")).expect("enrolled")
    else {
        panic!("enrolment waits for approval")
    };
    assert_eq!(approval_code.len(), 9, "{approval_code}");
    let waiting = wait(s.session.check_approval()).expect("the server answers");
    assert!(matches!(&waiting, Access::Enrol(Enrolment::Pending { approval_code: c, .. }) if *c == approval_code));

    // The app restarts before approval: the PIN opens the store at the same code.
    s.session.lock();
    drop(s);
    let s = services(cfg.clone()).expect("services again");
    assert!(!s.session.needs_setup());
    let again = wait(s.session.unlock(PIN)).expect("unlock");
    assert!(matches!(&again, Access::Enrol(Enrolment::Pending { device_id: d, .. }) if *d == device_id), "{again:?}");

    server
        .rt
        .block_on(admin::approve(&*server.store, &device_id, &approval_code, &demo::positions(), T0))
        .expect("approve");
    let Access::Positions(positions) = wait(s.session.check_approval()).expect("approved") else {
        panic!("approved: the positions")
    };
    assert!(positions.iter().any(|p| p.id == "demo-starosta"), "{positions:?}");
    s.session.lock();
    let Ok(Access::Positions(saved)) = wait(s.session.unlock(PIN)) else { panic!("the positions are kept") };
    assert_eq!(saved, positions);
}

#[test]
fn a_device_revoked_before_approval_wipes_itself_and_starts_over() {
    let server = Server::start();
    let dir = tempfile::tempdir().expect("tempdir");
    let s = services(config(dir.path())).expect("services");
    wait(s.session.create(PIN)).expect("store");
    let Enrolment::Pending { device_id, .. } =
        wait(s.session.enrol(&server.url(), "Тестовий планшет")).expect("enrolled")
    else {
        panic!("pending")
    };
    server.rt.block_on(admin::revoke(&*server.store, &device_id, T0)).expect("revoke");
    let err = wait(s.session.check_approval()).expect_err("revoked");
    assert!(err.0.contains("відкликано"), "{err}");
    assert!(s.session.needs_setup() && !Store::exists(dir.path()), "the store is gone");
    wait(s.session.create(PIN)).expect("a new store where the old one was");
    assert!(matches!(wait(s.session.enrol(&server.url(), "Тестовий планшет")), Ok(Enrolment::Pending { .. })));
}

#[test]
fn the_store_is_free_while_enrolment_waits_on_a_silent_server() {
    // A server that takes the connection and never answers.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}", silent.local_addr().expect("addr"));
    let dir = tempfile::tempdir().expect("tempdir");
    let (s, store) = keis_ui::real::services_and_store(config(dir.path())).expect("services");
    wait(s.session.create(PIN)).expect("store");
    let mut asked = s.session.enrol(&url, "Тестовий планшет");
    let waker = std::task::Waker::noop();
    let poll = asked.as_mut().poll(&mut std::task::Context::from_waker(waker));
    assert!(poll.is_pending(), "the window is handed a pending answer, not made to wait");
    // The request reaches the server and waits for an answer on its own thread; the store
    // is not held across it.
    let (_connection, _) = silent.accept().expect("the device connects");
    let free = (0..10).any(|_| {
        let ok = store.try_lock().is_ok();
        std::thread::sleep(std::time::Duration::from_millis(10));
        ok
    });
    assert!(free, "the store stays free while the server is silent");
    assert!(!s.session.needs_setup(), "the window may read the store meanwhile");
    drop(silent);
}
