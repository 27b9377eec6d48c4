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
use real::{PIN, Server, T0, config};

#[test]
fn a_new_device_makes_its_store_enrols_and_gets_its_positions_once_approved() {
    let server = Server::start();
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("tablet");
    let mut cfg = config(&data);
    cfg.server = Some(server.url());
    let s = services(cfg.clone()).expect("services start without a store");
    assert!(s.session.needs_setup());
    assert!(matches!(s.session.unlock(PIN), Err(UnlockError::Wiped)), "nothing to unlock");
    assert!(s.session.create("123456").is_err_and(|e| e.0.contains("легко вгадати")), "a guessable PIN");
    assert!(!Store::exists(&data));

    let e = s.session.create(PIN).expect("the store is made");
    assert_eq!(e, Enrolment::NotEnrolled { server: server.url() });
    assert!(Store::exists(&data) && !s.session.needs_setup());
    assert!(s.session.create(PIN).is_err(), "never over an existing store");

    let bad = s.session.enrol("hromada.example", "Тестовий планшет");
    assert!(bad.is_err_and(|e| e.0.contains("адреса сервера")), "a bad address is refused");
    let Enrolment::Pending { device_id, approval_code, .. } =
        s.session.enrol(&server.url(), "Тестовий планшет").expect("enrolled")
    else {
        panic!("enrolment waits for approval")
    };
    assert_eq!(approval_code.len(), 9, "{approval_code}");
    let waiting = s.session.check_approval().expect("the server answers");
    assert!(matches!(&waiting, Access::Enrol(Enrolment::Pending { approval_code: c, .. }) if *c == approval_code));

    // The app restarts before approval: the PIN opens the store at the same code.
    s.session.lock();
    drop(s);
    let s = services(cfg.clone()).expect("services again");
    assert!(!s.session.needs_setup());
    let again = s.session.unlock(PIN).expect("unlock");
    assert!(matches!(&again, Access::Enrol(Enrolment::Pending { device_id: d, .. }) if *d == device_id), "{again:?}");

    server
        .rt
        .block_on(admin::approve(&*server.store, &device_id, &approval_code, &demo::positions(), T0))
        .expect("approve");
    let Access::Positions(positions) = s.session.check_approval().expect("approved") else {
        panic!("approved: the positions")
    };
    assert!(positions.iter().any(|p| p.id == "demo-starosta"), "{positions:?}");
    s.session.lock();
    let Ok(Access::Positions(saved)) = s.session.unlock(PIN) else { panic!("the positions are kept") };
    assert_eq!(saved, positions);
}

#[test]
fn a_device_revoked_before_approval_wipes_itself_and_starts_over() {
    let server = Server::start();
    let dir = tempfile::tempdir().expect("tempdir");
    let s = services(config(dir.path())).expect("services");
    s.session.create(PIN).expect("store");
    let Enrolment::Pending { device_id, .. } = s.session.enrol(&server.url(), "Тестовий планшет").expect("enrolled")
    else {
        panic!("pending")
    };
    server.rt.block_on(admin::revoke(&*server.store, &device_id, T0)).expect("revoke");
    let err = s.session.check_approval().expect_err("revoked");
    assert!(err.0.contains("відкликано"), "{err}");
    assert!(s.session.needs_setup() && !Store::exists(dir.path()), "the store is gone");
    s.session.create(PIN).expect("a new store where the old one was");
    assert!(matches!(s.session.enrol(&server.url(), "Тестовий планшет"), Ok(Enrolment::Pending { .. })));
}
