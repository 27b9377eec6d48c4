//! Latency figures: count, percentiles, maximum.

use std::time::Duration;

/// The summary of a set of delays.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Summary {
    pub count: usize,
    pub p50: Duration,
    pub p95: Duration,
    pub p99: Duration,
    pub max: Duration,
}

impl Summary {
    /// Summarises `delays` (sorted here); `None` when empty.
    pub fn of(delays: &mut [Duration]) -> Option<Self> {
        if delays.is_empty() {
            return None;
        }
        delays.sort_unstable();
        let at = |q: f64| {
            // Nearest rank: the smallest value with at least q of the values at or below it.
            let rank = (q * delays.len() as f64).ceil().max(1.0) as usize;
            delays[rank.min(delays.len()) - 1]
        };
        Some(Self { count: delays.len(), p50: at(0.50), p95: at(0.95), p99: at(0.99), max: delays[delays.len() - 1] })
    }
}

/// Milliseconds with one decimal.
pub fn ms(d: Duration) -> String {
    format!("{:.1}", d.as_secs_f64() * 1000.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_are_nearest_rank() {
        let mut d: Vec<Duration> = (1..=200).rev().map(Duration::from_millis).collect();
        let s = Summary::of(&mut d).expect("some");
        assert_eq!(s.count, 200);
        assert_eq!(s.p50, Duration::from_millis(100));
        assert_eq!(s.p95, Duration::from_millis(190));
        assert_eq!(s.p99, Duration::from_millis(198));
        assert_eq!(s.max, Duration::from_millis(200));
        assert_eq!(Summary::of(&mut []), None);
        let mut one = [Duration::from_millis(7)];
        assert_eq!(Summary::of(&mut one).map(|s| s.p99), Some(Duration::from_millis(7)));
    }
}
