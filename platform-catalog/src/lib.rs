//! The service catalog: Backstage's entity model, validated as Backstage validates it and
//! related as Backstage relates it, filled from what the platform provisions and merged with
//! the `catalog-info.yaml` files teams write.
//!
//! The parts, each usable alone:
//! - [`entity`]: entities, typed kinds and entity references;
//! - [`validate`]: Backstage's entity policies with located errors;
//! - [`relations`]: relation derivation and the [`Catalog`] that keeps relations exact;
//! - [`query`]: ownership, impact, orphans and graphs;
//! - [`import`] and [`export`]: `catalog-info.yaml` files in and out;
//! - [`platform`]: entities derived from stored claims, and the store layer that keeps them
//!   in step with every apply and delete.

pub mod entity;
pub mod export;
#[cfg(feature = "fixtures")]
pub mod fixtures;
pub mod import;
pub mod platform;
pub mod query;
pub mod relations;
pub mod validate;

pub use entity::{Entity, EntityRef};
pub use relations::{Catalog, Relation, RelationType};
