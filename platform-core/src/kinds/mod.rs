//! The built-in claim kinds (the standard library of the platform) and the kind registry.

mod application;
mod bucket;
mod cache;
mod composition_choice;
mod custom;
mod database;
mod intent;
mod queue;
mod registry;
pub mod score;
mod size;

pub use application::{
    Application, ApplicationSpec, Container, ContainerFile, ContainerPort, Placeholder,
    PortProtocol, ResourceRequest, placeholders,
};
pub use bucket::{BucketClaim, BucketClaimSpec};
pub use cache::{CacheClaim, CacheClaimSpec, CacheEngine, EvictionPolicy};
pub use composition_choice::{CompositionRef, CompositionSelector};
pub use custom::{KindFileError, kinds_from_document};
pub use database::{
    BackupSchedule, DatabaseClaim, DatabaseClaimSpec, DatabaseEngine, DeletionPolicy,
};
pub use intent::{Intent, Need};
pub use queue::{QueueClaim, QueueClaimSpec, QueueEngine};
pub use registry::{KindDefinition, KindOrigin, KindRegistry, RegistryError, SemanticCheck};
pub use size::Size;
