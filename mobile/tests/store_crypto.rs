//! The encrypted local store as a user relies on it: what goes in comes back after a
//! reopen with the PIN, the files hold nothing readable, a wrong PIN is counted and
//! limited, tampering is caught, an idle tablet locks and a revoked one wipes.

use std::path::Path;
use std::sync::Arc;

use automerge::ActorId;
use keis_crdt::CaseDoc;
use keis_mobile::store::{ManualClock, Pin, Store, StoreConfig, StoreError};
use rusqlite::Connection;

const T0: i64 = 1_763_900_000_000;
const PIN: &str = "4821";

fn rng() -> Arc<ring::rand::SystemRandom> {
    Arc::new(ring::rand::SystemRandom::new())
}

fn create(dir: &Path, clock: &ManualClock, config: StoreConfig) -> Store {
    Store::create(dir, &Pin::new(PIN), config, Arc::new(clock.clone()), rng()).expect("create")
}

fn reopen(dir: &Path, clock: &ManualClock, config: StoreConfig) -> Store {
    Store::open(dir, config, Arc::new(clock.clone()), rng()).expect("open")
}

fn demo(n: u32) -> CaseDoc {
    keis_crdt::demo::application(ActorId::from(b"laptop-0001".as_slice()), n, T0).expect("demo case")
}

fn raw(dir: &Path) -> Connection {
    Connection::open(dir.join("keis.db")).expect("raw connection")
}

/// Every file under `dir`, recursively, as raw bytes.
fn all_files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).expect("read dir") {
        let path = e.expect("entry").path();
        if path.is_dir() {
            out.extend(all_files(&path));
        } else {
            out.push((path.display().to_string(), std::fs::read(&path).expect("read")));
        }
    }
    out
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn a_case_edited_in_the_store_comes_back_after_a_reopen_with_the_pin() {
    let dir = tempfile::tempdir().expect("tempdir");
    let clock = ManualClock::at(T0);
    let mut store = create(dir.path(), &clock, StoreConfig::for_tests());
    let mut case = demo(1);
    let id = case.case().id.clone();
    store.put_case(&mut case).expect("put");
    store.edit_case(&id, T0 + 120_000, |c, _| c.applicant.phone = Some("+380991112233".into())).expect("edit");
    let mut before = store.case(&id).expect("case");
    assert_eq!(store.dirty_cases().expect("dirty"), vec![id.clone()]);
    drop(store);

    let mut store = reopen(dir.path(), &clock, StoreConfig::for_tests());
    assert!(matches!(store.case(&id), Err(StoreError::Locked)), "opened locked");
    store.unlock(&Pin::new(PIN)).expect("unlock");
    let mut after = store.case(&id).expect("case");
    assert_eq!(after.case(), before.case());
    assert_eq!(after.heads(), before.heads());
    assert_eq!(after.case().applicant.phone.as_deref(), Some("+380991112233"));
    assert_eq!(store.case_ids().expect("ids"), vec![id]);
}

#[test]
fn chunks_are_compacted_into_a_snapshot_without_losing_edits() {
    let dir = tempfile::tempdir().expect("tempdir");
    let clock = ManualClock::at(T0);
    let config = StoreConfig { compact_after_chunks: 3, ..StoreConfig::for_tests() };
    let mut store = create(dir.path(), &clock, config);
    let mut case = demo(2);
    let id = case.case().id.clone();
    store.put_case(&mut case).expect("put");
    for i in 0..7 {
        store.edit_case(&id, T0 + i, |c, _| c.applicant.phone = Some(format!("+38099000000{i}"))).expect("edit");
    }
    let chunks: i64 = raw(dir.path()).query_row("SELECT count(*) FROM chunks", [], |r| r.get(0)).expect("count");
    assert!(chunks < 3, "{chunks} chunks left");
    store.compact(&id).expect("compact");
    drop(store);
    let mut store = reopen(dir.path(), &clock, config);
    store.unlock(&Pin::new(PIN)).expect("unlock");
    assert_eq!(store.case(&id).expect("case").case().applicant.phone.as_deref(), Some("+380990000006"));
}

#[test]
fn no_file_in_the_store_holds_the_applicants_name_rnokpp_or_phone() {
    let dir = tempfile::tempdir().expect("tempdir");
    let clock = ManualClock::at(T0);
    let mut store = create(dir.path(), &clock, StoreConfig::for_tests());
    let mut case = demo(3);
    let id = case.case().id.clone();
    let applicant = case.case().applicant.clone();
    let (surname, rnokpp, phone) =
        (applicant.surname.clone(), applicant.rnokpp.clone().expect("rnokpp"), applicant.phone.clone().expect("phone"));
    store.put_case(&mut case).expect("put");
    store.edit_case(&id, T0 + 1, |c, _| c.applicant.given_name = "Оксана".into()).expect("edit");
    // A scan carries the same data in plain UTF-8: the control that sealing, not
    // compression, is what hides it.
    let scan = format!("Заява. Прізвище: {surname}. РНОКПП: {rnokpp}. Тел.: {phone}.");
    let hash = store.put_blob(scan.as_bytes()).expect("blob");
    assert_eq!(store.blob(&hash).expect("blob back"), scan.as_bytes());
    drop(store);

    let files = all_files(dir.path());
    assert!(files.iter().any(|(p, _)| p.ends_with(&hash)), "the blob file is there");
    for (path, bytes) in &files {
        for needle in [&surname, &rnokpp, &phone, &"Оксана".to_owned()] {
            assert!(!contains(bytes, needle.as_bytes()), "{path} holds {needle:?} in clear");
        }
    }
}

#[test]
fn a_wrong_pin_fails_cleanly_and_is_counted() {
    let dir = tempfile::tempdir().expect("tempdir");
    let clock = ManualClock::at(T0);
    let mut store = create(dir.path(), &clock, StoreConfig::for_tests());
    let mut case = demo(4);
    let id = case.case().id.clone();
    store.put_case(&mut case).expect("put");
    drop(store);

    let mut store = reopen(dir.path(), &clock, StoreConfig::for_tests());
    let err = store.unlock(&Pin::new("0000")).expect_err("wrong PIN");
    assert!(matches!(err, StoreError::WrongPin { remaining: 9 }), "{err:?}");
    assert!(err.to_string().starts_with("Неправильний PIN-код"), "{err}");
    assert!(!err.to_string().contains("0000"));
    assert_eq!(store.failed_attempts().expect("attempts"), 1);
    assert!(matches!(store.case(&id), Err(StoreError::Locked)));

    store.unlock(&Pin::new(PIN)).expect("the right PIN still works");
    assert_eq!(store.failed_attempts().expect("attempts"), 0, "a right PIN resets the count");
    assert_eq!(store.case(&id).expect("case").case(), case.case());
}

#[test]
fn wrong_pins_are_delayed_after_four_and_the_tenth_wipes_the_device() {
    let dir = tempfile::tempdir().expect("tempdir");
    let clock = ManualClock::at(T0);
    let mut store = create(dir.path(), &clock, StoreConfig::for_tests());
    let blob = store.put_blob(b"scan").expect("blob");
    store.lock();
    for n in 1..=4 {
        let err = store.unlock(&Pin::new("1111")).expect_err("wrong");
        assert!(matches!(err, StoreError::WrongPin { remaining } if remaining == 10 - n), "{err:?}");
    }
    assert!(matches!(store.unlock(&Pin::new("1111")), Err(StoreError::WrongPin { remaining: 5 })));
    // Delayed now: even the right PIN waits, and the wait is not counted.
    let err = store.unlock(&Pin::new(PIN)).expect_err("delayed");
    assert!(matches!(err, StoreError::TooManyAttempts { retry_after_s: 30 }), "{err:?}");
    assert_eq!(store.failed_attempts().expect("attempts"), 5);
    clock.advance_ms(30_000);
    store.unlock(&Pin::new(PIN)).expect("unlocks after the delay");
    store.lock();

    for n in 1..=9 {
        assert!(matches!(store.unlock(&Pin::new("1111")), Err(StoreError::WrongPin { .. })), "attempt {n}");
        clock.advance_ms(3_600_000);
    }
    assert!(Store::exists(dir.path()));
    let err = store.unlock(&Pin::new("1111")).expect_err("tenth");
    assert!(matches!(err, StoreError::Wiped), "{err:?}");
    assert!(!Store::exists(dir.path()));
    assert!(!store.has_blob(&blob));
    assert!(all_files(dir.path()).is_empty(), "nothing left: {:?}", all_files(dir.path()));
    assert!(matches!(store.unlock(&Pin::new(PIN)), Err(StoreError::Wiped)));
    assert!(matches!(
        Store::open(dir.path(), StoreConfig::for_tests(), Arc::new(clock), rng()),
        Err(StoreError::NoStore(_))
    ));
}

#[test]
fn a_flipped_byte_in_a_stored_row_is_detected() {
    let dir = tempfile::tempdir().expect("tempdir");
    let clock = ManualClock::at(T0);
    let mut store = create(dir.path(), &clock, StoreConfig::for_tests());
    let mut case = demo(5);
    let id = case.case().id.clone();
    store.put_case(&mut case).expect("put");
    store.edit_case(&id, T0 + 1, |c, _| c.applicant.given_name = "Оксана".into()).expect("edit");

    let db = raw(dir.path());
    let mut chunk: Vec<u8> =
        db.query_row("SELECT data FROM chunks WHERE case_id = ?1", [&id], |r| r.get(0)).expect("chunk");
    let mid = chunk.len() / 2;
    chunk[mid] ^= 0x01;
    db.execute("UPDATE chunks SET data = ?1 WHERE case_id = ?2", rusqlite::params![chunk, id]).expect("tamper");
    let err = store.case(&id).expect_err("tampered");
    assert!(matches!(err, StoreError::Tampered { what: "chunk" }), "{err:?}");

    // A blob file too.
    let hash = store.put_blob(b"scan of a birth certificate").expect("blob");
    let path = dir.path().join("blobs").join(&hash);
    let mut bytes = std::fs::read(&path).expect("read");
    let last = bytes.len() - 1;
    bytes[last] ^= 0x80;
    std::fs::write(&path, bytes).expect("write");
    assert!(matches!(store.blob(&hash), Err(StoreError::Tampered { what: "blob" })));
}

#[test]
fn ciphertexts_swapped_between_rows_are_detected() {
    let dir = tempfile::tempdir().expect("tempdir");
    let clock = ManualClock::at(T0);
    let mut store = create(dir.path(), &clock, StoreConfig::for_tests());
    let (mut a, mut b) = (demo(6), demo(7));
    let (ida, idb) = (a.case().id.clone(), b.case().id.clone());
    store.put_case(&mut a).expect("put");
    store.put_case(&mut b).expect("put");
    for i in 0..2 {
        store.edit_case(&ida, T0 + i, |c, _| c.applicant.given_name = format!("Ім'я {i}")).expect("edit");
    }
    let db = raw(dir.path());
    let snap = |id: &str| -> Vec<u8> {
        db.query_row("SELECT snapshot FROM cases WHERE id = ?1", [id], |r| r.get(0)).expect("snapshot")
    };
    let (sa, sb) = (snap(&ida), snap(&idb));
    db.execute("UPDATE cases SET snapshot = ?1 WHERE id = ?2", rusqlite::params![sb, ida]).expect("swap");
    db.execute("UPDATE cases SET snapshot = ?1 WHERE id = ?2", rusqlite::params![sa, idb]).expect("swap");
    assert!(matches!(store.case(&ida), Err(StoreError::Tampered { what: "case" })));
    assert!(matches!(store.case(&idb), Err(StoreError::Tampered { what: "case" })));
    db.execute("UPDATE cases SET snapshot = ?1 WHERE id = ?2", rusqlite::params![sa, ida]).expect("restore");
    assert!(store.case(&ida).is_ok());

    // Two chunks of one case swapped: the chunk number is bound too.
    db.execute("UPDATE chunks SET seq = 100 WHERE case_id = ?1 AND seq = 0", [&ida]).expect("move");
    db.execute("UPDATE chunks SET seq = 0 WHERE case_id = ?1 AND seq = 1", [&ida]).expect("move");
    db.execute("UPDATE chunks SET seq = 1 WHERE case_id = ?1 AND seq = 100", [&ida]).expect("move");
    assert!(matches!(store.case(&ida), Err(StoreError::Tampered { what: "chunk" })));
}

#[test]
fn an_idle_store_locks_and_drops_its_key() {
    let dir = tempfile::tempdir().expect("tempdir");
    let clock = ManualClock::at(T0);
    let config = StoreConfig { idle_lock_ms: 5 * 60_000, ..StoreConfig::for_tests() };
    let mut store = create(dir.path(), &clock, config);
    let mut case = demo(8);
    let id = case.case().id.clone();
    store.put_case(&mut case).expect("put");
    clock.advance_ms(4 * 60_000);
    store.case(&id).expect("still unlocked: the user was active");
    clock.advance_ms(4 * 60_000);
    assert!(store.is_unlocked());
    store.case(&id).expect("each operation restarts the timer");
    clock.advance_ms(5 * 60_000);
    assert!(!store.is_unlocked());
    let err = store.case(&id).expect_err("locked");
    assert!(matches!(err, StoreError::Locked), "{err:?}");
    assert!(err.to_string().starts_with("Сховище заблоковано"));
    clock.advance_ms(-60 * 60_000);
    assert!(matches!(store.case(&id), Err(StoreError::Locked)), "the key is gone, not just hidden");
    store.unlock(&Pin::new(PIN)).expect("unlock");
    store.case(&id).expect("case");
}

#[test]
fn a_revoked_device_wipes_its_database_and_blobs() {
    let dir = tempfile::tempdir().expect("tempdir");
    let clock = ManualClock::at(T0);
    let mut store = create(dir.path(), &clock, StoreConfig::for_tests());
    store.put_case(&mut demo(9)).expect("put");
    store.put_blob(b"scan").expect("blob");
    assert!(!all_files(dir.path()).is_empty());
    store.wipe().expect("wipe");
    assert!(all_files(dir.path()).is_empty(), "left: {:?}", all_files(dir.path()));
    assert!(!Store::exists(dir.path()));
}

#[test]
fn a_pin_change_rewraps_the_key_without_reencrypting_the_data() {
    let dir = tempfile::tempdir().expect("tempdir");
    let clock = ManualClock::at(T0);
    let mut store = create(dir.path(), &clock, StoreConfig::for_tests());
    let mut case = demo(10);
    let id = case.case().id.clone();
    store.put_case(&mut case).expect("put");
    let snapshot = |dir: &Path| -> Vec<u8> {
        raw(dir).query_row("SELECT snapshot FROM cases", [], |r| r.get(0)).expect("snapshot")
    };
    let before = snapshot(dir.path());
    assert!(matches!(store.change_pin(&Pin::new("9999"), &Pin::new("135790")), Err(StoreError::WrongPin { .. })));
    assert!(matches!(store.change_pin(&Pin::new(PIN), &Pin::new("12")), Err(StoreError::BadPin(_))));
    store.change_pin(&Pin::new(PIN), &Pin::new("135790")).expect("change");
    assert_eq!(snapshot(dir.path()), before, "the data is not re-encrypted");
    drop(store);

    let mut store = reopen(dir.path(), &clock, StoreConfig::for_tests());
    assert!(matches!(store.unlock(&Pin::new(PIN)), Err(StoreError::WrongPin { .. })));
    store.unlock(&Pin::new("135790")).expect("the new PIN");
    assert_eq!(store.case(&id).expect("case").case(), case.case());
}

#[test]
fn a_first_start_and_a_wiped_device_make_a_new_store_in_place() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("tablet");
    let clock = ManualClock::at(T0);
    let open = || Store::open_or_absent(&data, StoreConfig::for_tests(), Arc::new(clock.clone()), rng());
    let mut store = open().expect("an absent store");
    assert!(store.is_wiped() && !Store::exists(&data));
    assert!(matches!(store.unlock(&Pin::new(PIN)), Err(StoreError::Wiped)), "nothing to unlock yet");
    store.create_here(&Pin::new(PIN)).expect("made on the spot");
    assert!(store.is_unlocked() && Store::exists(&data));
    let mut case = demo(11);
    store.put_case(&mut case).expect("put");
    assert!(matches!(store.create_here(&Pin::new("135790")), Err(StoreError::AlreadyExists(_))));
    drop(store);

    // Reopened, it is the store made above, under its PIN, never replaced.
    let mut store = open().expect("open");
    assert!(!store.is_wiped());
    assert!(matches!(store.create_here(&Pin::new("135790")), Err(StoreError::AlreadyExists(_))));
    store.unlock(&Pin::new(PIN)).expect("unlock");
    assert_eq!(store.case_ids().expect("ids"), vec![case.case().id.clone()]);

    // Revoked: wiped in place; a new store (new PIN, new actor) is made where it was.
    store.wipe_now().expect("wipe");
    store.create_here(&Pin::new("135790")).expect("a new store after the wipe");
    assert!(store.case_ids().expect("ids").is_empty(), "nothing of the old store comes back");
    store.lock();
    assert!(matches!(store.unlock(&Pin::new(PIN)), Err(StoreError::WrongPin { .. })));
    store.unlock(&Pin::new("135790")).expect("the new PIN");
}
