//! Provider adapters (PostgreSQL, MySQL, Redis, RabbitMQ, NATS, S3, local, Kubernetes manifests)
//! and durable state stores of the platform SDK, each behind its own cargo feature.
//!
//! This crate holds no adapter yet: it fixes the place of the adapters in the workspace so an
//! embedder can depend on it with only the features it needs.

pub use platform_core as core;
