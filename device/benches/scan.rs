//! Scan pipeline speed and size: one 12-megapixel (4000×3000) phone photo of an A4 page of
//! text, processed on one thread, in document and photo mode; the encoded page size is
//! printed once. Targets: ≤ 250 ms per page, ≤ 80 KB per page in document mode.
//!
//! Run with `cargo bench -p keis-device --bench scan` (pin to one core with
//! `taskset -c 0` for a per-core figure; the pipeline itself is single-threaded).

#[allow(dead_code)]
#[path = "../tests/scan_support/mod.rs"]
mod scan_support;

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use image::{GrayImage, Luma};
use keis_device::scan::{ScanMode, ScanOptions, process};
use scan_support::{PAGE, Shot, font, full_page_text, photograph, render_page};

/// A full A4 page of text, or text-like bars if DejaVu Sans is not installed.
fn page() -> GrayImage {
    match font() {
        Ok(font) => render_page(&font, &full_page_text()).0,
        Err(e) => {
            eprintln!("{e}; using text-like bars instead");
            GrayImage::from_fn(PAGE.0, PAGE.1, |x, y| {
                let text = (170..PAGE.0 - 170).contains(&x) && (250..PAGE.1 - 220).contains(&y);
                Luma([if text && y % 52 < 26 && (x * 7 + y / 52 * 13) % 31 < 5 { 0 } else { 255 }])
            })
        }
    }
}

fn bench(c: &mut Criterion) {
    let shot = Shot { size: (4000, 3000), scale: 1.15, ..Shot::default() };
    let photo = photograph(&page(), &shot);
    let document = ScanOptions::default();
    let photo_mode = ScanOptions { mode: ScanMode::Photo, ..ScanOptions::default() };

    for (name, opts) in [("document", &document), ("photo", &photo_mode)] {
        match process(&photo, opts) {
            Ok(p) => eprintln!(
                "{name} mode: {}×{} page, {:.1} KB ({}), thumbnail {:.1} KB; input {:.1} MB JPEG",
                p.width,
                p.height,
                p.bytes.len() as f64 / 1024.0,
                p.mime,
                p.thumbnail.len() as f64 / 1024.0,
                photo.len() as f64 / 1_048_576.0
            ),
            Err(e) => panic!("{name} mode failed: {e}"),
        }
    }

    // Sizes only, without timing: `KEIS_BENCH_SIZES_ONLY=1 cargo bench ...`.
    if std::env::var_os("KEIS_BENCH_SIZES_ONLY").is_some() {
        return;
    }
    let mut group = c.benchmark_group("scan_12mp");
    group.sample_size(10).measurement_time(Duration::from_secs(8));
    group.bench_function("document", |b| b.iter(|| process(black_box(&photo), &document)));
    group.bench_function("photo", |b| b.iter(|| process(black_box(&photo), &photo_mode)));
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
