//! Exponential backoff between retries: used by the retry layer around a provider and by the
//! controller between failed reconciles of one object.

use std::time::Duration;

/// Exponential backoff: `initial` doubling per failure up to `max`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    /// Delay after the first failure.
    pub initial: Duration,
    /// Longest delay.
    pub max: Duration,
}

impl Backoff {
    /// A backoff from `initial` doubling to `max`.
    pub fn new(initial: Duration, max: Duration) -> Self {
        Backoff { initial, max }
    }

    /// The engine's per-object backoff: 1 s doubling to 5 min.
    pub fn per_object() -> Self {
        Backoff::new(Duration::from_secs(1), Duration::from_secs(300))
    }

    /// The delay after `failures` earlier failures (0 gives `initial`).
    pub fn delay(&self, failures: u32) -> Duration {
        let factor = 1u32.checked_shl(failures.min(31)).unwrap_or(u32::MAX);
        self.initial.saturating_mul(factor).min(self.max)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_up_to_the_cap() {
        let b = Backoff::per_object();
        assert_eq!(b.delay(0), Duration::from_secs(1));
        assert_eq!(b.delay(3), Duration::from_secs(8));
        assert_eq!(b.delay(8), Duration::from_secs(256));
        assert_eq!(b.delay(9), Duration::from_secs(300));
        assert_eq!(b.delay(200), Duration::from_secs(300));
    }
}
