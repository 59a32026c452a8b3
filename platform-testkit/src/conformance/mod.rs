//! Conformance suites: one set of checks that every provider (fake or real) and every state
//! store (in memory, SQLite, PostgreSQL) runs, so a test against a fake means something for
//! the real thing.
//!
//! Suites never panic on a misbehaving subject: they run every check and return a
//! [`ConformanceReport`]; call [`ConformanceReport::assert_passed`] in a test to fail it with
//! one line per check.

/// Returns `Err(message)` from the enclosing check unless the condition holds.
macro_rules! ensure {
    ($cond:expr, $($arg:tt)+) => {
        if !$cond {
            return Err(format!($($arg)+));
        }
    };
}

mod provider;
mod report;
mod store;

pub use provider::{DriftFuture, ProviderSubject, provider_conformance};
pub use report::{CheckOutcome, ConformanceReport};
pub use store::store_conformance;
