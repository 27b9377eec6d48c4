//! `keis-device`: what the mobile kit's hardware gives the app.
//!
//! - [`chip`]: the ID card / passport chip (ICAO Doc 9303) over a [`chip::Transport`].
//! - [`scan`]: document photos and scanner files turned into compact, legible pages.
//! - [`signature`]: handwritten signatures captured as strokes, and the device's
//!   Ed25519 signature binding them to the case content.
//!
//! Protocol and image logic is pure and tested without readers; hardware backends are thin.

pub mod chip;
pub mod scan;
pub mod signature;
