//! Drawing a [`HandwrittenSignature`] as a bilevel PNG and as SVG paths.
//!
//! The rasteriser works in integer fixed point (1/16 px), so the same strokes give the same
//! pixels, hence the same PNG bytes and SHA-256, on every platform.

use std::fmt::Write as _;

use super::error::CaptureError;
use super::strokes::{HandwrittenSignature, Point};
use crate::scan::encode::encode_bilevel_png;

/// Sub-pixel steps per pixel in the rasteriser.
const SUB: i64 = 16;

/// Width of the PNG drawn by [`render_png`] when the caller has no preference.
pub const DEFAULT_RENDER_WIDTH: u32 = 600;

/// Pen width as a fraction of the image width (3 px at 600 px wide).
const PEN_FRACTION: f32 = 1.0 / 200.0;

/// A signature image ready to store as a blob.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderedSignature {
    /// PNG bytes: 1-bit greyscale, black ink on white.
    pub png: Vec<u8>,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
}

/// Draws `sig` as a 1-bit PNG `width` pixels wide, keeping the pad's aspect ratio.
///
/// Pressure, where present, widens the pen (0.5× at no pressure to 1.5× at full).
pub fn render_png(sig: &HandwrittenSignature, width: u32) -> Result<RenderedSignature, CaptureError> {
    if !(16..=4096).contains(&width) {
        return Err(CaptureError::InvalidRenderWidth { width });
    }
    let canvas = sig.canvas();
    let scale = width as f32 / canvas.width;
    // The canvas is validated finite and ≥ 1, so this is a small positive number.
    let height = ((canvas.height * scale).ceil() as u32).clamp(1, 4096);
    let base_radius = (width as f32 * PEN_FRACTION * 0.5).max(1.0);
    let mut raster = Raster { width, height, white: vec![1u8; width as usize * height as usize] };
    for stroke in sig.strokes() {
        let pts: Vec<Fixed> = stroke.points.iter().map(|p| Fixed::new(p, scale, base_radius)).collect();
        match pts.as_slice() {
            [] => {}
            [only] => raster.capsule(*only, *only),
            _ => pts.windows(2).for_each(|w| raster.capsule(w[0], w[1])),
        }
    }
    let png = encode_bilevel_png(width, height, &raster.white)?;
    Ok(RenderedSignature { png, width, height })
}

/// Draws `sig` as an SVG document in pad units, one `<path>` per stroke.
pub fn render_svg(sig: &HandwrittenSignature) -> String {
    let canvas = sig.canvas();
    let pen = canvas.width * PEN_FRACTION;
    let mut out = String::new();
    // Writing to a String cannot fail.
    let _ = write!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w:.1} {h:.1}" width="{w:.1}" height="{h:.1}">"#,
        w = canvas.width,
        h = canvas.height
    );
    let _ = write!(out, r##"<rect width="100%" height="100%" fill="#fff"/>"##);
    for stroke in sig.strokes() {
        let mut pts = stroke.points.iter();
        let Some(first) = pts.next() else { continue };
        let _ = write!(out, r#"<path d="M{:.1} {:.1}"#, first.x, first.y);
        if stroke.points.len() == 1 {
            // A zero-length segment with round caps draws a dot.
            out.push_str(" l0 0");
        }
        for p in pts {
            let _ = write!(out, " L{:.1} {:.1}", p.x, p.y);
        }
        let _ = write!(
            out,
            r##"" fill="none" stroke="#000" stroke-width="{pen:.2}" stroke-linecap="round" stroke-linejoin="round"/>"##
        );
    }
    out.push_str("</svg>");
    out
}

/// A point in output pixels × [`SUB`], with its pen radius in the same units.
#[derive(Debug, Clone, Copy)]
struct Fixed {
    x: i64,
    y: i64,
    r: i64,
}

impl Fixed {
    fn new(p: &Point, scale: f32, base_radius: f32) -> Self {
        let factor = p.pressure.map_or(1.0, |v| 0.5 + v);
        let q = |v: f32| (v * SUB as f32).round() as i64;
        Self { x: q(p.x * scale), y: q(p.y * scale), r: q(base_radius * factor).max(SUB / 2) }
    }
}

struct Raster {
    width: u32,
    height: u32,
    /// One byte per pixel: 1 white, 0 ink.
    white: Vec<u8>,
}

impl Raster {
    /// Inks every pixel whose centre lies within `r` of the segment `a`–`b`.
    fn capsule(&mut self, a: Fixed, b: Fixed) {
        let r = (a.r + b.r) / 2;
        let to_px = |v: i64| v.div_euclid(SUB);
        let x0 = to_px(a.x.min(b.x) - r).max(0);
        let y0 = to_px(a.y.min(b.y) - r).max(0);
        let x1 = to_px(a.x.max(b.x) + r).min(i64::from(self.width) - 1);
        let y1 = to_px(a.y.max(b.y) + r).min(i64::from(self.height) - 1);
        let (dx, dy) = (i128::from(b.x - a.x), i128::from(b.y - a.y));
        let len2 = dx * dx + dy * dy;
        let r2 = i128::from(r) * i128::from(r);
        for py in y0..=y1 {
            let cy = py * SUB + SUB / 2;
            for px in x0..=x1 {
                let cx = px * SUB + SUB / 2;
                let (wx, wy) = (i128::from(cx - a.x), i128::from(cy - a.y));
                let t = wx * dx + wy * dy;
                let inside = if len2 == 0 || t <= 0 {
                    wx * wx + wy * wy <= r2
                } else if t >= len2 {
                    let (ux, uy) = (i128::from(cx - b.x), i128::from(cy - b.y));
                    ux * ux + uy * uy <= r2
                } else {
                    // Perpendicular distance² × len2, kept exact in integers.
                    (wx * wx + wy * wy) * len2 - t * t <= r2 * len2
                };
                if inside {
                    // x0..=x1 and y0..=y1 are clamped to the image, so the index is in range.
                    let i = py as usize * self.width as usize + px as usize;
                    self.white[i] = 0;
                }
            }
        }
    }
}
