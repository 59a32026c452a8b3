//! Provider adapters and durable state stores of the platform SDK, each behind its own cargo
//! feature, so an embedder compiles only what it uses.
//!
//! Features:
//! - `local` (default): [`local::LocalProvider`], the embedded adapter that needs no server.
//! - `sqlite` (default): [`store::sqlite::SqliteStore`], the embedded default state store.
//! - `postgres-store`: `store::postgres::PostgresStore`, the state store many reconcilers
//!   share, with leases, fenced writes and a change feed woken by `LISTEN/NOTIFY`.
//! - `postgres`, `mysql`, `redis`, `rabbitmq`, `nats`, `s3`: adapters for real servers.
//! - `kubernetes`: Kubernetes manifests written into a directory (the GitOps hand-off).
//! - `all-adapters`: every adapter.
//!
//! [`connect::provider_from_settings`] builds any compiled adapter from config settings.

#![cfg_attr(docsrs, feature(doc_cfg))]

pub use platform_core as core;

#[cfg(feature = "adapter")]
pub mod connect;
#[cfg(feature = "kubernetes")]
#[cfg_attr(docsrs, doc(cfg(feature = "kubernetes")))]
pub mod kubernetes;
#[cfg(feature = "local")]
#[cfg_attr(docsrs, doc(cfg(feature = "local")))]
pub mod local;
#[cfg(feature = "mysql")]
#[cfg_attr(docsrs, doc(cfg(feature = "mysql")))]
pub mod mysql;
#[cfg(feature = "nats")]
#[cfg_attr(docsrs, doc(cfg(feature = "nats")))]
pub mod nats;
#[cfg(feature = "postgres")]
#[cfg_attr(docsrs, doc(cfg(feature = "postgres")))]
pub mod postgres;
#[cfg(feature = "rabbitmq")]
#[cfg_attr(docsrs, doc(cfg(feature = "rabbitmq")))]
pub mod rabbitmq;
#[cfg(feature = "redis")]
#[cfg_attr(docsrs, doc(cfg(feature = "redis")))]
pub mod redis;
#[cfg(feature = "s3")]
#[cfg_attr(docsrs, doc(cfg(feature = "s3")))]
pub mod s3;
pub mod store;
#[cfg(feature = "adapter")]
pub mod support;
