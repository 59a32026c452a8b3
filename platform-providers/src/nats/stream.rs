//! `Stream`: a JetStream stream on subjects, with retention and limits.

use serde_json::{Value, json};
use std::collections::{BTreeMap, HashMap};

use async_trait::async_trait;
use platform_core::provider::{
    Applied, ManagedKind, ManagedResource, Observation, ProviderError, diff_fields,
};

use super::connection::Connection;
use super::{endpoint_outputs, names, owner};
use crate::support::{ident, spec};

/// The spec of a `Stream`.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct StreamSpec {
    name: Option<String>,
    #[serde(default)]
    subjects: Vec<String>,
    #[serde(default = "limits")]
    retention: String,
    #[serde(default = "unlimited")]
    max_messages: i64,
    #[serde(default = "unlimited")]
    max_bytes: i64,
    #[serde(default = "file")]
    storage: String,
    #[serde(default = "one")]
    replicas: u64,
}

fn limits() -> String {
    "limits".to_owned()
}

fn file() -> String {
    "file".to_owned()
}

fn unlimited() -> i64 {
    -1
}

fn one() -> u64 {
    1
}

/// A stream's spec with defaults filled in and every value checked.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Desired {
    pub name: String,
    pub subjects: Vec<String>,
    pub retention: &'static str,
    pub max_messages: i64,
    pub max_bytes: i64,
    pub storage: &'static str,
    pub replicas: u64,
}

/// A limit: -1 (unlimited) or a positive number; 0 is taken as unlimited, as by the server.
fn limit(field: &str, value: i64) -> Result<i64, ProviderError> {
    match value {
        0 | -1 => Ok(-1),
        v if v > 0 => Ok(v),
        v => Err(ProviderError::permanent(format!(
            "invalid {field}: expected -1 (unlimited) or a positive number, found {v}"
        ))),
    }
}

impl Desired {
    pub fn of(resource: &ManagedResource) -> Result<Self, ProviderError> {
        let s: StreamSpec = spec::parse(resource)?;
        let name = match s.name {
            Some(name) => name,
            // The external name, as the composition would spell it.
            None => resource
                .external_name
                .to_uppercase()
                .replace(['-', '.'], "_"),
        };
        names::stream("spec.name", &name)?;
        if s.subjects.is_empty() {
            return Err(ProviderError::permanent(
                "invalid spec.subjects: expected at least one subject, found none",
            ));
        }
        for (i, subject) in s.subjects.iter().enumerate() {
            names::subject(&format!("spec.subjects[{i}]"), subject)?;
        }
        if !(1..=5).contains(&s.replicas) {
            return Err(ProviderError::permanent(format!(
                "invalid spec.replicas: expected 1 to 5, found {}",
                s.replicas
            )));
        }
        Ok(Desired {
            retention: ident::one_of(
                "spec.retention",
                &s.retention,
                &["limits", "interest", "workqueue"],
            )?,
            storage: ident::one_of("spec.storage", &s.storage, &["file", "memory"])?,
            max_messages: limit("spec.maxMessages", s.max_messages)?,
            max_bytes: limit("spec.maxBytes", s.max_bytes)?,
            replicas: s.replicas,
            subjects: s.subjects,
            name,
        })
    }

    /// The spec-shaped view compared with the server's.
    fn view(&self) -> Value {
        json!({
            "subjects": self.subjects,
            "retention": self.retention,
            "maxMessages": self.max_messages,
            "maxBytes": self.max_bytes,
            "storage": self.storage,
            "replicas": self.replicas,
        })
    }

    /// Writes the spec's fields into a stream configuration (new, or the server's current one,
    /// so fields the spec does not name are kept).
    fn write_into(&self, config: &mut Value) {
        config["name"] = json!(self.name);
        config["subjects"] = json!(self.subjects);
        config["retention"] = json!(self.retention);
        config["max_msgs"] = json!(self.max_messages);
        config["max_bytes"] = json!(self.max_bytes);
        config["storage"] = json!(self.storage);
        config["num_replicas"] = json!(self.replicas);
    }

    fn outputs(&self, conn: &Connection) -> BTreeMap<String, Value> {
        let mut outputs = endpoint_outputs(conn);
        outputs.insert("stream".into(), json!(self.name));
        outputs.insert("subjects".into(), json!(self.subjects));
        outputs
    }
}

/// The spec-shaped view of a stream's configuration as the server reports it.
pub(super) fn actual_view(config: &Value) -> Value {
    json!({
        "subjects": config.get("subjects").cloned().unwrap_or(json!([])),
        "retention": config.get("retention"),
        "maxMessages": config.get("max_msgs"),
        "maxBytes": config.get("max_bytes"),
        "storage": config.get("storage"),
        "replicas": config.get("num_replicas"),
    })
}

fn observation(
    conn: &Connection,
    resource: &ManagedResource,
    desired: &Desired,
    info: Option<&Value>,
) -> Result<Observation, ProviderError> {
    let Some(info) = info else {
        return Ok(Observation::absent());
    };
    owner::check(resource, "stream", info)?;
    let config = info.get("config").cloned().unwrap_or(Value::Null);
    let diff = diff_fields("spec", &desired.view(), &actual_view(&config));
    let mut outputs = desired.outputs(conn);
    if let Some(messages) = info.pointer("/state/messages") {
        outputs.insert("messages".into(), messages.clone());
    }
    Ok(Observation {
        exists: true,
        up_to_date: diff.is_empty(),
        ready: true,
        diff,
        outputs,
        ..Observation::default()
    })
}

pub(super) async fn observe(
    conn: &Connection,
    resource: &ManagedResource,
) -> Result<Observation, ProviderError> {
    let desired = Desired::of(resource)?;
    let info = conn.stream_info(&desired.name).await?;
    observation(conn, resource, &desired, info.as_ref())
}

/// Streams of many resources from one listing of stream infos.
pub(super) async fn observe_many(
    conn: &Connection,
    resources: &[ManagedResource],
) -> Vec<Result<Observation, ProviderError>> {
    let desired: Vec<Result<Desired, ProviderError>> = resources.iter().map(Desired::of).collect();
    let infos = match conn.stream_infos().await {
        Ok(infos) => infos,
        Err(e) => return desired.iter().map(|_| Err(e.clone())).collect(),
    };
    let by_name: HashMap<&str, &Value> = infos
        .iter()
        .filter_map(|i| Some((i.pointer("/config/name")?.as_str()?, i)))
        .collect();
    resources
        .iter()
        .zip(desired)
        .map(|(resource, d)| {
            let d = d?;
            let info = by_name.get(d.name.as_str()).copied();
            observation(conn, resource, &d, info)
        })
        .collect()
}

async fn add(
    conn: &Connection,
    resource: &ManagedResource,
    desired: &Desired,
) -> Result<(), ProviderError> {
    let mut config = json!({"discard": "old"});
    desired.write_into(&mut config);
    owner::record(&mut config, resource);
    let what = format!("create stream {:?}", desired.name);
    conn.api(&format!("STREAM.CREATE.{}", desired.name), &config, &what)
        .await?
        .map(|_| ())
        .map_err(|e| conn.error(&what, &e))
}

/// Creates the stream; an existing one is left as it is (update reconciles differences)
/// unless another owner holds it.
pub(super) async fn create(
    conn: &Connection,
    resource: &ManagedResource,
) -> Result<Applied, ProviderError> {
    let desired = Desired::of(resource)?;
    match conn.stream_info(&desired.name).await? {
        Some(info) => owner::check(resource, "stream", &info)?,
        None => add(conn, resource, &desired).await?,
    }
    Ok(Applied {
        outputs: desired.outputs(conn),
        ..Applied::default()
    })
}

/// Brings subjects and limits to the spec in place; storage and retention cannot change in
/// place, which is a permanent error.
pub(super) async fn update(
    conn: &Connection,
    resource: &ManagedResource,
) -> Result<Applied, ProviderError> {
    let desired = Desired::of(resource)?;
    let Some(info) = conn.stream_info(&desired.name).await? else {
        add(conn, resource, &desired).await?;
        return Ok(Applied {
            outputs: desired.outputs(conn),
            ..Applied::default()
        });
    };
    owner::check(resource, "stream", &info)?;
    let mut config = info.get("config").cloned().unwrap_or_else(|| json!({}));
    let diff = diff_fields("spec", &desired.view(), &actual_view(&config));
    let fixed: Vec<String> = diff
        .iter()
        .filter(|d| d.path == "spec.storage" || d.path == "spec.retention")
        .map(|d| format!("{} (desired {}, actual {})", d.path, d.desired, d.actual))
        .collect();
    if !fixed.is_empty() {
        return Err(ProviderError::permanent(format!(
            "nats: cannot change {} of stream {:?}: JetStream fixes a stream's storage and retention when it is created; create a new stream (another name) and move the consumers, or delete this one and apply again",
            fixed.join(", "),
            desired.name
        )));
    }
    if !diff.is_empty() || !owner::is_recorded(resource, &info) {
        desired.write_into(&mut config);
        owner::record(&mut config, resource);
        let what = format!("update stream {:?}", desired.name);
        conn.api(&format!("STREAM.UPDATE.{}", desired.name), &config, &what)
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
    if let Some(info) = conn.stream_info(&desired.name).await? {
        owner::check(resource, "stream", &info)?;
    }
    conn.delete_stream(&desired.name).await
}

/// The `Stream` kind.
pub(super) struct Stream;

#[async_trait]
impl ManagedKind<Connection> for Stream {
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

    /// A batch of more than one stream comes from one listing of stream infos (a page holds
    /// 256); a single stream is looked up by name.
    async fn observe_many(
        &self,
        conn: &Connection,
        resources: &[ManagedResource],
    ) -> Vec<Result<Observation, ProviderError>> {
        if resources.len() > 1 {
            return observe_many(conn, resources).await;
        }
        let mut out = Vec::with_capacity(resources.len());
        for resource in resources {
            out.push(observe(conn, resource).await);
        }
        out
    }
}
