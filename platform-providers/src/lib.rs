//! Provider adapters (PostgreSQL, MySQL, Redis, RabbitMQ, NATS, S3, local, Kubernetes manifests)
//! and durable state stores of the platform SDK, each behind its own cargo feature.
//!
//! Features:
//! - `sqlite`: [`store::sqlite::SqliteStore`], the embedded default state store.

pub use platform_core as core;

pub mod store;
