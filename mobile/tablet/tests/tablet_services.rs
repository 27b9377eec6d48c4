//! The tablet's card reader and camera over the bridge, as the NFC callback and the camera
//! activity fill it, on the host: the emulated ID card behind an `IsoDepLink`, a photo
//! file behind the camera, and the real encrypted store behind the scan pipeline.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use keis_device::chip::Transport;
use keis_device::chip::android::{IsoDepError, IsoDepLink};
use keis_device::chip::emulator::{EmulatedChip, SPECIMEN_CAN};
use keis_mobile::store::StoreConfig;
use keis_tablet::bridge::{Bridge, Platform};
use keis_tablet::{tablet_config, tablet_services};
use keis_ui::{Capture, ChipAccess, Services};

/// Awaits a session answer as the window would.
fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime").block_on(f)
}

const PIN: &str = "482916";

/// The card on the back of the tablet: the emulated chip, leaving the field after
/// `lost_at` exchanges if set; records the timeout the reader asked for.
struct Card {
    chip: EmulatedChip,
    exchanges: usize,
    lost_at: Option<usize>,
    timeout: Arc<Mutex<Option<u32>>>,
}

impl Card {
    fn new(lost_at: Option<usize>) -> Self {
        Self { chip: EmulatedChip::td1_specimen(), exchanges: 0, lost_at, timeout: Arc::default() }
    }
}

impl IsoDepLink for Card {
    fn transceive(&mut self, apdu: &[u8]) -> Result<Vec<u8>, IsoDepError> {
        self.exchanges += 1;
        if self.lost_at.is_some_and(|n| self.exchanges > n) {
            return Err(IsoDepError::CardMovedAway);
        }
        self.chip.transmit(apdu).map_err(|e| IsoDepError::Link { what: e.to_string() })
    }
    fn max_transceive_length(&self) -> usize {
        65_279
    }
    fn extended_length_supported(&self) -> bool {
        false
    }
    fn set_timeout_ms(&mut self, ms: u32) -> Result<(), IsoDepError> {
        *self.timeout.lock().expect("lock") = Some(ms);
        Ok(())
    }
}

/// The activity's camera: counts how often Rust asked to open it.
#[derive(Clone, Default)]
struct Camera {
    opened: Arc<AtomicUsize>,
}

impl Platform for Camera {
    fn open_camera(&self) -> Result<(), String> {
        self.opened.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }
}

fn tablet(files: &std::path::Path, bridge: &Arc<Bridge>) -> Services {
    let mut config = tablet_config(files);
    config.store = StoreConfig::for_tests();
    config.auto_sync = None;
    let s = tablet_services(config, bridge.clone()).expect("services");
    block_on(s.session.create(PIN)).expect("the first start makes the store");
    s
}

fn can() -> ChipAccess {
    ChipAccess::Can(SPECIMEN_CAN.into())
}

#[test]
fn the_card_on_the_back_of_the_tablet_fills_the_form_once_per_touch() {
    let files = tempfile::tempdir().expect("tempdir");
    let bridge = Arc::new(Bridge::default());
    let s = tablet(files.path(), &bridge);

    let err = block_on(s.chip.read(&can())).expect_err("no card yet");
    assert!(err.0.starts_with("Прикладіть ID-картку") && err.0.contains(" / Hold the ID card"), "{err}");

    let card = Card::new(None);
    let timeout = card.timeout.clone();
    bridge.tag_presented(Box::new(card), Instant::now());
    let bad = block_on(s.chip.read(&ChipAccess::Can("12".into()))).expect_err("a bad CAN is refused before the card");
    assert!(bad.0.contains("ключ доступу"), "{bad}");
    let data = block_on(s.chip.read(&can())).expect("the card reads");
    assert!(!data.person.surname.is_empty() && data.person.birth_date.len() == 10, "{:?}", data.person);
    assert_eq!(data.person.document.kind, "id_card");
    assert_eq!(*timeout.lock().expect("lock"), Some(5_000), "PACE gets the tablet's long timeout");
    assert!(block_on(s.chip.read(&can())).is_err(), "one touch, one read: the card is presented again");

    bridge.tag_presented(Box::new(Card::new(Some(3))), Instant::now());
    let moved = block_on(s.chip.read(&can())).expect_err("the card left");
    assert!(moved.0.starts_with("картку відсунули"), "the link's own reason: {moved}");

    bridge.tag_presented(Box::new(Card::new(None)), Instant::now() - Duration::from_secs(120));
    assert!(
        block_on(s.chip.read(&can())).is_err_and(|e| e.0.starts_with("Прикладіть")),
        "a card seen 2 minutes ago is gone"
    );
}

#[test]
fn the_camera_opens_then_its_photo_becomes_a_scan_and_leaves_no_copy() {
    let files = tempfile::tempdir().expect("tempdir");
    let bridge = Arc::new(Bridge::default());
    let s = tablet(files.path(), &bridge);

    let none = block_on(s.camera.capture()).expect_err("no activity registered");
    assert!(none.0.contains("Камера недоступна"), "{none}");
    let camera = Camera::default();
    bridge.set_platform(Box::new(camera.clone()));
    let opened = block_on(s.camera.capture()).expect("the first press opens the camera");
    assert_eq!(opened, Capture::Opened);
    assert_eq!(camera.opened.load(Ordering::SeqCst), 1);

    let photo = files.path().join("camera-1.png");
    image::GrayImage::from_fn(1240, 1754, |x, y| image::Luma([if (x / 40 + y / 60) % 9 == 0 { 0 } else { 255 }]))
        .save(&photo)
        .expect("photo");
    bridge.photo_taken(photo.clone());
    let Capture::Page(scan) = block_on(s.camera.capture()).expect("the photo is scanned") else {
        panic!("a waiting photo is taken, the camera not opened again")
    };
    assert_eq!(scan.mime, "image/png");
    assert!(scan.thumbnail.starts_with("data:image/"), "a thumbnail for the checklist");
    assert!(!photo.exists(), "the clear photo is deleted once it is in the encrypted store");
    assert_eq!(camera.opened.load(Ordering::SeqCst), 1, "taking a waiting photo opens nothing");

    std::fs::write(&photo, b"not an image at all").expect("write");
    bridge.photo_taken(photo.clone());
    let broken = block_on(s.camera.capture()).expect_err("a broken photo is refused");
    assert!(broken.0.contains(" / "), "{broken}");
    assert!(!photo.exists());
    assert!(files.path().join("keis").join("keis.db").is_file(), "the store is under the app's files");
}
