//! The shell after unlock: who is acting, the sync bar, the language switch, navigation,
//! and the current screen.

use dioxus::prelude::*;

use crate::app::{Screen, SessionState};
use crate::i18n::{LangSwitch, T, use_lang};
use crate::print::PrintView;
use crate::screens::detail::CaseDetailView;
use crate::screens::inbox::Inbox;
use crate::screens::journal::Journal;
use crate::screens::sync_bar::SyncBar;
use crate::screens::unlock::position_label;
use crate::screens::wizard::WizardView;
use crate::services::Services;

const JOURNAL: T = T("Журнал звернень", "Journal");
const NEW: T = T("Нова заява", "New application");
const INBOX: T = T("Вхідні", "Inbox");
const SWITCH: T = T("Змінити посаду", "Change position");
const LOCK: T = T("Заблокувати", "Lock");
const ACTING_AS: T = T("Посада", "Position");
const NAV: T = T("Розділи", "Sections");

/// The frame around every screen after unlock.
#[component]
pub fn Shell() -> Element {
    let services = use_context::<Services>();
    let mut session = use_context::<Signal<SessionState>>();
    let mut screen = use_context::<Signal<Screen>>();
    let l = use_lang()();
    let Some(position) = session().acting_as else {
        return rsx! {};
    };
    let front = position.role.is_front_office();
    let current = screen();
    let nav_class = |s: &Screen| if *s == current { "nav-item current" } else { "nav-item" };
    let aria_current = |s: &Screen| if *s == current { "page" } else { "false" };
    rsx! {
        header { class: "shell-header",
            div { class: "acting-as",
                span { class: "label", {ACTING_AS.get(l)} ": " }
                span { id: "acting-as", {position_label(&position, l)} }
            }
            button {
                id: "switch-position",
                r#type: "button",
                class: "secondary",
                onclick: move |_| {
                    session.with_mut(|s| s.acting_as = None);
                    screen.set(Screen::Journal);
                },
                {SWITCH.get(l)}
            }
            button {
                id: "lock",
                r#type: "button",
                class: "secondary",
                onclick: move |_| {
                    services.session.lock();
                    session.set(SessionState::default());
                    screen.set(Screen::Journal);
                },
                {LOCK.get(l)}
            }
            LangSwitch {}
        }
        SyncBar {}
        nav { class: "shell-nav", aria_label: NAV.get(l),
            button {
                id: "nav-journal",
                r#type: "button",
                class: nav_class(&Screen::Journal),
                aria_current: aria_current(&Screen::Journal),
                onclick: move |_| screen.set(Screen::Journal),
                {JOURNAL.get(l)}
            }
            if front {
                button {
                    id: "nav-new",
                    r#type: "button",
                    class: nav_class(&Screen::NewApplication),
                    aria_current: aria_current(&Screen::NewApplication),
                    onclick: move |_| screen.set(Screen::NewApplication),
                    {NEW.get(l)}
                }
            } else {
                button {
                    id: "nav-inbox",
                    r#type: "button",
                    class: nav_class(&Screen::Inbox),
                    aria_current: aria_current(&Screen::Inbox),
                    onclick: move |_| screen.set(Screen::Inbox),
                    {INBOX.get(l)}
                }
            }
        }
        main { class: "screen", role: "main",
            match current.clone() {
                Screen::Journal => rsx! { Journal {} },
                Screen::NewApplication => rsx! { WizardView {} },
                Screen::Inbox => rsx! { Inbox {} },
                Screen::Case(id) => rsx! { CaseDetailView { case_id: id } },
                Screen::Print(id) => rsx! { PrintView { case_id: id } },
            }
        }
    }
}
