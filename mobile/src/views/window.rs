//! Windowing for long lists: which rows to render for the visible part of a scrolled
//! list, so a journal of 100,000 cases renders a few dozen rows.

use std::ops::Range;

/// The scroll position and size of a list's viewport, in pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Viewport {
    /// Height of one row (all rows are the same height).
    pub row_height: u32,
    /// Height of the visible area.
    pub height: u32,
    /// How far the list is scrolled.
    pub scroll_top: u32,
    /// Extra rows rendered above and below, so fast scrolling shows no gap.
    pub overscan: usize,
}

/// The rows to render and the empty space standing in for the rest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Window {
    pub rows: Range<usize>,
    /// Pixels of space before the first rendered row.
    pub pad_top: u64,
    /// Pixels of space after the last rendered row.
    pub pad_bottom: u64,
}

/// The window of `total` rows visible in `vp`. A scroll position past the end shows the
/// last rows; a zero row height renders nothing rather than dividing by zero.
pub fn window(total: usize, vp: Viewport) -> Window {
    if vp.row_height == 0 || total == 0 {
        return Window { rows: 0..0, pad_top: 0, pad_bottom: 0 };
    }
    let h = u64::from(vp.row_height);
    let visible = usize::try_from(u64::from(vp.height).div_ceil(h)).unwrap_or(usize::MAX).max(1);
    let first = usize::try_from(u64::from(vp.scroll_top) / h).unwrap_or(usize::MAX);
    let first = first.min(total.saturating_sub(visible));
    let start = first.saturating_sub(vp.overscan);
    let end = first.saturating_add(visible).saturating_add(vp.overscan).min(total);
    let px = |rows: usize| (rows as u64).saturating_mul(h);
    Window { rows: start..end, pad_top: px(start), pad_bottom: px(total - end) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vp(scroll_top: u32) -> Viewport {
        Viewport { row_height: 48, height: 480, scroll_top, overscan: 5 }
    }

    #[test]
    fn a_hundred_thousand_rows_render_a_screenful() {
        let total = 100_000;
        let top = window(total, vp(0));
        assert_eq!(top.rows, 0..15);
        assert_eq!(top.pad_top, 0);
        assert_eq!(top.pad_bottom, (total as u64 - 15) * 48);

        let mid = window(total, vp(48 * 50_000 + 10));
        assert_eq!(mid.rows, 49_995..50_015);
        assert_eq!(mid.pad_top + (mid.rows.len() as u64) * 48 + mid.pad_bottom, total as u64 * 48);

        let past_end = window(total, vp(u32::MAX));
        assert_eq!(past_end.rows, 99_985..100_000);
        assert_eq!(past_end.pad_bottom, 0);
    }

    #[test]
    fn degenerate_lists_render_nothing_or_everything() {
        assert_eq!(window(0, vp(0)).rows, 0..0);
        assert_eq!(window(3, vp(1_000)).rows, 0..3);
        assert_eq!(window(10, Viewport { row_height: 0, ..vp(0) }).rows, 0..0);
    }
}
