//! `keis-ui`: the screens of the Keis field app as Dioxus 0.7 components, with no
//! renderer attached. A launcher (desktop, mobile) mounts [`App`] with real [`Services`];
//! tests mount it in a `VirtualDom`, inject events and read the HTML `dioxus-ssr` renders.
//!
//! Everything the screens need from outside comes in as object-safe traits
//! ([`services`]); the logic lives in the headless core (`keis_mobile::views`), so the
//! components stay thin. User-facing text is Ukrainian first, English switchable.
//! The stylesheet is [`STYLESHEET`] (`assets/app.css`).
//!
//! # Mounting
//!
//! A launcher builds [`Services`] over the encrypted store, the sync client, the card
//! reader and the camera ([`real::services`] does), and launches `App` with
//! `AppProps { services }`. The sync bar
//! polls [`SyncService::status`] whenever it renders (after any action, and on its refresh
//! button); a launcher that wants a live progress bar re-renders on a timer.
//!
//! # Testing without a window
//!
//! `tests/support` mounts `App` with fake services in a `VirtualDom`, maps HTML ids to
//! element ids from the mutations, injects click/input/change/scroll/pointer events and
//! asserts on `dioxus_ssr::render`.

pub mod app;
pub mod i18n;
pub mod print;
pub mod real;
pub mod screens;
pub mod services;

pub use app::{App, AppProps, Screen, SessionState};
pub use services::{
    Access, CameraService, Capture, CaseService, ChipAccess, ChipService, Enrolment, Later, ServiceError, Services,
    Session, SyncService, SyncStatus, UnlockError,
};

/// The app's stylesheet, for the launcher to inject.
pub const STYLESHEET: &str = include_str!("../assets/app.css");
