//! Pure patch-and-transform composition engine (Crossplane `function-patch-and-transform` semantics).
pub mod composition;
pub mod connection;
pub mod error;
pub mod fieldpath;
pub mod fixtures;
pub mod gofmt;
pub mod patch;
pub mod quantity;
pub mod readiness;
pub mod render;
pub mod transform;
