//! Cold start and opening a case on a device with 10,000 local cases, over the real
//! encrypted store (production PBKDF2 iterations): open the store, unlock with the PIN,
//! read the kept case summaries and build the journal's rows (targets: cold start to an
//! interactive case list ≤ 1 s, opening a case ≤ 30 ms), and a document's thumbnail made
//! from its stored page the first time the case detail shows it.
//!
//! `cargo bench -p keis-ui --bench startup` (a plain binary, no harness: prints figures).
//! The operating system's file cache is warm after the setup, as on a tablet that was
//! used today; the store itself starts from nothing each run.

use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

use automerge::ActorId;
use keis_crdt::{Catalogue, demo};
use keis_device::scan::{ScanOptions, process, thumbnail};
use keis_mobile::case_list::Lang;
use keis_mobile::store::{Pin, Store, StoreConfig, SystemClock};
use keis_mobile::views::detail::CaseDetail;
use keis_mobile::views::journal::{JournalFilter, JournalRow, search};

const CASES: u32 = 10_000;
const PIN: &str = "582913";

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn open(dir: &std::path::Path) -> Store {
    let rng = Arc::new(ring::rand::SystemRandom::new());
    Store::open(dir, StoreConfig::default(), Arc::new(SystemClock), rng).unwrap_or_else(|e| panic!("open: {e}"))
}

#[allow(clippy::print_stdout)]
fn main() {
    let catalogue = Catalogue::embedded().unwrap_or_else(|e| panic!("the embedded catalogue: {e}"));
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let t = Instant::now();
    {
        let rng = Arc::new(ring::rand::SystemRandom::new());
        let mut store = Store::create(dir.path(), &Pin::new(PIN), StoreConfig::default(), Arc::new(SystemClock), rng)
            .unwrap_or_else(|e| panic!("create: {e}"));
        for n in 0..CASES {
            let mut doc = demo::application(ActorId::from(b"bench".as_slice()), n, 0).unwrap_or_else(|e| panic!("{e}"));
            store.put_case(&mut doc).unwrap_or_else(|e| panic!("put: {e}"));
        }
    }
    println!("stored {CASES} demo cases in {:.1} s (setup, not measured below)", t.elapsed().as_secs_f64());

    let (mut unlock, mut list, mut total) = (Vec::new(), Vec::new(), Vec::new());
    let mut ids = Vec::new();
    for _ in 0..5 {
        let t0 = Instant::now();
        let mut store = open(dir.path());
        store.unlock(&Pin::new(PIN)).unwrap_or_else(|e| panic!("unlock: {e}"));
        let t1 = Instant::now();
        let summaries = store.summaries().unwrap_or_else(|e| panic!("summaries: {e}"));
        let rows: Vec<JournalRow> = summaries.iter().map(|(s, dirty)| JournalRow::of(s, Lang::Uk, *dirty)).collect();
        black_box(search(&rows, &JournalFilter::default()));
        let t2 = Instant::now();
        unlock.push(t1 - t0);
        list.push(t2 - t1);
        total.push(t2 - t0);
        ids = rows.iter().map(|r| r.row.id.clone()).collect();
    }
    println!(
        "cold start to the case list, {CASES} cases: {:.0} ms (median of 5): open + unlock {:.0} ms, summaries + rows {:.0} ms",
        ms(median(total)),
        ms(median(unlock)),
        ms(median(list))
    );

    let mut store = open(dir.path());
    store.unlock(&Pin::new(PIN)).unwrap_or_else(|e| panic!("unlock: {e}"));
    let opened: Vec<Duration> = ids
        .iter()
        .step_by(ids.len().max(1) / 41 + 1)
        .map(|id| {
            let t = Instant::now();
            let doc = store.case(id).unwrap_or_else(|e| panic!("case: {e}"));
            black_box(CaseDetail::new(&doc, &catalogue, Lang::Uk));
            t.elapsed()
        })
        .collect();
    println!(
        "open a case (load, decrypt, read, detail view): {:.1} ms (median of {})",
        ms(median(opened.clone())),
        opened.len()
    );

    // A text page as the scan pipeline stores it (1-bit A4 PNG), then its thumbnail from
    // the store: read, decrypt, decode, shrink, JPEG.
    // Lines of "glyphs": 6-pixel cells inked by a hash, so the page compresses like text.
    let text = image::GrayImage::from_fn(2480, 3508, |x, y| {
        let cell = (x / 6).wrapping_mul(2_654_435_761) ^ (y / 6).wrapping_mul(40_503);
        let ink = y % 60 < 30 && (200..2280).contains(&x) && cell.wrapping_mul(2_246_822_519) >> 29 < 3;
        image::Luma([if ink { 30 } else { 235 }])
    });
    let mut png = std::io::Cursor::new(Vec::new());
    text.write_to(&mut png, image::ImageFormat::Png).unwrap_or_else(|e| panic!("png: {e}"));
    let options = ScanOptions::default();
    let page = process(png.get_ref(), &options).unwrap_or_else(|e| panic!("scan: {e}"));
    let sha = store.put_blob(&page.bytes).unwrap_or_else(|e| panic!("blob: {e}"));
    let made: Vec<Duration> = (0..15)
        .map(|_| {
            let t = Instant::now();
            let bytes = store.blob(&sha).unwrap_or_else(|e| panic!("blob: {e}"));
            black_box(thumbnail(&bytes, &options).unwrap_or_else(|e| panic!("thumbnail: {e}")));
            t.elapsed()
        })
        .collect();
    println!(
        "a document's thumbnail from its stored page ({}×{}, {} KB): {:.1} ms (median of {})",
        page.width,
        page.height,
        page.bytes.len() / 1000,
        ms(median(made.clone())),
        made.len()
    );
}
