//! The printable application: a self-contained, print-ready HTML page built from a case,
//! for the applicant to sign on paper. Pure: the same case gives the same page.

use dioxus::prelude::*;
use keis_crdt::{Case, Catalogue};
use keis_mobile::case_list::Lang;

use crate::app::Screen;
use crate::i18n::{T, use_lang};
use crate::services::Services;

/// Escapes text for HTML.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn t(l: Lang, uk: &'static str, en: &'static str) -> &'static str {
    T(uk, en).get(l)
}

fn row(out: &mut String, label: &str, value: &str) {
    out.push_str(&format!("<tr><th scope=\"row\">{}</th><td>{}</td></tr>\n", escape(label), escape(value)));
}

/// The application as a complete HTML document, in `lang`.
pub fn application_html(case: &Case, catalogue: &Catalogue, lang: Lang) -> String {
    let l = lang;
    let p = &case.applicant;
    let mut body = String::new();
    body.push_str(&format!(
        "<h1>{} № {}</h1>\n<table class=\"applicant\">\n",
        t(l, "Заява", "Application"),
        escape(&case.number)
    ));
    row(&mut body, t(l, "Прізвище, ім'я, по батькові", "Full name"), &p.full_name());
    row(&mut body, t(l, "Дата народження", "Date of birth"), &p.birth_date);
    row(&mut body, t(l, "РНОКПП", "RNOKPP"), p.rnokpp.as_deref().unwrap_or("—"));
    row(&mut body, t(l, "УНЗР", "UNZR"), p.unzr.as_deref().unwrap_or("—"));
    row(&mut body, t(l, "Документ", "Identity document"), &p.document.number);
    row(&mut body, t(l, "Адреса реєстрації", "Registered address"), &p.registered_address.line);
    row(&mut body, t(l, "Телефон", "Phone"), p.phone.as_deref().unwrap_or("—"));
    body.push_str("</table>\n");
    body.push_str(&format!("<h2>{}</h2>\n<ol class=\"services\">\n", t(l, "Прошу призначити", "I apply for")));
    for code in case.service_codes() {
        let name = catalogue.service(code).map_or(code, |s| if l == Lang::Uk { s.uk.as_str() } else { s.en.as_str() });
        body.push_str(&format!("<li>{}</li>\n", escape(name)));
    }
    body.push_str("</ol>\n");
    if !case.household.is_empty() {
        body.push_str(&format!("<h2>{}</h2>\n<table class=\"household\">\n", t(l, "Склад сім'ї", "Household members")));
        for m in &case.household {
            row(&mut body, &m.relation, &format!("{}, {}", m.person.full_name(), m.person.birth_date));
        }
        body.push_str("</table>\n");
    }
    body.push_str(&format!("<h2>{}</h2>\n<ul class=\"documents\">\n", t(l, "Додані документи", "Documents attached")));
    for a in case.attachments.values() {
        let name = catalogue.document(&a.kind).map_or(a.kind.as_str(), |d| if l == Lang::Uk { &d.uk } else { &d.en });
        body.push_str(&format!("<li>{} ({} {})</li>\n", escape(name), a.pages, t(l, "арк.", "p.")));
    }
    body.push_str("</ul>\n");
    if let Some(code) = keis_crdt::lookup::lookup_code(case) {
        body.push_str(&format!(
            "<p class=\"lookup\">{}: <strong>{}</strong>. {}</p>\n",
            t(l, "Код для перевірки стану заяви", "Status lookup code"),
            code,
            t(
                l,
                "Разом із номером заяви введіть його на сторінці «Стан заяви» (/status) центру.",
                "Enter it with the application number on the centre's «Стан заяви» page (/status)."
            )
        ));
    }
    body.push_str(&format!(
        "<p class=\"consent\">{}</p>\n<div class=\"sign\"><span>{}: ____________</span><span>{}: ____________ ({})</span></div>\n",
        t(
            l,
            "Достовірність наведених даних підтверджую. Даю згоду на обробку моїх персональних даних.",
            "I confirm the data above is true. I consent to the processing of my personal data."
        ),
        t(l, "Дата", "Date"),
        t(l, "Підпис", "Signature"),
        escape(&p.full_name()),
    ));
    let lang_code = if l == Lang::Uk { "uk" } else { "en" };
    format!(
        "<!DOCTYPE html>\n<html lang=\"{lang_code}\">\n<head>\n<meta charset=\"utf-8\">\n<title>{} {}</title>\n<style>{PRINT_CSS}</style>\n</head>\n<body>\n{body}</body>\n</html>\n",
        t(l, "Заява", "Application"),
        escape(&case.number)
    )
}

const PRINT_CSS: &str = "@page{size:A4;margin:20mm}body{font:12pt/1.4 serif;color:#000}\
table{border-collapse:collapse;width:100%}th,td{border:1px solid #000;padding:4px;text-align:left}\
th{width:35%}.sign{display:flex;justify-content:space-between;margin-top:24mm}";

const TITLE: T = T("Друкована заява", "Printable application");
const BACK: T = T("Назад до справи", "Back to the case");

/// Shows the printable application (the launcher prints it).
#[component]
pub fn PrintView(case_id: String) -> Element {
    let services = use_context::<Services>();
    let mut screen = use_context::<Signal<Screen>>();
    let l = use_lang()();
    let page = services.cases.printable(&case_id, l);
    let back = case_id.clone();
    rsx! {
        section { class: "print-preview", aria_label: TITLE.get(l),
            button { id: "print-back", r#type: "button", class: "secondary", onclick: move |_| screen.set(Screen::Case(back.clone())), {BACK.get(l)} }
            match page {
                Ok(html) => rsx! { iframe { id: "print-frame", title: TITLE.get(l), srcdoc: html, width: "100%", height: "800" } },
                Err(e) => rsx! { p { id: "print-error", class: "error", role: "alert", {e.message(l).to_owned()} } },
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use automerge::ActorId;
    use keis_crdt::demo;

    use super::*;

    #[test]
    fn the_printed_application_names_everything_and_escapes_text() {
        let c = Catalogue::embedded().expect("catalogue");
        let mut doc = demo::application(ActorId::from(b"p".as_slice()), 4, 0).expect("demo");
        doc.edit(1, |case, _| case.applicant.registered_address.line = "вул. <Тестова> & Ко".into()).expect("edit");
        let html = application_html(doc.case(), &c, Lang::Uk);
        assert!(html.starts_with("<!DOCTYPE html>") && html.contains("<html lang=\"uk\">"));
        assert!(html.contains(&escape(&doc.case().applicant.full_name())));
        assert!(html.contains("вул. &lt;Тестова&gt; &amp; Ко"));
        assert!(html.contains("<li>Призначення житлової субсидії</li>"), "{html}");
        assert_eq!(html.matches("<li>").count(), 3 + 12, "3 services and 12 documents");
        assert!(html.contains("Підпис: ____________"));
        assert!(application_html(doc.case(), &c, Lang::En).contains("I apply for"));
    }
}
