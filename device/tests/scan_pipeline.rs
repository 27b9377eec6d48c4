//! The scan pipeline as the app uses it: photos and scanner files in, compact A4 pages out;
//! oversized, damaged or foreign files are refused with a typed error, never a panic.

use std::io::Cursor;

use image::{DynamicImage, GrayImage, ImageFormat, Luma, RgbImage};
use keis_device::scan::{
    A4_LONG_SIDE_PX, A4_SHORT_SIDE_PX, ScanError, ScanLimits, ScanMode, ScanOptions, process, thumbnail,
};
use keis_device::signature::Lang;
use sha2::{Digest, Sha256};

/// A white page with text-like bars, lying on a darker table, slightly unevenly lit.
fn photo(w: u32, h: u32, page: (u32, u32, u32, u32)) -> RgbImage {
    let (px, py, pw, ph) = page;
    RgbImage::from_fn(w, h, |x, y| {
        let on_page = x >= px && x < px + pw && y >= py && y < py + ph;
        let (lx, ly) = (x.wrapping_sub(px), y.wrapping_sub(py));
        let text = on_page
            && ly > ph / 10
            && ly < ph * 9 / 10
            && ly % 48 < 14
            && lx > pw / 10
            && lx < pw * 9 / 10
            && lx % 23 < 12;
        let light = 1.0 - 0.25 * x as f32 / w as f32;
        let v = match (on_page, text) {
            (true, true) => 50.0,
            (true, false) => 235.0 * light,
            (false, _) => 80.0 * light,
        } as u8;
        image::Rgb([v, v, v.saturating_sub(10)])
    })
}

fn encode(img: &DynamicImage, format: ImageFormat) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    img.write_to(&mut out, format).expect("encode test image");
    out.into_inner()
}

fn default_photo_jpeg() -> Vec<u8> {
    let img = photo(2000, 2600, (250, 200, 1500, 2150));
    encode(&DynamicImage::ImageRgb8(img), ImageFormat::Jpeg)
}

#[test]
fn a_phone_photo_becomes_a_one_bit_a4_page_cropped_to_the_paper() {
    let page = process(&default_photo_jpeg(), &ScanOptions::default()).expect("processed");
    assert_eq!((page.mime, page.pages, page.thumbnail_mime), ("image/png", 1, "image/jpeg"));
    assert_eq!(page.sha256_hex, hex::encode(Sha256::digest(&page.bytes)));
    // Cropped to the 1500×2150 sheet (minus a small trim), which is less than A4 here.
    assert!(page.width <= A4_SHORT_SIDE_PX && page.height <= A4_LONG_SIDE_PX);
    let ratio = page.height as f32 / page.width as f32;
    assert!((ratio - 2150.0 / 1500.0).abs() < 0.05, "{}×{}", page.width, page.height);
    assert!(page.width > 1350, "{}×{}", page.width, page.height);

    let decoded = image::load_from_memory(&page.bytes).expect("png").to_luma8();
    assert_eq!(decoded.dimensions(), (page.width, page.height));
    assert!(decoded.pixels().all(|p| p.0[0] == 0 || p.0[0] == 255), "bilevel");
    let ink = decoded.pixels().filter(|p| p.0[0] == 0).count() as f32 / (page.width * page.height) as f32;
    assert!((0.05..0.35).contains(&ink), "ink share {ink}");
    // The table is gone: the corners are white.
    for (x, y) in [(2, 2), (page.width - 3, page.height - 3)] {
        assert_eq!(decoded.get_pixel(x, y).0[0], 255, "corner ({x}, {y})");
    }
    let png_info = png::Decoder::new(Cursor::new(&page.bytes)).read_info().expect("png").info().bit_depth;
    assert_eq!(png_info, png::BitDepth::One);

    let thumb = image::load_from_memory_with_format(&page.thumbnail, ImageFormat::Jpeg).expect("jpeg");
    assert!(thumb.width().max(thumb.height()) <= 320);
}

#[test]
fn the_same_photo_gives_the_same_page_bytes() {
    let bytes = default_photo_jpeg();
    let a = process(&bytes, &ScanOptions::default()).expect("a");
    let b = process(&bytes, &ScanOptions::default()).expect("b");
    assert_eq!(a.sha256_hex, b.sha256_hex);
}

#[test]
fn a_large_photo_is_scaled_to_200_dpi_a4_and_a_small_one_is_not_upscaled() {
    let big = GrayImage::from_fn(3000, 4000, |x, y| Luma([if (x / 50 + y / 50) % 7 == 0 { 30 } else { 220 }]));
    let opts = ScanOptions { detect_page: false, ..ScanOptions::default() };
    let page = process(&encode(&DynamicImage::ImageLuma8(big), ImageFormat::Png), &opts).expect("big");
    assert_eq!((page.width, page.height), (1654, 2205));

    let small = GrayImage::from_fn(600, 800, |x, _| Luma([if x % 40 < 3 { 0 } else { 255 }]));
    let page = process(&encode(&DynamicImage::ImageLuma8(small), ImageFormat::Png), &opts).expect("small");
    assert_eq!((page.width, page.height), (600, 800));
}

#[test]
fn photo_mode_keeps_grey_as_jpeg() {
    let opts = ScanOptions { mode: ScanMode::Photo, ..ScanOptions::default() };
    let page = process(&default_photo_jpeg(), &opts).expect("processed");
    assert_eq!(page.mime, "image/jpeg");
    let decoded = image::load_from_memory_with_format(&page.bytes, ImageFormat::Jpeg).expect("jpeg");
    assert_eq!((decoded.width(), decoded.height()), (page.width, page.height));
}

#[test]
fn png_and_tiff_scanner_files_are_accepted() {
    let img = DynamicImage::ImageRgb8(photo(900, 1200, (0, 0, 900, 1200)));
    for format in [ImageFormat::Png, ImageFormat::Tiff] {
        let page = process(&encode(&img, format), &ScanOptions::default()).expect("processed");
        assert_eq!((page.width, page.height), (900, 1200), "{format:?}: no background, no crop");
    }
    let grey16 = DynamicImage::ImageLuma16(image::ImageBuffer::from_pixel(700, 900, Luma([50_000u16])));
    process(&encode(&grey16, ImageFormat::Tiff), &ScanOptions::default()).expect("16-bit TIFF");
}

/// Inserts an EXIF APP1 segment with `orientation` right after the JPEG's SOI marker.
fn with_exif_orientation(jpeg: &[u8], orientation: u16) -> Vec<u8> {
    let mut tiff = b"MM\0\x2a\0\0\0\x08".to_vec();
    tiff.extend_from_slice(&1u16.to_be_bytes()); // one IFD entry
    tiff.extend_from_slice(&0x0112u16.to_be_bytes()); // Orientation
    tiff.extend_from_slice(&3u16.to_be_bytes()); // SHORT
    tiff.extend_from_slice(&1u32.to_be_bytes());
    tiff.extend_from_slice(&orientation.to_be_bytes());
    tiff.extend_from_slice(&[0, 0, 0, 0, 0, 0]); // value padding, next IFD = 0
    let mut app1 = b"Exif\0\0".to_vec();
    app1.extend_from_slice(&tiff);
    let mut out = jpeg[..2].to_vec();
    out.extend_from_slice(&[0xFF, 0xE1]);
    out.extend_from_slice(&((app1.len() + 2) as u16).to_be_bytes());
    out.extend_from_slice(&app1);
    out.extend_from_slice(&jpeg[2..]);
    out
}

#[test]
fn a_photo_taken_sideways_is_turned_upright() {
    // Stored landscape, dark band on the stored left edge; EXIF 6 = rotate 90° clockwise.
    let stored = GrayImage::from_fn(800, 600, |x, _| Luma([if x < 200 { 20 } else { 230 }]));
    let jpeg = encode(&DynamicImage::ImageLuma8(stored), ImageFormat::Jpeg);
    let opts = ScanOptions { detect_page: false, mode: ScanMode::Photo, ..ScanOptions::default() };

    let plain = process(&jpeg, &opts).expect("plain");
    assert_eq!((plain.width, plain.height), (800, 600));

    let rotated = process(&with_exif_orientation(&jpeg, 6), &opts).expect("rotated");
    assert_eq!((rotated.width, rotated.height), (600, 800));
    let img = image::load_from_memory(&rotated.bytes).expect("jpeg").to_luma8();
    // The stored left edge is now the top.
    assert!(img.get_pixel(300, 50).0[0] < 80 && img.get_pixel(300, 700).0[0] > 180);
    assert_eq!(
        keis_device::scan::exif_orientation(&with_exif_orientation(&jpeg, 6)),
        image::metadata::Orientation::Rotate90
    );
}

/// A PNG whose header declares `w`×`h` pixels, followed by a few bytes of image data.
fn png_header_only(w: u32, h: u32) -> Vec<u8> {
    let mut ihdr = b"IHDR".to_vec();
    ihdr.extend_from_slice(&w.to_be_bytes());
    ihdr.extend_from_slice(&h.to_be_bytes());
    ihdr.extend_from_slice(&[8, 0, 0, 0, 0]);
    let crc = crc32(&ihdr);
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    out.extend_from_slice(&13u32.to_be_bytes());
    out.extend_from_slice(&ihdr);
    out.extend_from_slice(&crc.to_be_bytes());
    out.extend_from_slice(&[0, 0, 0, 2, b'I', b'D', b'A', b'T', 0x78, 0x9c, 0, 0, 0, 0]);
    out
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
        }
    }
    !crc
}

#[test]
fn a_decompression_bomb_is_refused_from_its_header() {
    let err = process(&png_header_only(100_000, 100_000), &ScanOptions::default()).unwrap_err();
    assert!(matches!(err, ScanError::TooManyPixels { width: 100_000, height: 100_000, .. }), "{err:?}");
    assert!(err.user_message(Lang::Uk).contains("завелике"));

    let limits = ScanLimits { max_pixels: 1_000_000, ..ScanLimits::default() };
    let opts = ScanOptions { limits, ..ScanOptions::default() };
    let err = process(&default_photo_jpeg(), &opts).unwrap_err();
    assert!(matches!(err, ScanError::TooManyPixels { width: 2000, height: 2600, .. }), "{err:?}");
}

#[test]
fn an_oversized_file_is_refused_before_decoding() {
    let limits = ScanLimits { max_input_bytes: 1000, ..ScanLimits::default() };
    let err = process(&default_photo_jpeg(), &ScanOptions { limits, ..ScanOptions::default() }).unwrap_err();
    assert!(matches!(err, ScanError::TooManyBytes { max: 1000, .. }), "{err:?}");
}

#[test]
fn empty_foreign_tiny_and_damaged_files_are_refused() {
    let opts = ScanOptions::default();
    assert!(matches!(process(&[], &opts), Err(ScanError::Empty)));
    assert!(matches!(process(b"%PDF-1.7 not an image", &opts), Err(ScanError::UnsupportedFormat)));
    assert!(matches!(process(b"GIF89a\x01\0\x01\0\0\0\0", &opts), Err(ScanError::UnsupportedFormat)));
    let tiny = encode(&DynamicImage::ImageLuma8(GrayImage::new(20, 20)), ImageFormat::Png);
    assert!(matches!(process(&tiny, &opts), Err(ScanError::TooSmall { width: 20, height: 20 })));

    let jpeg = default_photo_jpeg();
    let err = process(&jpeg[..jpeg.len() / 3], &opts).unwrap_err();
    assert!(matches!(err, ScanError::Truncated), "{err:?}");
    assert!(err.user_message(Lang::En).contains("photograph the document again"));

    let png = encode(&DynamicImage::ImageRgb8(photo(300, 400, (0, 0, 300, 400))), ImageFormat::Png);
    let err = process(&png[..png.len() / 2], &opts).unwrap_err();
    assert!(matches!(err, ScanError::Corrupt(_)), "{err:?}");
}

#[test]
fn mangled_files_give_errors_not_panics() {
    let small = DynamicImage::ImageRgb8(photo(200, 260, (20, 20, 160, 220)));
    let mut seed = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for format in [ImageFormat::Jpeg, ImageFormat::Png, ImageFormat::Tiff] {
        let good = encode(&small, format);
        for _ in 0..25 {
            let mut bad = good.clone();
            for _ in 0..1 + next() % 8 {
                let i = (next() % bad.len() as u64) as usize;
                bad[i] = next() as u8;
            }
            bad.truncate(bad.len() - (next() % 64) as usize);
            // Ok or Err are both fine; a panic fails the test.
            let _ = process(&bad, &ScanOptions::default());
        }
    }
}

#[test]
fn a_stored_page_gets_a_small_thumbnail_and_a_damaged_blob_an_error() {
    let options = ScanOptions::default();
    let document = process(&default_photo_jpeg(), &options).expect("processed");
    let photo_mode = ScanOptions { mode: ScanMode::Photo, ..ScanOptions::default() };
    let photo = process(&default_photo_jpeg(), &photo_mode).expect("processed");
    for (page, channels) in [(&document, 1), (&photo, 3)] {
        let jpeg = thumbnail(&page.bytes, &options).expect("thumbnail");
        let thumb = image::load_from_memory_with_format(&jpeg, ImageFormat::Jpeg).expect("jpeg");
        assert_eq!(thumb.width().max(thumb.height()), 320, "{}×{}", thumb.width(), thumb.height());
        let ratio = thumb.height() as f32 / thumb.width() as f32;
        assert!((ratio - page.height as f32 / page.width as f32).abs() < 0.02, "the page's shape is kept");
        assert_eq!(thumb.color().channel_count(), channels);
    }
    assert!(
        matches!(thumbnail(&document.bytes[..200], &options), Err(ScanError::Truncated | ScanError::Corrupt(_))),
        "truncated"
    );
    assert!(matches!(thumbnail(b"%PDF-1.7", &options), Err(ScanError::UnsupportedFormat)));
}
