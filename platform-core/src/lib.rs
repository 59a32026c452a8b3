//! Core of the platform SDK: the resource model, kinds and their schemas, loading with source
//! locations and validation.
//!
//! Every step of the flow (load, validate, ...) is a function that can be called alone.

pub mod admit;
pub mod clock;
pub mod compose;
pub mod engine;
pub mod kinds;
pub mod load;
pub mod model;
pub mod provider;
pub mod rng;
pub mod schema;
pub mod secret;
pub mod store;
pub mod validate;
