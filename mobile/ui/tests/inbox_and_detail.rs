//! The hromada officer's and the back office's inbox, the case detail with its timeline,
//! signatures and conflicts, and the printable application.

mod support;

use automerge::ActorId;
use keis_crdt::{Action, CaseDoc, Role, demo};
use support::fakes::{PIN, World};
use support::{Ui, count};

/// Case 1 submitted (waits for the hromada), case 2 exported (waits for a decision),
/// case 3 in conflict.
fn world() -> World {
    let world = World::new(3);
    let c = world.cases.catalogue.clone();
    let (sta, hro, back) =
        (demo::position(Role::Starosta), demo::position(Role::HromadaOfficer), demo::position(Role::BackOffice));
    {
        let mut docs = world.cases.docs.borrow_mut();
        docs[0].act(&sta, Action::Submit { incomplete: None }, "", 1, &c).expect("submit");
        let steps = [
            (&sta, Action::Submit { incomplete: None }),
            (&hro, Action::ForwardToBackOffice { incomplete: None }),
            (&back, Action::MarkChecked),
            (&back, Action::Export { batch: "DAT-1".into() }),
        ];
        for (i, (who, action)) in steps.into_iter().enumerate() {
            docs[1].act(who, action, "", 10 + i as i64, &c).expect("step");
        }
        docs[2].act(&sta, Action::Submit { incomplete: None }, "", 1, &c).expect("submit");
        let mut other = CaseDoc::load(&docs[2].save(), ActorId::from(b"other".as_slice())).expect("load");
        docs[2].act(&hro, Action::ReturnForRework, "нечіткий скан", 3, &c).expect("return");
        other.act(&hro, Action::ForwardToBackOffice { incomplete: None }, "", 3, &c).expect("forward");
        docs[2].merge(&mut other).expect("merge");
    }
    world
}

#[test]
fn the_position_decides_what_the_inbox_offers() {
    let world = world();
    let mut ui = Ui::app(world.services());
    ui.unlock_as(PIN, "demo-hromada");
    ui.click("nav-inbox");
    assert_eq!(ui.text_of("inbox-count").as_deref(), Some("Чекають на вас: 1"));
    ui.click("inbox-demo-case-000001");
    assert!(ui.has("action-return_for_rework") && ui.has("action-forward_to_back_office"));
    assert!(!ui.has("action-grant") && !ui.has("action-mark_checked"));

    ui.click("action-return_for_rework");
    assert_eq!(ui.text_of("action-error").as_deref(), Some("вкажіть причину в коментарі"));
    ui.input("action-comment", "додайте довідку про доходи");
    ui.click("action-return_for_rework");
    assert_eq!(ui.text_of("inbox-count").as_deref(), Some("Чекають на вас: 0"));
    assert!(ui.has("inbox-empty"));
    let docs = world.cases.docs.borrow();
    let last = docs[0].case().events.values().max_by_key(|e| e.at).expect("event").clone();
    assert_eq!((last.action.as_str(), last.comment.as_str()), ("return_for_rework", "додайте довідку про доходи"));
    drop(docs);

    ui.click("switch-position");
    ui.click("position-demo-back-office");
    ui.click("nav-inbox");
    assert_eq!(ui.text_of("inbox-count").as_deref(), Some("Чекають на вас: 1"));
    ui.click("inbox-demo-case-000002");
    assert!(ui.has("action-grant") && ui.has("action-refuse") && !ui.has("action-return_for_rework"));
    ui.input("decision-amount", "3120,5");
    ui.input("decision-from", "2026-12-01");
    ui.input("decision-to", "2027-02-30");
    ui.click("action-grant");
    assert_eq!(ui.text_of("action-error").as_deref(), Some("період призначення: такої дати не існує"));
    ui.input("decision-to", "2027-05-31");
    ui.click("action-grant");
    assert_eq!(ui.text_of("action-done").as_deref(), Some("Виконано"));
    let state = world.cases.docs.borrow()[1].derive().state;
    let keis_crdt::CaseState::Settled(o) = state else { panic!("settled") };
    assert!(matches!(o.decision, Some(keis_crdt::Decision::Granted { amount_kop: 312_050, .. })), "{o:?}");
}

#[test]
fn the_case_detail_shows_timeline_signatures_and_conflicts() {
    let world = world();
    world.cases.docs.borrow_mut()[0]
        .edit(50, |case, _| case.applicant.phone = Some("+380991112233".into()))
        .expect("edit after signing");
    let mut ui = Ui::app(world.services());
    ui.unlock_as(PIN, "demo-hromada");

    ui.click("case-demo-case-000001");
    assert_eq!(ui.text_of("case-status").as_deref(), Some("Заяву передано до ОТГ"));
    assert!(ui.text_of("signature-0").expect("signature").ends_with("Зміст змінено після підписання"));
    assert_eq!(count(&ui.html(), "class=\"document\""), 12);
    assert!(ui.text_of("timeline").expect("timeline").contains("Подано до громади"));
    ui.click("back-to-journal");

    ui.click("case-demo-case-000002");
    assert!(ui.text_of("signature-0").expect("signature").ends_with("Підпис дійсний"));
    assert_eq!(count(&ui.text_of("timeline").expect("timeline"), "→"), 4);
    ui.click("back-to-journal");

    ui.click("case-demo-case-000003");
    assert!(ui.has("conflict"));
    let events: Vec<String> = match world.cases.docs.borrow()[2].derive().state {
        keis_crdt::CaseState::Conflict { events, .. } => events,
        other => panic!("not a conflict: {other:?}"),
    };
    assert_eq!(events.len(), 2);
    let forward = events
        .iter()
        .find(|e| world.cases.docs.borrow()[2].case().events[*e].action == "forward_to_back_office")
        .expect("forward")
        .clone();
    assert!(
        ui.text_of(&format!("resolve-{forward}")).expect("button").contains("Заяву перевірено та передано до СПСЗН")
    );
    ui.click(&format!("resolve-{forward}"));
    assert!(!ui.has("conflict"), "{}", ui.text());
    assert_eq!(ui.text_of("case-status").as_deref(), Some("Заяву перевірено та передано до СПСЗН"));

    ui.click("print");
    let html = ui.html();
    assert!(html.contains("id=\"print-frame\""));
    assert!(html.contains("Прошу призначити"), "the printable page is in the frame");
}

#[test]
fn english_throughout_after_the_switch() {
    let world = world();
    let mut ui = Ui::app(world.services());
    ui.click("lang-switch");
    ui.unlock_as(PIN, "demo-back-office");
    ui.click("nav-inbox");
    assert_eq!(ui.text_of("inbox-count").as_deref(), Some("Waiting for you: 1"));
    ui.click("inbox-demo-case-000002");
    assert_eq!(ui.text_of("action-grant").as_deref(), Some("Grant"));
    ui.click("inbox-open");
    assert_eq!(ui.text_of("case-status").as_deref(), Some("Exported to the state systems"));
    let text = ui.text();
    for uk in ["Заявник", "Хід розгляду", "Статус"] {
        assert!(!text.contains(uk), "{uk} left in Ukrainian: {text}");
    }
}

#[test]
fn a_case_the_server_refused_is_marked_and_says_why() {
    let world = world();
    world.cases.unsynced.borrow_mut().extend(["demo-case-000001".to_owned(), "demo-case-000002".to_owned()]);
    world.cases.refused.borrow_mut().insert(
        "demo-case-000001".into(),
        "посада не може записати рішення / the position may not record a decision".into(),
    );
    let mut ui = Ui::app(world.services());
    ui.unlock_as(PIN, "demo-starosta");
    let html = ui.html();
    assert_eq!(count(&html, "badge refused"), 1, "{html}");
    assert_eq!(count(&html, "badge unsynced"), 1, "the refused case is not also \"not synced\"");
    assert!(ui.text().contains("Відхилено сервером"));

    ui.click("case-demo-case-000001");
    let msg = ui.text_of("case-refused").expect("the reason is shown");
    assert!(msg.starts_with("Сервер не прийняв зміни") && msg.ends_with("посада не може записати рішення"), "{msg}");
    ui.click("back-to-journal");
    ui.click("case-demo-case-000002");
    assert!(!ui.has("case-refused"));
    ui.click("back-to-journal");
    ui.click("lang-switch");
    ui.click("case-demo-case-000001");
    assert!(ui.text_of("case-refused").is_some_and(|m| m.ends_with("the position may not record a decision")));
}

#[test]
fn a_social_worker_records_a_visit_and_sees_the_resolutions() {
    let world = world();
    world.cases.docs.borrow_mut()[1]
        .edit(40, |case, ids| {
            use keis_crdt::model::{RecordMap, Resolution};
            case.resolutions.add(Resolution {
                id: ids.next_id(),
                author: "demo-coordinator".into(),
                at: 40,
                text: "Відвідати родину до кінця місяця".into(),
                assignee: Some("demo-social-worker".into()),
                due: Some("2026-12-31".into()),
            });
        })
        .expect("a resolution");
    let mut ui = Ui::app(world.services());
    ui.unlock_as(PIN, "demo-social-worker");
    ui.click("case-demo-case-000002");
    assert!(ui.text().contains("Записів ще немає"), "{}", ui.text());
    let r = ui.text_of("case-resolutions").expect("the resolution is listed");
    assert!(
        r.contains("Відвідати родину")
            && r.contains("виконавець: demo-social-worker")
            && r.contains("строк: 2026-12-31")
    );

    ui.click("add-note");
    assert_eq!(ui.text_of("note-error").as_deref(), Some("Напишіть текст запису"));
    ui.select("note-kind", "assessment");
    ui.input("note-text", "Потреба в паливі на зиму");
    ui.click("add-note");
    assert!(!ui.has("note-error"));
    let notes = ui.text_of("case-notes").expect("listed");
    assert!(notes.contains("Оцінка потреб (demo-social-worker): Потреба в паливі на зиму"), "{notes}");
    assert_eq!(world.cases.docs.borrow()[1].case().notes.len(), 1, "stored in the case");
    assert!(ui.html().contains("id=\"note-text\" rows=\"3\" value=\"\""), "the box is emptied");
}

#[test]
fn documents_on_the_device_show_thumbnails_the_rest_a_placeholder() {
    let world = world();
    let (first, shown) = {
        let docs = world.cases.docs.borrow();
        let a = docs[0].case().attachments.values().next().expect("an attachment").clone();
        (a.id, a.sha256)
    };
    let src = "data:image/jpeg;base64,/9j/AA==";
    world.cases.thumbnails.borrow_mut().insert(shown, src.into());
    let mut ui = Ui::app(world.services());
    ui.unlock_as(PIN, "demo-hromada");
    ui.click("case-demo-case-000001");
    let html = ui.html();
    assert!(html.contains(&format!("<img id=\"thumb-{first}\" class=\"thumb\" src=\"{src}\"")), "{html}");
    assert_eq!(count(&html, "<img"), 1, "only the page on the device has a picture");
    assert_eq!(count(&html, "role=\"img\""), 11, "the others keep a labelled placeholder");
    assert!(world.cases.thumbnail_requests.get() >= 12);
}
