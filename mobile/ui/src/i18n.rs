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

/// `n` with its noun in `lang`: Ukrainian has three forms (`[one, few, many]`: 1 зміна,
/// 2 зміни, 5 змін; 11–14 take "many"), English two (`[one, other]`).
pub fn count(n: u64, lang: Lang, uk: [&str; 3], en: [&str; 2]) -> String {
    let noun = match lang {
        Lang::Uk => match (n % 10, n % 100) {
            (1, r) if r != 11 => uk[0],
            (2..=4, r) if !(12..=14).contains(&r) => uk[1],
            _ => uk[2],
        },
        Lang::En if n == 1 => en[0],
        Lang::En => en[1],
    };
    format!("{n} {noun}")
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ukrainian_counts_take_one_of_three_forms() {
        let uk = ["зміна", "зміни", "змін"];
        let en = ["change", "changes"];
        let forms: Vec<String> = [0, 1, 2, 4, 5, 11, 12, 14, 21, 22, 25, 101, 111, 1_002]
            .iter()
            .map(|n| count(*n, Lang::Uk, uk, en))
            .collect();
        assert_eq!(
            forms,
            [
                "0 змін",
                "1 зміна",
                "2 зміни",
                "4 зміни",
                "5 змін",
                "11 змін",
                "12 змін",
                "14 змін",
                "21 зміна",
                "22 зміни",
                "25 змін",
                "101 зміна",
                "111 змін",
                "1002 зміни"
            ]
        );
        assert_eq!(count(1, Lang::En, uk, en), "1 change");
        assert_eq!(count(3, Lang::En, uk, en), "3 changes");
    }
}
