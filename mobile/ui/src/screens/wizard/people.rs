//! The applicant (chip read or typed, validated live) and the household members.

use dioxus::prelude::*;
use keis_crdt::validate::FieldError;
use keis_crdt::{Member, Person};
use keis_mobile::views::text::pick;
use keis_mobile::views::wizard::{Field, WizardError};

use super::WizardCtx;
use crate::i18n::{T, use_lang};
use crate::screens::await_busy;
use crate::services::{ChipAccess, Services};

const CHIP: T = T("Зчитати ID-картку", "Read the ID card");
const CAN: T = T("CAN (6 цифр на лицьовому боці картки)", "CAN (6 digits on the front of the card)");
const READ: T = T("Зчитати", "Read");
const READING: T =
    T("Читаємо картку… тримайте її нерухомо біля зчитувача", "Reading the card… hold it still at the reader");
const PHOTO: T = T("Фото з чипа", "Photo from the chip");
const OR_TYPE: T = T("або введіть дані вручну", "or type the data");
const REQUIRED: &[Field] = &Field::REQUIRED;

fn field_label(f: Field) -> T {
    match f {
        Field::Surname => T("Прізвище", "Surname"),
        Field::GivenName => T("Ім'я", "Given name"),
        Field::Patronymic => T("По батькові", "Patronymic"),
        Field::BirthDate => T("Дата народження (РРРР-ММ-ДД)", "Date of birth (YYYY-MM-DD)"),
        Field::Sex => T("Стать (F або M)", "Sex (F or M)"),
        Field::Rnokpp => T("РНОКПП (ІПН)", "RNOKPP (tax number)"),
        Field::Unzr => T("УНЗР", "UNZR"),
        Field::Phone => T("Телефон", "Phone"),
        Field::DocumentNumber => T("Номер ID-картки або паспорта", "ID card or passport number"),
        Field::DocumentIssued => T("Дата видачі документа (РРРР-ММ-ДД)", "Document issued on (YYYY-MM-DD)"),
        Field::Katottg => T("Код КАТОТТГ населеного пункту", "KATOTTG code of the settlement"),
        Field::AddressLine => T("Адреса реєстрації", "Registered address"),
    }
}

/// The applicant step.
#[component]
pub(crate) fn ApplicantStep() -> Element {
    let services = use_context::<Services>();
    let WizardCtx { mut wizard, error } = use_context::<WizardCtx>();
    let l = use_lang()();
    let mut can = use_signal(String::new);
    let mut chip_error = use_signal(|| None::<String>);
    // While the card is read (seconds of PACE and the photo): the button waits.
    let reading = use_signal(|| false);
    let tried: Vec<(Field, FieldError)> = match error() {
        Some(WizardError::InvalidApplicant(p)) => p,
        _ => Vec::new(),
    };
    let w = wizard.read().clone();
    let chip = w.chip().cloned();
    rsx! {
        fieldset { class: "chip",
            legend { {CHIP.get(l)} }
            label { r#for: "chip-can", {CAN.get(l)} }
            input {
                id: "chip-can",
                inputmode: "numeric",
                maxlength: "6",
                value: "{can}",
                oninput: move |e| can.set(e.value()),
            }
            button {
                id: "chip-read",
                r#type: "button",
                disabled: reading(),
                onclick: move |_| {
                    chip_error.set(None);
                    let asked = services.chip.read(&ChipAccess::Can(can.peek().trim().to_owned()));
                    await_busy(reading, asked, move |answer| match answer {
                        Ok(data) => wizard.with_mut(|w| w.fill_from_chip(data)),
                        Err(e) => chip_error.set(Some(e.message(l).to_owned())),
                    });
                },
                {READ.get(l)}
            }
            if reading() {
                p { id: "chip-reading", role: "status", {READING.get(l)} }
            }
            if let Some(e) = chip_error() {
                p { id: "chip-error", class: "error", role: "alert", {e} }
            }
            if let Some(c) = chip {
                div { class: if c.verified { "chip-result verified" } else { "chip-result not-verified" },
                    if let Some(photo) = c.photo {
                        img { id: "chip-photo", src: "{photo}", alt: PHOTO.get(l), width: "96" }
                    }
                    p { id: "chip-verdict", role: "status", {pick(&c.verdict, l).to_owned()} }
                }
            }
        }
        p { class: "hint", {OR_TYPE.get(l)} }
        for f in Field::ALL {
            {
                let live = w.field_error(f);
                let required_missing = tried.iter().any(|(tf, e)| *tf == f && *e == FieldError::Required)
                    && w.value(f).trim().is_empty();
                let problem = live.or(required_missing.then_some(FieldError::Required));
                let message = problem.as_ref().map(|p| pick(&p.to_string(), l).to_owned());
                let code = f.code();
                rsx! {
                    div { key: "{code}", class: if problem.is_some() { "field invalid" } else { "field" },
                        label { r#for: "field-{code}",
                            {field_label(f).get(l)}
                            if REQUIRED.contains(&f) { span { class: "required", aria_hidden: "true", " *" } }
                        }
                        input {
                            id: "field-{code}",
                            value: "{w.value(f)}",
                            aria_invalid: if problem.is_some() { "true" } else { "false" },
                            aria_describedby: "error-{code}",
                            aria_required: if REQUIRED.contains(&f) { "true" } else { "false" },
                            oninput: move |e| wizard.with_mut(|w| w.set(f, &e.value())),
                        }
                        if let Some(m) = message {
                            p { id: "error-{code}", class: "field-error", role: "alert", {m} }
                        }
                    }
                }
            }
        }
    }
}

const MEMBERS: T = T("Члени домогосподарства", "Household members");
const NONE_YET: T = T("Ще нікого не додано", "No one added yet");
const ADD: T = T("Додати", "Add");
const REMOVE: T = T("Вилучити", "Remove");
const RELATION: T = T("Ким доводиться", "Relation");
const DOC_NUMBER: T = T("Серія й номер свідоцтва про народження", "Birth certificate number");
const DOC_ISSUED: T = T("Дата видачі (РРРР-ММ-ДД)", "Issued on (YYYY-MM-DD)");

fn new_member() -> Member {
    let mut m = Member { relation: "child".into(), ..Default::default() };
    m.person.document.kind = "birth_certificate".into();
    m
}

fn relation_label(code: &str) -> T {
    match code {
        "spouse" => T("Чоловік / дружина", "Spouse"),
        "child" => T("Дитина", "Child"),
        "parent" => T("Батько / мати", "Parent"),
        "sibling" => T("Брат / сестра", "Sibling"),
        "grandchild" => T("Онук / онука", "Grandchild"),
        "grandparent" => T("Дід / баба", "Grandparent"),
        "ward" => T("Підопічний", "Ward"),
        _ => T("Інше", "Other"),
    }
}

/// The household step: add and remove members.
#[component]
pub(crate) fn HouseholdStep() -> Element {
    let WizardCtx { mut wizard, .. } = use_context::<WizardCtx>();
    let l = use_lang()();
    let mut draft = use_signal(new_member);
    let mut added = use_signal(|| 0u32);
    let members = wizard.read().household().to_vec();
    let d = draft();
    let person_input = |id: &'static str, label: T, value: String, set: fn(&mut Person, String)| {
        rsx! {
            div { class: "field",
                label { r#for: id, {label.get(l)} }
                input { id, value, oninput: move |e| draft.with_mut(|m| set(&mut m.person, e.value())) }
            }
        }
    };
    rsx! {
        h3 { {MEMBERS.get(l)} }
        if members.is_empty() {
            p { id: "members-empty", {NONE_YET.get(l)} }
        }
        ul { id: "members", role: "list",
            for (i, m) in members.into_iter().enumerate() {
                li { key: "{m.id}", id: "member-{i}",
                    "{m.person.full_name()} ({relation_label(&m.relation).get(l)}, {m.person.birth_date})"
                    button {
                        id: "member-remove-{i}",
                        r#type: "button",
                        class: "secondary",
                        onclick: move |_| wizard.with_mut(|w| w.remove_member(i)),
                        {REMOVE.get(l)}
                    }
                }
            }
        }
        fieldset { class: "member-form",
            legend { {ADD.get(l)} }
            label { r#for: "member-relation", {RELATION.get(l)} }
            select {
                id: "member-relation",
                onchange: move |e| draft.with_mut(|m| m.relation = e.value()),
                for r in keis_crdt::model::RELATIONS.iter().copied() {
                    option { value: r, selected: d.relation == r, {relation_label(r).get(l)} }
                }
            }
            {person_input("member-surname", field_label(Field::Surname), d.person.surname.clone(), |p, v| p.surname = v)}
            {person_input("member-given", field_label(Field::GivenName), d.person.given_name.clone(), |p, v| p.given_name = v)}
            {person_input("member-birth", field_label(Field::BirthDate), d.person.birth_date.clone(), |p, v| p.birth_date = v)}
            {person_input("member-rnokpp", field_label(Field::Rnokpp), d.person.rnokpp.clone().unwrap_or_default(), |p, v| {
                p.rnokpp = Some(v).filter(|v| !v.trim().is_empty());
            })}
            label { r#for: "member-sex", {field_label(Field::Sex).get(l)} }
            select {
                id: "member-sex",
                onchange: move |e| draft.with_mut(|m| m.person.sex = e.value()),
                option { value: "", "—" }
                option { value: "F", selected: d.person.sex == "F", {T("Жіноча", "Female").get(l)} }
                option { value: "M", selected: d.person.sex == "M", {T("Чоловіча", "Male").get(l)} }
            }
            {person_input("member-doc", DOC_NUMBER, d.person.document.number.clone(), |p, v| p.document.number = v)}
            {person_input("member-doc-issued", DOC_ISSUED, d.person.document.issued_on.clone(), |p, v| p.document.issued_on = v)}
            button {
                id: "member-add",
                r#type: "button",
                onclick: move |_| {
                    let mut m = draft.peek().clone();
                    added += 1;
                    m.id = format!("m{}", added.peek());
                    wizard.with_mut(|w| w.add_member(m));
                    draft.set(new_member());
                },
                {ADD.get(l)}
            }
        }
    }
}
