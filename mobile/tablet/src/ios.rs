//! The iOS side of the bridge: C functions the Swift app calls (`swift/KeisBridge.swift`),
//! filling the same [`Bridge`](crate::bridge::Bridge) the Android side fills.
//!
//! - [`keis_ios_register`]: the app starts; Rust keeps its Application Support directory
//!   and the callbacks that present the camera and begin an NFC session.
//! - [`keis_ios_on_tag`]: Core NFC's `NFCTagReaderSession` found the ID card and connected
//!   it as an `NFCISO7816Tag`; Swift hands over a [`KeisTagLink`] (its `sendCommand`
//!   made blocking with a semaphore, on the session's own queue), kept until the user
//!   presses "read".
//! - [`keis_ios_on_photo`]: the camera saved a photo.
//!
//! The card is read through the same `IsoDepTransport` as on Android (the link's command
//! length and extended-length support decide how files are read). Every function checks
//! its pointers, returns a status code instead of failing across the boundary, and never
//! panics. Compiled and tested on the host (`tests/ios_abi.rs` calls these functions as
//! Swift would, with the emulated chip behind the callbacks); built for iOS by
//! `dx bundle --platform ios`, which needs macOS and Xcode.
#![allow(unsafe_code)]

use std::ffi::{CStr, c_char, c_void};
use std::path::PathBuf;
use std::time::Instant;

use keis_device::chip::android::{IsoDepError, IsoDepLink};

use crate::bridge::{Platform, bridge};

/// Done.
pub const KEIS_OK: i32 = 0;
/// A pointer was null, or a string not UTF-8.
pub const KEIS_BAD_ARGUMENT: i32 = -1;

/// `transceive`'s answer: the card answered.
pub const KEIS_TAG_OK: i32 = 0;
/// `transceive`'s answer: the card left the field (`NFCReaderError.readerTransceiveErrorTagConnectionLost`).
pub const KEIS_TAG_LOST: i32 = 1;
/// `transceive`'s answer: any other failure of the session.
pub const KEIS_TAG_FAILED: i32 = 2;

/// Sends one command APDU (`len` bytes at `apdu`) and waits for the answer, written with
/// SW1SW2 to `out` (room for `cap` bytes), its length to `out_len`; returns a `KEIS_TAG_*`.
pub type TransceiveFn = unsafe extern "C" fn(
    ctx: *mut c_void,
    apdu: *const u8,
    len: usize,
    out: *mut u8,
    cap: usize,
    out_len: *mut usize,
) -> i32;

/// A connected ID card as Swift hands it over.
#[repr(C)]
pub struct KeisTagLink {
    /// The Swift side's handle (a retained tag and its session), passed back to the
    /// callbacks; Rust never reads it.
    pub ctx: *mut c_void,
    pub transceive: Option<TransceiveFn>,
    /// Called once when Rust is done with the card (read, replaced or stale).
    pub release: Option<unsafe extern "C" fn(ctx: *mut c_void)>,
    /// The longest command the tag and the phone carry (Core NFC: 261, or 65,544 with
    /// extended length).
    pub max_transceive_length: usize,
    pub extended_length: bool,
}

/// The longest answer: 65,536 data bytes and SW1SW2 with extended length, else 256.
fn answer_room(extended: bool) -> usize {
    if extended { 65_536 + 2 } else { 256 + 2 }
}

/// The card behind a [`KeisTagLink`], as the transport drives it.
struct SwiftTag {
    link: KeisTagLink,
    transceive: TransceiveFn,
}

// SAFETY: the Swift side's contract (`swift/KeisBridge.swift`) is that `transceive` and
// `release` may be called from any thread, one call at a time; Rust calls them only
// through `&mut self` or on drop, so never concurrently.
unsafe impl Send for SwiftTag {}

impl IsoDepLink for SwiftTag {
    fn transceive(&mut self, apdu: &[u8]) -> Result<Vec<u8>, IsoDepError> {
        let mut out = vec![0u8; answer_room(self.link.extended_length)];
        let mut len = 0usize;
        // SAFETY: `apdu` and `out` are valid for the lengths given for the whole call;
        // `ctx` is the handle Swift gave with this function.
        let code = unsafe {
            (self.transceive)(self.link.ctx, apdu.as_ptr(), apdu.len(), out.as_mut_ptr(), out.len(), &mut len)
        };
        match code {
            KEIS_TAG_OK if (2..=out.len()).contains(&len) => {
                out.truncate(len);
                Ok(out)
            }
            KEIS_TAG_OK => Err(IsoDepError::Link { what: format!("an answer of {len} bytes") }),
            KEIS_TAG_LOST => Err(IsoDepError::CardMovedAway),
            other => Err(IsoDepError::Link { what: format!("Core NFC failed ({other})") }),
        }
    }

    fn max_transceive_length(&self) -> usize {
        self.link.max_transceive_length
    }

    fn extended_length_supported(&self) -> bool {
        self.link.extended_length
    }
}

impl Drop for SwiftTag {
    fn drop(&mut self) {
        if let Some(release) = self.link.release {
            // SAFETY: called once, with the handle Swift gave.
            unsafe { release(self.link.ctx) }
        }
    }
}

/// A C string as a path, or `None` if null or not UTF-8.
///
/// # Safety
/// `s` is null or points to a NUL-terminated string valid for this call.
unsafe fn path_from(s: *const c_char) -> Option<PathBuf> {
    if s.is_null() {
        return None;
    }
    // SAFETY: not null, and NUL-terminated by the caller's contract.
    let text = unsafe { CStr::from_ptr(s) }.to_str().ok()?;
    (!text.is_empty()).then(|| PathBuf::from(text))
}

/// A call Rust makes into Swift: presents something and returns a `KEIS_*` code.
pub type PlatformFn = unsafe extern "C" fn(ctx: *mut c_void) -> i32;

/// The camera and the NFC session, reached through the callbacks Swift registered.
struct SwiftPlatform {
    open_camera: PlatformFn,
    begin_card_session: PlatformFn,
    ctx: *mut c_void,
}

// SAFETY: the Swift side's contract is that the callbacks may be called from any thread
// (they hop to the main queue to present the camera or the NFC sheet).
unsafe impl Send for SwiftPlatform {}
// SAFETY: as above; the callbacks take no Rust state.
unsafe impl Sync for SwiftPlatform {}

impl SwiftPlatform {
    fn call(&self, f: PlatformFn, what: &str) -> Result<(), String> {
        // SAFETY: a callback and handle Swift registered for the life of the process.
        match unsafe { f(self.ctx) } {
            KEIS_OK => Ok(()),
            code => Err(format!("{what} did not start ({code})")),
        }
    }
}

impl Platform for SwiftPlatform {
    fn open_camera(&self) -> Result<(), String> {
        self.call(self.open_camera, "the camera")
    }

    fn start_card_reader(&self) -> Result<(), String> {
        self.call(self.begin_card_session, "the NFC session")
    }
}

/// The app starts: its private directory (Application Support), and the callbacks that
/// present the camera and begin an NFC session (iOS reads a card only in a session the
/// user started: "read" with no card begins one). Returns [`KEIS_OK`], or
/// [`KEIS_BAD_ARGUMENT`] (nothing is registered then).
///
/// # Safety
/// `files_dir` is null or a NUL-terminated string valid for this call; the callbacks, if
/// given, may be called with `ctx` from any thread for the life of the process.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn keis_ios_register(
    files_dir: *const c_char,
    open_camera: Option<PlatformFn>,
    begin_card_session: Option<PlatformFn>,
    ctx: *mut c_void,
) -> i32 {
    // SAFETY: forwarded from the caller's contract.
    let (Some(dir), Some(open_camera), Some(begin_card_session)) =
        (unsafe { path_from(files_dir) }, open_camera, begin_card_session)
    else {
        return KEIS_BAD_ARGUMENT;
    };
    let b = bridge();
    b.set_files_dir(dir);
    b.set_platform(Box::new(SwiftPlatform { open_camera, begin_card_session, ctx }));
    tracing::info!("the iOS app registered");
    KEIS_OK
}

/// Core NFC connected an ID card. Rust owns `link` from now on and calls `release` when
/// done with it, also when this returns [`KEIS_BAD_ARGUMENT`] (no `transceive`).
///
/// # Safety
/// `link`'s callbacks follow [`TransceiveFn`]'s contract and may be called from any
/// thread, one at a time, until `release`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn keis_ios_on_tag(link: KeisTagLink) -> i32 {
    let Some(transceive) = link.transceive else {
        if let Some(release) = link.release {
            // SAFETY: the handle Swift gave, released once.
            unsafe { release(link.ctx) }
        }
        return KEIS_BAD_ARGUMENT;
    };
    bridge().tag_presented(Box::new(SwiftTag { link, transceive }), Instant::now());
    KEIS_OK
}

/// The camera saved a photo at `path`.
///
/// # Safety
/// `path` is null or a NUL-terminated string valid for this call.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn keis_ios_on_photo(path: *const c_char) -> i32 {
    // SAFETY: forwarded from the caller's contract.
    match unsafe { path_from(path) } {
        Some(p) => {
            bridge().photo_taken(p);
            KEIS_OK
        }
        None => KEIS_BAD_ARGUMENT,
    }
}
