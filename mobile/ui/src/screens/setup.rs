//! The first start of a device (or its start after a wipe): choose a PIN, which makes the
//! encrypted store; enrol with the hromada's server; show the approval code to the
//! administrator and wait for the approval that brings the positions.

use dioxus::prelude::*;
use keis_mobile::store::check_new_pin;
use keis_mobile::views::text::pick;

use crate::app::SessionState;
use crate::i18n::{LangSwitch, T, use_lang};
use crate::screens::await_busy;
use crate::services::{Access, Enrolment, Services};

const SETUP_TITLE: T = T("Налаштування пристрою", "Setting up the device");
const SETUP_HINT: T = T(
    "На цьому пристрої немає даних: це перший запуск, або дані стерто (пристрій відкликано чи введено забагато неправильних PIN-кодів). \
     Оберіть PIN-код: лише з ним відкриватимуться заяви на цьому пристрої.",
    "There is no data on this device: it is the first start, or the data was wiped (the device was revoked, or too many wrong PINs were entered). \
     Choose a PIN: the applications on this device open only with it.",
);
const NEW_PIN: T = T("Новий PIN-код (6–12 цифр)", "New PIN (6–12 digits)");
const REPEAT_PIN: T = T("Повторіть PIN-код", "Repeat the PIN");
const MISMATCH: T = T("PIN-коди не збігаються", "The PINs differ");
const CREATE: T = T("Встановити PIN-код", "Set the PIN");
const MAKING: T = T("Створюємо захищене сховище…", "Making the protected store…");

const ENROL_TITLE: T = T("Реєстрація пристрою", "Enrolling the device");
const ENROL_HINT: T = T(
    "Пристрій має бути зареєстрований на сервері громади, а адміністратор має призначити вам посади.",
    "The device must be enrolled with the hromada's server, and the administrator must give you your positions.",
);
const SERVER: T = T("Адреса сервера громади", "The hromada server's address");
const NAME: T = T("Назва пристрою (як її побачить адміністратор)", "The device's name (as the administrator sees it)");
const NAME_HINT: T = T("Напр., планшет старости с. Вигадане", "E.g. the starosta's tablet, Vyhadane");
const NO_SERVER: T = T("Вкажіть адресу сервера", "Enter the server's address");
const NO_NAME: T = T("Вкажіть назву пристрою", "Enter a name for the device");
const ENROL: T = T("Зареєструвати", "Enrol");
const CODE: T = T("Код схвалення", "Approval code");
const CODE_HINT: T = T(
    "Покажіть цей код адміністраторові громади: він схвалить пристрій і призначить посади. Потім натисніть «Перевірити схвалення».",
    "Show this code to the hromada's administrator, who approves the device and gives it positions. Then press \"Check approval\".",
);
const DEVICE: T = T("Пристрій", "Device");
const CHECK: T = T("Перевірити схвалення", "Check approval");
const NOT_YET: T = T("Пристрій ще не схвалено. Спробуйте пізніше.", "The device is not approved yet. Try again later.");
const LOCK: T = T("Заблокувати", "Lock");
const BUSY: T = T("Зв'язуємося з сервером…", "Contacting the server…");

/// Choosing the PIN that makes the store.
#[component]
pub fn CreateStore() -> Element {
    let services = use_context::<Services>();
    let mut session = use_context::<Signal<SessionState>>();
    let lang = use_lang();
    let l = lang();
    let mut pin = use_signal(String::new);
    let mut repeat = use_signal(String::new);
    let mut error = use_signal(|| None::<String>);
    // While the store is made (a second of key derivation on a slow tablet).
    let busy = use_signal(|| false);
    let submit = use_callback(move |()| {
        let (typed, again) = (pin.peek().clone(), repeat.peek().clone());
        pin.set(String::new());
        repeat.set(String::new());
        let checked = check_new_pin(&typed)
            .map_err(|e| e.to_string())
            .and_then(|()| if typed == again { Ok(()) } else { Err(MISMATCH.get(lang()).to_owned()) });
        if let Err(e) = checked {
            error.set(Some(e));
            return;
        }
        if *busy.peek() {
            return;
        }
        error.set(None);
        await_busy(busy, services.session.create(&typed), move |answer| match answer {
            Ok(enrolment) => session.set(SessionState { enrolment: Some(enrolment), ..SessionState::default() }),
            Err(e) => error.set(Some(e.0)),
        });
    });
    rsx! {
        main { class: "unlock setup", role: "main",
            header { class: "unlock-header",
                h1 { {SETUP_TITLE.get(l)} }
                LangSwitch {}
            }
            p { id: "setup-hint", class: "hint", {SETUP_HINT.get(l)} }
            div { class: "field",
                label { r#for: "new-pin", {NEW_PIN.get(l)} }
                input {
                    id: "new-pin",
                    r#type: "password",
                    inputmode: "numeric",
                    autocomplete: "new-password",
                    value: "{pin}",
                    oninput: move |e| pin.set(e.value()),
                }
            }
            div { class: "field",
                label { r#for: "repeat-pin", {REPEAT_PIN.get(l)} }
                input {
                    id: "repeat-pin",
                    r#type: "password",
                    inputmode: "numeric",
                    autocomplete: "new-password",
                    value: "{repeat}",
                    oninput: move |e| repeat.set(e.value()),
                    onkeydown: move |e| {
                        if e.key() == Key::Enter {
                            submit(());
                        }
                    },
                }
            }
            if let Some(message) = error() {
                p { id: "setup-error", class: "error", role: "alert", {pick(&message, l).to_owned()} }
            }
            if busy() {
                p { id: "setup-busy", role: "status", {MAKING.get(l)} }
            }
            button { id: "create-store", class: "primary", r#type: "button", disabled: busy(), onclick: move |_| submit(()), {CREATE.get(l)} }
        }
    }
}

/// Enrolling with the server, then waiting for the administrator's approval.
#[component]
pub fn Enrol() -> Element {
    let services = use_context::<Services>();
    let mut session = use_context::<Signal<SessionState>>();
    let lang = use_lang();
    let l = lang();
    let enrolment = session().enrolment;
    let enrolment_at_start = enrolment.clone();
    let suggested = match &enrolment {
        Some(Enrolment::NotEnrolled { server }) => server.clone(),
        _ => String::new(),
    };
    let mut server = use_signal(move || suggested);
    let mut name = use_signal(String::new);
    let mut error = use_signal(|| None::<String>);
    let mut info = use_signal(|| None::<T>);
    // While the server is asked (off the window's thread): the buttons wait.
    let busy = use_signal(|| false);
    // After a failure, the store may be gone (a revoked device wipes itself).
    let failed = {
        let services = services.clone();
        move |message: String| {
            if services.session.needs_setup() {
                session.set(SessionState { setup: true, ..SessionState::default() });
            } else {
                error.set(Some(message));
            }
        }
    };
    let enrol = {
        let services = services.clone();
        let failed = failed.clone();
        move |_| {
            let (url, device) = (server.peek().trim().to_owned(), name.peek().trim().to_owned());
            let missing = if url.is_empty() { Some(NO_SERVER) } else { device.is_empty().then_some(NO_NAME) };
            if let Some(m) = missing {
                error.set(Some(m.get(lang()).to_owned()));
                return;
            }
            let mut failed = failed.clone();
            await_busy(busy, services.session.enrol(&url, &device), move |answer| match answer {
                Ok(e) => {
                    error.set(None);
                    session.with_mut(|s| s.enrolment = Some(e));
                }
                Err(e) => failed(e.0),
            });
        }
    };
    // Asks whether the administrator has approved the device; `quiet`: say nothing if not
    // yet (the screen asks by itself when it opens on a pending device).
    let mut ask = {
        let services = services.clone();
        let failed = failed.clone();
        move |quiet: bool| {
            error.set(None);
            info.set(None);
            let mut failed = failed.clone();
            await_busy(busy, services.session.check_approval(), move |answer| match answer {
                Ok(Access::Enrol(e)) => {
                    if !quiet {
                        info.set(Some(NOT_YET));
                    }
                    session.with_mut(|s| s.enrolment = Some(e));
                }
                Ok(access) => session.set(SessionState::opened(access)),
                Err(e) if quiet => tracing::info!(error = %e.0, "the approval could not be checked on opening"),
                Err(e) => failed(e.0),
            });
        }
    };
    let check = {
        let mut ask = ask.clone();
        move |_| ask(false)
    };
    use_hook(move || {
        if matches!(enrolment_at_start, Some(Enrolment::Pending { .. })) {
            ask(true);
        }
    });
    let lock = move |_| {
        services.session.lock();
        session.set(SessionState::default());
    };
    rsx! {
        main { class: "unlock enrol", role: "main",
            header { class: "unlock-header",
                h1 { {ENROL_TITLE.get(l)} }
                LangSwitch {}
            }
            match enrolment {
                Some(Enrolment::Pending { server, device_id, approval_code }) => rsx! {
                    p { class: "hint", {CODE_HINT.get(l)} }
                    p { class: "approval",
                        span { {CODE.get(l)} ": " }
                        strong { id: "approval-code", class: "approval-code", "{approval_code}" }
                    }
                    p { id: "enrolled-as", class: "hint",
                        {DEVICE.get(l)} ": "
                        span { id: "device-id", "{device_id}" }
                        " — {server}"
                    }
                    if let Some(t) = info() {
                        p { id: "enrol-info", role: "status", {t.get(l)} }
                    }
                    button { id: "check-approval", class: "primary", r#type: "button", disabled: busy(), onclick: check, {CHECK.get(l)} }
                },
                _ => rsx! {
                    p { class: "hint", {ENROL_HINT.get(l)} }
                    div { class: "field",
                        label { r#for: "enrol-server", {SERVER.get(l)} }
                        input {
                            id: "enrol-server",
                            r#type: "url",
                            inputmode: "url",
                            placeholder: "http://",
                            value: "{server}",
                            oninput: move |e| server.set(e.value()),
                        }
                    }
                    div { class: "field",
                        label { r#for: "enrol-name", {NAME.get(l)} }
                        input {
                            id: "enrol-name",
                            placeholder: NAME_HINT.get(l),
                            value: "{name}",
                            oninput: move |e| name.set(e.value()),
                        }
                    }
                    button { id: "enrol", class: "primary", r#type: "button", disabled: busy(), onclick: enrol, {ENROL.get(l)} }
                },
            }
            if busy() {
                p { id: "enrol-busy", role: "status", {BUSY.get(l)} }
            }
            if let Some(message) = error() {
                p { id: "enrol-error", class: "error", role: "alert", {pick(&message, l).to_owned()} }
            }
            button { id: "lock", r#type: "button", disabled: busy(), onclick: lock, {LOCK.get(l)} }
        }
    }
}
