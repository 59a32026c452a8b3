//! Durable [`StateStore`](platform_core::store::StateStore) implementations, one cargo feature
//! each.

#[cfg(feature = "sqlite")]
#[cfg_attr(docsrs, doc(cfg(feature = "sqlite")))]
pub mod sqlite;
