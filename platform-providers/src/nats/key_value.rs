//! `KeyValue`: a JetStream key-value bucket (the stream `KV_<bucket>`).

use serde_json::{Value, json};
use std::collections::BTreeMap;

use async_trait::async_trait;
use platform_core::provider::{
    Applied, ManagedKind, ManagedResource, Observation, ProviderError, diff_fields,
};

use super::connection::Connection;
use super::{endpoint_outputs, names, owner};
use crate::support::{ident, spec};

/// The most values a bucket keeps per key (a server limit).
const HISTORY_MAX: i64 = 64;

/// The spec of a `KeyValue`.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct KeyValueSpec {
    bucket: Option<String>,
    #[serde(default = "one")]
    history: i64,
    #[serde(default = "unlimited")]
    max_bytes: i64,
    /// Seconds a value lives; 0 keeps values forever.
    #[serde(default)]
    ttl: u64,
    #[serde(default = "file")]
    storage: String,
}

fn one() -> i64 {
    1
}

fn unlimited() -> i64 {
    -1
}

fn file() -> String {
    "file".to_owned()
}

struct Desired {
    bucket: String,
    history: i64,
    max_bytes: i64,
    ttl: u64,
    storage: &'static str,
}

impl Desired {
    fn of(resource: &ManagedResource) -> Result<Self, ProviderError> {
        let s: KeyValueSpec = spec::parse(resource)?;
        let bucket = s
            .bucket
            .unwrap_or_else(|| resource.external_name.replace('.', "_"));
        names::plain("spec.bucket", &bucket)?;
        if !(1..=HISTORY_MAX).contains(&s.history) {
            return Err(ProviderError::permanent(format!(
                "invalid spec.history: expected 1 to {HISTORY_MAX}, found {}",
                s.history
            )));
        }
        let max_bytes = match s.max_bytes {
            0 | -1 => -1,
            v if v > 0 => v,
            v => {
                return Err(ProviderError::permanent(format!(
                    "invalid spec.maxBytes: expected -1 (unlimited) or a positive number, found {v}"
                )));
            }
        };
        Ok(Desired {
            storage: ident::one_of("spec.storage", &s.storage, &["file", "memory"])?,
            bucket,
            history: s.history,
            max_bytes,
            ttl: s.ttl,
        })
    }

    fn stream(&self) -> String {
        format!("KV_{}", self.bucket)
    }

    fn view(&self) -> Value {
        json!({
            "history": self.history,
            "maxBytes": self.max_bytes,
            "ttl": self.ttl,
            "storage": self.storage,
        })
    }

    fn outputs(&self, conn: &Connection) -> BTreeMap<String, Value> {
        let mut outputs = endpoint_outputs(conn);
        outputs.insert("bucket".into(), json!(self.bucket));
        outputs.insert("stream".into(), json!(self.stream()));
        outputs
    }

    fn what(&self, verb: &str) -> String {
        format!("{verb} key-value bucket {:?}", self.bucket)
    }
}

fn actual_view(info: &Value) -> Value {
    let config = info.get("config").cloned().unwrap_or(Value::Null);
    let nanos = config.get("max_age").and_then(Value::as_u64).unwrap_or(0);
    json!({
        "history": config.get("max_msgs_per_subject"),
        "maxBytes": config.get("max_bytes"),
        "ttl": nanos / 1_000_000_000,
        "storage": config.get("storage"),
    })
}

pub(super) async fn observe(
    conn: &Connection,
    resource: &ManagedResource,
) -> Result<Observation, ProviderError> {
    let desired = Desired::of(resource)?;
    let Some(info) = conn.stream_info(&desired.stream()).await? else {
        return Ok(Observation::absent());
    };
    owner::check(resource, "key-value bucket", &info)?;
    let diff = diff_fields("spec", &desired.view(), &actual_view(&info));
    Ok(Observation {
        exists: true,
        up_to_date: diff.is_empty(),
        ready: true,
        diff,
        outputs: desired.outputs(conn),
        ..Observation::default()
    })
}

/// The stream configuration of a bucket, as the key-value convention (ADR-8) lays it out:
/// written here rather than by the client's `create_key_value`, which reads account limits in
/// a form older servers (2.9) do not send.
fn stream_config(desired: &Desired) -> Value {
    let nanos = desired.ttl.saturating_mul(1_000_000_000);
    let two_minutes: u64 = 120 * 1_000_000_000;
    let window = if nanos > 0 && nanos < two_minutes {
        nanos
    } else {
        two_minutes
    };
    json!({
        "name": desired.stream(),
        "subjects": [format!("$KV.{}.>", desired.bucket)],
        "retention": "limits",
        "max_msgs_per_subject": desired.history,
        "max_msgs": -1,
        "max_bytes": desired.max_bytes,
        "max_age": nanos,
        "max_msg_size": -1,
        "max_consumers": -1,
        "storage": desired.storage,
        "num_replicas": 1,
        "discard": "new",
        "duplicate_window": window,
        "allow_rollup_hdrs": true,
        "deny_delete": true,
        "deny_purge": false,
        "allow_direct": true,
    })
}

async fn add(
    conn: &Connection,
    resource: &ManagedResource,
    desired: &Desired,
) -> Result<(), ProviderError> {
    let what = desired.what("create");
    let mut config = stream_config(desired);
    owner::record(&mut config, resource);
    conn.api(
        &format!("STREAM.CREATE.{}", desired.stream()),
        &config,
        &what,
    )
    .await?
    .map(|_| ())
    .map_err(|e| conn.error(&what, &e))
}

/// Creates the bucket; an existing one is left as it is unless another owner holds it.
pub(super) async fn create(
    conn: &Connection,
    resource: &ManagedResource,
) -> Result<Applied, ProviderError> {
    let desired = Desired::of(resource)?;
    match conn.stream_info(&desired.stream()).await? {
        Some(info) => owner::check(resource, "key-value bucket", &info)?,
        None => add(conn, resource, &desired).await?,
    }
    Ok(Applied {
        outputs: desired.outputs(conn),
        ..Applied::default()
    })
}

/// Brings history, size and TTL to the spec in place; storage cannot change in place.
pub(super) async fn update(
    conn: &Connection,
    resource: &ManagedResource,
) -> Result<Applied, ProviderError> {
    let desired = Desired::of(resource)?;
    let Some(info) = conn.stream_info(&desired.stream()).await? else {
        add(conn, resource, &desired).await?;
        return Ok(Applied {
            outputs: desired.outputs(conn),
            ..Applied::default()
        });
    };
    owner::check(resource, "key-value bucket", &info)?;
    let diff = diff_fields("spec", &desired.view(), &actual_view(&info));
    if let Some(d) = diff.iter().find(|d| d.path == "spec.storage") {
        return Err(ProviderError::permanent(format!(
            "nats: cannot change spec.storage (desired {}, actual {}) of key-value bucket {:?}: JetStream fixes storage when a bucket is created; delete the bucket and apply again",
            d.desired, d.actual, desired.bucket
        )));
    }
    if !diff.is_empty() || !owner::is_recorded(resource, &info) {
        let mut config = info.get("config").cloned().unwrap_or_else(|| json!({}));
        owner::record(&mut config, resource);
        config["max_msgs_per_subject"] = json!(desired.history);
        config["max_bytes"] = json!(desired.max_bytes);
        let nanos = desired.ttl.saturating_mul(1_000_000_000);
        config["max_age"] = json!(nanos);
        // The server wants the duplicate window within the age limit.
        let window = config
            .get("duplicate_window")
            .and_then(Value::as_u64)
            .unwrap_or(0);
        if nanos > 0 && window > nanos {
            config["duplicate_window"] = json!(nanos);
        }
        let what = desired.what("update");
        conn.api(
            &format!("STREAM.UPDATE.{}", desired.stream()),
            &config,
            &what,
        )
        .await?
        .map_err(|e| conn.error(&what, &e))?;
    }
    Ok(Applied {
        outputs: desired.outputs(conn),
        ..Applied::default()
    })
}

pub(super) async fn delete(
    conn: &Connection,
    resource: &ManagedResource,
) -> Result<(), ProviderError> {
    let desired = Desired::of(resource)?;
    if let Some(info) = conn.stream_info(&desired.stream()).await? {
        owner::check(resource, "key-value bucket", &info)?;
    }
    conn.delete_stream(&desired.stream()).await
}

/// The `KeyValue` kind.
pub(super) struct KeyValue;

#[async_trait]
impl ManagedKind<Connection> for KeyValue {
    async fn observe(
        &self,
        conn: &Connection,
        resource: &ManagedResource,
    ) -> Result<Observation, ProviderError> {
        observe(conn, resource).await
    }

    async fn create(
        &self,
        conn: &Connection,
        resource: &ManagedResource,
    ) -> Result<Applied, ProviderError> {
        create(conn, resource).await
    }

    async fn update(
        &self,
        conn: &Connection,
        resource: &ManagedResource,
    ) -> Result<Applied, ProviderError> {
        update(conn, resource).await
    }

    async fn delete(
        &self,
        conn: &Connection,
        resource: &ManagedResource,
    ) -> Result<(), ProviderError> {
        delete(conn, resource).await
    }
}
