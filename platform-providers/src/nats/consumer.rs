//! `Consumer`: a pull consumer of a stream, durable by default.

use serde_json::{Value, json};
use std::collections::BTreeMap;

use async_trait::async_trait;
use platform_core::provider::{
    Applied, ManagedKind, ManagedResource, Observation, ProviderError, diff_fields,
};

use super::connection::{CONSUMER_NOT_FOUND, Connection, STREAM_NOT_FOUND};
use super::{endpoint_outputs, names, owner};
use crate::support::{ident, spec};

/// The spec of a `Consumer`.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct ConsumerSpec {
    stream: String,
    name: Option<String>,
    #[serde(default = "yes")]
    durable: bool,
    filter_subject: Option<String>,
    #[serde(default = "explicit")]
    ack_policy: String,
}

fn yes() -> bool {
    true
}

fn explicit() -> String {
    "explicit".to_owned()
}

struct Desired {
    stream: String,
    name: String,
    durable: bool,
    filter_subject: String,
    ack_policy: &'static str,
}

impl Desired {
    fn of(resource: &ManagedResource) -> Result<Self, ProviderError> {
        let s: ConsumerSpec = spec::parse(resource)?;
        names::stream("spec.stream", &s.stream)?;
        let name = s
            .name
            .unwrap_or_else(|| resource.external_name.replace('.', "_"));
        names::plain("spec.name", &name)?;
        let filter_subject = s.filter_subject.unwrap_or_default();
        if !filter_subject.is_empty() {
            names::subject("spec.filterSubject", &filter_subject)?;
        }
        Ok(Desired {
            ack_policy: ident::one_of(
                "spec.ackPolicy",
                &s.ack_policy,
                &["explicit", "all", "none"],
            )?,
            stream: s.stream,
            name,
            durable: s.durable,
            filter_subject,
        })
    }

    fn view(&self) -> Value {
        json!({
            "durable": self.durable,
            "filterSubject": self.filter_subject,
            "ackPolicy": self.ack_policy,
        })
    }

    fn config(&self) -> Value {
        let mut config = json!({
            "ack_policy": self.ack_policy,
            "deliver_policy": "all",
            "replay_policy": "instant",
        });
        if self.durable {
            config["durable_name"] = json!(self.name);
        } else {
            config["name"] = json!(self.name);
        }
        if !self.filter_subject.is_empty() {
            config["filter_subject"] = json!(self.filter_subject);
        }
        config
    }

    fn outputs(&self, conn: &Connection) -> BTreeMap<String, Value> {
        let mut outputs = endpoint_outputs(conn);
        outputs.insert("stream".into(), json!(self.stream));
        outputs.insert("consumer".into(), json!(self.name));
        outputs
    }

    fn what(&self, verb: &str) -> String {
        format!(
            "{verb} consumer {:?} of stream {:?}",
            self.name, self.stream
        )
    }
}

async fn info(conn: &Connection, desired: &Desired) -> Result<Option<Value>, ProviderError> {
    let what = desired.what("read");
    match conn
        .api(
            &format!("CONSUMER.INFO.{}.{}", desired.stream, desired.name),
            &json!({}),
            &what,
        )
        .await?
    {
        Ok(info) => Ok(Some(info)),
        Err(e) if e.err_code == CONSUMER_NOT_FOUND || e.err_code == STREAM_NOT_FOUND => Ok(None),
        Err(e) => Err(conn.error(&what, &e)),
    }
}

fn actual_view(info: &Value) -> Value {
    let config = info.get("config").cloned().unwrap_or(Value::Null);
    json!({
        "durable": config.get("durable_name").is_some_and(|d| d.as_str().is_some_and(|s| !s.is_empty())),
        "filterSubject": config.get("filter_subject").cloned().unwrap_or(json!("")),
        "ackPolicy": config.get("ack_policy"),
    })
}

pub(super) async fn observe(
    conn: &Connection,
    resource: &ManagedResource,
) -> Result<Observation, ProviderError> {
    let desired = Desired::of(resource)?;
    let Some(info) = info(conn, &desired).await? else {
        return Ok(Observation::absent());
    };
    owner::check(resource, "consumer", &info)?;
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

async fn put(
    conn: &Connection,
    resource: &ManagedResource,
    desired: &Desired,
) -> Result<(), ProviderError> {
    let what = desired.what("create");
    let mut config = desired.config();
    owner::record(&mut config, resource);
    let result = conn
        .api(
            &format!("CONSUMER.CREATE.{}.{}", desired.stream, desired.name),
            &json!({"stream_name": desired.stream, "config": config}),
            &what,
        )
        .await?;
    result.map(|_| ()).map_err(|e| {
        let error = conn.error(&what, &e);
        if e.err_code == STREAM_NOT_FOUND {
            // The stream may be created later in the same apply.
            ProviderError::transient(error.message)
        } else {
            error
        }
    })
}

/// Creates the consumer; an existing one is left as it is unless another owner holds it.
pub(super) async fn create(
    conn: &Connection,
    resource: &ManagedResource,
) -> Result<Applied, ProviderError> {
    let desired = Desired::of(resource)?;
    match info(conn, &desired).await? {
        Some(info) => owner::check(resource, "consumer", &info)?,
        None => put(conn, resource, &desired).await?,
    }
    Ok(Applied {
        outputs: desired.outputs(conn),
        ..Applied::default()
    })
}

/// Sends the desired configuration; the server refuses changes it cannot make in place (such
/// as the ack policy), which is a permanent error with its message.
pub(super) async fn update(
    conn: &Connection,
    resource: &ManagedResource,
) -> Result<Applied, ProviderError> {
    let desired = Desired::of(resource)?;
    let up_to_date = match info(conn, &desired).await? {
        Some(info) => {
            owner::check(resource, "consumer", &info)?;
            diff_fields("spec", &desired.view(), &actual_view(&info)).is_empty()
                && owner::is_recorded(resource, &info)
        }
        None => false,
    };
    if !up_to_date {
        put(conn, resource, &desired).await?;
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
    if let Some(info) = info(conn, &desired).await? {
        owner::check(resource, "consumer", &info)?;
    }
    let what = desired.what("delete");
    match conn
        .api(
            &format!("CONSUMER.DELETE.{}.{}", desired.stream, desired.name),
            &json!({}),
            &what,
        )
        .await?
    {
        Ok(_) => Ok(()),
        Err(e) if e.err_code == CONSUMER_NOT_FOUND || e.err_code == STREAM_NOT_FOUND => Ok(()),
        Err(e) => Err(conn.error(&what, &e)),
    }
}

/// The `Consumer` kind.
pub(super) struct Consumer;

#[async_trait]
impl ManagedKind<Connection> for Consumer {
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
