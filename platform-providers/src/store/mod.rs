//! Durable [`StateStore`](platform_core::store::StateStore) implementations, one cargo feature
//! each.

#[cfg(any(feature = "sqlite", feature = "postgres-store"))]
#[cfg_attr(docsrs, doc(cfg(any(feature = "sqlite", feature = "postgres-store"))))]
pub mod secret_key;
#[cfg(any(feature = "sqlite", feature = "postgres-store"))]
mod stamp;

#[cfg(feature = "postgres-store")]
#[cfg_attr(docsrs, doc(cfg(feature = "postgres-store")))]
pub mod postgres;
#[cfg(feature = "sqlite")]
#[cfg_attr(docsrs, doc(cfg(feature = "sqlite")))]
pub mod sqlite;
