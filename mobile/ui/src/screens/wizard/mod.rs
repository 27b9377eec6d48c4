//! The new-application wizard (at the kitchen table, offline): the frame with the step
//! header, back/next and the error line; each step is in [`steps`] or [`people`].

mod people;
mod steps;

use dioxus::prelude::*;
use keis_mobile::views::text::pick;
use keis_mobile::views::wizard::{Step, Wizard, WizardError};

use crate::i18n::{T, tr, use_lang};

/// The wizard's state and the last refusal to go on, shared by the steps.
#[derive(Clone, Copy)]
pub(crate) struct WizardCtx {
    pub(crate) wizard: Signal<Wizard>,
    pub(crate) error: Signal<Option<WizardError>>,
}

const BACK: T = T("Назад", "Back");
const NEXT: T = T("Далі", "Next");

fn step_title(step: Step) -> T {
    match step {
        Step::Services => T("Послуги", "Services"),
        Step::Applicant => T("Заявник", "Applicant"),
        Step::Household => T("Члени сім'ї", "Household"),
        Step::Documents => T("Документи", "Documents"),
        Step::Signature => T("Підпис заявника", "Applicant's signature"),
        Step::Review => T("Перевірка й подання", "Review and submit"),
        Step::Submitted => T("Заяву подано", "Application submitted"),
    }
}

/// The wizard screen.
#[component]
pub fn WizardView() -> Element {
    let ctx = use_context_provider(|| WizardCtx { wizard: Signal::new(Wizard::new()), error: Signal::new(None) });
    let WizardCtx { mut wizard, mut error } = ctx;
    let l = use_lang()();
    let step = wizard.read().step();
    let number = Step::ALL.iter().position(|s| *s == step).map_or(Step::ALL.len(), |i| i + 1);
    let message = error().map(|e| pick(&e.to_string(), l).to_owned());
    rsx! {
        section { class: "wizard", aria_labelledby: "wizard-step",
            h2 { id: "wizard-step",
                {tr(l, format!("Крок {number} з {}: ", Step::ALL.len()), format!("Step {number} of {}: ", Step::ALL.len()))}
                {step_title(step).get(l)}
            }
            ol { class: "wizard-progress", aria_hidden: "true",
                for s in Step::ALL {
                    li { class: if s == step { "current" } else if s < step { "done" } else { "todo" }, {step_title(s).get(l)} }
                }
            }
            match step {
                Step::Services => rsx! { steps::ServicesStep {} },
                Step::Applicant => rsx! { people::ApplicantStep {} },
                Step::Household => rsx! { people::HouseholdStep {} },
                Step::Documents => rsx! { steps::DocumentsStep {} },
                Step::Signature => rsx! { steps::SignatureStep {} },
                Step::Review | Step::Submitted => rsx! { steps::ReviewStep {} },
            }
            if let Some(m) = message {
                p { id: "wizard-error", class: "error", role: "alert", {m} }
            }
            if step != Step::Submitted {
                div { class: "wizard-buttons",
                    if step != Step::Services {
                        button {
                            id: "wizard-back",
                            r#type: "button",
                            class: "secondary",
                            onclick: move |_| {
                                wizard.with_mut(Wizard::back);
                                error.set(None);
                            },
                            {BACK.get(l)}
                        }
                    }
                    if step != Step::Review {
                        button {
                            id: "wizard-next",
                            r#type: "button",
                            class: "primary",
                            onclick: move |_| {
                                let r = wizard.with_mut(Wizard::advance);
                                error.set(r.err());
                            },
                            {NEXT.get(l)}
                        }
                    }
                }
            }
        }
    }
}
