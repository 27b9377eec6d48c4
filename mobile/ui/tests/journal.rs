//! The journal: search, filters, badges, and a list of 10,000 rows that renders only
//! what is visible.

mod support;

use automerge::ActorId;
use keis_crdt::{Action, AppStatus, CaseDoc, Role, Status, demo};
use keis_mobile::case_list::CaseRow;
use keis_mobile::views::journal::JournalRow;
use support::fakes::{PIN, World};
use support::{Ui, count};

const ROW: &str = "class=\"journal-row\"";

/// Case 1 as created, case 2 returned for rework (and unsynced), case 3 in conflict.
fn world() -> World {
    let world = World::new(3);
    let c = world.cases.catalogue.clone();
    let (sta, hro) = (demo::position(Role::Starosta), demo::position(Role::HromadaOfficer));
    {
        let mut docs = world.cases.docs.borrow_mut();
        docs[1].act(&sta, Action::Submit { incomplete: None }, "", 1, &c).expect("submit");
        docs[1].act(&hro, Action::ReturnForRework, "уточніть", 2, &c).expect("return");
        docs[2].act(&sta, Action::Submit { incomplete: None }, "", 1, &c).expect("submit");
        let mut other = CaseDoc::load(&docs[2].save(), ActorId::from(b"other".as_slice())).expect("load");
        docs[2].act(&hro, Action::ReturnForRework, "ні", 3, &c).expect("return");
        other.act(&hro, Action::ForwardToBackOffice { incomplete: None }, "", 3, &c).expect("forward");
        docs[2].merge(&mut other).expect("merge");
    }
    world.cases.unsynced.borrow_mut().insert("demo-case-000002".into());
    world
}

#[test]
fn rows_show_their_badges() {
    let world = world();
    let mut ui = Ui::app(world.services());
    ui.unlock_as(PIN, "demo-starosta");
    assert_eq!(ui.text_of("journal-count").as_deref(), Some("Знайдено: 3 з 3"));
    let row = |ui: &Ui, n: u32| ui.text_of(&format!("case-demo-case-{n:06}")).expect("row");
    assert!(row(&ui, 1).contains("Формування заяви"));
    let html = ui.html();
    assert_eq!(count(&html, "badge unsynced"), 1);
    assert_eq!(count(&html, "badge returned"), 1);
    assert_eq!(count(&html, "badge conflict"), 1);
    assert!(ui.text().contains("Повернуто на доопрацювання") && ui.text().contains("Конфлікт"));
    assert!(row(&ui, 3).contains("Потребує рішення"));
    ui.click("lang-switch");
    assert!(ui.text().contains("Returned for rework") && ui.text().contains("Not synced"));
}

#[test]
fn search_and_filters_narrow_the_list() {
    let world = world();
    let mut ui = Ui::app(world.services());
    ui.unlock_as(PIN, "demo-starosta");
    let applicant = world.cases.docs.borrow()[1].case().applicant.clone();

    let surname = applicant.surname.to_uppercase();
    ui.input("journal-search", &format!("{surname} {}", applicant.given_name));
    assert_eq!(ui.text_of("journal-count").as_deref(), Some("Знайдено: 1 з 3"));
    assert!(ui.has("case-demo-case-000002"));

    ui.input("journal-search", applicant.rnokpp.as_deref().expect("rnokpp"));
    assert!(ui.has("case-demo-case-000002") && !ui.has("case-demo-case-000001"));

    ui.input("journal-search", "2026-000003");
    assert!(ui.has("case-demo-case-000003") && !ui.has("case-demo-case-000002"));

    ui.input("journal-search", "Нікого-такого");
    assert!(ui.has("journal-empty"));

    ui.input("journal-search", "");
    ui.select("filter-status", &AppStatus::ReturnedForRework.number().to_string());
    assert_eq!(ui.text_of("journal-count").as_deref(), Some("Знайдено: 1 з 3"));
    ui.select("filter-status", "");
    ui.select("filter-package", "incomplete");
    assert_eq!(ui.text_of("journal-count").as_deref(), Some("Знайдено: 0 з 3"));
    ui.select("filter-package", "complete");
    ui.select("filter-service", "birth_assistance");
    assert_eq!(ui.text_of("journal-count").as_deref(), Some("Знайдено: 0 з 3"));
    ui.select("filter-service", "housing_subsidy");
    assert_eq!(ui.text_of("journal-count").as_deref(), Some("Знайдено: 3 з 3"));
}

#[test]
fn ten_thousand_rows_render_a_window() {
    let world = World::new(0);
    let rows = (0..10_000u32).map(|n| {
        let row = CaseRow {
            id: format!("s{n}"),
            number: format!("2026-S{n:05}"),
            applicant: format!("Вигаданий Номер {n}"),
            status: "Формування заяви".into(),
            badges: vec![],
        };
        JournalRow::new(row, String::new(), vec![], Some(Status::Application(AppStatus::Forming)), true, false)
    });
    world.cases.extra_rows.borrow_mut().extend(rows);
    let mut ui = Ui::app(world.services());
    ui.unlock_as(PIN, "demo-starosta");
    let html = ui.html();
    assert!(count(&html, ROW) <= 20, "rendered {} rows", count(&html, ROW));
    assert!(ui.has("case-s0") && !ui.has("case-s100"));

    ui.scroll("journal-list", 64.0 * 5_000.0);
    let html = ui.html();
    assert!(count(&html, ROW) <= 20, "rendered {} rows", count(&html, ROW));
    assert!(ui.has("case-s5000") && ui.has("case-s5009") && !ui.has("case-s0"), "{}", ui.text());
    assert!(html.contains("aria-posinset=\"5001\""), "rows keep their position for screen readers");

    ui.input("journal-search", "Номер 9999");
    assert_eq!(ui.text_of("journal-count").as_deref(), Some("Знайдено: 1 з 10000"));
    assert!(ui.has("case-s9999"));
}

#[test]
fn the_list_reads_the_cases_again_after_a_sync() {
    let world = world();
    let mut ui = Ui::app(world.services());
    ui.unlock_as(PIN, "demo-starosta");
    assert_eq!(ui.text_of("journal-count").as_deref(), Some("Знайдено: 3 з 3"));
    // A sync in the background brought a case; the sync bar sees it finish.
    let row = CaseRow {
        id: "from-sync".into(),
        number: "2026-S00001".into(),
        applicant: "Вигаданий Синхронізований".into(),
        status: "Формування заяви".into(),
        badges: vec![],
    };
    let new = JournalRow::new(row, String::new(), vec![], Some(Status::Application(AppStatus::Forming)), true, false);
    world.cases.extra_rows.borrow_mut().push(new);
    ui.click("sync-refresh");
    assert_eq!(ui.text_of("journal-count").as_deref(), Some("Знайдено: 3 з 3"), "no sync finished yet");
    world.sync.status.borrow_mut().last_sync_ms = Some(1_763_900_000_000);
    ui.click("sync-refresh");
    assert_eq!(ui.text_of("journal-count").as_deref(), Some("Знайдено: 4 з 4"));
}
