//! The real services over a real encrypted store in a temp directory, and over a real
//! `keis-sync-server` on port 0: unlock with a wrong and the right PIN, an application
//! created through the case service seen in the journal, the detail and the printable
//! page, a workflow action, a scan through the pipeline, the card reader without PC/SC,
//! and a sync round up to the server.

mod real;

use keis_crdt::{Action, AppStatus, Status};
use keis_device::chip::emulator::{EmulatedChip, SPECIMEN_CAN};
use keis_device::chip::{AccessKey, Can, read_document};
use keis_mobile::case_list::Lang;
use keis_ui::real::{chip_data, services, services_and_store};
use keis_ui::{Access, Capture, ChipAccess, Enrolment, UnlockError};
use real::{PIN, Server, application, config, eventually, offline_device, starosta, wait};

#[test]
fn a_wrong_pin_is_refused_with_the_attempts_left_and_the_right_one_gives_the_positions() {
    let dir = tempfile::tempdir().expect("tempdir");
    offline_device(dir.path());
    let s = services(config(dir.path())).expect("services");
    match wait(s.session.unlock("000000")) {
        Err(UnlockError::WrongPin { remaining }) => assert!(remaining > 0 && remaining < 10, "{remaining}"),
        other => panic!("a wrong PIN must be refused: {other:?}"),
    }
    assert!(s.cases.rows(Lang::Uk).is_empty(), "nothing is readable while locked");
    let Ok(Access::Positions(positions)) = wait(s.session.unlock(PIN)) else {
        panic!("the right PIN gives the positions")
    };
    assert!(positions.iter().any(|p| p.id == "demo-starosta"), "{positions:?}");
    s.session.lock();
    assert!(s.cases.detail("anything", Lang::Uk).is_err(), "locked again");
}

#[test]
fn an_application_created_through_the_service_is_in_the_journal_detail_and_printout_and_acted_on() {
    let dir = tempfile::tempdir().expect("tempdir");
    offline_device(dir.path());
    let s = services(config(dir.path())).expect("services");
    wait(s.session.unlock(PIN)).expect("unlock");
    let id = s.cases.create_application(&application(), &starosta()).expect("created and submitted");
    let rows = s.cases.rows(Lang::Uk);
    let row = rows.iter().find(|r| r.row.id == id).expect("the new case is listed");
    assert!(row.unsynced, "not synced yet");
    assert!(row.row.applicant.contains("Вигаданенко"), "{}", row.row.applicant);
    let detail = s.cases.detail(&id, Lang::En).expect("detail");
    assert_eq!(detail.status, Some(Status::Application(AppStatus::SentToHromada)));
    let page = s.cases.printable(&id, Lang::Uk).expect("printable");
    assert!(page.contains("Вигаданенко") && page.contains("Леся"), "the applicant is on the page");
    assert!(page.contains("Код для перевірки стану заяви"), "the receipt carries its status-lookup code");
    // A tap is not a signature: refused with a message for the user, nothing created.
    let mut tap = application();
    tap.signature = vec![vec![(0.0, 0.0), (5.0, 9.0)]];
    let refused = s.cases.create_application(&tap, &starosta());
    assert!(refused.is_err_and(|e| e.0.contains("Підпис")), "the user is told to sign again");
    assert_eq!(s.cases.rows(Lang::Uk).len(), 1);
    // A workflow action through `CaseDoc::act`: the hromada officer returns it for rework.
    let officer = keis_crdt::demo::position(keis_crdt::Role::HromadaOfficer);
    let refused = s.cases.act(&id, &starosta(), Action::ReturnForRework, "перевірте адресу");
    assert!(refused.is_err_and(|e| e.0.contains(" / ")), "the starosta may not: the workflow says why");
    s.cases.act(&id, &officer, Action::ReturnForRework, "перевірте адресу").expect("returned");
    let detail = s.cases.detail(&id, Lang::Uk).expect("detail");
    assert_eq!(detail.status, Some(Status::Application(AppStatus::ReturnedForRework)));
    // Reopened from disk, it is still there (the store is real).
    drop(s);
    let s = services(config(dir.path())).expect("services again");
    wait(s.session.unlock(PIN)).expect("unlock");
    assert!(s.cases.rows(Lang::Uk).iter().any(|r| r.row.id == id), "persisted");
    assert!(s.cases.detail("case-none", Lang::Uk).is_err());
}

#[test]
fn a_scan_goes_through_the_pipeline_into_the_store() {
    let dir = tempfile::tempdir().expect("tempdir");
    offline_device(dir.path());
    let scans = tempfile::tempdir().expect("tempdir");
    let page =
        image::GrayImage::from_fn(1240, 1754, |x, y| image::Luma([if (x / 40 + y / 40) % 7 == 0 { 0 } else { 255 }]));
    page.save(scans.path().join("page-1.png")).expect("png");
    std::fs::write(scans.path().join("notes.txt"), "not an image").expect("txt");
    let mut c = config(dir.path());
    c.scan_source = Some(scans.path().to_owned());
    let (s, store) = services_and_store(c).expect("services");
    wait(s.session.unlock(PIN)).expect("unlock");
    let Ok(Capture::Page(scan)) = wait(s.camera.capture()) else { panic!("a page from the file") };
    assert_eq!(scan.sha256.len(), 64);
    assert!(scan.thumbnail.starts_with("data:image/jpeg;base64,"), "a preview");
    assert!(scan.mime == "image/png" && scan.size > 0, "{} {}", scan.mime, scan.size);
    // The case detail's thumbnail is made from the stored (encrypted) page.
    let thumb = wait(s.cases.thumbnail(&scan.sha256)).expect("made").expect("a thumbnail of a stored page");
    assert!(thumb.starts_with("data:image/jpeg;base64,/9j/"), "a JPEG: {}", &thumb[..40]);
    assert_eq!(wait(s.cases.thumbnail(&scan.sha256)), Ok(Some(thumb)), "the same again (kept)");
    assert_eq!(wait(s.cases.thumbnail(&"0".repeat(64))), Ok(None), "a page not on the device yet");
    let text = store.lock().expect("store").put_blob(b"not an image").expect("blob");
    assert_eq!(wait(s.cases.thumbnail(&text)), Ok(None), "a blob that is no image gets the placeholder");
    // A file the user chose: the same pipeline; a file that is no image is refused.
    let chosen = wait(s.camera.import(vec![scans.path().join("notes.txt"), scans.path().join("page-1.png")]))
        .expect("the files were taken");
    let [refused, chosen] = chosen.as_slice() else { panic!("one answer per file: {chosen:?}") };
    assert!(refused.as_ref().is_err_and(|e| e.0.contains(" / ")), "not an image: {refused:?}");
    assert_eq!(
        chosen.as_ref().map(|c| c.sha256.clone()).ok(),
        Some(scan.sha256.clone()),
        "the same page, the same blob"
    );
    let no_camera = services(config(dir.path())).expect("services");
    let err = wait(no_camera.camera.capture()).expect_err("no source configured");
    assert!(err.0.contains("--scans"), "{err}");
}

#[test]
fn the_card_reader_says_what_is_missing_and_a_chip_read_fills_the_person() {
    let dir = tempfile::tempdir().expect("tempdir");
    offline_device(dir.path());
    let s = services(config(dir.path())).expect("services");
    let err = wait(s.chip.read(&ChipAccess::Can("12".into()))).expect_err("no card here");
    assert!(err.0.contains(" / "), "Ukrainian, then English: {err}");
    let key = AccessKey::from(Can::new(SPECIMEN_CAN).expect("can"));
    let doc = read_document(EmulatedChip::td1_specimen(), &key).expect("emulated read");
    let data = chip_data(&doc);
    assert!(!data.person.surname.is_empty() && !data.person.given_name.is_empty(), "{:?}", data.person);
    assert_eq!(data.person.birth_date.len(), 10, "{}", data.person.birth_date);
    assert_eq!(data.person.document.kind, "id_card");
    assert!(data.verdict.contains(" / "));
    assert_eq!(data.access, "PACE", "the ID card opens with PACE");
    assert!(["passed", "partial", "failed", "not_checked"].contains(&data.outcome.as_str()), "{}", data.outcome);
    assert_eq!(data.verified, data.outcome == "passed");
}

#[test]
fn an_application_reaches_the_server_in_a_sync_round() {
    let server = Server::start();
    let dir = tempfile::tempdir().expect("tempdir");
    server.device(dir.path());
    let mut c = config(dir.path());
    c.server = Some(server.url());
    let s = services(c).expect("services");
    assert_eq!(s.sync.status().last_sync_ms, None, "never synced");
    // Approved but never signed in: unlocking does not wait on the server; the screen asks.
    let Ok(Access::Enrol(Enrolment::Pending { .. })) = wait(s.session.unlock(PIN)) else { panic!("the code, at once") };
    let Ok(Access::Positions(positions)) = wait(s.session.check_approval()) else { panic!("signed in: positions") };
    assert!(positions.iter().any(|p| p.id == "demo-starosta"), "{positions:?}");
    let id = s.cases.create_application(&application(), &starosta()).expect("created");
    assert!(eventually(5, || s.sync.status().pending_changes == 1), "{:?}", s.sync.status());
    s.sync.sync_now().expect("asked");
    assert!(eventually(20, || s.sync.status().last_sync_ms.is_some() && s.sync.status().progress.is_none()));
    let st = s.sync.status();
    assert_eq!((st.pending_changes, st.offline), (0, false), "{st:?}");
    let on_server = server.case(&id).expect("the case reached the server");
    assert_eq!(on_server.applicant.surname, "Вигаданенко");
    assert!(!s.cases.rows(Lang::Uk).iter().any(|r| r.row.id == id && r.unsynced), "synced now");
}

#[test]
fn a_server_that_is_gone_shows_as_offline() {
    let server = Server::start();
    let dir = tempfile::tempdir().expect("tempdir");
    server.device(dir.path());
    let s = services(config(dir.path())).expect("services");
    wait(s.session.unlock(PIN)).expect("unlock");
    drop(server);
    s.cases.create_application(&application(), &starosta()).expect("created offline");
    s.sync.sync_now().expect("asked");
    assert!(eventually(20, || s.sync.status().offline), "{:?}", s.sync.status());
    assert_eq!(s.sync.status().pending_changes, 1, "kept for later");
}

/// The PC/SC path (feature `pcsc`): the virtual reader of `scripts/virtual-card.sh start
/// --td3` with the emulated specimen passport, read with BAC from the MRZ key fields.
/// Without a reader it fails, unless `KEIS_SKIP_PCSC=1`.
#[cfg(feature = "pcsc")]
#[test]
fn the_card_reader_reads_the_specimen_through_pcsc() {
    let dir = tempfile::tempdir().expect("tempdir");
    offline_device(dir.path());
    let mut c = config(dir.path());
    c.reader = std::env::var("KEIS_PCSC_READER").ok();
    let s = services(c).expect("services");
    let data = match wait(s.chip.read(&ChipAccess::Mrz("L898902C 690806 940623".into()))) {
        Err(e) if std::env::var("KEIS_SKIP_PCSC").is_ok_and(|v| v == "1") => {
            eprintln!("skipping the PC/SC test (KEIS_SKIP_PCSC=1): {e}");
            return;
        }
        other => other.expect("the specimen reads through PC/SC"),
    };
    assert_eq!(data.person.document.number, "L898902C");
    assert_eq!(data.person.document.kind, "foreign_passport");
    assert_eq!(data.access, "BAC", "the specimen passport has no PACE");
    assert!(!data.person.surname.is_empty(), "{:?}", data.person);
    assert!(data.verdict.contains(" / "), "{}", data.verdict);
    let wrong = wait(s.chip.read(&ChipAccess::Mrz("L898902C 690806 940624".into())));
    assert!(wrong.is_err_and(|e| e.0.contains(" / ")), "a wrong key is refused, in both languages");
}

#[test]
fn a_visit_recorded_through_the_service_is_kept_encrypted_and_waits_to_sync() {
    let dir = tempfile::tempdir().expect("tempdir");
    offline_device(dir.path());
    let s = services(config(dir.path())).expect("services");
    wait(s.session.unlock(PIN)).expect("unlock");
    let id = s.cases.create_application(&application(), &starosta()).expect("created");
    let worker = keis_crdt::demo::position(keis_crdt::Role::SocialWorker);
    let refused = s.cases.add_note(&id, &worker, "visit", " ");
    assert!(refused.is_err_and(|e| e.0.starts_with("Напишіть текст")));
    s.cases.add_note(&id, &worker, "visit", "Візит удома; умови задовільні").expect("recorded");
    drop(s);
    let s = services(config(dir.path())).expect("services again");
    wait(s.session.unlock(PIN)).expect("unlock");
    let detail = s.cases.detail(&id, Lang::Uk).expect("detail");
    assert_eq!(detail.notes.len(), 1);
    assert_eq!((detail.notes[0].kind.as_str(), detail.notes[0].author.as_str()), ("Візит", worker.id.as_str()));
    assert!(s.cases.rows(Lang::Uk).iter().any(|r| r.row.id == id && r.unsynced), "waits to be sent");
    let needle = "умови задовільні".as_bytes();
    for f in std::fs::read_dir(dir.path()).expect("dir").filter_map(Result::ok).filter(|f| f.path().is_file()) {
        let bytes = std::fs::read(f.path()).expect("read");
        assert!(!bytes.windows(needle.len()).any(|w| w == needle), "sealed in {}", f.path().display());
    }
}

#[test]
fn the_session_is_idle_after_the_inactivity_time_and_a_touch_starts_it_again() {
    let dir = tempfile::tempdir().expect("tempdir");
    offline_device(dir.path());
    let mut c = config(dir.path());
    c.store.idle_lock_ms = 2_000;
    let s = services(c).expect("services");
    std::thread::sleep(std::time::Duration::from_millis(2_100));
    wait(s.session.unlock(PIN)).expect("unlock");
    assert!(!s.session.idle(), "unlocking is the user's doing");
    std::thread::sleep(std::time::Duration::from_millis(1_000));
    s.session.touch();
    std::thread::sleep(std::time::Duration::from_millis(1_000));
    assert!(!s.session.idle(), "touched a second ago: the store is kept open too");
    assert!(s.cases.detail("none", Lang::Uk).is_err_and(|e| !e.0.contains("locked")), "still readable");
    // Work the app does on its own (a list read after a sync) keeps the store's key, but
    // not the user's presence.
    for _ in 0..3 {
        std::thread::sleep(std::time::Duration::from_millis(800));
        let _ = s.cases.rows(Lang::Uk);
    }
    assert!(s.session.idle(), "2.4 s without a touch");
    s.session.lock();
    assert!(s.session.idle());
}
