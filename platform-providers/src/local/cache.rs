//! `LocalCache`: a row of `caches` in `local.sqlite3`; its keys live in `cache_entries` under
//! the cache's key prefix.

use rusqlite::params;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::path::Path;

use super::Root;
use super::names::identifier;
use super::registry::{self, Row, Table};
use super::sql_error;
use async_trait::async_trait;
use platform_core::provider::{
    Applied, ManagedKind, ManagedResource, Observation, Owner, ProviderError,
};

fn prefix_of(spec: &Value, name: &str) -> Result<String, ProviderError> {
    let prefix = match spec.get("keyPrefix").and_then(Value::as_str) {
        Some(p) => p.to_owned(),
        None => format!("{name}:"),
    };
    identifier("key prefix", &prefix)?;
    Ok(prefix)
}

fn outputs(root: &Path, prefix: &str, name: &str) -> BTreeMap<String, Value> {
    BTreeMap::from([
        ("host".to_owned(), json!("localhost")),
        ("port".to_owned(), json!(0)),
        ("username".to_owned(), json!(name)),
        ("keyPrefix".to_owned(), json!(prefix)),
        (
            "path".to_owned(),
            json!(registry::path(root).display().to_string()),
        ),
    ])
}

fn row<'a>(root: &Path, prefix: &'a str, name: &str) -> Row<'a> {
    Row {
        table: Table::Caches,
        id: prefix,
        outputs: outputs(root, prefix, name),
        uri_query: format!("keyPrefix={prefix}"),
    }
}

pub(crate) fn observe(
    root: &Path,
    spec: &Value,
    name: &str,
    owner: &Owner,
) -> Result<Observation, ProviderError> {
    let prefix = prefix_of(spec, name)?;
    row(root, &prefix, name).observe(root, spec, owner)
}

pub(crate) fn apply(
    root: &Path,
    spec: &Value,
    name: &str,
    owner: &Owner,
) -> Result<Applied, ProviderError> {
    let prefix = prefix_of(spec, name)?;
    row(root, &prefix, name).apply(root, spec, owner)
}

pub(crate) fn delete(
    root: &Path,
    spec: &Value,
    name: &str,
    owner: &Owner,
) -> Result<(), ProviderError> {
    let prefix = prefix_of(spec, name)?;
    if !registry::path(root).is_file() {
        return Ok(());
    }
    let mut conn = registry::open(root)?;
    registry::may_delete(&conn, Table::Caches, &prefix, owner)?;
    // Contents and row go together: a kill never leaves a registered queue or cache emptied.
    let tx = conn
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
        .map_err(|e| sql_error("cannot delete", e))?;
    // Keys under the prefix: `prefix` <= key < prefix with its last byte incremented.
    let upper = format!("{prefix}\u{10FFFF}");
    tx.execute(
        "DELETE FROM cache_entries WHERE key >= ?1 AND key < ?2",
        params![prefix, upper],
    )
    .map_err(|e| sql_error("cannot delete cache entries", e))?;
    tx.execute("DELETE FROM caches WHERE prefix = ?1", params![prefix])
        .map_err(|e| sql_error("cannot delete the cache", e))?;
    tx.commit()
        .map_err(|e| sql_error("cannot delete the cache", e))
}

/// The `LocalCache` kind: each operation runs on a blocking thread.
pub(super) struct LocalCache;

#[async_trait]
impl ManagedKind<Root> for LocalCache {
    async fn observe(
        &self,
        root: &Root,
        resource: &ManagedResource,
    ) -> Result<Observation, ProviderError> {
        root.run(resource, observe).await
    }

    async fn create(
        &self,
        root: &Root,
        resource: &ManagedResource,
    ) -> Result<Applied, ProviderError> {
        root.run(resource, apply).await
    }

    async fn update(
        &self,
        root: &Root,
        resource: &ManagedResource,
    ) -> Result<Applied, ProviderError> {
        root.run(resource, apply).await
    }

    async fn delete(&self, root: &Root, resource: &ManagedResource) -> Result<(), ProviderError> {
        root.run(resource, delete).await
    }

    /// Completing what a create cut short left is idempotent and keeps a password already
    /// recorded, so adopting is applying.
    async fn adopt(
        &self,
        root: &Root,
        resource: &ManagedResource,
    ) -> Result<Applied, ProviderError> {
        root.run(resource, apply).await
    }
}
