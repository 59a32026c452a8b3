//! Test utilities of the platform SDK: a product, not a test folder.
//!
//! [`strategies`] generates valid objects of every built-in claim kind for property tests, so a
//! platform team can fuzz its own validation, policies and compositions with realistic input.

pub mod strategies;
