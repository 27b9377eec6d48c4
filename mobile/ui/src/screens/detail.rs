//! The case detail: applicant, documents, timeline, signatures, conflicts to resolve,
//! visits and records, the actions the position may take, and the printable application.

use dioxus::prelude::*;
use keis_crdt::{Action, SignatureState};
use keis_mobile::case_list::Lang;
use keis_mobile::views::text::pick;

use crate::app::{DataVersion, Screen, SessionState};
use crate::i18n::{T, use_lang};
use crate::screens::actions::CaseActions;
use crate::screens::notes::CaseNotes;
use crate::screens::sync_bar::format_time;
use crate::services::Services;

const APPLICANT: T = T("Заявник", "Applicant");
const STATUS: T = T("Статус", "Status");
const SERVICES: T = T("Послуги", "Services");
const DOCUMENTS: T = T("Документи", "Documents");
const MISSING: T = T("Бракує", "Missing");
const TIMELINE: T = T("Хід розгляду", "Timeline");
const SIGNATURES: T = T("Підписи", "Signatures");
const CONFLICT: T = T(
    "Двоє посадовців діяли одночасно. Оберіть, яку дію залишити:",
    "Two officials acted at the same time. Choose which action to keep:",
);
const KEEP: T = T("Залишити", "Keep");
const REFUSED: T = T(
    "Сервер не прийняв зміни цієї справи. Їх збережено на пристрої; виправте справу й синхронізуйте знову. Причина:",
    "The server did not accept this case's changes. They are kept on the device; put the case right and sync again. Reason:",
);
const PRINT: T = T("Друкована заява", "Printable application");
const BACK: T = T("До журналу", "Back to the journal");

fn action_label(code: &str, l: Lang) -> &str {
    let (uk, en) = match code {
        "submit" => ("Подано до громади", "Submitted to the hromada"),
        "return_for_rework" => ("Повернуто на доопрацювання", "Returned for rework"),
        "forward_to_back_office" => ("Передано до СПСЗН", "Forwarded to the back office"),
        "return_to_hromada" => ("Повернуто до громади", "Returned to the hromada"),
        "mark_checked" => ("Перевірено СПСЗН", "Checked by the back office"),
        "export" => ("Вивантажено", "Exported"),
        "record_decision" => ("Рішення", "Decision"),
        "resolve" => ("Конфлікт розв'язано", "Conflict resolved"),
        other => (other, other),
    };
    if l == Lang::Uk { uk } else { en }
}

/// The case detail screen.
#[component]
pub fn CaseDetailView(case_id: String) -> Element {
    let services = use_context::<Services>();
    let session = use_context::<Signal<SessionState>>();
    let data = use_context::<DataVersion>();
    let mut screen = use_context::<Signal<Screen>>();
    let l = use_lang()();
    let mut resolve_error = use_signal(|| None::<String>);
    let _ = (data.0)();
    let d = match services.cases.detail(&case_id, l) {
        Ok(d) => d,
        Err(e) => return rsx! { p { id: "case-error", class: "error", role: "alert", {e.message(l).to_owned()} } },
    };
    let print_id = d.id.clone();
    rsx! {
        article { class: "case-detail", aria_labelledby: "case-title",
            button { id: "back-to-journal", r#type: "button", class: "secondary", onclick: move |_| screen.set(Screen::Journal), {BACK.get(l)} }
            h2 { id: "case-title", "№ {d.number}" }
            dl {
                dt { {APPLICANT.get(l)} }
                dd { id: "case-applicant", "{d.applicant}" if !d.rnokpp.is_empty() { ", РНОКПП {d.rnokpp}" } }
                dt { {STATUS.get(l)} }
                dd { id: "case-status", class: if d.conflict.is_empty() { "status" } else { "status conflict" }, "{d.status_label}" }
                dt { {SERVICES.get(l)} }
                dd { id: "case-services", {d.services.join("; ")} }
            }
            if let Some(reason) = &d.refused {
                p { id: "case-refused", class: "error", role: "alert", {REFUSED.get(l)} " " {pick(reason, l).to_owned()} }
            }
            if !d.conflict.is_empty() {
                section { id: "conflict", class: "conflict", role: "alert",
                    p { {CONFLICT.get(l)} }
                    for c in d.conflict.iter().cloned() {
                        button {
                            key: "{c.event}",
                            id: "resolve-{c.event}",
                            r#type: "button",
                            onclick: {
                                let case_id = d.id.clone();
                                let cases = services.cases.clone();
                                let keep = c.event.clone();
                                move |_| {
                                    let Some(by) = session.peek().acting_as.clone() else { return };
                                    match cases.act(&case_id, &by, Action::Resolve { keep: keep.clone() }, "") {
                                        Ok(()) => {
                                            resolve_error.set(None);
                                            data.bump();
                                        }
                                        Err(e) => resolve_error.set(Some(e.0)),
                                    }
                                }
                            },
                            {KEEP.get(l)} ": {c.leads_to}"
                        }
                    }
                    if let Some(e) = resolve_error() {
                        p { id: "resolve-error", class: "error", {pick(&e, l).to_owned()} }
                    }
                }
            }
            section { aria_labelledby: "docs-title",
                h3 { id: "docs-title", {DOCUMENTS.get(l)} }
                ul { id: "case-documents", class: "documents", role: "list",
                    for doc in d.documents.iter() {
                        li { key: "{doc.id}", class: "document",
                            DocThumb { id: doc.id.clone(), sha256: doc.sha256.clone(), label: doc.label.clone() }
                            " {doc.label} ({doc.pages} с.)"
                        }
                    }
                }
                if !d.missing.is_empty() {
                    p { id: "case-missing", class: "warning", {MISSING.get(l)} ": " {d.missing.join(", ")} }
                }
            }
            section { aria_labelledby: "sig-title",
                h3 { id: "sig-title", {SIGNATURES.get(l)} }
                ul { role: "list",
                    for (i, (name, state)) in d.signatures.iter().enumerate() {
                        li {
                            id: "signature-{i}",
                            class: if *state == SignatureState::Valid { "signature valid" } else { "signature stale" },
                            "{name}: "
                            {if l == Lang::Uk { state.label_uk() } else { state.label_en() }}
                        }
                    }
                }
            }
            section { aria_labelledby: "timeline-title",
                h3 { id: "timeline-title", {TIMELINE.get(l)} }
                ol { id: "timeline", class: "timeline",
                    for t in d.timeline.iter() {
                        li {
                            time { {format_time(t.at)} }
                            " — {action_label(&t.action, l)} ({t.position})"
                            if !t.comment.is_empty() { q { class: "comment", "{t.comment}" } }
                            " → {t.outcome}"
                        }
                    }
                }
            }
            CaseNotes { case_id: d.id.clone(), notes: d.notes.clone(), resolutions: d.resolutions.clone() }
            CaseActions { case_id: d.id.clone(), status: d.status }
            button { id: "print", r#type: "button", class: "secondary", onclick: move |_| screen.set(Screen::Print(print_id.clone())), {PRINT.get(l)} }
        }
    }
}

/// A document's thumbnail, made off the window; a labelled placeholder until it comes, or
/// if the page is not on the device.
#[component]
fn DocThumb(id: String, sha256: String, label: String) -> Element {
    let services = use_context::<Services>();
    let thumb = use_resource(use_reactive!(|sha256| {
        let made = services.cases.thumbnail(&sha256);
        async move { made.await.ok().flatten() }
    }));
    match thumb.read().clone().flatten() {
        Some(src) => rsx! { img { id: "thumb-{id}", class: "thumb", src, alt: "{label}" } },
        None => rsx! { span { id: "thumb-{id}", class: "thumb", role: "img", aria_label: "{label}", "📄" } },
    }
}
