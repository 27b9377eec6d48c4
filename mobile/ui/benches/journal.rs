//! How fast the journal is on a device full of cases: building the list view model for
//! 10,000 stored cases, and searching/filtering 100,000 rows (target: ≤ 50 ms).
//!
//! `cargo bench -p keis-ui --bench journal` (a plain binary, no harness: prints figures).

use std::hint::black_box;
use std::time::{Duration, Instant};

use automerge::ActorId;
use keis_crdt::validate::Date;
use keis_crdt::{AppStatus, Catalogue, Status, demo};
use keis_mobile::case_list::{CaseRow, Lang};
use keis_mobile::views::journal::{Completeness, JournalFilter, JournalRow, search};

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn time<T>(runs: usize, mut f: impl FnMut() -> T) -> Duration {
    median(
        (0..runs)
            .map(|_| {
                let t = Instant::now();
                black_box(f());
                t.elapsed()
            })
            .collect(),
    )
}

/// 100,000 fictional rows of the shape the journal holds.
fn synthetic_rows(n: u32) -> Vec<JournalRow> {
    let codes = ["housing_subsidy", "low_income_assistance", "birth_assistance", "utility_benefits"];
    (0..n)
        .map(|i| {
            let born = Date::from_days_since_epoch(-9_000 + i64::from(i % 20_000))
                .unwrap_or_else(|| Date::new(1980, 1, 1).unwrap_or_else(|| unreachable!("a real date")));
            let person = demo::person(i, born);
            let status = AppStatus::ALL[i as usize % 8];
            let row = CaseRow {
                id: format!("case-{i:06}"),
                number: format!("2026-{i:06}"),
                applicant: person.full_name(),
                status: status.label_uk().to_owned(),
                badges: vec![],
            };
            let services = vec![codes[i as usize % 4].to_owned()];
            let rnokpp = person.rnokpp.unwrap_or_default();
            JournalRow::new(row, rnokpp, services, Some(Status::Application(status)), i % 3 != 0, i % 50 == 0)
        })
        .collect()
}

#[allow(clippy::print_stdout)]
fn main() {
    let catalogue = Catalogue::embedded().unwrap_or_else(|e| panic!("the embedded catalogue: {e}"));

    let t = Instant::now();
    let docs: Vec<_> = (0..10_000u32)
        .map(|n| demo::application(ActorId::from(b"bench".as_slice()), n, 0).unwrap_or_else(|e| panic!("{e}")))
        .collect();
    println!("created 10,000 demo case documents in {:.1} s (setup, not measured below)", t.elapsed().as_secs_f64());

    let build =
        time(3, || docs.iter().map(|d| JournalRow::from_doc(d, &catalogue, Lang::Uk, false)).collect::<Vec<_>>());
    println!("build the list view model for 10,000 cases: {:.1} ms (median of 3)", build.as_secs_f64() * 1e3);

    let rows = synthetic_rows(100_000);
    let probe = &rows[73_219];
    let queries = [
        ("surname prefix", JournalFilter { query: "прикладн".into(), ..Default::default() }),
        ("full name", JournalFilter { query: probe.row.applicant.clone(), ..Default::default() }),
        ("RNOKPP", JournalFilter { query: probe.rnokpp.clone(), ..Default::default() }),
        ("case number", JournalFilter { query: probe.row.number.clone(), ..Default::default() }),
        (
            "name + status + service + incomplete",
            JournalFilter {
                query: "остап".into(),
                status: Some(Status::Application(AppStatus::SentToHromada)),
                service: Some("low_income_assistance".into()),
                completeness: Completeness::Incomplete,
            },
        ),
        ("no match", JournalFilter { query: "немає-такого".into(), ..Default::default() }),
    ];
    for (name, f) in &queries {
        let hits = search(&rows, f).len();
        let d = time(21, || search(&rows, f));
        println!("search 100,000 rows, {name}: {:.2} ms (median of 21), {hits} hits", d.as_secs_f64() * 1e3);
    }
}
