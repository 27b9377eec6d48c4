//! The wizard's steps besides the people: services, documents, signature, review.

use dioxus::prelude::*;
use keis_crdt::Catalogue;
use keis_mobile::case_list::Lang;
use keis_mobile::views::text::pick;
use keis_mobile::views::wizard::{Step, Wizard};

use super::WizardCtx;
use crate::app::{DataVersion, Screen, SessionState};
use crate::i18n::{T, count, tr, use_lang};
use crate::screens::await_busy;
use crate::services::{Capture, ServiceError, Services};

const CHOOSE: T = T("Оберіть послуги, за якими звертається заявник", "Choose the services applied for");
const CHECKLIST: T = T("Потрібні документи", "Required documents");
const NO_DOCS_YET: T =
    T("Оберіть послугу, щоб побачити потрібні документи", "Choose a service to see the documents needed");

fn doc_label(catalogue: &Catalogue, code: &str, l: Lang) -> String {
    catalogue
        .document(code)
        .map_or_else(|| code.to_owned(), |d| if l == Lang::Uk { d.uk.clone() } else { d.en.clone() })
}

/// The required documents, ticked as scans are assigned.
#[component]
pub(crate) fn Checklist() -> Element {
    let services = use_context::<Services>();
    let WizardCtx { wizard, .. } = use_context::<WizardCtx>();
    let l = use_lang()();
    let items = wizard.read().checklist(&services.catalogue);
    rsx! {
        section { class: "checklist", aria_labelledby: "checklist-title",
            h3 { id: "checklist-title", {CHECKLIST.get(l)} }
            if items.is_empty() {
                p { {NO_DOCS_YET.get(l)} }
            }
            ul { id: "checklist", role: "list",
                for item in items {
                    li {
                        key: "{item.document}",
                        id: "check-{item.document}",
                        class: if item.done { "done" } else { "todo" },
                        span { aria_hidden: "true", if item.done { "✓ " } else { "○ " } }
                        {doc_label(&services.catalogue, &item.document, l)}
                        span { class: "visually-hidden",
                            if item.done { {T(" — додано", " — attached").get(l)} } else { {T(" — бракує", " — missing").get(l)} }
                        }
                    }
                }
            }
        }
    }
}

/// Choosing services.
#[component]
pub(crate) fn ServicesStep() -> Element {
    let services = use_context::<Services>();
    let WizardCtx { mut wizard, .. } = use_context::<WizardCtx>();
    let l = use_lang()();
    let chosen = wizard.read().services().clone();
    rsx! {
        fieldset { class: "services",
            legend { {CHOOSE.get(l)} }
            for s in services.catalogue.offered() {
                div { key: "{s.code}", class: "check",
                    input {
                        id: "service-{s.code}",
                        r#type: "checkbox",
                        checked: chosen.contains(&s.code),
                        onchange: {
                            let code = s.code.clone();
                            move |_| wizard.with_mut(|w| w.toggle_service(&code))
                        },
                    }
                    label { r#for: "service-{s.code}", {if l == Lang::Uk { s.uk.clone() } else { s.en.clone() }} }
                }
            }
        }
        Checklist {}
    }
}

const CAPTURE: T = T("Сфотографувати сторінку", "Capture a page");
const RETAKE: T = T("Перезняти", "Retake");
const SCANNING: T = T("Обробляємо сторінку…", "Processing the page…");
const FROM_FILE: T = T("Або додайте з файлу (скан, фото):", "Or add from a file (scan, photo):");
const REMOVE: T = T("Видалити", "Delete");
const CAMERA_OPEN: T = T(
    "Камеру відкрито: сфотографуйте сторінку, поверніться сюди й натисніть кнопку ще раз, щоб додати знімок",
    "The camera is open: photograph the page, come back here and press the button again to add the photo",
);
const ASSIGN: T = T("Це документ", "This is");
const UNASSIGNED: T = T("— оберіть документ —", "— choose the document —");

/// What the last press of a camera button left to say.
#[derive(Debug, Clone, PartialEq)]
enum CameraState {
    Idle,
    /// The platform's camera is open; the next press takes its photo.
    Open,
    Failed(String),
}

impl CameraState {
    fn after(got: Result<Capture, ServiceError>, l: Lang) -> Self {
        match got {
            Ok(Capture::Page(_)) => Self::Idle,
            Ok(Capture::Opened) => Self::Open,
            Err(e) => Self::Failed(e.message(l).to_owned()),
        }
    }
}

/// Scanning documents and saying which required document each scan is.
#[component]
pub(crate) fn DocumentsStep() -> Element {
    let services = use_context::<Services>();
    let WizardCtx { mut wizard, .. } = use_context::<WizardCtx>();
    let l = use_lang()();
    let mut camera_state = use_signal(|| CameraState::Idle);
    // While a page goes through the pipeline (a second on a tablet): the buttons wait.
    let scanning = use_signal(|| false);
    let w = wizard.read().clone();
    let required: Vec<String> = w.checklist(&services.catalogue).into_iter().map(|i| i.document).collect();
    let camera = services.camera.clone();
    rsx! {
        Checklist {}
        button {
            id: "scan-capture",
            r#type: "button",
            disabled: scanning(),
            onclick: move |_| {
                await_busy(scanning, camera.capture(), move |got| {
                    if let Ok(Capture::Page(scan)) = &got {
                        wizard.with_mut(|w| w.add_scan(scan.clone()));
                    }
                    camera_state.set(CameraState::after(got, l));
                });
            },
            {CAPTURE.get(l)}
        }
        label { r#for: "scan-file", class: "file-choice", {FROM_FILE.get(l)} }
        input {
            id: "scan-file",
            r#type: "file",
            accept: "image/png,image/jpeg,image/tiff",
            multiple: true,
            disabled: scanning(),
            onchange: {
                let camera = services.camera.clone();
                move |e: Event<FormData>| {
                    let paths = e.files().iter().map(|f| f.path()).collect();
                    await_busy(scanning, camera.import(paths), move |taken| {
                        let mut failed = None;
                        match taken {
                            Ok(each) => {
                                for one in each {
                                    match one {
                                        Ok(scan) => wizard.with_mut(|w| w.add_scan(scan)),
                                        Err(err) => failed = failed.or(Some(err)),
                                    }
                                }
                            }
                            Err(err) => failed = Some(err),
                        }
                        camera_state.set(match failed {
                            Some(err) => CameraState::Failed(err.message(l).to_owned()),
                            None => CameraState::Idle,
                        });
                    });
                }
            },
        }
        if scanning() {
            p { id: "scan-busy", role: "status", {SCANNING.get(l)} }
        }
        match camera_state() {
            CameraState::Idle => rsx! {},
            CameraState::Open => rsx! { p { id: "camera-info", class: "info", role: "status", {CAMERA_OPEN.get(l)} } },
            CameraState::Failed(e) => rsx! { p { id: "camera-error", class: "error", role: "alert", {e} } },
        }
        ul { id: "scans", class: "scans", role: "list",
            for (i, scan) in w.scans().iter().cloned().enumerate() {
                li { key: "{scan.id}", class: "scan",
                    img {
                        id: "thumb-{scan.id}",
                        src: "{scan.thumbnail}",
                        alt: tr(l, format!("Скан {}", i + 1), format!("Scan {}", i + 1)),
                        width: "120",
                    }
                    label { r#for: "assign-{scan.id}", {ASSIGN.get(l)} }
                    select {
                        id: "assign-{scan.id}",
                        onchange: {
                            let id = scan.id.clone();
                            move |e: Event<FormData>| {
                                let v = e.value();
                                wizard.with_mut(|w| w.assign(&id, (!v.is_empty()).then_some(v.as_str())));
                            }
                        },
                        option { value: "", {UNASSIGNED.get(l)} }
                        for d in required.iter() {
                            option { value: "{d}", selected: scan.document.as_deref() == Some(d.as_str()), {doc_label(&services.catalogue, d, l)} }
                        }
                    }
                    button {
                        id: "retake-{scan.id}",
                        r#type: "button",
                        class: "secondary",
                        disabled: scanning(),
                        onclick: {
                            let id = scan.id.clone();
                            let camera = services.camera.clone();
                            move |_| {
                                let id = id.clone();
                                await_busy(scanning, camera.capture(), move |got| {
                                    if let Ok(Capture::Page(new)) = &got {
                                        wizard.with_mut(|w| w.retake(&id, new.clone()));
                                    }
                                    camera_state.set(CameraState::after(got, l));
                                });
                            }
                        },
                        {RETAKE.get(l)}
                    }
                    button {
                        id: "remove-{scan.id}",
                        r#type: "button",
                        class: "secondary",
                        onclick: {
                            let id = scan.id.clone();
                            move |_| wizard.with_mut(|w| w.remove_scan(&id))
                        },
                        {REMOVE.get(l)}
                    }
                }
            }
        }
    }
}

const SIGN_HERE: T = T("Підпис заявника: розпишіться пальцем або стилусом", "Applicant: sign with a finger or stylus");
const CLEAR: T = T("Очистити", "Clear");

/// The signature pad: pointer strokes captured as points and drawn as polylines.
#[component]
pub(crate) fn SignatureStep() -> Element {
    let WizardCtx { mut wizard, .. } = use_context::<WizardCtx>();
    let l = use_lang()();
    let mut current = use_signal(|| None::<Vec<(f32, f32)>>);
    let strokes = wizard.read().signature().to_vec();
    let point = |e: &Event<PointerData>| {
        let p = e.element_coordinates();
        (p.x as f32, p.y as f32)
    };
    let lines: Vec<String> = strokes
        .iter()
        .chain(current().iter())
        .map(|s| s.iter().map(|(x, y)| format!("{x:.1},{y:.1}")).collect::<Vec<_>>().join(" "))
        .collect();
    let signed = !strokes.is_empty();
    rsx! {
        p { id: "signature-hint", {SIGN_HERE.get(l)} }
        div {
            id: "signature-pad",
            class: "signature-pad",
            role: "img",
            aria_label: SIGN_HERE.get(l),
            onpointerdown: move |e| current.set(Some(vec![point(&e)])),
            onpointermove: move |e| {
                if current.peek().is_some() {
                    current.with_mut(|c| if let Some(c) = c { c.push(point(&e)) });
                }
            },
            onpointerup: move |_| {
                if let Some(stroke) = current.take() {
                    wizard.with_mut(|w| {
                        let mut all = w.signature().to_vec();
                        all.push(stroke);
                        w.sign(all);
                    });
                }
            },
            svg { view_box: "0 0 600 200", width: "600", height: "200",
                for (i, pts) in lines.into_iter().enumerate() {
                    polyline { key: "{i}", class: "stroke", points: "{pts}", fill: "none", stroke: "black", stroke_width: "2" }
                }
            }
        }
        p { id: "signature-status", role: "status",
            if signed {
                {
                    let n = count(strokes.len() as u64, l, ["штрих", "штрихи", "штрихів"], ["stroke", "strokes"]);
                    tr(l, format!("Підписано ({n})"), format!("Signed ({n})"))
                }
            } else {
                {T("Ще не підписано", "Not signed yet").get(l)}
            }
        }
        button {
            id: "signature-clear",
            r#type: "button",
            class: "secondary",
            onclick: move |_| wizard.with_mut(Wizard::clear_signature),
            {CLEAR.get(l)}
        }
    }
}

const SUBMIT: T = T("Подати до громади", "Submit to the hromada");
const INCOMPLETE: T = T(
    "Пакет неповний: заяву буде подано з позначкою «неповний пакет»",
    "The package is incomplete: it will be submitted marked incomplete",
);
const DONE: T = T("Заяву подано до громади", "The application was submitted to the hromada");
const OPEN: T = T("Відкрити справу", "Open the case");

/// Review and submit.
#[component]
pub(crate) fn ReviewStep() -> Element {
    let services = use_context::<Services>();
    let session = use_context::<Signal<SessionState>>();
    let mut screen = use_context::<Signal<Screen>>();
    let data = use_context::<DataVersion>();
    let WizardCtx { mut wizard, mut error } = use_context::<WizardCtx>();
    let l = use_lang()();
    let mut result = use_signal(|| None::<Result<String, String>>);
    let w = wizard.read().clone();
    let checklist = w.checklist(&services.catalogue);
    let complete = checklist.iter().all(|i| i.done);
    let output = w.output();
    let applicant = output.as_ref().map(|o| o.applicant.full_name()).unwrap_or_default();
    let service_names: Vec<String> = w
        .services()
        .iter()
        .map(|c| {
            services.catalogue.service(c).map_or(c.clone(), |s| if l == Lang::Uk { s.uk.clone() } else { s.en.clone() })
        })
        .collect();
    let cases = services.cases.clone();
    rsx! {
        dl { id: "review", class: "review",
            dt { {T("Заявник", "Applicant").get(l)} }
            dd { id: "review-applicant", "{applicant}" }
            dt { {T("Послуги", "Services").get(l)} }
            dd { id: "review-services", {service_names.join("; ")} }
            dt { {T("Члени сім'ї", "Household").get(l)} }
            dd { "{w.household().len()}" }
            dt { {T("Скани", "Scans").get(l)} }
            dd { "{w.scans().len()}" }
        }
        Checklist {}
        if !complete {
            p { id: "review-incomplete", class: "warning", role: "note", {INCOMPLETE.get(l)} }
        }
        match result() {
            Some(Ok(id)) => rsx! {
                p { id: "wizard-done", class: "success", role: "status", {DONE.get(l)} }
                button { id: "open-new-case", r#type: "button", onclick: move |_| screen.set(Screen::Case(id.clone())), {OPEN.get(l)} }
            },
            Some(Err(e)) => rsx! { p { id: "submit-error", class: "error", role: "alert", {pick(&e, l).to_owned()} } },
            None => rsx! {},
        }
        if w.step() == Step::Review {
            button {
                id: "wizard-submit",
                r#type: "button",
                class: "primary",
                onclick: move |_| {
                    let Some(by) = session.peek().acting_as.clone() else { return };
                    let out = match wizard.peek().output() {
                        Ok(o) => o,
                        Err(e) => {
                            error.set(Some(e));
                            return;
                        }
                    };
                    let r = cases.create_application(&out, &by);
                    if r.is_ok() {
                        wizard.with_mut(Wizard::mark_submitted);
                    }
                    data.bump();
                    result.set(Some(r.map_err(|e| e.0)));
                },
                {SUBMIT.get(l)}
            }
        }
    }
}
