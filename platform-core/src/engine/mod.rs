//! The engine: plan, apply, delete, status, drift sweeps and the controller loop.

mod backoff;

pub use backoff::Backoff;
