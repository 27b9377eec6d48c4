//! Test pages for the scan pipeline: a clean A4 page of Ukrainian text rendered with
//! DejaVu Sans (Debian package `fonts-dejavu-core`), and a simulated phone photo of it.
//!
//! Shared by `tests/scan_ocr.rs` and `benches/scan.rs`.

use std::io::Cursor;

use ab_glyph::{Font, FontVec, PxScale, ScaleFont, point};
use image::{DynamicImage, GrayImage, Luma, RgbImage};

/// Where Debian's `fonts-dejavu-core` puts the font.
pub(crate) const FONT_PATH: &str = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";

/// Non-personal text about social services, as on a typical information sheet.
pub(crate) const TEXT: &str = "Центр надання соціальних послуг громади допомагає людям похилого \
віку, особам з інвалідністю та сім'ям з дітьми, які опинилися у складних життєвих \
обставинах. Староста приймає заяву на місці, фотографує документи заявника та пересилає \
їх до центру, коли з'являється зв'язок. Фахівець розглядає звернення протягом десяти \
робочих днів і повідомляє про рішення. Послуги догляду вдома, соціального супроводу та \
натуральної допомоги надаються безоплатно. Для оформлення потрібні паспорт громадянина \
України, довідка про склад сім'ї та реєстраційний номер облікової картки платника \
податків. Якщо документів бракує, староста допоможе отримати їх у відповідних установах \
або надішле запит до органів соціального захисту населення.";

/// An A4 page at 200 dpi.
pub(crate) const PAGE: (u32, u32) = (1654, 2339);

/// Loads DejaVu Sans, or says which package is missing.
pub(crate) fn font() -> Result<FontVec, String> {
    let bytes = std::fs::read(FONT_PATH)
        .map_err(|e| format!("{FONT_PATH}: {e}; install it with `apt-get install -y fonts-dejavu-core`"))?;
    FontVec::try_from_vec(bytes).map_err(|e| format!("{FONT_PATH}: {e}"))
}

/// Glyph size in pixels: 13 pt at 200 dpi.
const FONT_PX: f32 = 36.0;

/// Renders `text` word-wrapped on a white A4 page at 200 dpi, 13 pt, stopping at the
/// bottom margin. Returns the page and the text that fit.
pub(crate) fn render_page(font: &FontVec, text: &str) -> (GrayImage, String) {
    let (w, h) = PAGE;
    let mut page = GrayImage::from_pixel(w, h, Luma([255]));
    let scaled = font.as_scaled(PxScale::from(FONT_PX));
    let (left, right, top) = (170.0, w as f32 - 170.0, 260.0);
    let line_height = scaled.height() * 1.45;
    let space = scaled.h_advance(font.glyph_id(' '));
    let width_of = |word: &str| word.chars().map(|c| scaled.h_advance(font.glyph_id(c))).sum::<f32>();
    let (mut x, mut y) = (left, top + scaled.ascent());
    let mut fitted = Vec::new();
    for word in text.split_whitespace() {
        let ww = width_of(word);
        if x > left && x + ww > right {
            x = left;
            y += line_height;
        }
        if y > h as f32 - 220.0 {
            break;
        }
        fitted.push(word);
        for c in word.chars() {
            let id = font.glyph_id(c);
            let glyph = id.with_scale_and_position(PxScale::from(FONT_PX), point(x, y));
            x += scaled.h_advance(id);
            let Some(outline) = font.outline_glyph(glyph) else { continue };
            let b = outline.px_bounds();
            outline.draw(|gx, gy, cov| {
                let (px, py) = (b.min.x as i64 + i64::from(gx), b.min.y as i64 + i64::from(gy));
                if (0..i64::from(w)).contains(&px) && (0..i64::from(h)).contains(&py) {
                    let p = page.get_pixel_mut(px as u32, py as u32);
                    p.0[0] = p.0[0].min((255.0 * (1.0 - cov.clamp(0.0, 1.0))) as u8);
                }
            });
        }
        x += space;
    }
    (page, fitted.join(" "))
}

/// [`TEXT`] repeated more often than fits on one page.
pub(crate) fn full_page_text() -> String {
    [TEXT; 6].join(" ")
}

/// A seeded xorshift generator, so the "phone" noise is the same on every run.
pub(crate) struct Rng(u64);

impl Rng {
    pub(crate) fn new(seed: u64) -> Self {
        Self(seed.max(1))
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// Roughly normal with mean 0 and standard deviation 1 (sum of uniforms).
    pub(crate) fn gauss(&mut self) -> f32 {
        (0..4).map(|_| (self.next_u64() >> 40) as f32 / (1u64 << 24) as f32).sum::<f32>() * 1.732 - 3.464
    }
}

/// How the phone photo of the page is taken.
pub(crate) struct Shot {
    /// Photo size in pixels.
    pub(crate) size: (u32, u32),
    /// Page pixels → photo pixels.
    pub(crate) scale: f32,
    /// Page rotation in degrees.
    pub(crate) rotation_deg: f32,
    /// Standard deviation of sensor noise in grey levels.
    pub(crate) noise: f32,
    /// Seed of the noise.
    pub(crate) seed: u64,
}

impl Default for Shot {
    fn default() -> Self {
        Self { size: (2250, 3000), scale: 1.15, rotation_deg: 1.5, noise: 6.0, seed: 0x4B45_4953 }
    }
}

/// A phone photo of `page`: scaled, rotated, on a darker table, lit unevenly from the
/// top left, blurred, noisy, slightly warm, saved as JPEG quality 90.
pub(crate) fn photograph(page: &GrayImage, shot: &Shot) -> Vec<u8> {
    let (w, h) = shot.size;
    let (pw, ph) = (page.width() as f32, page.height() as f32);
    let (sin, cos) = shot.rotation_deg.to_radians().sin_cos();
    let (cx, cy) = (w as f32 / 2.0, h as f32 / 2.0);
    let mut grey = vec![0f32; (w * h) as usize];
    for y in 0..h {
        for x in 0..w {
            let (dx, dy) = ((x as f32 - cx) / shot.scale, (y as f32 - cy) / shot.scale);
            let (u, v) = (cos * dx + sin * dy + pw / 2.0, -sin * dx + cos * dy + ph / 2.0);
            let value = if u >= 0.0 && v >= 0.0 && u < pw - 1.0 && v < ph - 1.0 {
                235.0 / 255.0 * bilinear(page, u, v)
            } else {
                // A wooden table: dark, with slow grain.
                70.0 + 12.0 * ((x as f32) * 0.013 + (y as f32) * 0.002).sin()
            };
            let light = 1.0 - 0.4 * (x as f32 / w as f32 * 0.6 + y as f32 / h as f32 * 0.4);
            grey[(y * w + x) as usize] = value * light;
        }
    }
    for _ in 0..2 {
        grey = box_blur(&grey, w as usize, h as usize);
    }
    let mut rng = Rng::new(shot.seed);
    let rgb = RgbImage::from_fn(w, h, |x, y| {
        let v = grey[(y * w + x) as usize] + shot.noise * rng.gauss();
        let c = |f: f32| (v * f).round().clamp(0.0, 255.0) as u8;
        image::Rgb([c(1.0), c(0.97), c(0.9)])
    });
    let mut out = Cursor::new(Vec::new());
    let encoder = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 90);
    DynamicImage::ImageRgb8(rgb).write_with_encoder(encoder).expect("encode photo");
    out.into_inner()
}

fn bilinear(img: &GrayImage, u: f32, v: f32) -> f32 {
    let (x0, y0) = (u.floor() as u32, v.floor() as u32);
    let (fx, fy) = (u - x0 as f32, v - y0 as f32);
    let p = |x: u32, y: u32| f32::from(img.get_pixel(x, y).0[0]);
    let top = p(x0, y0) * (1.0 - fx) + p(x0 + 1, y0) * fx;
    let bottom = p(x0, y0 + 1) * (1.0 - fx) + p(x0 + 1, y0 + 1) * fx;
    top * (1.0 - fy) + bottom * fy
}

/// 3×3 mean, edges clamped.
fn box_blur(src: &[f32], w: usize, h: usize) -> Vec<f32> {
    let mut tmp = vec![0f32; src.len()];
    for y in 0..h {
        for x in 0..w {
            let (a, b) = (x.saturating_sub(1), (x + 1).min(w - 1));
            tmp[y * w + x] = (src[y * w + a] + src[y * w + x] + src[y * w + b]) / 3.0;
        }
    }
    let mut out = vec![0f32; src.len()];
    for y in 0..h {
        let (a, b) = (y.saturating_sub(1), (y + 1).min(h - 1));
        for x in 0..w {
            out[y * w + x] = (tmp[a * w + x] + tmp[y * w + x] + tmp[b * w + x]) / 3.0;
        }
    }
    out
}
