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

/// Bumped every [`TICK`] (on the launcher's runtime) and by the sync bar's refresh button:
/// the sync status is read again and inactivity checked.
#[derive(Debug, Clone, Copy)]
pub struct Tick(pub Signal<u64>);

impl Tick {
    pub fn bump(mut self) {
        let v = *self.0.peek();
        self.0.set(v + 1);
    }
}

/// How often the status is read again.
pub const TICK: std::time::Duration = std::time::Duration::from_millis(1500);

/// A listener that tells the session the user did something.
fn touch<T: 'static>(services: &Services) -> impl FnMut(Event<T>) + 'static {
    let session = services.session.clone();
    move |_| session.touch()
}

/// The app as a launcher mounts it, with real services.
#[component]
pub fn App(services: Services) -> Element {
    use_context_provider(|| services.clone());
    let lang = use_context_provider(|| Signal::new(Lang::Uk));
    use_context_provider(|| Signal::new(Screen::Journal));
    use_context_provider(|| DataVersion(Signal::new(0)));
    let setup = services.session.needs_setup();
    let mut session = use_context_provider(|| Signal::new(SessionState { setup, ..SessionState::default() }));
    let tick = use_context_provider(|| Tick(Signal::new(0)));
    use_hook(move || {
        // A timer on the launcher's tokio runtime; headless tests have none and press the
        // refresh button instead.
        if tokio::runtime::Handle::try_current().is_ok() {
            spawn(async move {
                loop {
                    tokio::time::sleep(TICK).await;
                    tick.bump();
                }
            });
        }
    });
    let mut screen = use_context::<Signal<Screen>>();
    let idle_check = services.clone();
    use_effect(move || {
        let _ = (tick.0)();
        // Away too long: the screens close (no personal data stays on show), the key goes.
        if session.peek().positions.is_some() && idle_check.session.idle() {
            tracing::info!("locked after inactivity");
            idle_check.session.lock();
            session.set(SessionState::default());
            screen.set(Screen::Journal);
        }
    });
    let s = session();
    rsx! {
        div {
            class: "app",
            lang: if lang() == Lang::Uk { "uk" } else { "en" },
            // Any tap, key or typing anywhere is the user's activity.
            onclick: touch(&services),
            onkeydown: touch(&services),
            oninput: touch(&services),
            onpointerdown: touch(&services),
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
