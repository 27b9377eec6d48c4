//! A case's visits and case-management records and its resolutions, in the detail, and
//! the form with which the position at hand adds a record.

use dioxus::prelude::*;
use keis_crdt::model::NOTE_KINDS;
use keis_mobile::views::notes::{NoteLine, ResolutionLine, kind_label};
use keis_mobile::views::text::pick;

use crate::app::{DataVersion, SessionState};
use crate::i18n::{T, use_lang};
use crate::screens::sync_bar::format_time;
use crate::services::Services;

const NOTES: T = T("Візити та записи", "Visits and records");
const NO_NOTES: T = T("Записів ще немає", "No records yet");
const RESOLUTIONS: T = T("Резолюції", "Resolutions");
const TO: T = T("виконавець", "to");
const DUE: T = T("строк", "due");
const KIND: T = T("Вид запису", "Kind of record");
const TEXT: T = T("Текст запису", "The record");
const ADD: T = T("Додати запис", "Add the record");

/// The records and resolutions of a case, and the form for a new record.
#[component]
pub fn CaseNotes(case_id: String, notes: Vec<NoteLine>, resolutions: Vec<ResolutionLine>) -> Element {
    let services = use_context::<Services>();
    let session = use_context::<Signal<SessionState>>();
    let data = use_context::<DataVersion>();
    let l = use_lang()();
    let mut kind = use_signal(|| "visit".to_owned());
    let mut text = use_signal(String::new);
    let mut error = use_signal(|| None::<String>);
    let add = move |_| {
        let Some(by) = session.peek().acting_as.clone() else { return };
        let (k, typed) = (kind.peek().clone(), text.peek().clone());
        match services.cases.add_note(&case_id, &by, &k, &typed) {
            Ok(()) => {
                error.set(None);
                text.set(String::new());
                data.bump();
            }
            Err(e) => error.set(Some(e.0)),
        }
    };
    rsx! {
        section { aria_labelledby: "notes-title",
            h3 { id: "notes-title", {NOTES.get(l)} }
            if notes.is_empty() {
                p { class: "hint", {NO_NOTES.get(l)} }
            }
            ol { id: "case-notes", class: "notes",
                for n in notes.iter() {
                    li { key: "{n.id}", class: "note",
                        time { {format_time(n.at)} }
                        " — {n.kind} ({n.author}): "
                        span { class: "note-text", "{n.text}" }
                    }
                }
            }
            div { class: "field",
                label { r#for: "note-kind", {KIND.get(l)} }
                select { id: "note-kind", value: "{kind}", onchange: move |e| kind.set(e.value()),
                    for k in NOTE_KINDS.iter() {
                        option { key: "{k}", value: "{k}", selected: *k == kind(), {kind_label(k, l)} }
                    }
                }
            }
            div { class: "field",
                label { r#for: "note-text", {TEXT.get(l)} }
                textarea { id: "note-text", rows: "3", value: "{text}", oninput: move |e| text.set(e.value()) }
            }
            if let Some(e) = error() {
                p { id: "note-error", class: "error", role: "alert", {pick(&e, l).to_owned()} }
            }
            button { id: "add-note", r#type: "button", onclick: add, {ADD.get(l)} }
        }
        if !resolutions.is_empty() {
            section { aria_labelledby: "resolutions-title",
                h3 { id: "resolutions-title", {RESOLUTIONS.get(l)} }
                ol { id: "case-resolutions", class: "notes",
                    for r in resolutions.iter() {
                        li { key: "{r.id}",
                            time { {format_time(r.at)} }
                            " — {r.author}: {r.text}"
                            if let Some(a) = &r.assignee { " ({TO.get(l)}: {a})" }
                            if let Some(d) = &r.due { " ({DUE.get(l)}: {d})" }
                        }
                    }
                }
            }
        }
    }
}
