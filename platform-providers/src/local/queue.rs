//! `LocalQueue`: a row of `queues` in `local.sqlite3`; messages live in `queue_messages`.

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

fn queue_of(spec: &Value, name: &str) -> Result<String, ProviderError> {
    let queue = spec
        .get("queue")
        .and_then(Value::as_str)
        .unwrap_or(name)
        .to_owned();
    identifier("queue name", &queue)?;
    Ok(queue)
}

fn outputs(root: &Path, queue: &str) -> BTreeMap<String, Value> {
    BTreeMap::from([
        ("queue".to_owned(), json!(queue)),
        ("host".to_owned(), json!("localhost")),
        (
            "path".to_owned(),
            json!(registry::path(root).display().to_string()),
        ),
    ])
}

fn row<'a>(root: &Path, queue: &'a str) -> Row<'a> {
    Row {
        table: Table::Queues,
        id: queue,
        outputs: outputs(root, queue),
        uri_query: format!("queue={queue}"),
    }
}

pub(crate) fn observe(
    root: &Path,
    spec: &Value,
    name: &str,
    owner: &Owner,
) -> Result<Observation, ProviderError> {
    let queue = queue_of(spec, name)?;
    row(root, &queue).observe(root, spec, owner)
}

pub(crate) fn apply(
    root: &Path,
    spec: &Value,
    name: &str,
    owner: &Owner,
) -> Result<Applied, ProviderError> {
    let queue = queue_of(spec, name)?;
    row(root, &queue).apply(root, spec, owner)
}

pub(crate) fn delete(
    root: &Path,
    spec: &Value,
    name: &str,
    owner: &Owner,
) -> Result<(), ProviderError> {
    let queue = queue_of(spec, name)?;
    if !registry::path(root).is_file() {
        return Ok(());
    }
    let mut conn = registry::open(root)?;
    registry::may_delete(&conn, Table::Queues, &queue, owner)?;
    // Contents and row go together: a kill never leaves a registered queue or cache emptied.
    let tx = conn
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
        .map_err(|e| sql_error("cannot delete", e))?;
    tx.execute(
        "DELETE FROM queue_messages WHERE queue = ?1",
        params![queue],
    )
    .map_err(|e| sql_error("cannot delete messages", e))?;
    tx.execute("DELETE FROM queues WHERE name = ?1", params![queue])
        .map_err(|e| sql_error("cannot delete the queue", e))?;
    tx.commit()
        .map_err(|e| sql_error("cannot delete the queue", e))
}

/// The `LocalQueue` kind: each operation runs on a blocking thread.
pub(super) struct LocalQueue;

#[async_trait]
impl ManagedKind<Root> for LocalQueue {
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
