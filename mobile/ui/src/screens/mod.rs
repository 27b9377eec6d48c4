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

use dioxus::prelude::*;

use crate::services::Later;

/// Awaits a service's answer in a task while `busy` says so (the window keeps drawing and
/// the screen can say it is waiting), then hands it to `then`.
pub(crate) fn await_busy<T: 'static, E: 'static>(
    mut busy: Signal<bool>,
    asked: Later<T, E>,
    then: impl FnOnce(Result<T, E>) + 'static,
) {
    busy.set(true);
    spawn(async move {
        let answer = asked.await;
        busy.set(false);
        then(answer);
    });
}
