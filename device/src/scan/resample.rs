//! Area-averaging resize of 8-bit greyscale or RGB pixels, optionally from a sub-rectangle.
//!
//! Downscaling a phone photo to 200 dpi averages each output pixel over the input pixels it
//! covers (a box filter with exact partial coverage), in integer fixed point. That is the
//! right filter for shrinking and is fast enough for 12 MP on one core.

/// Fixed-point one for filter weights.
const ONE: u32 = 1 << 14;

/// A rectangle of pixels within an image.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Rect {
    pub(crate) x: u32,
    pub(crate) y: u32,
    pub(crate) width: u32,
    pub(crate) height: u32,
}

impl Rect {
    /// The whole of a `width` × `height` image.
    pub(crate) fn full(width: u32, height: u32) -> Self {
        Self { x: 0, y: 0, width, height }
    }
}

/// Interleaved 8-bit pixels: `channels` bytes per pixel, rows without padding.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Pixels<'a> {
    pub(crate) data: &'a [u8],
    pub(crate) width: u32,
    pub(crate) height: u32,
    pub(crate) channels: usize,
}

/// Output size for `(w, h)` scaled by the largest factor ≤ 1 that fits `max_long` × `max_short`.
pub(crate) fn fit_within(w: u32, h: u32, max_long: u32, max_short: u32) -> (u32, u32) {
    let (long, short) = (w.max(h), w.min(h));
    let scale = (f64::from(max_long) / f64::from(long)).min(f64::from(max_short) / f64::from(short)).min(1.0);
    let fit = |v: u32| ((f64::from(v) * scale).round() as u32).max(1);
    (fit(w), fit(h))
}

/// Resizes the `rect` part of `src` to `dw` × `dh` by area averaging.
///
/// `rect` is clamped to the image; a degenerate rectangle or size yields an empty buffer.
pub(crate) fn resize_area(src: Pixels<'_>, rect: Rect, dw: u32, dh: u32) -> Vec<u8> {
    let c = src.channels;
    let x0 = rect.x.min(src.width);
    let y0 = rect.y.min(src.height);
    let rw = rect.width.min(src.width - x0);
    let rh = rect.height.min(src.height - y0);
    if rw == 0 || rh == 0 || dw == 0 || dh == 0 || src.data.len() < src.width as usize * src.height as usize * c {
        return Vec::new();
    }
    let (dw_us, stride) = (dw as usize, src.width as usize * c);
    let htaps = Taps::new(rw, dw);
    let vtaps = Taps::new(rh, dh);

    // Horizontal pass over the rows of the rectangle.
    let row_len = dw_us * c;
    let mut tmp = vec![0u8; row_len * rh as usize];
    for (ry, out_row) in tmp.chunks_exact_mut(row_len).enumerate() {
        let start = (y0 as usize + ry) * stride + x0 as usize * c;
        let row = &src.data[start..start + rw as usize * c];
        if c == 1 {
            // The common case (document mode), without per-channel indexing.
            for (ox, out) in out_row.iter_mut().enumerate() {
                let (first, weights) = htaps.get(ox);
                let acc = weights
                    .iter()
                    .zip(&row[first..first + weights.len()])
                    .fold(ONE / 2, |acc, (&w, &v)| acc + u32::from(w) * u32::from(v));
                *out = (acc >> 14).min(255) as u8;
            }
            continue;
        }
        for (ox, out_px) in out_row.chunks_exact_mut(c).enumerate() {
            let (first, weights) = htaps.get(ox);
            for (ch, out) in out_px.iter_mut().enumerate() {
                let mut acc = ONE / 2;
                for (k, &w) in weights.iter().enumerate() {
                    acc += u32::from(w) * u32::from(row[(first + k) * c + ch]);
                }
                *out = (acc >> 14).min(255) as u8;
            }
        }
    }

    // Vertical pass, row by row for cache locality.
    let mut out = vec![0u8; row_len * dh as usize];
    let mut acc = vec![0u32; row_len];
    for (oy, out_row) in out.chunks_exact_mut(row_len).enumerate() {
        acc.fill(ONE / 2);
        let (first, weights) = vtaps.get(oy);
        for (k, &w) in weights.iter().enumerate() {
            let src_row = &tmp[(first + k) * row_len..(first + k + 1) * row_len];
            for (a, &v) in acc.iter_mut().zip(src_row) {
                *a += u32::from(w) * u32::from(v);
            }
        }
        for (o, &a) in out_row.iter_mut().zip(&acc) {
            *o = (a >> 14).min(255) as u8;
        }
    }
    out
}

/// For each output index, the first input index and the weights (summing to [`ONE`]).
struct Taps {
    spans: Vec<(usize, usize, usize)>,
    weights: Vec<u16>,
}

impl Taps {
    fn new(src_len: u32, dst_len: u32) -> Self {
        let scale = f64::from(src_len) / f64::from(dst_len);
        let mut spans = Vec::with_capacity(dst_len as usize);
        let mut weights = Vec::new();
        for i in 0..dst_len {
            let a = f64::from(i) * scale;
            let b = (f64::from(i + 1) * scale).min(f64::from(src_len));
            let first = (a.floor() as u32).min(src_len - 1);
            let last = ((b.ceil() as u32).max(first + 1)).min(src_len);
            let offset = weights.len();
            let mut total = 0u32;
            for j in first..last {
                let cover = (b.min(f64::from(j + 1)) - a.max(f64::from(j))).max(0.0);
                let w = (cover / scale * f64::from(ONE)).round() as u32;
                total += w;
                weights.push(w as u16);
            }
            // Put rounding residue on the largest tap so weights sum to exactly ONE.
            let taps = &mut weights[offset..];
            if let Some(max) = taps.iter_mut().max() {
                let fixed = i64::from(*max) + i64::from(ONE) - i64::from(total);
                *max = fixed.clamp(0, i64::from(ONE)) as u16;
            }
            spans.push((first as usize, offset, (last - first) as usize));
        }
        Self { spans, weights }
    }

    fn get(&self, i: usize) -> (usize, &[u16]) {
        let (first, offset, len) = self.spans[i];
        (first, &self.weights[offset..offset + len])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn halving_averages_pairs() {
        let data = [0u8, 100, 200, 255, 0, 100, 200, 255];
        let src = Pixels { data: &data, width: 4, height: 2, channels: 1 };
        let out = resize_area(src, Rect::full(4, 2), 2, 1);
        assert_eq!(out, vec![50, 228]);
    }

    #[test]
    fn a_flat_image_stays_flat_at_odd_ratios() {
        let data = vec![77u8; 37 * 23 * 3];
        let src = Pixels { data: &data, width: 37, height: 23, channels: 3 };
        let out = resize_area(src, Rect { x: 3, y: 2, width: 30, height: 19 }, 11, 7);
        assert_eq!(out.len(), 11 * 7 * 3);
        assert!(out.iter().all(|&v| v == 77));
    }

    #[test]
    fn fit_never_upscales_and_keeps_aspect() {
        assert_eq!(fit_within(4000, 3000, 2339, 1654), (2205, 1654));
        assert_eq!(fit_within(3000, 4000, 2339, 1654), (1654, 2205));
        assert_eq!(fit_within(800, 600, 2339, 1654), (800, 600));
    }
}
