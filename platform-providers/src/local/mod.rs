//! The local adapter: everything on this machine, nothing to install.
//!
//! | kind (`local.platform.dev/v1alpha1`) | real resource | outputs | secrets |
//! |---|---|---|---|
//! | `LocalDatabase` | a SQLite file under `databases/` | host, port, database, username, path | password, uri |
//! | `LocalCache` | rows of `caches` in `local.sqlite3`, keys under a prefix | host, port, username, keyPrefix, path | password, uri |
//! | `LocalQueue` | rows of `queues` in `local.sqlite3`, messages in `queue_messages` | queue, host, path | password, uri |
//! | `LocalBucket` | a directory under `buckets/` | bucket, path, endpoint | — |
//!
//! Deleting a database file or bucket directory by hand is drift: the next observe reports it
//! missing. Every name that reaches a path or a table is checked against a strict pattern first.

mod bucket;
mod cache;
mod database;
mod names;
mod queue;
mod registry;

use async_trait::async_trait;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use platform_core::provider::{
    Adapter, AdapterContext, AsAdapter, Found, ManagedResource, Owner, ProviderError,
};

/// apiVersion of the local managed kinds.
pub const API_VERSION: &str = "local.platform.dev/v1alpha1";
/// The managed kinds the local adapter serves.
pub const KINDS: &[&str] = &["LocalDatabase", "LocalCache", "LocalQueue", "LocalBucket"];

/// Provisions local databases, caches, queues and buckets under one folder.
#[derive(Debug, Clone)]
pub struct LocalProvider {
    adapter: Adapter<Root>,
}

impl LocalProvider {
    /// A provider keeping everything under `root` (created on first use).
    pub fn new(root: impl Into<PathBuf>) -> Self {
        let root = Root {
            path: Arc::new(root.into()),
        };
        LocalProvider {
            adapter: Adapter::builder("local", API_VERSION, root)
                .kind("LocalDatabase", database::LocalDatabase)
                .kind("LocalCache", cache::LocalCache)
                .kind("LocalQueue", queue::LocalQueue)
                .kind("LocalBucket", bucket::LocalBucket)
                .build(),
        }
    }

    /// A provider from config settings `{root: PATH}`; a relative root is taken from `base`,
    /// and without one everything lives in `.platform/local` under `base`.
    pub fn from_settings(
        settings: &Value,
        base: &Path,
    ) -> Result<Self, crate::support::settings::SettingsError> {
        #[derive(serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Settings {
            root: Option<PathBuf>,
        }
        let s: Settings = crate::support::settings::parse("local", settings)?;
        let root = s.root.unwrap_or_else(|| PathBuf::from(".platform/local"));
        Ok(LocalProvider::new(base.join(root)))
    }

    /// The folder everything lives in.
    pub fn root(&self) -> &Path {
        &self.adapter.context().path
    }
}

impl AsAdapter for LocalProvider {
    type Context = Root;

    fn adapter(&self) -> &Adapter<Root> {
        &self.adapter
    }
}

/// What the local kinds share: the folder everything lives in.
#[derive(Debug)]
pub struct Root {
    path: Arc<PathBuf>,
}

impl Root {
    /// Runs `work` on the root, the spec, the external name and the owner of `resource` on a
    /// blocking thread: every local operation touches files.
    async fn run<T: Send + 'static>(
        &self,
        resource: &ManagedResource,
        work: fn(&Path, &Value, &str, &Owner) -> Result<T, ProviderError>,
    ) -> Result<T, ProviderError> {
        let root = self.path.clone();
        let spec = resource.object.spec.clone();
        let name = resource.external_name.clone();
        let owner = Owner::of(resource);
        tokio::task::spawn_blocking(move || work(&root, &spec, &name, &owner))
            .await
            .map_err(|e| ProviderError::transient(format!("local adapter task failed: {e}")))?
    }
}

#[async_trait]
impl AdapterContext for Root {
    /// Every database file, bucket folder, cache and queue under the root, with its owner.
    async fn inventory(adapter: &Adapter<Self>) -> Result<Option<Vec<Found>>, ProviderError> {
        let root = adapter.context().path.clone();
        tokio::task::spawn_blocking(move || {
            let mut found = database::list(&root)?;
            found.extend(bucket::list(&root)?);
            found.extend(registry::list(&root)?);
            Ok(Some(found))
        })
        .await
        .map_err(|e| ProviderError::transient(format!("local adapter task failed: {e}")))?
    }

    /// Everything under the root is this installation's.
    fn private_inventory(&self) -> bool {
        true
    }
}

/// A listed resource of this adapter: see [`crate::support::inventory::found`].
pub(crate) fn found(kind: &str, real_name: &str, spec: Value, owner: Option<Owner>) -> Found {
    crate::support::inventory::found(API_VERSION, kind, real_name, spec, owner)
}

/// An I/O error as a provider error: missing permissions are permanent, the rest transient.
pub(crate) fn io_error(what: &str, path: &Path, e: std::io::Error) -> ProviderError {
    let message = format!("{what} {}: {e}", path.display());
    match e.kind() {
        std::io::ErrorKind::PermissionDenied | std::io::ErrorKind::ReadOnlyFilesystem => {
            ProviderError::permanent(message)
        }
        _ => ProviderError::transient(message),
    }
}

/// A SQLite error as a provider error: busy and locked are transient, the rest permanent.
pub(crate) fn sql_error(what: &str, e: rusqlite::Error) -> ProviderError {
    let message = format!("{what}: {e}");
    match e.sqlite_error_code() {
        Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked) => {
            ProviderError::transient(message)
        }
        _ => ProviderError::permanent(message),
    }
}

#[cfg(test)]
mod repair_tests;
#[cfg(test)]
mod tests;
