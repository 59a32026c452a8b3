//! Injected latency: none, a fixed delay, or a seeded uniform delay in a range.

use std::time::Duration;

use super::error::FakeConfigError;
use super::operation::Operation;
use super::rng::SeededRng;

/// How long each call of an operation waits (with `tokio::time::sleep`) before it acts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Latency {
    /// No delay.
    #[default]
    None,
    /// Always the same delay.
    Fixed(Duration),
    /// A delay drawn uniformly in `[min, max]` from the provider's seeded generator.
    Uniform {
        /// Shortest delay.
        min: Duration,
        /// Longest delay.
        max: Duration,
    },
}

impl Latency {
    /// Always `delay`.
    pub fn fixed(delay: Duration) -> Self {
        Latency::Fixed(delay)
    }

    /// Uniformly between `min` and `max` (inclusive); `min` above `max` is refused at build time.
    pub fn uniform(min: Duration, max: Duration) -> Self {
        Latency::Uniform { min, max }
    }

    pub(crate) fn check(&self, operation: Operation) -> Result<(), FakeConfigError> {
        match *self {
            Latency::Uniform { min, max } if min > max => Err(FakeConfigError::LatencyRange {
                operation: operation.to_string(),
                min,
                max,
            }),
            _ => Ok(()),
        }
    }

    pub(crate) fn sample(&self, rng: &mut SeededRng) -> Duration {
        match *self {
            Latency::None => Duration::ZERO,
            Latency::Fixed(delay) => delay,
            Latency::Uniform { min, max } => rng.duration_between(min, max),
        }
    }
}
