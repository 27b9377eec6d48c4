//! Pure view models the screens of `keis-ui` render: the journal's search and filters,
//! the windowing of a long list, and the new-application wizard's state machine. No UI
//! toolkit and no I/O, so each is tested on its own.

pub mod application;
pub mod chip;
pub mod detail;
pub mod inbox;
pub mod journal;
pub mod notes;
pub mod text;
pub mod window;
pub mod wizard;
