//! The workflow actions the acting position may take on one case, with the comment,
//! export batch or decision they need.

use dioxus::prelude::*;
use keis_crdt::Status;
use keis_mobile::views::inbox::{ActionInput, ActionKind, available, build};
use keis_mobile::views::text::pick;

use crate::app::{DataVersion, SessionState};
use crate::i18n::{T, use_lang};
use crate::services::Services;

const COMMENT: T = T("Коментар", "Comment");
const BATCH: T = T("Ідентифікатор пакета вивантаження", "Export batch identifier");
const AMOUNT: T = T("Сума, грн", "Amount, UAH");
const FROM: T = T("Період з (РРРР-ММ-ДД)", "Period from (YYYY-MM-DD)");
const TO: T = T("по (РРРР-ММ-ДД)", "to (YYYY-MM-DD)");
const NOTHING: T = T("Для цієї посади дій зі справою зараз немає", "No actions for this position on this case now");
const DONE: T = T("Виконано", "Done");

/// The action buttons for `case_id` in `status`, following the acting position's role.
#[component]
pub fn CaseActions(case_id: String, status: Option<Status>) -> Element {
    let services = use_context::<Services>();
    let session = use_context::<Signal<SessionState>>();
    let data = use_context::<DataVersion>();
    let l = use_lang()();
    let mut input = use_signal(ActionInput::default);
    let mut outcome = use_signal(|| None::<Result<(), String>>);
    let Some(position) = session().acting_as else { return rsx! {} };
    let kinds = status.map(|s| available(s, position.role)).unwrap_or_default();
    if kinds.is_empty() {
        return rsx! { p { id: "no-actions", class: "hint", {NOTHING.get(l)} } };
    }
    let grant = kinds.contains(&ActionKind::Grant);
    let export = kinds.contains(&ActionKind::Export);
    let field = |id: &'static str, label: T, value: String, set: fn(&mut ActionInput, String)| {
        rsx! {
            div { class: "field",
                label { r#for: id, {label.get(l)} }
                input { id, value, oninput: move |e| input.with_mut(|i| set(i, e.value())) }
            }
        }
    };
    let i = input();
    rsx! {
        section { class: "case-actions", aria_label: T("Дії", "Actions").get(l),
            div { class: "field",
                label { r#for: "action-comment", {COMMENT.get(l)} }
                textarea {
                    id: "action-comment",
                    value: "{i.comment}",
                    oninput: move |e| input.with_mut(|i| i.comment = e.value()),
                }
            }
            if export {
                {field("export-batch", BATCH, i.batch.clone(), |i, v| i.batch = v)}
            }
            if grant {
                {field("decision-amount", AMOUNT, i.amount.clone(), |i, v| i.amount = v)}
                {field("decision-from", FROM, i.from.clone(), |i, v| i.from = v)}
                {field("decision-to", TO, i.to.clone(), |i, v| i.to = v)}
            }
            div { class: "action-buttons",
                for kind in kinds {
                    button {
                        key: "{kind.code()}",
                        id: "action-{kind.code()}",
                        r#type: "button",
                        class: if kind.needs_comment() { "secondary" } else { "primary" },
                        onclick: {
                            let case_id = case_id.clone();
                            let position = position.clone();
                            let cases = services.cases.clone();
                            move |_| {
                                let r = build(kind, &input.peek())
                                    .map_err(|e| e.to_string())
                                    .and_then(|action| {
                                        let comment = input.peek().comment.trim().to_owned();
                                        cases.act(&case_id, &position, action, &comment).map_err(|e| e.0)
                                    });
                                if r.is_ok() {
                                    input.set(ActionInput::default());
                                    data.bump();
                                }
                                outcome.set(Some(r));
                            }
                        },
                        {kind.label(l)}
                    }
                }
            }
            match outcome() {
                Some(Ok(())) => rsx! { p { id: "action-done", class: "success", role: "status", {DONE.get(l)} } },
                Some(Err(e)) => rsx! { p { id: "action-error", class: "error", role: "alert", {pick(&e, l).to_owned()} } },
                None => rsx! {},
            }
        }
    }
}
