//! `keis-mobile`: the field app people hold. This crate is its headless core, with no UI
//! toolkit: the view models the screens render, tested without a window. The Dioxus
//! components and the desktop/mobile launchers build on it (issue 5).

pub mod case_list;
pub mod signing;
pub mod store;
pub mod sync;
pub mod views;
