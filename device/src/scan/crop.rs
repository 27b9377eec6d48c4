//! Finding the page in a photo: a sheet of paper notably brighter than the table it lies on.
//!
//! Works on a small copy: Otsu's threshold splits paper from background, row and column
//! profiles of bright pixels give the page's bounding box. When the split is weak or the box
//! is implausible the full image is kept. Slight rotation is not corrected.

use super::resample::{Rect, fit_within};

/// Long side of the copy the page is searched on.
const PROBE_LONG_SIDE: u32 = 400;
/// A row or column belongs to the page when at least this share of it is bright.
const PAGE_FILL: f32 = 0.5;
/// The background must be at least this much darker than the page (0..255 grey levels).
const MIN_CONTRAST: f32 = 40.0;
/// The page must cover at least this share of the photo.
const MIN_AREA: f32 = 0.2;
/// At most this share of the background may be bright (a table, not a page margin).
const MAX_BRIGHT_OUTSIDE: f32 = 0.3;
/// Margins all below this share of the image are not worth cropping.
const MIN_MARGIN: f32 = 0.03;
/// Trim this share of each side inward, to cut rotated corners and edge shadows.
const TRIM: f32 = 0.01;

/// The page's bounding box in `grey`, or `None` to keep the full image.
pub(crate) fn find_page(grey: &[u8], width: u32, height: u32) -> Option<Rect> {
    let (sw, sh) = fit_within(width, height, PROBE_LONG_SIDE, PROBE_LONG_SIDE);
    let small = sample_nearest(grey, width, height, sw, sh);
    if small.is_empty() {
        return None;
    }
    let (sw_us, sh_us) = (sw as usize, sh as usize);
    let t = otsu(&small);
    let bright = |x: usize, y: usize| small[y * sw_us + x] > t;

    // Rows, then columns within those rows, then rows again within those columns.
    // A page may fill less than half the photo's width: the first pass is lenient.
    let rows = span(sh_us, |y| 2.0 * fill(0..sw_us, |x| bright(x, y)))?;
    let cols = span(sw_us, |x| fill(rows.clone(), |y| bright(x, y)))?;
    let rows = span(sh_us, |y| fill(cols.clone(), |x| bright(x, y)))?;

    let (inside, outside) = means(&small, sw_us, &rows, &cols, t);
    let area = (rows.len() * cols.len()) as f32 / (sw_us * sh_us) as f32;
    let margin = [
        rows.start as f32 / sh as f32,
        (sh_us - rows.end) as f32 / sh as f32,
        cols.start as f32 / sw as f32,
        (sw_us - cols.end) as f32 / sw as f32,
    ]
    .into_iter()
    .fold(0.0f32, f32::max);
    let dark_background =
        outside.is_some_and(|(mean, bright)| inside - mean >= MIN_CONTRAST && bright <= MAX_BRIGHT_OUTSIDE);
    let confident = area >= MIN_AREA && margin >= MIN_MARGIN && dark_background;
    tracing::debug!(threshold = t, area, margin, inside, ?outside, confident, "page detection");
    if !confident {
        return None;
    }

    // Map back to full resolution and trim.
    let (fx, fy) = (width as f32 / sw as f32, height as f32 / sh as f32);
    let x0 = cols.start as f32 * fx;
    let x1 = cols.end as f32 * fx;
    let y0 = rows.start as f32 * fy;
    let y1 = rows.end as f32 * fy;
    let (tx, ty) = ((x1 - x0) * TRIM, (y1 - y0) * TRIM);
    let x = (x0 + tx).round() as u32;
    let y = (y0 + ty).round() as u32;
    let w = ((x1 - tx).round() as u32).min(width).saturating_sub(x);
    let h = ((y1 - ty).round() as u32).min(height).saturating_sub(y);
    (w > 0 && h > 0).then_some(Rect { x, y, width: w, height: h })
}

/// A `sw` × `sh` copy taking the pixel at each cell's centre: enough to tell paper from
/// table, and a hundred times cheaper than averaging 12 MP.
fn sample_nearest(grey: &[u8], width: u32, height: u32, sw: u32, sh: u32) -> Vec<u8> {
    if grey.len() < width as usize * height as usize || sw == 0 || sh == 0 {
        return Vec::new();
    }
    let xs: Vec<usize> =
        (0..sw).map(|x| ((u64::from(x) * 2 + 1) * u64::from(width) / (2 * u64::from(sw))) as usize).collect();
    let mut out = Vec::with_capacity(sw as usize * sh as usize);
    for y in 0..sh {
        let sy = ((u64::from(y) * 2 + 1) * u64::from(height) / (2 * u64::from(sh))) as usize;
        let row = &grey[sy * width as usize..(sy + 1) * width as usize];
        out.extend(xs.iter().map(|&x| row[x]));
    }
    out
}

/// Share of `range` for which `is_bright` holds.
fn fill(range: std::ops::Range<usize>, is_bright: impl Fn(usize) -> bool) -> f32 {
    let n = range.len().max(1);
    range.filter(|&i| is_bright(i)).count() as f32 / n as f32
}

/// From the first to the last index whose fill reaches [`PAGE_FILL`].
fn span(len: usize, fill_at: impl Fn(usize) -> f32) -> Option<std::ops::Range<usize>> {
    let first = (0..len).find(|&i| fill_at(i) >= PAGE_FILL)?;
    let last = (0..len).rev().find(|&i| fill_at(i) >= PAGE_FILL)?;
    Some(first..last + 1)
}

/// Mean grey inside the box and, if any pixel lies outside, the mean grey and the bright
/// share outside it.
fn means(
    small: &[u8],
    width: usize,
    rows: &std::ops::Range<usize>,
    cols: &std::ops::Range<usize>,
    threshold: u8,
) -> (f32, Option<(f32, f32)>) {
    let (mut sum_in, mut n_in, mut sum_out, mut n_out) = (0u64, 0u64, 0u64, 0u64);
    let mut bright_out = 0u64;
    for (i, &v) in small.iter().enumerate() {
        let (x, y) = (i % width, i / width);
        if rows.contains(&y) && cols.contains(&x) {
            sum_in += u64::from(v);
            n_in += 1;
        } else {
            sum_out += u64::from(v);
            n_out += 1;
            bright_out += u64::from(v > threshold);
        }
    }
    let inside = sum_in as f32 / n_in.max(1) as f32;
    let outside = (n_out > 0).then(|| (sum_out as f32 / n_out as f32, bright_out as f32 / n_out as f32));
    (inside, outside)
}

/// Otsu's threshold: the grey level that best separates two classes.
pub(crate) fn otsu(pixels: &[u8]) -> u8 {
    let mut hist = [0u64; 256];
    for &p in pixels {
        hist[usize::from(p)] += 1;
    }
    let total = pixels.len() as f64;
    let sum_all: f64 = hist.iter().enumerate().map(|(i, &n)| i as f64 * n as f64).sum();
    let (mut best, mut best_var) = (0u8, -1.0f64);
    let (mut w0, mut sum0) = (0.0f64, 0.0f64);
    for (t, &n) in hist.iter().enumerate() {
        w0 += n as f64;
        sum0 += t as f64 * n as f64;
        let w1 = total - w0;
        if w0 == 0.0 || w1 == 0.0 {
            continue;
        }
        let (m0, m1) = (sum0 / w0, (sum_all - sum0) / w1);
        let var = w0 * w1 * (m0 - m1) * (m0 - m1);
        if var > best_var {
            best_var = var;
            best = t as u8;
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    fn photo(w: u32, h: u32, page: Rect) -> Vec<u8> {
        (0..h)
            .flat_map(|y| (0..w).map(move |x| (x, y)))
            .map(|(x, y)| {
                let on_page = x >= page.x && x < page.x + page.width && y >= page.y && y < page.y + page.height;
                // Paper with a few text-like dark bars; a darker table.
                match (on_page, y % 40 < 6 && x % 100 < 70) {
                    (true, true) => 40,
                    (true, false) => 220,
                    (false, _) => 70,
                }
            })
            .collect()
    }

    #[test]
    fn a_page_on_a_dark_table_is_found() {
        let page = Rect { x: 300, y: 200, width: 1400, height: 1900 };
        let rect = find_page(&photo(2000, 2400, page), 2000, 2400).expect("page found");
        let near = |a: u32, b: u32| a.abs_diff(b) <= 60;
        assert!(near(rect.x, 300) && near(rect.y, 200), "{rect:?}");
        assert!(near(rect.width, 1400) && near(rect.height, 1900), "{rect:?}");
    }

    #[test]
    fn a_scan_without_background_is_kept_whole() {
        let grey = photo(1000, 1400, Rect::full(1000, 1400));
        assert_eq!(find_page(&grey, 1000, 1400), None);
    }

    #[test]
    fn a_flat_grey_picture_is_kept_whole() {
        assert_eq!(find_page(&vec![128u8; 500 * 400], 500, 400), None);
    }
}
