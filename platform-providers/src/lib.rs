//! Provider adapters and durable state stores of the platform SDK, each behind its own cargo
//! feature, so an embedder compiles only what it uses.
//!
//! - `local` (default): the embedded adapter that needs no server.

#[cfg(feature = "local")]
pub mod local;
#[cfg(feature = "local")]
mod random;
