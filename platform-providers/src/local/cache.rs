//! `LocalCache`: a row of `caches` in `local.sqlite3`; its keys live in `cache_entries` under
//! the cache's key prefix.

use rusqlite::params;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::path::Path;

use super::names::identifier;
use super::registry::{self, Table};
use super::sql_error;
use platform_core::provider::{Applied, Observation, ProviderError, diff_fields};
use platform_core::secret::{SecretMap, SecretValue};

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

fn secrets(root: &Path, prefix: &str, password: &str) -> SecretMap {
    let mut map = SecretMap::new();
    map.insert("password", SecretValue::new(password));
    map.insert(
        "uri",
        SecretValue::new(format!(
            "sqlite://{}?keyPrefix={prefix}",
            registry::path(root).display()
        )),
    );
    map
}

pub(crate) fn observe(root: &Path, spec: &Value, name: &str) -> Result<Observation, ProviderError> {
    let prefix = prefix_of(spec, name)?;
    if !registry::path(root).is_file() {
        return Ok(Observation::absent());
    }
    let conn = registry::open(root)?;
    let Some((actual, password)) = registry::get(&conn, Table::Caches, &prefix)? else {
        return Ok(Observation::absent());
    };
    let diff = diff_fields("spec", spec, &actual);
    Ok(Observation {
        exists: true,
        up_to_date: diff.is_empty(),
        ready: true,
        diff,
        outputs: outputs(root, &prefix, name),
        secrets: secrets(root, &prefix, &password),
    })
}

pub(crate) fn apply(root: &Path, spec: &Value, name: &str) -> Result<Applied, ProviderError> {
    let prefix = prefix_of(spec, name)?;
    let conn = registry::open(root)?;
    let password = registry::put(&conn, Table::Caches, &prefix, spec)?;
    Ok(Applied {
        pending: false,
        outputs: outputs(root, &prefix, name),
        secrets: secrets(root, &prefix, &password),
    })
}

pub(crate) fn delete(root: &Path, spec: &Value, name: &str) -> Result<(), ProviderError> {
    let prefix = prefix_of(spec, name)?;
    if !registry::path(root).is_file() {
        return Ok(());
    }
    let conn = registry::open(root)?;
    // Keys under the prefix: `prefix` <= key < prefix with its last byte incremented.
    let upper = format!("{prefix}\u{10FFFF}");
    conn.execute(
        "DELETE FROM cache_entries WHERE key >= ?1 AND key < ?2",
        params![prefix, upper],
    )
    .map_err(|e| sql_error("cannot delete cache entries", e))?;
    conn.execute("DELETE FROM caches WHERE prefix = ?1", params![prefix])
        .map_err(|e| sql_error("cannot delete the cache", e))?;
    Ok(())
}
