//! Interface language: Ukrainian first, English switchable. Each screen keeps its strings
//! as [`T`] pairs next to its markup; the language is a signal in the context.

use dioxus::prelude::*;
use keis_mobile::case_list::Lang;

/// A user-facing string in both languages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct T(pub &'static str, pub &'static str);

impl T {
    /// The string in `lang`.
    pub fn get(self, lang: Lang) -> &'static str {
        match lang {
            Lang::Uk => self.0,
            Lang::En => self.1,
        }
    }
}

/// The language signal provided by [`crate::App`].
pub fn use_lang() -> Signal<Lang> {
    use_context::<Signal<Lang>>()
}

/// Picks `uk` or `en`: for strings built with `format!`.
pub fn tr(lang: Lang, uk: String, en: String) -> String {
    match lang {
        Lang::Uk => uk,
        Lang::En => en,
    }
}

const SWITCH_TO: T = T("English", "Українська");
const SWITCH_LABEL: T = T("Мова інтерфейсу: перемкнути на англійську", "Interface language: switch to Ukrainian");

/// The button that switches the language.
#[component]
pub fn LangSwitch() -> Element {
    let mut lang = use_lang();
    let l = lang();
    rsx! {
        button {
            id: "lang-switch",
            class: "lang-switch",
            r#type: "button",
            aria_label: SWITCH_LABEL.get(l),
            lang: if l == Lang::Uk { "en" } else { "uk" },
            onclick: move |_| lang.set(if l == Lang::Uk { Lang::En } else { Lang::Uk }),
            {SWITCH_TO.get(l)}
        }
    }
}
