//! Document mode: from a greyscale photo to black text on white paper.
//!
//! 1. Lighting is flattened: the paper's brightness is estimated on 16 px blocks (block
//!    means, then a local maximum that ignores the text, then a blur) and every pixel is
//!    divided by it, so a shadow or a lamp's gradient becomes uniform white paper.
//! 2. Contrast is stretched so the darkest ink becomes black.
//! 3. Sauvola's adaptive threshold (local mean and deviation over a sliding window) gives
//!    one bit per pixel; isolated specks are removed and dark regions touching the edge
//!    (table, page edge shadows) are cleared.

use super::resample::{Pixels, Rect, resize_area};

/// Side of the blocks the paper brightness is estimated on.
const BLOCK: u32 = 16;
/// Radius, in blocks, of the local maximum that skips over text lines.
const DILATE: usize = 2;
/// Sauvola's sensitivity: lower keeps more faint ink.
const SAUVOLA_K: f32 = 0.15;
/// Sauvola's dynamic range of the standard deviation.
const SAUVOLA_R: f32 = 128.0;
/// Normalised pixels at least this bright are paper without further checks.
const SURE_PAPER: u8 = 225;

/// A thresholded page: one byte per pixel, 1 white, 0 black; plus the flattened greyscale
/// page the thumbnail is made from.
pub(crate) struct Bilevel {
    pub(crate) white: Vec<u8>,
    pub(crate) flattened: Vec<u8>,
}

/// Turns a greyscale page into a bilevel one.
pub(crate) fn binarize(grey: &[u8], width: u32, height: u32) -> Bilevel {
    let mut flat = flatten_lighting(grey, width, height);
    stretch_contrast(&mut flat);
    let smooth = box_blur(&flat, width as usize, height as usize);
    let mut white = sauvola(&smooth, width as usize, height as usize);
    despeckle(&mut white, width as usize, height as usize);
    clear_border(&mut white, width as usize, height as usize);
    Bilevel { white, flattened: flat }
}

/// Divides each pixel by the local paper brightness.
fn flatten_lighting(grey: &[u8], width: u32, height: u32) -> Vec<u8> {
    let (bw, bh) = (width.div_ceil(BLOCK), height.div_ceil(BLOCK));
    let src = Pixels { data: grey, width, height, channels: 1 };
    let means = resize_area(src, Rect::full(width, height), bw, bh);
    let (bw, bh) = (bw as usize, bh as usize);
    let paper = box_blur(&dilate(&means, bw, bh, DILATE), bw, bh);

    // Bilinear interpolation of the paper level at each pixel centre, in 1/256 steps.
    let coord = |i: usize, blocks: usize| {
        let pos = ((i as f32 + 0.5) / BLOCK as f32 - 0.5).clamp(0.0, (blocks - 1) as f32);
        let i0 = pos.floor() as usize;
        (i0, (i0 + 1).min(blocks - 1), ((pos - i0 as f32) * 256.0) as u32)
    };
    let xs: Vec<_> = (0..width as usize).map(|x| coord(x, bw)).collect();
    // normalised[level × 256 + v] = v / level, for paper levels 1..=255.
    let lut: Vec<u8> = (0..256u32 * 256).map(|i| ((i % 256) * 255 / (i / 256).max(1)).min(255) as u8).collect();
    let mut row_paper = vec![0u32; bw];
    let mut out = vec![0u8; grey.len()];
    for (y, (src_row, out_row)) in
        grey.chunks_exact(width as usize).zip(out.chunks_exact_mut(width as usize)).enumerate()
    {
        let (y0, y1, fy) = coord(y, bh);
        for (bx, p) in row_paper.iter_mut().enumerate() {
            let (a, b) = (u32::from(paper[y0 * bw + bx]), u32::from(paper[y1 * bw + bx]));
            *p = a * (256 - fy) + b * fy;
        }
        for ((&v, o), &(x0, x1, fx)) in src_row.iter().zip(out_row.iter_mut()).zip(&xs) {
            // Paper level × 65536, rounded to a whole grey level.
            let level = ((row_paper[x0] * (256 - fx) + row_paper[x1] * fx + (1 << 15)) >> 16).clamp(1, 255);
            *o = lut[level as usize * 256 + usize::from(v)];
        }
    }
    out
}

/// Maximum over a (2r+1)² window, separably.
fn dilate(src: &[u8], w: usize, h: usize, r: usize) -> Vec<u8> {
    let mut tmp = vec![0u8; src.len()];
    for y in 0..h {
        for x in 0..w {
            let (a, b) = (x.saturating_sub(r), (x + r).min(w - 1));
            tmp[y * w + x] = src[y * w + a..=y * w + b].iter().copied().max().unwrap_or(0);
        }
    }
    let mut out = vec![0u8; src.len()];
    for y in 0..h {
        let (a, b) = (y.saturating_sub(r), (y + r).min(h - 1));
        for x in 0..w {
            out[y * w + x] = (a..=b).map(|yy| tmp[yy * w + x]).max().unwrap_or(0);
        }
    }
    out
}

/// Mean over a 3×3 window, edges replicated; separable sums.
fn box_blur(src: &[u8], w: usize, h: usize) -> Vec<u8> {
    if w == 0 || h == 0 {
        return Vec::new();
    }
    let mut rows = vec![0u16; src.len()];
    for (s, t) in src.chunks_exact(w).zip(rows.chunks_exact_mut(w)) {
        for x in 0..w {
            let (a, b) = (x.saturating_sub(1), (x + 1).min(w - 1));
            t[x] = u16::from(s[a]) + u16::from(s[x]) + u16::from(s[b]);
        }
    }
    let mut out = vec![0u8; src.len()];
    for y in 0..h {
        let (a, b) = (y.saturating_sub(1), (y + 1).min(h - 1));
        let (ra, ry, rb) = (&rows[a * w..(a + 1) * w], &rows[y * w..(y + 1) * w], &rows[b * w..(b + 1) * w]);
        for (o, ((&p, &q), &r)) in out[y * w..(y + 1) * w].iter_mut().zip(ra.iter().zip(ry).zip(rb)) {
            *o = ((u32::from(p) + u32::from(q) + u32::from(r) + 4) / 9) as u8;
        }
    }
    out
}

/// Maps the darkest 0.5 % of pixels to black, keeping white at 255.
fn stretch_contrast(px: &mut [u8]) {
    let mut hist = [0usize; 256];
    for &p in px.iter() {
        hist[usize::from(p)] += 1;
    }
    let target = px.len() / 200;
    let mut seen = 0;
    let lo = hist.iter().position(|&n| {
        seen += n;
        seen > target
    });
    let lo = lo.unwrap_or(0).min(200) as u32;
    if lo == 0 {
        return;
    }
    let lut: Vec<u8> = (0..256u32).map(|v| (v.saturating_sub(lo) * 255 / (255 - lo)).min(255) as u8).collect();
    for p in px.iter_mut() {
        *p = lut[usize::from(*p)];
    }
}

/// Sauvola's threshold with sliding column sums (memory O(width)).
fn sauvola(px: &[u8], w: usize, h: usize) -> Vec<u8> {
    let r = (w.max(h) / 100).max(7);
    let mut out = vec![1u8; px.len()];
    let mut col_sum = vec![0u32; w];
    let mut col_sq = vec![0u32; w];
    let add_row = |y: usize, sign: bool, s: &mut [u32], q: &mut [u32]| {
        for (x, &v) in px[y * w..(y + 1) * w].iter().enumerate() {
            let v = u32::from(v);
            if sign {
                s[x] += v;
                q[x] += v * v;
            } else {
                s[x] -= v;
                q[x] -= v * v;
            }
        }
    };
    for y in 0..=r.min(h - 1) {
        add_row(y, true, &mut col_sum, &mut col_sq);
    }
    let mut ps = vec![0u64; w + 1];
    let mut pq = vec![0u64; w + 1];
    for y in 0..h {
        if y > 0 {
            if y + r < h {
                add_row(y + r, true, &mut col_sum, &mut col_sq);
            }
            if y > r {
                add_row(y - r - 1, false, &mut col_sum, &mut col_sq);
            }
        }
        let rows = (y + r).min(h - 1) + 1 - y.saturating_sub(r);
        for x in 0..w {
            ps[x + 1] = ps[x] + u64::from(col_sum[x]);
            pq[x + 1] = pq[x] + u64::from(col_sq[x]);
        }
        let row = &px[y * w..(y + 1) * w];
        let out_row = &mut out[y * w..(y + 1) * w];
        for (x, (&v, o)) in row.iter().zip(out_row.iter_mut()).enumerate() {
            if v >= SURE_PAPER {
                continue;
            }
            let (x0, x1) = (x.saturating_sub(r), (x + r).min(w - 1));
            let n = ((x1 - x0 + 1) * rows) as f32;
            let mean = (ps[x1 + 1] - ps[x0]) as f32 / n;
            let var = ((pq[x1 + 1] - pq[x0]) as f32 / n - mean * mean).max(0.0);
            let t = mean * (1.0 + SAUVOLA_K * (var.sqrt() / SAUVOLA_R - 1.0));
            if f32::from(v) < t {
                *o = 0;
            }
        }
    }
    out
}

/// Removes specks and pinholes: a black pixel with no black 8-neighbour turns white, a
/// white pixel with only black neighbours turns black.
fn despeckle(white: &mut [u8], w: usize, h: usize) {
    if w < 3 || h < 3 {
        return;
    }
    let src = white.to_vec();
    let black = |i: usize| u8::from(src[i] == 0);
    for y in 1..h - 1 {
        for x in 1..w - 1 {
            let i = y * w + x;
            let n = black(i - w - 1)
                + black(i - w)
                + black(i - w + 1)
                + black(i - 1)
                + black(i + 1)
                + black(i + w - 1)
                + black(i + w)
                + black(i + w + 1);
            if src[i] == 0 && n == 0 {
                white[i] = 1;
            } else if src[i] != 0 && n == 8 {
                white[i] = 0;
            }
        }
    }
}

/// Whitens black regions connected to the image edge: table, page edge, shadows.
fn clear_border(white: &mut [u8], w: usize, h: usize) {
    let mut stack: Vec<usize> = Vec::new();
    let push = |i: usize, white: &mut [u8], stack: &mut Vec<usize>| {
        if white[i] == 0 {
            white[i] = 1;
            stack.push(i);
        }
    };
    for x in 0..w {
        push(x, white, &mut stack);
        push((h - 1) * w + x, white, &mut stack);
    }
    for y in 0..h {
        push(y * w, white, &mut stack);
        push(y * w + w - 1, white, &mut stack);
    }
    while let Some(i) = stack.pop() {
        let (x, y) = (i % w, i / w);
        if x > 0 {
            push(i - 1, white, &mut stack);
        }
        if x + 1 < w {
            push(i + 1, white, &mut stack);
        }
        if y > 0 {
            push(i - w, white, &mut stack);
        }
        if y + 1 < h {
            push(i + w, white, &mut stack);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_shadowed_page_with_text_becomes_black_text_on_white() {
        let (w, h) = (400usize, 300usize);
        // Lighting falls from 230 on the left to 110 on the right; text is 45 % of paper.
        let grey: Vec<u8> = (0..w * h)
            .map(|i| {
                let (x, y) = (i % w, i / w);
                let paper = 230.0 - 120.0 * x as f32 / w as f32;
                let ink = (60..240).contains(&y) && y % 20 < 4 && (40..360).contains(&x) && x % 9 < 5;
                (if ink { paper * 0.45 } else { paper }) as u8
            })
            .collect();
        let out = binarize(&grey, w as u32, h as u32);
        let at = |x: usize, y: usize| out.white[y * w + x];
        assert_eq!(at(45, 61), 0, "ink on the bright side");
        assert_eq!(at(342, 62), 0, "ink on the dark side");
        assert_eq!(at(50, 70), 1, "paper on the bright side");
        assert_eq!(at(350, 70), 1, "paper on the dark side");
        assert_eq!(at(200, 10), 1);
    }

    #[test]
    fn edge_regions_and_specks_are_cleared() {
        let (w, h) = (50usize, 40usize);
        let mut white = vec![1u8; w * h];
        white[0] = 0;
        white[1] = 0;
        white[w + 1] = 0; // touches the edge
        white[20 * w + 20] = 0; // speck
        white[30 * w + 30] = 0; // a two-pixel mark stays
        white[30 * w + 31] = 0;
        despeckle(&mut white, w, h);
        clear_border(&mut white, w, h);
        let black: Vec<usize> = (0..w * h).filter(|&i| white[i] == 0).collect();
        assert_eq!(black, vec![30 * w + 30, 30 * w + 31]);
    }
}
