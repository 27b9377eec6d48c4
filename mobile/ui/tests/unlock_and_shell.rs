//! The first screens as a user meets them: the PIN, the position, the shell with the sync
//! status and the language switch.

mod support;

use keis_ui::SyncStatus;
use support::Ui;
use support::fakes::{Gate, PIN, World};

#[test]
fn a_wrong_pin_says_how_many_attempts_are_left() {
    let world = World::new(1);
    let mut ui = Ui::app(world.services());
    assert!(ui.text().contains("PIN-код"), "{}", ui.text());
    assert!(!ui.has("unlock-error"));

    ui.input("pin", "000000");
    ui.click("unlock");
    let msg = ui.text_of("unlock-error").expect("an error is shown");
    assert_eq!(msg, "Неправильний PIN-код. Залишилось спроб до стирання даних: 4");
    assert!(!ui.has("acting-as"), "still locked");

    ui.click("lang-switch");
    ui.input("pin", "111111");
    ui.click("unlock");
    assert_eq!(
        ui.text_of("unlock-error").as_deref(),
        Some("Wrong PIN. Attempts left before the local data is wiped: 3")
    );

    for _ in 0..3 {
        ui.input("pin", "999999");
        ui.click("unlock");
    }
    ui.input("pin", PIN);
    ui.click("unlock");
    assert_eq!(ui.text_of("unlock-error").as_deref(), Some("Too many wrong PINs. Try again in 30 s"));
}

#[test]
fn an_empty_pin_is_not_sent() {
    let world = World::new(0);
    let mut ui = Ui::app(world.services());
    ui.click("unlock");
    assert_eq!(ui.text_of("unlock-error").as_deref(), Some("Введіть PIN-код"));
    assert_eq!(world.session.remaining.get(), 5, "no attempt was spent");
}

#[test]
fn the_right_pin_leads_to_choosing_a_position() {
    let world = World::new(0);
    let mut ui = Ui::app(world.services());
    ui.input("pin", PIN);
    ui.click("unlock");
    assert!(ui.text().contains("Оберіть посаду"), "{}", ui.text());
    assert!(ui.has("position-demo-starosta") && ui.has("position-demo-back-office"));
    ui.click("position-demo-hromada");
    assert_eq!(ui.text_of("acting-as").as_deref(), Some("Уповноважена особа громади (UA99000000000000017)"));
    assert!(ui.has("nav-inbox") && !ui.has("nav-new"), "a hromada officer gets the inbox, not the wizard");

    ui.click("switch-position");
    ui.click("position-demo-starosta");
    assert!(ui.has("nav-new") && !ui.has("nav-inbox"));
    ui.click("lock");
    assert!(ui.has("pin") && world.session.locked.get());
}

#[test]
fn the_sync_status_is_always_visible() {
    let world = World::new(2);
    *world.sync.status.borrow_mut() = SyncStatus {
        last_sync_ms: Some(1_763_900_000_000),
        pending_changes: 3,
        pending_bytes: 1_300_000,
        progress: None,
        offline: true,
    };
    let mut ui = Ui::app(world.services());
    ui.unlock_as(PIN, "demo-starosta");
    assert_eq!(ui.text_of("sync-offline").as_deref(), Some("Офлайн"));
    assert_eq!(ui.text_of("sync-last").as_deref(), Some("Остання синхронізація: 2025-11-23 12:13 UTC"));
    assert_eq!(ui.text_of("sync-pending").as_deref(), Some("Не надіслано: 3 зміни (1,2 МБ)"));
    assert!(!ui.has("sync-progress"));

    ui.click("sync-now");
    assert_eq!(world.sync.requests.get(), 1);
    let e = ui.text_of("sync-error").expect("offline sync says why");
    assert!(e.starts_with("немає зв'язку"), "{e}");

    {
        let mut s = world.sync.status.borrow_mut();
        s.offline = false;
        s.progress = Some(0.42);
    }
    ui.click("sync-refresh");
    assert!(!ui.has("sync-offline"));
    assert!(ui.html().contains("id=\"sync-progress\""), "{}", ui.html());
    assert!(ui.html().contains("value=\"42\""), "{}", ui.html());
    assert!(ui.text().contains("Синхронізація… 42%"));

    ui.click("lang-switch");
    assert_eq!(ui.text_of("sync-pending").as_deref(), Some("Not sent: 3 changes (1.2 MB)"));
    assert!(ui.text().contains("Syncing… 42%"));
    assert!(ui.text().contains("Journal") && !ui.text().contains("Журнал звернень"));
    assert!(ui.html().contains("class=\"app\" lang=\"en\""), "screen readers are told the language");
}

#[test]
fn after_the_inactivity_time_the_screens_close_and_the_pin_is_asked_again() {
    let world = World::new(3);
    let mut ui = Ui::app(world.services());
    ui.unlock_as(PIN, "demo-starosta");
    let touched = world.session.touches.get();
    assert!(touched >= 2, "taps count as activity: {touched}");
    ui.input("journal-search", "x");
    ui.input("journal-search", "");
    assert_eq!(world.session.touches.get(), touched + 2, "typing too");
    ui.click("case-demo-case-000001");
    assert!(ui.has("case-applicant"));

    // Not yet idle: the periodic check leaves the screen as it is.
    ui.click("sync-refresh");
    assert!(ui.has("case-applicant") && !world.session.locked.get());

    world.session.idle.set(true);
    ui.click("sync-refresh");
    assert!(world.session.locked.get(), "the key is dropped");
    assert!(ui.has("pin") && !ui.has("case-applicant"), "no personal data stays on show:\n{}", ui.text());
    world.session.idle.set(false);
    ui.unlock_as(PIN, "demo-starosta");
    assert!(ui.has("journal-list"), "back to the journal, not to the case");
}

#[test]
fn while_the_pin_is_checked_the_screen_says_so_and_the_button_waits() {
    let world = World::new(0);
    let gate = Gate::default();
    *world.session.gate.borrow_mut() = Some(gate.clone());
    let mut ui = Ui::app(world.services());
    ui.input("pin", PIN);
    ui.click("unlock");
    assert_eq!(ui.text_of("unlock-busy").as_deref(), Some("Перевіряємо PIN-код…"));
    let html = ui.html();
    assert!(html.contains("id=\"unlock\" class=\"primary\" type=\"button\" disabled=true"), "{html}");
    assert!(!ui.text().contains("Оберіть посаду"));
    gate.open();
    ui.settle();
    assert!(!ui.has("unlock-busy"));
    assert!(ui.text().contains("Оберіть посаду"), "{}", ui.text());
}
