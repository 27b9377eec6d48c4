//! The root component: first start (a PIN, enrolment) or unlock, choose the position,
//! then the shell with the screens.

use dioxus::prelude::*;
use keis_crdt::Position;
use keis_mobile::case_list::Lang;

use crate::screens::setup::{CreateStore, Enrol};
use crate::screens::shell::Shell;
use crate::screens::unlock::{ChoosePosition, Unlock};
use crate::services::{Access, Enrolment, Services};

/// Which screen the shell shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Screen {
    Journal,
    NewApplication,
    Inbox,
    Case(String),
    Print(String),
}

/// The session as the screens see it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SessionState {
    /// No store on the device (first start, or wiped): a PIN is chosen first.
    pub setup: bool,
    /// Unlocked, but the device must enrol or wait for approval before anyone works.
    pub enrolment: Option<Enrolment>,
    /// Set once the PIN unlocked the store: the positions the user holds.
    pub positions: Option<Vec<Position>>,
    /// The position the user acts as.
    pub acting_as: Option<Position>,
}

impl SessionState {
    /// The session after the store opened with `access`: enrolment, or the positions
    /// (acting as the only one at once if there is one).
    pub fn opened(access: Access) -> Self {
        match access {
            Access::Enrol(e) => Self { enrolment: Some(e), ..Self::default() },
            Access::Positions(positions) => {
                let acting_as = if positions.len() == 1 { positions.first().cloned() } else { None };
                Self { positions: Some(positions), acting_as, ..Self::default() }
            }
        }
    }
}

/// Bumped after every change to local cases, so lists re-read them.
#[derive(Debug, Clone, Copy)]
pub struct DataVersion(pub Signal<u64>);

impl DataVersion {
    /// Marks the local cases changed.
    pub fn bump(mut self) {
        let v = *self.0.peek();
        self.0.set(v + 1);
    }
}

/// The app as a launcher mounts it, with real services.
#[component]
pub fn App(services: Services) -> Element {
    use_context_provider(|| services.clone());
    let lang = use_context_provider(|| Signal::new(Lang::Uk));
    use_context_provider(|| Signal::new(Screen::Journal));
    use_context_provider(|| DataVersion(Signal::new(0)));
    let setup = services.session.needs_setup();
    let session = use_context_provider(|| Signal::new(SessionState { setup, ..SessionState::default() }));
    let s = session();
    rsx! {
        div { class: "app", lang: if lang() == Lang::Uk { "uk" } else { "en" },
            if s.setup {
                CreateStore {}
            } else if s.enrolment.is_some() {
                Enrol {}
            } else if s.positions.is_none() {
                Unlock {}
            } else if s.acting_as.is_none() {
                ChoosePosition {}
            } else {
                Shell {}
            }
        }
    }
}
