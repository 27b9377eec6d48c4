//! A realistic case (applicant, 5 household members, 3 services, 12 attachments, a
//! signature, 10 workflow events): create+reconcile, save, load+hydrate, one-field edit,
//! and the sizes on disk. Targets (issue 2): hydrate ≤ 150 µs, one-field incremental save
//! ≤ 200 B, saved case ≤ 6 KB.
//!
//! `cargo bench -p keis-crdt --bench case`
//!
//! Instruction counts of the hydrate alone (repeatable on a busy machine): run the bench
//! binary as `KEIS_PROFILE_HYDRATE=N valgrind --tool=callgrind <binary>` for N = 0 and
//! N = 200; the difference over 200 is one read.

#![allow(clippy::print_stdout, reason = "a benchmark prints its measurements")]

use std::hint::black_box;

use automerge::{ActorId, AutoCommit};
use criterion::{Criterion, criterion_group};
use keis_crdt::{Case, CaseDoc, demo};

const T0: i64 = 1_763_900_000_000;

fn actor() -> ActorId {
    ActorId::from(b"bench-device".as_slice())
}

fn realistic() -> CaseDoc {
    demo::decided_application(actor(), 42, T0).expect("demo case")
}

fn sizes() {
    let mut doc = realistic();
    let saved = doc.save();
    doc.edit(T0 + 1, |c, _| c.applicant.phone = Some("+380990000001".into())).expect("edit");
    let one_field = doc.save_incremental();
    let c = doc.case();
    println!(
        "realistic case: {} members, {} attachments, {} events; saved {} B (target ≤ 6144 B); \
         one-field incremental save {} B (target ≤ 200 B)",
        c.household.len(),
        c.attachments.len(),
        c.events.len(),
        saved.len(),
        one_field.len()
    );
}

fn bench(c: &mut Criterion) {
    sizes();
    c.bench_function("create+reconcile realistic case (with 10 workflow events)", |b| {
        b.iter(|| black_box(realistic()))
    });
    c.bench_function("create+reconcile application (no events)", |b| {
        b.iter(|| black_box(demo::application(actor(), 42, T0).expect("demo")))
    });
    let mut doc = realistic();
    c.bench_function("save", |b| b.iter(|| black_box(doc.save())));
    let saved = doc.save();
    c.bench_function("load+hydrate", |b| b.iter(|| black_box(CaseDoc::load(&saved, actor()).expect("load"))));
    let loaded = AutoCommit::load(&saved).expect("load");
    c.bench_function("hydrate (one-pass read, as CaseDoc does)", |b| {
        b.iter(|| black_box(keis_crdt::model::read_case(&loaded).expect("read")))
    });
    c.bench_function("hydrate (autosurgeon derive, reference)", |b| {
        b.iter(|| black_box(autosurgeon::hydrate::<_, Case>(&loaded).expect("hydrate")))
    });
    c.bench_function("derive status (10 events)", |b| b.iter(|| black_box(doc.derive())));
    let mut n = 0u64;
    c.bench_function("one-field edit + incremental save", |b| {
        b.iter(|| {
            n += 1;
            doc.edit(T0 + n as i64, |c, _| c.applicant.phone = Some(format!("+38099{:07}", n % 10_000_000)))
                .expect("edit");
            black_box(doc.save_incremental())
        })
    });
}

/// `KEIS_PROFILE_HYDRATE=N`: read the realistic case `N` times and nothing else, for
/// instruction counts under `valgrind --tool=callgrind` (repeatable where timings are not).
fn profile(n: usize) {
    let saved = realistic().save();
    let loaded = AutoCommit::load(&saved).expect("load");
    for _ in 0..n {
        black_box(keis_crdt::model::read_case(black_box(&loaded)).expect("read"));
    }
}

criterion_group!(benches, bench);

fn main() {
    if let Some(n) = std::env::var("KEIS_PROFILE_HYDRATE").ok().and_then(|n| n.parse().ok()) {
        profile(n);
        return;
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}
