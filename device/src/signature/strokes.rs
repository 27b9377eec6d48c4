//! Handwritten strokes as captured from a pointer or touch screen, and the checks that tell
//! a signature from an empty pad or an accidental tap.

use super::error::CaptureError;

/// One sample of the pen: position on the pad, time since capture start, optional pressure.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Point {
    /// Horizontal position in pad units (CSS pixels on the web, points on a tablet).
    pub x: f32,
    /// Vertical position in pad units, growing downwards.
    pub y: f32,
    /// Milliseconds since the signing screen opened.
    pub t_ms: u32,
    /// Pen pressure in 0..=1 where the device reports it.
    pub pressure: Option<f32>,
}

impl Point {
    /// A point without pressure.
    pub fn new(x: f32, y: f32, t_ms: u32) -> Self {
        Self { x, y, t_ms, pressure: None }
    }
}

/// One continuous line: the points between pen down and pen up.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Stroke {
    /// The samples in the order they were captured.
    pub points: Vec<Point>,
}

/// The signing pad's size in the same units as the points.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Canvas {
    /// Width in pad units.
    pub width: f32,
    /// Height in pad units.
    pub height: f32,
}

/// What counts as a signature rather than an empty pad or a tap.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SignatureRules {
    /// Fewest points in all strokes together.
    pub min_points: usize,
    /// Most points accepted (a stuck pointer can send endless samples).
    pub max_points: usize,
    /// Shortest total ink length, as a fraction of the pad's width.
    pub min_ink_fraction: f32,
    /// Smallest long side of the ink's bounding box, as a fraction of the pad's width.
    pub min_extent_fraction: f32,
}

impl Default for SignatureRules {
    fn default() -> Self {
        Self { min_points: 8, max_points: 20_000, min_ink_fraction: 0.25, min_extent_fraction: 0.08 }
    }
}

/// A handwritten signature that passed [`SignatureRules`]; points lie within the canvas.
#[derive(Debug, Clone, PartialEq)]
pub struct HandwrittenSignature {
    canvas: Canvas,
    strokes: Vec<Stroke>,
}

impl HandwrittenSignature {
    /// Checks `strokes` against the default rules.
    ///
    /// Points outside the pad (a finger sliding off the edge) are clamped to it; strokes
    /// without points are dropped.
    pub fn new(canvas: Canvas, strokes: Vec<Stroke>) -> Result<Self, CaptureError> {
        Self::with_rules(canvas, strokes, &SignatureRules::default())
    }

    /// Checks `strokes` against `rules`.
    pub fn with_rules(canvas: Canvas, strokes: Vec<Stroke>, rules: &SignatureRules) -> Result<Self, CaptureError> {
        let Canvas { width, height } = canvas;
        if !(width.is_finite() && height.is_finite() && width >= 1.0 && height >= 1.0) {
            return Err(CaptureError::InvalidCanvas { width, height });
        }
        let count: usize = strokes.iter().map(|s| s.points.len()).sum();
        if count > rules.max_points {
            return Err(CaptureError::TooManyPoints { count, max: rules.max_points });
        }
        let mut clean = Vec::with_capacity(strokes.len());
        for (si, stroke) in strokes.into_iter().enumerate() {
            if stroke.points.is_empty() {
                continue;
            }
            let mut points = Vec::with_capacity(stroke.points.len());
            for (pi, p) in stroke.points.into_iter().enumerate() {
                let pressure_ok = p.pressure.is_none_or(f32::is_finite);
                if !(p.x.is_finite() && p.y.is_finite() && pressure_ok) {
                    return Err(CaptureError::InvalidPoint { stroke: si, index: pi });
                }
                points.push(Point {
                    x: p.x.clamp(0.0, width),
                    y: p.y.clamp(0.0, height),
                    t_ms: p.t_ms,
                    pressure: p.pressure.map(|v| v.clamp(0.0, 1.0)),
                });
            }
            clean.push(Stroke { points });
        }
        if count == 0 {
            return Err(CaptureError::Empty);
        }
        let sig = Self { canvas, strokes: clean };
        let ink_length = sig.ink_length();
        let (bbox_width, bbox_height) = sig.extent();
        if count < rules.min_points
            || ink_length < rules.min_ink_fraction * width
            || bbox_width.max(bbox_height) < rules.min_extent_fraction * width
        {
            return Err(CaptureError::TooShort { points: count, ink_length, bbox_width, bbox_height });
        }
        Ok(sig)
    }

    /// The pad the signature was drawn on.
    pub fn canvas(&self) -> Canvas {
        self.canvas
    }

    /// The strokes, in drawing order, with points clamped to the pad.
    pub fn strokes(&self) -> &[Stroke] {
        &self.strokes
    }

    /// Total length of all strokes in pad units.
    pub fn ink_length(&self) -> f32 {
        self.strokes.iter().flat_map(|s| s.points.windows(2)).map(|w| (w[1].x - w[0].x).hypot(w[1].y - w[0].y)).sum()
    }

    /// Width and height of the ink's bounding box in pad units.
    pub fn extent(&self) -> (f32, f32) {
        let mut pts = self.strokes.iter().flat_map(|s| s.points.iter());
        let Some(first) = pts.next() else {
            return (0.0, 0.0);
        };
        let (mut x0, mut y0, mut x1, mut y1) = (first.x, first.y, first.x, first.y);
        for p in pts {
            x0 = x0.min(p.x);
            y0 = y0.min(p.y);
            x1 = x1.max(p.x);
            y1 = y1.max(p.y);
        }
        (x1 - x0, y1 - y0)
    }
}
