//! The inbox of the hromada officer and the back office: the cases the acting position
//! can act on now, and the actions for the chosen one.

use dioxus::prelude::*;
use keis_mobile::views::inbox::available;

use crate::app::{DataVersion, Screen, SessionState};
use crate::i18n::{T, tr, use_lang};
use crate::screens::actions::CaseActions;
use crate::services::Services;

const TITLE: T = T("Вхідні", "Inbox");
const EMPTY: T = T("Немає справ, що чекають на вас", "No cases waiting for you");
const OPEN: T = T("Відкрити справу", "Open the case");

/// The inbox screen.
#[component]
pub fn Inbox() -> Element {
    let services = use_context::<Services>();
    let session = use_context::<Signal<SessionState>>();
    let data = use_context::<DataVersion>();
    let mut screen = use_context::<Signal<Screen>>();
    let lang = use_lang();
    let l = lang();
    let mut chosen = use_signal(|| None::<String>);
    let _ = (data.0)();
    let Some(position) = session().acting_as else { return rsx! {} };
    let rows: Vec<_> = services
        .cases
        .rows(l)
        .into_iter()
        .filter(|r| r.status.is_some_and(|s| !available(s, position.role).is_empty()))
        .collect();
    let selected = chosen().and_then(|id| rows.iter().find(|r| r.row.id == id).cloned());
    rsx! {
        section { class: "inbox", aria_labelledby: "inbox-title",
            h2 { id: "inbox-title", {TITLE.get(l)} }
            p { id: "inbox-count", {tr(l, format!("Чекають на вас: {}", rows.len()), format!("Waiting for you: {}", rows.len()))} }
            if rows.is_empty() {
                p { id: "inbox-empty", {EMPTY.get(l)} }
            }
            ul { class: "inbox-list", role: "list",
                for r in rows {
                    li { key: "{r.row.id}", class: if selected.as_ref().is_some_and(|s| s.row.id == r.row.id) { "chosen" } else { "" },
                        button {
                            id: "inbox-{r.row.id}",
                            r#type: "button",
                            onclick: {
                                let id = r.row.id.clone();
                                move |_| chosen.set(Some(id.clone()))
                            },
                            span { class: "number", "{r.row.number}" }
                            " "
                            span { class: "applicant", "{r.row.applicant}" }
                            " "
                            span { class: "status", "{r.row.status}" }
                        }
                    }
                }
            }
            if let Some(s) = selected {
                article { id: "inbox-case", class: "inbox-case",
                    h3 { "{s.row.number} — {s.row.applicant}" }
                    button {
                        id: "inbox-open",
                        r#type: "button",
                        class: "secondary",
                        onclick: {
                            let id = s.row.id.clone();
                            move |_| screen.set(Screen::Case(id.clone()))
                        },
                        {OPEN.get(l)}
                    }
                    CaseActions { key: "{s.row.id}", case_id: s.row.id.clone(), status: s.status }
                }
            }
        }
    }
}
