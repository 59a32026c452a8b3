//! A small seeded random number generator (SplitMix64): the same seed gives the same run.

use std::time::Duration;

/// Deterministic pseudo-random numbers from a 64-bit seed; not for cryptography.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SeededRng {
    state: u64,
}

impl SeededRng {
    /// A generator starting at `seed`.
    pub(crate) fn new(seed: u64) -> Self {
        SeededRng { state: seed }
    }

    /// The internal state, to save in a snapshot and continue the same sequence later.
    pub(crate) fn state(&self) -> u64 {
        self.state
    }

    /// The next 64 random bits.
    pub(crate) fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `[0, 1)`.
    pub(crate) fn next_f64(&mut self) -> f64 {
        // The top 53 bits fill an f64 mantissa exactly.
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// A number in `[0, bound)`; `bound` must be positive.
    pub(crate) fn below(&mut self, bound: u64) -> u64 {
        self.next_u64() % bound.max(1)
    }

    /// A duration uniformly in `[min, max]` at nanosecond resolution.
    pub(crate) fn duration_between(&mut self, min: Duration, max: Duration) -> Duration {
        let span = max.saturating_sub(min).as_nanos();
        if span == 0 {
            return min;
        }
        let span = u64::try_from(span).unwrap_or(u64::MAX);
        min + Duration::from_nanos(self.below(span.saturating_add(1)))
    }

    /// A random string of letters and digits, like a generated password.
    pub(crate) fn alphanumeric(&mut self, len: usize) -> String {
        const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
        (0..len)
            .map(|_| char::from(ALPHABET[self.below(ALPHABET.len() as u64) as usize]))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_sequence_and_values_in_range() {
        let mut a = SeededRng::new(7);
        let mut b = SeededRng::new(7);
        assert_eq!(a.alphanumeric(24), b.alphanumeric(24));
        assert_ne!(SeededRng::new(8).alphanumeric(24), a.alphanumeric(24));
        for _ in 0..1000 {
            let x = a.next_f64();
            assert!((0.0..1.0).contains(&x));
            let d = a.duration_between(Duration::from_millis(10), Duration::from_millis(20));
            assert!(d >= Duration::from_millis(10) && d <= Duration::from_millis(20));
        }
    }
}
