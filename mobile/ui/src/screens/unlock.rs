//! Unlock with the PIN, then choose the position (посада) to act as.

use dioxus::prelude::*;
use keis_crdt::{Position, Scope};
use keis_mobile::case_list::Lang;
use keis_mobile::views::text::pick;

use crate::app::SessionState;
use crate::i18n::{LangSwitch, T, use_lang};
use crate::screens::await_busy;
use crate::services::{Services, UnlockError};

const TITLE: T = T("Мобільний кейс", "Mobile case kit");
const PIN_LABEL: T = T("PIN-код", "PIN");
const UNLOCK: T = T("Розблокувати", "Unlock");
const EMPTY_PIN: T = T("Введіть PIN-код", "Enter your PIN");
const CHECKING: T = T("Перевіряємо PIN-код…", "Checking the PIN…");
const CHOOSE: T = T("Оберіть посаду", "Choose your position");
const CHOOSE_HINT: T =
    T("Дії в справах записуються від імені посади", "Actions on cases are recorded for the position");
const NO_POSITIONS: T = T(
    "Вам не призначено жодної посади на цьому пристрої. Зверніться до адміністратора.",
    "You hold no position on this device. Ask the administrator.",
);

/// The PIN screen. A wrong PIN says how many attempts are left, or how long to wait.
#[component]
pub fn Unlock() -> Element {
    let services = use_context::<Services>();
    let mut session = use_context::<Signal<SessionState>>();
    let lang = use_lang();
    let l = lang();
    let mut pin = use_signal(String::new);
    let mut error = use_signal(|| None::<String>);
    // While the PIN is checked (a second on a slow tablet): the button waits.
    let busy = use_signal(|| false);
    let submit = use_callback(move |()| {
        let typed = pin.peek().clone();
        if typed.trim().is_empty() {
            error.set(Some(EMPTY_PIN.get(lang()).to_owned()));
            return;
        }
        if *busy.peek() {
            return;
        }
        error.set(None);
        await_busy(busy, services.session.unlock(&typed), move |answer| match answer {
            Ok(access) => session.set(SessionState::opened(access)),
            // Nothing left to unlock: the first-start screen says why and makes a new store.
            Err(UnlockError::Wiped) => session.set(SessionState { setup: true, ..SessionState::default() }),
            Err(e) => error.set(Some(e.to_string())),
        });
        pin.set(String::new());
    });
    rsx! {
        main { class: "unlock", role: "main",
            header { class: "unlock-header",
                h1 { {TITLE.get(l)} }
                LangSwitch {}
            }
            div { class: "field",
                label { r#for: "pin", {PIN_LABEL.get(l)} }
                input {
                    id: "pin",
                    r#type: "password",
                    inputmode: "numeric",
                    autocomplete: "off",
                    value: "{pin}",
                    oninput: move |e| pin.set(e.value()),
                    onkeydown: move |e| {
                        if e.key() == Key::Enter {
                            submit(());
                        }
                    },
                }
            }
            if busy() {
                p { id: "unlock-busy", role: "status", {CHECKING.get(l)} }
            }
            if let Some(message) = error() {
                p { id: "unlock-error", class: "error", role: "alert", {pick(&message, l).to_owned()} }
            }
            button { id: "unlock", class: "primary", r#type: "button", disabled: busy(), onclick: move |_| submit(()), {UNLOCK.get(l)} }
        }
    }
}

/// A position as a user recognises it: role and where.
pub fn position_label(p: &Position, lang: Lang) -> String {
    let role = match lang {
        Lang::Uk => p.role.label_uk().to_owned(),
        Lang::En => role_en(p.role).to_owned(),
    };
    let scope = match &p.scope {
        Scope::All => T("усі громади", "all hromadas").get(lang).to_owned(),
        Scope::Hromadas(list) => list.join(", "),
        Scope::District { hromada, district } => format!("{hromada} / {district}"),
    };
    format!("{role} ({scope})")
}

fn role_en(role: keis_crdt::Role) -> &'static str {
    use keis_crdt::Role as R;
    match role {
        R::Starosta => "Starosta district officer",
        R::StarostaSuper => "Senior starosta district officer",
        R::CnapClerk => "ЦНАП clerk",
        R::CnapSuper => "Senior ЦНАП clerk",
        R::HromadaOfficer => "Hromada officer",
        R::BackOffice => "Back office (СПСЗН)",
        R::SocialWorker => "Social worker",
        R::Coordinator => "Coordinator",
        R::Administrator => "System administrator",
    }
}

/// Choosing the position to act as (also reached from the shell to switch).
#[component]
pub fn ChoosePosition() -> Element {
    let mut session = use_context::<Signal<SessionState>>();
    let l = use_lang()();
    let positions = session().positions.unwrap_or_default();
    rsx! {
        main { class: "choose-position", role: "main",
            header { class: "unlock-header",
                h1 { {CHOOSE.get(l)} }
                LangSwitch {}
            }
            p { class: "hint", {CHOOSE_HINT.get(l)} }
            if positions.is_empty() {
                p { id: "no-positions", class: "error", role: "alert", {NO_POSITIONS.get(l)} }
            }
            ul { class: "positions", role: "list",
                for p in positions {
                    li { key: "{p.id}",
                        button {
                            id: "position-{p.id}",
                            class: "position",
                            r#type: "button",
                            onclick: {
                                let p = p.clone();
                                move |_| session.with_mut(|s| s.acting_as = Some(p.clone()))
                            },
                            {position_label(&p, l)}
                        }
                    }
                }
            }
        }
    }
}
