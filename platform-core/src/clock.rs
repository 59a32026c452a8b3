//! Time as the engine reads it: the system clock in production, a clock a test sets by hand
//! so that what the engine records (journal entries) happens at times the test chose.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

/// A source of "now", in milliseconds since the Unix epoch.
pub trait Clock: Send + Sync {
    /// The current time, in milliseconds since the Unix epoch.
    fn now_ms(&self) -> i64;
}

/// The system clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_ms(&self) -> i64 {
        jiff::Timestamp::now().as_millisecond()
    }
}

/// A clock that shows the time it was set to until set again; clones share one time.
#[derive(Debug, Clone, Default)]
pub struct ManualClock(Arc<AtomicI64>);

impl ManualClock {
    /// A clock showing `now_ms`.
    pub fn at(now_ms: i64) -> Self {
        ManualClock(Arc::new(AtomicI64::new(now_ms)))
    }

    /// Sets the time.
    pub fn set(&self, now_ms: i64) {
        self.0.store(now_ms, Ordering::SeqCst);
    }

    /// Moves the time forward by `ms` milliseconds.
    pub fn advance(&self, ms: i64) {
        self.0.fetch_add(ms, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now_ms(&self) -> i64 {
        self.0.load(Ordering::SeqCst)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_manual_clock_shows_what_it_was_set_to_in_every_clone() {
        let clock = ManualClock::at(1_000);
        let shared = clock.clone();
        clock.advance(500);
        assert_eq!(shared.now_ms(), 1_500);
        shared.set(42);
        assert_eq!(clock.now_ms(), 42);
        assert!(SystemClock.now_ms() > 1_700_000_000_000);
    }
}
