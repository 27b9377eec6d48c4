//! The case list and journal: search by name, RNOKPP or number; filters by status,
//! service and completeness; badges; only the visible window of rows is rendered.

use dioxus::prelude::*;
use keis_crdt::{AppStatus, Status};
use keis_mobile::case_list::{Badge, Lang};
use keis_mobile::views::journal::{Completeness, JournalFilter, JournalRow, search};
use keis_mobile::views::window::{Viewport, window};

use crate::app::{DataVersion, Screen};
use crate::i18n::{T, tr, use_lang};
use crate::services::Services;

/// Height of one row in pixels (the stylesheet keeps rows this tall).
pub const ROW_HEIGHT: u32 = 64;
/// Height of the scrolled list in pixels.
pub const LIST_HEIGHT: u32 = 640;
const OVERSCAN: usize = 4;

const SEARCH: T = T("Пошук: ПІБ, РНОКПП або номер справи", "Search: name, RNOKPP or case number");
const STATUS: T = T("Статус", "Status");
const SERVICE: T = T("Послуга", "Service");
const PACKAGE: T = T("Пакет документів", "Document package");
const ANY: T = T("Усі", "All");
const COMPLETE: T = T("Повний", "Complete");
const INCOMPLETE: T = T("Неповний", "Incomplete");
const UNSYNCED: T = T("Не надіслано", "Not synced");
const REFUSED: T = T("Відхилено сервером", "Refused by the server");
const EMPTY: T = T("Нічого не знайдено", "Nothing found");
const LIST: T = T("Справи", "Cases");

fn badge_class(b: Badge) -> &'static str {
    match b {
        Badge::Conflict => "badge conflict",
        Badge::ReturnedForRework => "badge returned",
        Badge::IncompletePackage => "badge incomplete",
        Badge::SignatureStale => "badge stale",
    }
}

fn status_from(value: &str) -> Option<Status> {
    let n: u8 = value.parse().ok()?;
    AppStatus::ALL.into_iter().find(|s| s.number() == n).map(Status::Application)
}

/// The journal screen.
#[component]
pub fn Journal() -> Element {
    let services = use_context::<Services>();
    let data = use_context::<DataVersion>();
    let lang = use_lang();
    let l = lang();
    let mut filter = use_signal(JournalFilter::default);
    let mut scroll_top = use_signal(|| 0u32);
    let cases = services.cases.clone();
    let rows = use_memo(move || {
        let _ = (data.0)();
        cases.rows(lang())
    });
    let found = use_memo(move || search(&rows.read(), &filter.read()));
    let total = rows.read().len();
    let hits = found.read().len();
    let vp = Viewport { row_height: ROW_HEIGHT, height: LIST_HEIGHT, scroll_top: scroll_top(), overscan: OVERSCAN };
    let win = window(hits, vp);
    let visible: Vec<JournalRow> = {
        let rows = rows.read();
        found.read()[win.rows.clone()].iter().filter_map(|i| rows.get(*i).cloned()).collect()
    };
    let first_index = win.rows.start;
    rsx! {
        section { class: "journal", aria_labelledby: "journal-title",
            h2 { id: "journal-title", {LIST.get(l)} }
            div { class: "filters", role: "search",
                label { r#for: "journal-search", class: "visually-hidden", {SEARCH.get(l)} }
                input {
                    id: "journal-search",
                    r#type: "search",
                    placeholder: SEARCH.get(l),
                    value: "{filter.read().query}",
                    oninput: move |e| {
                        filter.with_mut(|f| f.query = e.value());
                        scroll_top.set(0);
                    },
                }
                label { r#for: "filter-status", {STATUS.get(l)} }
                select {
                    id: "filter-status",
                    onchange: move |e| filter.with_mut(|f| f.status = status_from(&e.value())),
                    option { value: "", {ANY.get(l)} }
                    for s in AppStatus::ALL {
                        option { value: "{s.number()}", {if l == Lang::Uk { s.label_uk() } else { s.label_en() }} }
                    }
                }
                label { r#for: "filter-service", {SERVICE.get(l)} }
                select {
                    id: "filter-service",
                    onchange: move |e| {
                        let v = e.value();
                        filter.with_mut(|f| f.service = (!v.is_empty()).then_some(v));
                    },
                    option { value: "", {ANY.get(l)} }
                    for s in services.catalogue.offered() {
                        option { value: "{s.code}", {if l == Lang::Uk { s.uk.clone() } else { s.en.clone() }} }
                    }
                }
                label { r#for: "filter-package", {PACKAGE.get(l)} }
                select {
                    id: "filter-package",
                    onchange: move |e| {
                        let c = match e.value().as_str() {
                            "complete" => Completeness::Complete,
                            "incomplete" => Completeness::Incomplete,
                            _ => Completeness::Any,
                        };
                        filter.with_mut(|f| f.completeness = c);
                    },
                    option { value: "", {ANY.get(l)} }
                    option { value: "complete", {COMPLETE.get(l)} }
                    option { value: "incomplete", {INCOMPLETE.get(l)} }
                }
            }
            p { id: "journal-count", class: "count", aria_live: "polite",
                {tr(l, format!("Знайдено: {hits} з {total}"), format!("Found: {hits} of {total}"))}
            }
            if hits == 0 {
                p { id: "journal-empty", class: "empty", {EMPTY.get(l)} }
            }
            div {
                id: "journal-list",
                class: "journal-list",
                style: "height: {LIST_HEIGHT}px; overflow-y: auto;",
                onscroll: move |e| scroll_top.set(e.scroll_top().max(0.0) as u32),
                div { style: "height: {win.pad_top}px;" }
                ul { role: "list", aria_rowcount: "{hits}",
                    for (k, r) in visible.into_iter().enumerate() {
                        JournalLine { key: "{r.row.id}", row: r, position: first_index + k + 1 }
                    }
                }
                div { style: "height: {win.pad_bottom}px;" }
            }
        }
    }
}

/// One row of the journal.
#[component]
fn JournalLine(row: JournalRow, position: usize) -> Element {
    let mut screen = use_context::<Signal<Screen>>();
    let l = use_lang()();
    let id = row.row.id.clone();
    rsx! {
        li { class: "journal-row", aria_posinset: "{position}", style: "height: {ROW_HEIGHT}px;",
            button {
                id: "case-{row.row.id}",
                class: "row-open",
                r#type: "button",
                onclick: move |_| screen.set(Screen::Case(id.clone())),
                span { class: "number", "{row.row.number}" }
                span { class: "applicant", "{row.row.applicant}" }
                span { class: "status", "{row.row.status}" }
            }
            span { class: "badges",
                if row.refused {
                    span { class: "badge refused", {REFUSED.get(l)} }
                } else if row.unsynced {
                    span { class: "badge unsynced", {UNSYNCED.get(l)} }
                }
                for b in row.row.badges.iter().copied() {
                    span { class: badge_class(b), {b.label(l)} }
                }
            }
        }
    }
}
