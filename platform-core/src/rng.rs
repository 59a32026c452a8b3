//! A small seeded pseudo-random generator (SplitMix64) for jitter, fakes and tests: the same
//! seed gives the same sequence, with no dependency. Not for cryptography: secrets come from
//! the operating system's generator.
//!
//! ```
//! use std::time::Duration;
//! use platform_core::rng::SeededRng;
//!
//! let mut a = SeededRng::new(7);
//! let mut b = SeededRng::new(7);
//! assert_eq!(a.next_u64(), b.next_u64());
//! let delay = a.duration_between(Duration::from_millis(10), Duration::from_millis(20));
//! assert!(delay >= Duration::from_millis(10) && delay <= Duration::from_millis(20));
//! ```

use std::time::Duration;

/// Deterministic pseudo-random numbers from a 64-bit seed (SplitMix64); not for cryptography.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeededRng {
    state: u64,
}

impl SeededRng {
    /// A generator starting at `seed`; any value, zero included, is a good seed.
    pub fn new(seed: u64) -> Self {
        SeededRng { state: seed }
    }

    /// The internal state: `SeededRng::new(rng.state())` continues the same sequence, so a
    /// snapshot can save it.
    pub fn state(&self) -> u64 {
        self.state
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `[0, 1)`.
    pub fn next_f64(&mut self) -> f64 {
        // The top 53 bits fill an f64 mantissa exactly.
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// A number in `[0, bound)`; a `bound` of 0 is taken as 1.
    pub fn below(&mut self, bound: u64) -> u64 {
        self.next_u64() % bound.max(1)
    }

    /// A number from `low` to `high`, both included; `high` below `low` gives `low`.
    pub fn between(&mut self, low: u64, high: u64) -> u64 {
        low + self.below(high.saturating_sub(low).saturating_add(1))
    }

    /// A duration uniformly in `[min, max]` at nanosecond resolution; `max` below `min`
    /// gives `min`.
    pub fn duration_between(&mut self, min: Duration, max: Duration) -> Duration {
        let span = max.saturating_sub(min).as_nanos();
        if span == 0 {
            return min;
        }
        let span = u64::try_from(span).unwrap_or(u64::MAX);
        min + Duration::from_nanos(self.below(span.saturating_add(1)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_sequence_and_values_in_range() {
        let mut a = SeededRng::new(7);
        let mut b = SeededRng::new(7);
        let first: Vec<u64> = (0..8).map(|_| a.next_u64()).collect();
        assert_eq!(first, (0..8).map(|_| b.next_u64()).collect::<Vec<_>>());
        assert_ne!(SeededRng::new(8).next_u64(), SeededRng::new(7).next_u64());
        let mut resumed = SeededRng::new(a.state());
        assert_eq!(resumed.next_u64(), a.next_u64());
        for _ in 0..1000 {
            assert!((0.0..1.0).contains(&a.next_f64()));
            assert!((2..=3).contains(&a.between(2, 3)));
            let d = a.duration_between(Duration::from_millis(10), Duration::from_millis(20));
            assert!(d >= Duration::from_millis(10) && d <= Duration::from_millis(20));
        }
        assert_eq!(a.between(5, 5), 5);
        assert_eq!(a.below(0), 0);
    }

    #[test]
    fn the_sequence_is_splitmix64() {
        // Reference values of SplitMix64 seeded with 0 (Vigna's splitmix64.c).
        let mut rng = SeededRng::new(0);
        assert_eq!(rng.next_u64(), 0xe220_a839_7b1d_cdaf);
        assert_eq!(rng.next_u64(), 0x6e78_9e6a_a1b9_65f4);
    }
}
