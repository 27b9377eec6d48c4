//! The new-application wizard as the starosta walks it with the applicant.

mod support;

use support::fakes::{CAN, PIN, World};
use support::{Ui, count};

fn start(world: &World) -> Ui {
    let mut ui = Ui::app(world.services());
    ui.unlock_as(PIN, "demo-starosta");
    ui.click("nav-new");
    ui
}

fn step(ui: &Ui) -> String {
    ui.text_of("wizard-step").expect("step header")
}

fn class_of(ui: &Ui, id: &str) -> String {
    let html = ui.html();
    let at = html.find(&format!("id=\"{id}\"")).unwrap_or_else(|| panic!("{id} not shown"));
    let start = html[..at].rfind('<').expect("tag");
    let tag = &html[start..start + html[start..].find('>').expect("tag end")];
    tag.split("class=\"").nth(1).and_then(|c| c.split('"').next()).unwrap_or("").to_owned()
}

#[test]
fn services_bring_the_checklist_and_the_steps_advance() {
    let world = World::new(0);
    let mut ui = start(&world);
    assert_eq!(step(&ui), "Крок 1 з 6: Послуги");
    ui.click("wizard-next");
    assert_eq!(ui.text_of("wizard-error").as_deref(), Some("оберіть хоча б одну послугу"));
    assert_eq!(step(&ui), "Крок 1 з 6: Послуги");

    ui.select("service-birth_assistance", "true");
    assert!(!ui.has("wizard-error") || ui.text_of("wizard-error").is_some());
    for doc in ["identity_document", "rnokpp_card", "birth_certificate"] {
        assert_eq!(class_of(&ui, &format!("check-{doc}")), "todo", "{doc}");
    }
    assert!(ui.text_of("checklist").expect("checklist").contains("Свідоцтво про народження дитини"));
    ui.click("wizard-next");
    assert_eq!(step(&ui), "Крок 2 з 6: Заявник");
    assert!(!ui.has("wizard-error"));
    ui.click("wizard-back");
    assert_eq!(step(&ui), "Крок 1 з 6: Послуги");
    ui.click("lang-switch");
    assert_eq!(step(&ui), "Step 1 of 6: Services");
}

#[test]
fn a_bad_rnokpp_is_explained_until_it_is_fixed() {
    let world = World::new(0);
    let mut ui = start(&world);
    ui.select("service-birth_assistance", "true");
    ui.click("wizard-next");

    ui.input("field-rnokpp", "12345");
    assert_eq!(ui.text_of("error-rnokpp").as_deref(), Some("РНОКПП має містити 10 цифр"));
    assert!(ui.html().contains("aria-invalid=\"true\""));
    ui.input("field-rnokpp", "1234567890");
    assert_eq!(ui.text_of("error-rnokpp").as_deref(), Some("контрольна цифра РНОКПП не збігається: перевірте номер"));
    ui.click("lang-switch");
    assert_eq!(ui.text_of("error-rnokpp").as_deref(), Some("RNOKPP check digit does not match: check the number"));
    ui.click("lang-switch");
    let good = keis_crdt::demo::rnokpp(keis_crdt::validate::Date::new(1969, 8, 6).expect("date"), 5);
    ui.input("field-rnokpp", &good);
    assert!(!ui.has("error-rnokpp"), "fixed: the message is gone");
    ui.input("field-birth_date", "1969-02-30");
    assert_eq!(ui.text_of("error-birth_date").as_deref(), Some("такої дати не існує"));
    ui.input("field-birth_date", "1969-08-06");
    assert!(!ui.has("error-birth_date") && !ui.has("error-rnokpp"));

    ui.click("wizard-next");
    assert_eq!(ui.text_of("wizard-error").as_deref(), Some("виправте дані заявника"));
    assert_eq!(ui.text_of("error-surname").as_deref(), Some("обов'язкове поле"));
    ui.input("field-surname", "Тестенко");
    assert!(!ui.has("error-surname"));
}

#[test]
fn the_id_card_fills_the_form_and_shows_photo_and_verdict() {
    let world = World::new(0);
    let mut ui = start(&world);
    ui.select("service-birth_assistance", "true");
    ui.click("wizard-next");
    ui.input("chip-can", "000000");
    ui.click("chip-read");
    assert!(ui.text_of("chip-error").expect("error").starts_with("невірний CAN"));
    ui.input("chip-can", CAN);
    ui.click("chip-read");
    assert!(!ui.has("chip-error"));
    assert!(ui.html().contains("id=\"chip-photo\""));
    assert_eq!(ui.text_of("chip-verdict").as_deref(), Some("Дані з чипа автентичні"));
    let html = ui.html();
    let person = keis_crdt::demo::person(11, keis_crdt::validate::Date::new(1985, 3, 14).expect("date"));
    assert!(html.contains(&format!("value=\"{}\"", person.surname)), "surname filled");
    assert!(html.contains(&format!("value=\"{}\"", person.rnokpp.clone().unwrap_or_default())));
    assert_eq!(count(&html, "class=\"field-error\""), 0);
}

#[test]
fn from_services_to_submission() {
    let world = World::new(0);
    let mut ui = start(&world);
    ui.select("service-birth_assistance", "true");
    ui.click("wizard-next");
    ui.input("chip-can", CAN);
    ui.click("chip-read");
    ui.input("field-address_line", "");
    ui.click("wizard-next");
    assert_eq!(ui.text_of("error-address_line").as_deref(), Some("обов'язкове поле"));
    ui.input("field-address_line", "с. Вигадане, вул. Тестова, 5");
    ui.click("wizard-next");
    assert_eq!(step(&ui), "Крок 3 з 6: Члени сім'ї");

    ui.input("member-surname", "Тестенко");
    ui.input("member-given", "Ярина");
    ui.input("member-birth", "2025-01-10");
    ui.click("member-add");
    ui.click("wizard-next");
    assert_eq!(ui.text_of("wizard-error").as_deref(), Some("заповніть дані члена сім'ї 1"));
    ui.click("member-remove-0");
    assert!(ui.has("members-empty"));
    ui.input("member-surname", "Тестенко");
    ui.input("member-given", "Ярина");
    ui.input("member-birth", "2025-01-10");
    ui.select("member-sex", "F");
    ui.input("member-doc", "І-ТЕ 000001");
    ui.input("member-doc-issued", "2025-01-20");
    ui.click("member-add");
    assert!(ui.text_of("member-0").expect("member").contains("Тестенко Ярина"));
    ui.click("wizard-next");
    assert_eq!(step(&ui), "Крок 4 з 6: Документи");

    // A camera that fails says why; one that opens as its own app (a tablet's) says what
    // to do, and the next press takes the photo.
    world.camera.fail_next.replace(Some("Камера недоступна / The camera is not available".into()));
    ui.click("scan-capture");
    assert_eq!(ui.text_of("camera-error").as_deref(), Some("Камера недоступна"));
    world.camera.opens_first.set(true);
    ui.click("scan-capture");
    assert!(!ui.has("camera-error"), "the camera opened: nothing failed");
    assert!(ui.text_of("camera-info").is_some_and(|t| t.starts_with("Камеру відкрито")), "{}", ui.text());
    assert!(!ui.html().contains("class=\"scan\""), "no page yet");
    ui.click("scan-capture");
    assert!(!ui.has("camera-info") && !ui.has("camera-error"));
    // Files chosen on the laptop go through the same pipeline; a damaged one says so and
    // the others are still added.
    let (good, broken) = (std::path::Path::new("/scans/page-2.png"), std::path::Path::new("/scans/broken.jpg"));
    ui.choose_files("scan-file", &[broken, good]);
    assert_eq!(*world.camera.imported.borrow(), [broken, good]);
    assert_eq!(ui.text_of("camera-error").as_deref(), Some("файл пошкоджено"));
    assert!(ui.html().contains("base64,F2\""), "the good file is added");
    ui.click("remove-file-2");
    assert!(!ui.html().contains("base64,F2\""));
    assert!(ui.html().contains("src=\"data:image/png;base64,T1\""), "the preview is shown");
    assert_eq!(class_of(&ui, "check-birth_certificate"), "todo");
    ui.select("assign-scan-1", "birth_certificate");
    assert_eq!(class_of(&ui, "check-birth_certificate"), "done");
    ui.click("retake-scan-1");
    assert!(ui.html().contains("src=\"data:image/png;base64,T2\"") && !ui.html().contains("base64,T1\""));
    assert_eq!(class_of(&ui, "check-birth_certificate"), "done", "a retake keeps the assignment");
    ui.click("scan-capture");
    ui.select("assign-scan-3", "identity_document");
    assert_eq!(class_of(&ui, "check-identity_document"), "done");
    ui.click("wizard-next");
    assert_eq!(step(&ui), "Крок 5 з 6: Підпис заявника");

    ui.click("wizard-next");
    assert_eq!(ui.text_of("wizard-error").as_deref(), Some("заявник ще не підписав заяву"));
    ui.pointer("pointerdown", "signature-pad", 10.0, 100.0);
    ui.pointer("pointermove", "signature-pad", 60.0, 80.0);
    ui.pointer("pointermove", "signature-pad", 120.0, 110.0);
    ui.pointer("pointerup", "signature-pad", 120.0, 110.0);
    assert_eq!(ui.text_of("signature-status").as_deref(), Some("Підписано (1 штрих)"));
    assert!(ui.html().contains("points=\"10.0,100.0 60.0,80.0 120.0,110.0\""), "{}", ui.html());
    // Three points are a scribble, not a signature: the applicant is asked to sign again.
    ui.click("wizard-next");
    let error = ui.text_of("wizard-error").unwrap_or_default();
    assert!(error.starts_with("Підпис"), "{error}");
    ui.click("signature-clear");
    ui.pointer("pointerdown", "signature-pad", 40.0, 120.0);
    for i in 1..=20 {
        let x = 40.0 + f64::from(i) * 12.0;
        ui.pointer("pointermove", "signature-pad", x, 120.0 - (f64::from(i) / 2.0).sin() * 40.0);
    }
    ui.pointer("pointerup", "signature-pad", 280.0, 100.0);
    assert_eq!(ui.text_of("signature-status").as_deref(), Some("Підписано (1 штрих)"));
    ui.click("wizard-next");
    assert_eq!(step(&ui), "Крок 6 з 6: Перевірка й подання");
    assert!(ui.has("review-incomplete"), "the RNOKPP card is missing");
    assert!(ui.text_of("review-services").expect("services").contains("Допомога при народженні дитини"));

    ui.click("wizard-submit");
    assert_eq!(ui.text_of("submit-error"), None);
    assert_eq!(ui.text_of("wizard-done").as_deref(), Some("Заяву подано до громади"));
    let created = world.cases.created.borrow();
    assert_eq!(created.len(), 1);
    assert_eq!(created[0].household.len(), 1);
    assert_eq!(created[0].scans.iter().filter(|s| s.document.is_some()).count(), 2);
    drop(created);

    ui.click("open-new-case");
    ui.click("nav-journal");
    let html = ui.html();
    assert!(ui.has("case-new-1"));
    assert_eq!(count(&html, "badge unsynced"), 1);
    assert!(ui.text_of("case-new-1").expect("row").contains("Заяву передано до ОТГ"));
}
