//! The iOS entry points called as the Swift half calls them (`swift/KeisBridge.swift`):
//! C callbacks over the emulated ID card stand in for Core NFC's `NFCISO7816Tag`, a counter
//! for the camera, a photo file for the camera's output. One test: the functions fill the
//! process's one bridge.
#![allow(unsafe_code)]

use std::ffi::{CString, c_void};
use std::sync::atomic::{AtomicUsize, Ordering};

use keis_device::chip::Transport;
use keis_device::chip::emulator::{EmulatedChip, SPECIMEN_CAN};
use keis_mobile::store::StoreConfig;
use keis_tablet::ios::{
    KEIS_BAD_ARGUMENT, KEIS_OK, KEIS_TAG_FAILED, KEIS_TAG_LOST, KEIS_TAG_OK, KeisTagLink, PlatformFn,
    keis_ios_on_photo, keis_ios_on_tag, keis_ios_register,
};
use keis_tablet::{bridge, tablet_config, tablet_services};
use keis_ui::{Capture, ChipAccess};

/// What the Swift side keeps behind `ctx`: the card, and after how many exchanges it
/// leaves the field.
struct SwiftCard {
    chip: EmulatedChip,
    exchanges: usize,
    lost_at: Option<usize>,
}

/// Awaits a session answer as the window would.
fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime").block_on(f)
}

static RELEASED: AtomicUsize = AtomicUsize::new(0);
static CAMERA_OPENED: AtomicUsize = AtomicUsize::new(0);
static SESSIONS_BEGUN: AtomicUsize = AtomicUsize::new(0);

unsafe extern "C" fn transceive(
    ctx: *mut c_void,
    apdu: *const u8,
    len: usize,
    out: *mut u8,
    cap: usize,
    out_len: *mut usize,
) -> i32 {
    // SAFETY: `ctx` is the Box<SwiftCard> this test leaked for the link; Rust calls one at
    // a time; `apdu`, `out` and `out_len` are valid as the ABI promises.
    let card = unsafe { &mut *ctx.cast::<SwiftCard>() };
    card.exchanges += 1;
    if card.lost_at.is_some_and(|n| card.exchanges > n) {
        return KEIS_TAG_LOST;
    }
    let command = unsafe { std::slice::from_raw_parts(apdu, len) };
    let Ok(answer) = card.chip.transmit(command) else { return KEIS_TAG_FAILED };
    if answer.len() > cap {
        return KEIS_TAG_FAILED;
    }
    unsafe {
        std::ptr::copy_nonoverlapping(answer.as_ptr(), out, answer.len());
        *out_len = answer.len();
    }
    KEIS_TAG_OK
}

unsafe extern "C" fn release(ctx: *mut c_void) {
    // SAFETY: the Box leaked for this link, released once.
    drop(unsafe { Box::from_raw(ctx.cast::<SwiftCard>()) });
    RELEASED.fetch_add(1, Ordering::SeqCst);
}

unsafe extern "C" fn open_camera(_ctx: *mut c_void) -> i32 {
    CAMERA_OPENED.fetch_add(1, Ordering::SeqCst);
    KEIS_OK
}

unsafe extern "C" fn begin_card_session(_ctx: *mut c_void) -> i32 {
    SESSIONS_BEGUN.fetch_add(1, Ordering::SeqCst);
    KEIS_OK
}

fn link(lost_at: Option<usize>) -> KeisTagLink {
    let card = Box::new(SwiftCard { chip: EmulatedChip::td1_specimen(), exchanges: 0, lost_at });
    KeisTagLink {
        ctx: Box::into_raw(card).cast(),
        transceive: Some(transceive),
        release: Some(release),
        max_transceive_length: 261,
        extended_length: false,
    }
}

#[test]
fn the_swift_half_registers_hands_over_the_card_and_the_photo() {
    let files = tempfile::tempdir().expect("tempdir");
    let dir = CString::new(files.path().to_str().expect("utf-8")).expect("c string");

    // SAFETY (all calls below): the arguments are as the ABI describes.
    let (camera, nfc): (Option<PlatformFn>, Option<PlatformFn>) = (Some(open_camera), Some(begin_card_session));
    let none = std::ptr::null_mut();
    assert_eq!(unsafe { keis_ios_register(std::ptr::null(), camera, nfc, none) }, KEIS_BAD_ARGUMENT);
    assert_eq!(unsafe { keis_ios_register(dir.as_ptr(), None, nfc, none) }, KEIS_BAD_ARGUMENT);
    assert_eq!(unsafe { keis_ios_register(dir.as_ptr(), camera, None, none) }, KEIS_BAD_ARGUMENT);
    assert!(bridge().files_dir().is_none(), "nothing registered by a bad call");
    assert_eq!(unsafe { keis_ios_register(dir.as_ptr(), camera, nfc, none) }, KEIS_OK);
    assert_eq!(bridge().files_dir(), Some(&files.path().to_path_buf()));

    let mut config = tablet_config(files.path());
    config.store = StoreConfig::for_tests();
    config.auto_sync = None;
    let s = tablet_services(config, bridge()).expect("services");
    block_on(s.session.create("482916")).expect("the first start makes the store");

    // "Read" with no card begins an NFC session and asks for the card.
    let none_yet = block_on(s.chip.read(&ChipAccess::Can(SPECIMEN_CAN.into()))).expect_err("no card yet");
    assert!(none_yet.0.starts_with("Прикладіть"), "{none_yet}");
    assert_eq!(SESSIONS_BEGUN.load(Ordering::SeqCst), 1);

    // The card, read with the CAN through the C callbacks (short APDUs only).
    assert_eq!(unsafe { keis_ios_on_tag(link(None)) }, KEIS_OK);
    let data = block_on(s.chip.read(&ChipAccess::Can(SPECIMEN_CAN.into()))).expect("read over the Swift link");
    assert_eq!(data.access, "PACE");
    assert_eq!(data.person.document.kind, "id_card");
    assert_eq!(RELEASED.load(Ordering::SeqCst), 1, "the card is released once read");

    // A card that leaves the field mid-read: the holder is told, the card released.
    assert_eq!(unsafe { keis_ios_on_tag(link(Some(6))) }, KEIS_OK);
    let moved = block_on(s.chip.read(&ChipAccess::Can(SPECIMEN_CAN.into()))).expect_err("the card moved away");
    assert!(moved.0.contains("картку відсунули"), "{moved}");
    assert_eq!(RELEASED.load(Ordering::SeqCst), 2);

    // A link without `transceive` is refused and still released; a newer card replaces
    // an older one, which is released.
    let mut broken = link(None);
    broken.transceive = None;
    assert_eq!(unsafe { keis_ios_on_tag(broken) }, KEIS_BAD_ARGUMENT);
    assert_eq!(RELEASED.load(Ordering::SeqCst), 3);
    assert_eq!(unsafe { keis_ios_on_tag(link(None)) }, KEIS_OK);
    assert_eq!(unsafe { keis_ios_on_tag(link(None)) }, KEIS_OK);
    assert_eq!(RELEASED.load(Ordering::SeqCst), 4, "the replaced card");

    // The camera: opened through the callback, its photo handed over by path.
    assert_eq!(block_on(s.camera.capture()).expect("opens"), Capture::Opened);
    assert_eq!(CAMERA_OPENED.load(Ordering::SeqCst), 1);
    let photo = files.path().join("IMG_0001.png");
    image::GrayImage::from_fn(1240, 1754, |x, y| image::Luma([if (x / 40 + y / 60) % 9 == 0 { 0 } else { 255 }]))
        .save(&photo)
        .expect("photo");
    let path = CString::new(photo.to_str().expect("utf-8")).expect("c string");
    assert_eq!(unsafe { keis_ios_on_photo(std::ptr::null()) }, KEIS_BAD_ARGUMENT);
    assert_eq!(unsafe { keis_ios_on_photo(path.as_ptr()) }, KEIS_OK);
    let Capture::Page(scan) = block_on(s.camera.capture()).expect("the photo") else {
        panic!("a page, not the camera again")
    };
    assert_eq!(scan.mime, "image/png");
    assert!(!photo.exists(), "the clear photo is deleted once in the encrypted store");
    assert_eq!(SESSIONS_BEGUN.load(Ordering::SeqCst), 1, "a card was there for every other read");
}
