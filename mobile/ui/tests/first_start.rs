//! A device's first start as its user meets it: choose a PIN (refused if weak or
//! mistyped), enrol with the hromada's server, show the approval code, check the approval
//! until the administrator has given the positions; and a device that was enrolled but not
//! yet approved coming back to its code after unlocking.

mod support;

use keis_ui::Enrolment;
use support::Ui;
use support::fakes::{Gate, PIN, World};

fn first_start() -> (World, Ui) {
    let world = World::new(0);
    world.session.absent.set(true);
    let ui = Ui::app(world.services());
    (world, ui)
}

#[test]
fn a_weak_or_mistyped_pin_makes_no_store() {
    let (world, mut ui) = first_start();
    assert!(ui.has("new-pin") && !ui.has("pin"), "the first start asks for a new PIN:\n{}", ui.text());
    assert!(ui.text_of("setup-hint").is_some_and(|t| t.contains("перший запуск") && t.contains("стерто")));

    for (pin, repeat, says) in [
        ("1234", "1234", "від 6 до 12 цифр"),
        ("123456", "123456", "легко вгадати"),
        ("48a916", "48a916", "лише цифри"),
        (PIN, "482961", "не збігаються"),
    ] {
        ui.input("new-pin", pin);
        ui.input("repeat-pin", repeat);
        ui.click("create-store");
        let e = ui.text_of("setup-error").expect("refused");
        assert!(e.contains(says), "{pin}/{repeat}: {e}");
        assert!(world.session.absent.get(), "no store made");
    }
    ui.click("lang-switch");
    ui.input("new-pin", "1111111");
    ui.input("repeat-pin", "1111111");
    ui.click("create-store");
    assert!(ui.text_of("setup-error").is_some_and(|e| e.starts_with("This PIN is easy to guess")));
}

#[test]
fn a_new_device_chooses_a_pin_enrols_and_works_once_approved() {
    let (world, mut ui) = first_start();
    ui.input("new-pin", PIN);
    ui.input("repeat-pin", PIN);
    ui.click("create-store");
    assert!(!world.session.absent.get(), "the store is made");
    assert!(ui.has("enrol-server") && ui.has("enrol-name"), "{}", ui.text());
    assert!(ui.html().contains("value=\"http://hromada.example:8080\""), "the launcher's server is suggested");

    ui.input("enrol-name", "  ");
    ui.click("enrol");
    assert_eq!(ui.text_of("enrol-error").as_deref(), Some("Вкажіть назву пристрою"));
    ui.input("enrol-server", "hromada.example");
    ui.input("enrol-name", "Планшет старости (вигаданий)");
    ui.click("enrol");
    assert!(ui.text_of("enrol-error").is_some_and(|e| e.starts_with("некоректна адреса сервера")));
    ui.input("enrol-server", "http://hromada.example:8080");
    ui.click("enrol");
    assert!(!ui.has("enrol-error"), "the error goes once enrolled");
    assert_eq!(ui.text_of("approval-code").as_deref(), Some("123-456-789"));
    assert_eq!(ui.text_of("device-id").as_deref(), Some("dev-0001"));

    ui.click("check-approval");
    assert_eq!(ui.text_of("enrol-info").as_deref(), Some("Пристрій ще не схвалено. Спробуйте пізніше."));
    assert!(ui.has("approval-code"), "the code stays on screen");

    *world.session.server_error.borrow_mut() = Some("сервер недоступний / the server cannot be reached".into());
    ui.click("check-approval");
    assert_eq!(ui.text_of("enrol-error").as_deref(), Some("сервер недоступний"));
    *world.session.server_error.borrow_mut() = None;

    world.session.approved.set(true);
    ui.click("check-approval");
    assert!(ui.text().contains("Оберіть посаду"), "{}", ui.text());
    ui.click("position-demo-starosta");
    assert!(ui.has("acting-as") && ui.has("nav-new"));
}

#[test]
fn an_enrolled_device_not_yet_approved_shows_its_code_after_unlocking_and_can_lock() {
    let world = World::new(0);
    *world.session.enrolment.borrow_mut() = Some(Enrolment::Pending {
        server: "http://hromada.example:8080".into(),
        device_id: "dev-0042".into(),
        approval_code: "987-654-321".into(),
    });
    let mut ui = Ui::app(world.services());
    assert!(ui.has("pin"), "a store exists: the PIN opens it");
    ui.input("pin", PIN);
    ui.click("unlock");
    assert_eq!(ui.text_of("approval-code").as_deref(), Some("987-654-321"));
    assert!(
        ui.text_of("enrolled-as").is_some_and(|t| t.contains("dev-0042") && t.contains("http://hromada.example:8080"))
    );
    assert_eq!(world.session.checks.get(), 1, "the screen asked the server by itself");
    assert!(!ui.has("enrol-info") && !ui.has("enrol-error"), "and says nothing while not approved");
    ui.click("lock");
    assert!(ui.has("pin") && world.session.locked.get());

    // Approved while the tablet was off: opening it goes straight on to the positions.
    world.session.approved.set(true);
    ui.input("pin", PIN);
    ui.click("unlock");
    assert_eq!(world.session.checks.get(), 2);
    assert!(ui.text().contains("Оберіть посаду"), "{}", ui.text());
}

#[test]
fn the_window_keeps_drawing_while_the_store_is_made_and_the_server_asked() {
    let (world, mut ui) = first_start();
    let gate = Gate::default();
    *world.session.gate.borrow_mut() = Some(gate.clone());
    ui.input("new-pin", PIN);
    ui.input("repeat-pin", PIN);
    ui.click("create-store");
    assert_eq!(ui.text_of("setup-busy").as_deref(), Some("Створюємо захищене сховище…"));
    assert!(ui.html().contains("id=\"create-store\" class=\"primary\" type=\"button\" disabled=true"));
    gate.open();
    ui.settle();
    assert!(ui.has("enrol-server"), "the store is made: enrolment next");
    let gate = Gate::default();
    *world.session.gate.borrow_mut() = Some(gate.clone());
    ui.input("enrol-name", "Планшет старости (вигаданий)");
    ui.click("enrol");
    assert_eq!(ui.text_of("enrol-busy").as_deref(), Some("Зв'язуємося з сервером…"));
    let html = ui.html();
    for id in ["enrol", "lock"] {
        assert!(
            html.contains(&format!("id=\"{id}\" class=\"primary\" type=\"button\" disabled=true"))
                || html.contains(&format!("id=\"{id}\" type=\"button\" disabled=true")),
            "#{id} waits:\n{html}"
        );
    }
    ui.click("lang-switch");
    assert_eq!(ui.text_of("enrol-busy").as_deref(), Some("Contacting the server…"), "the window still answers");
    assert!(!ui.has("approval-code"));
    gate.open();
    ui.settle();
    assert!(!ui.has("enrol-busy"));
    assert_eq!(ui.text_of("approval-code").as_deref(), Some("123-456-789"));
}
