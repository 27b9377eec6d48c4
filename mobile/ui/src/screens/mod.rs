//! The screens, in the order a user meets them.

pub mod actions;
pub mod detail;
pub mod inbox;
pub mod journal;
pub mod notes;
pub mod setup;
pub mod shell;
pub mod sync_bar;
pub mod unlock;
pub mod wizard;
