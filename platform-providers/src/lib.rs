//! Provider adapters and durable state stores of the platform SDK, each behind its own cargo
//! feature, so an embedder compiles only what it uses.
//!
//! Features:
//! - `local` (default): [`local::LocalProvider`], the embedded adapter that needs no server.
//! - `sqlite` (default): [`store::sqlite::SqliteStore`], the embedded default state store.

pub use platform_core as core;

#[cfg(feature = "local")]
pub mod local;
#[cfg(feature = "local")]
mod random;
pub mod store;
