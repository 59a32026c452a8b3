//! `Queue`: a classic queue with durability and arguments (max length, dead-letter exchange).

use rabbitmq_http_client::commons::QueueType;
use rabbitmq_http_client::requests::QueueParams;
use rabbitmq_http_client::responses::QueueInfo;
use serde_json::{Map, Value, json};
use std::collections::{BTreeMap, HashMap};

use async_trait::async_trait;
use platform_core::provider::{
    Applied, ManagedKind, ManagedResource, Observation, ProviderError, diff_fields,
};

use super::connection::Connection;
use super::owners::{self, Real};
use super::{default_true, default_vhost, endpoint_outputs, name_or_external, names};
use crate::support::{ident, spec};

/// The spec of a `Queue`.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct QueueSpec {
    name: Option<String>,
    #[serde(default = "default_vhost")]
    vhost: String,
    #[serde(default = "default_true")]
    durable: bool,
    #[serde(default)]
    arguments: BTreeMap<String, Value>,
}

/// A queue's spec with defaults filled in and every value checked.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Desired {
    pub name: String,
    pub vhost: String,
    pub durable: bool,
    /// Every argument the spec names; `None` where it must be absent (empty string or null).
    pub arguments: BTreeMap<String, Option<Value>>,
}

/// An argument name: `x-` then lowercase letters, digits and `-`.
fn argument_name(field: &str, key: &str) -> Result<(), ProviderError> {
    let ok = key.len() <= 64
        && key.starts_with("x-")
        && key.len() > 2
        && key
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if ok {
        Ok(())
    } else {
        Err(ProviderError::permanent(format!(
            "invalid {field}: expected an argument name of 'x-' then lowercase letters, digits and '-', found {:?}",
            key.chars().take(80).collect::<String>()
        )))
    }
}

impl Desired {
    pub fn of(resource: &ManagedResource) -> Result<Self, ProviderError> {
        let s: QueueSpec = spec::parse(resource)?;
        let name = name_or_external(&s.name, resource);
        names::declared("spec.name", &name)?;
        names::vhost("spec.vhost", &s.vhost)?;
        let mut arguments = BTreeMap::new();
        for (key, value) in s.arguments {
            argument_name("spec.arguments", &key)?;
            let field = format!("spec.arguments[{key}]");
            let value = match value {
                Value::Null => None,
                Value::String(text) if text.is_empty() => None,
                Value::String(text) => {
                    match key.as_str() {
                        "x-dead-letter-exchange" => ident::name(&field, &text)?,
                        "x-dead-letter-routing-key" => names::routing_key(&field, &text)?,
                        _ => ident::name(&field, &text)?,
                    }
                    Some(Value::String(text))
                }
                Value::Number(n) => Some(Value::Number(n)),
                Value::Bool(b) => Some(Value::Bool(b)),
                other => {
                    return Err(ProviderError::permanent(format!(
                        "invalid {field}: expected a string, number or boolean, found {}",
                        match other {
                            Value::Array(_) => "a list",
                            _ => "an object",
                        }
                    )));
                }
            };
            arguments.insert(key, value);
        }
        Ok(Desired {
            name,
            vhost: s.vhost,
            durable: s.durable,
            arguments,
        })
    }

    /// The spec-shaped view compared with the server's.
    fn view(&self) -> Value {
        let arguments: Map<String, Value> = self
            .arguments
            .iter()
            .map(|(k, v)| (k.clone(), v.clone().unwrap_or(Value::Null)))
            .collect();
        json!({"durable": self.durable, "arguments": arguments})
    }

    /// The arguments sent on declare: only those present.
    fn present_arguments(&self) -> Option<Map<String, Value>> {
        let map: Map<String, Value> = self
            .arguments
            .iter()
            .filter_map(|(k, v)| v.clone().map(|v| (k.clone(), v)))
            .collect();
        if map.is_empty() { None } else { Some(map) }
    }

    fn outputs(&self, conn: &Connection) -> BTreeMap<String, Value> {
        let mut outputs = endpoint_outputs(conn, &self.vhost);
        outputs.insert("queue".into(), json!(self.name));
        outputs
    }

    fn what(&self, verb: &str) -> String {
        format!("{verb} queue {:?} in vhost {:?}", self.name, self.vhost)
    }

    /// The queue as an owned object.
    pub fn real(&self) -> Real {
        Real::Queue {
            vhost: self.vhost.clone(),
            name: self.name.clone(),
        }
    }
}

fn actual_view(queue: &QueueInfo) -> Value {
    json!({"durable": queue.durable, "arguments": queue.arguments.0})
}

fn observation(conn: &Connection, desired: &Desired, queue: Option<&QueueInfo>) -> Observation {
    let Some(queue) = queue else {
        return Observation::absent();
    };
    let diff = diff_fields("spec", &desired.view(), &actual_view(queue));
    let mut outputs = desired.outputs(conn);
    outputs.insert("type".into(), json!(queue.queue_type));
    Observation {
        exists: true,
        up_to_date: diff.is_empty(),
        ready: true,
        diff,
        outputs,
        ..Observation::default()
    }
}

async fn read(conn: &Connection, desired: &Desired) -> Result<Option<QueueInfo>, ProviderError> {
    match conn
        .client
        .get_queue_info(&desired.vhost, &desired.name)
        .await
    {
        Ok(q) => Ok(Some(q)),
        Err(e) if e.is_not_found() => Ok(None),
        Err(e) => Err(conn.error(&desired.what("read"), e)),
    }
}

pub(super) async fn observe(
    conn: &Connection,
    resource: &ManagedResource,
) -> Result<Observation, ProviderError> {
    let desired = Desired::of(resource)?;
    owners::check(conn, resource, &desired.real()).await?;
    let queue = read(conn, &desired).await?;
    Ok(observation(conn, &desired, queue.as_ref()))
}

/// Queues of many resources: one listing per vhost, and all owner records in one.
pub(super) async fn observe_many(
    conn: &Connection,
    resources: &[ManagedResource],
) -> Vec<Result<Observation, ProviderError>> {
    let desired: Vec<Result<Desired, ProviderError>> = resources.iter().map(Desired::of).collect();
    let records = match owners::all(conn).await {
        Ok(records) => records,
        Err(e) => return desired.iter().map(|_| Err(e.clone())).collect(),
    };
    let mut by_vhost: HashMap<String, Result<Vec<QueueInfo>, ProviderError>> = HashMap::new();
    for d in desired.iter().flatten() {
        if by_vhost.contains_key(&d.vhost) {
            continue;
        }
        let listed = match conn.client.list_queues_in(&d.vhost).await {
            Ok(list) => Ok(list),
            Err(e) if e.is_not_found() => Ok(Vec::new()),
            Err(e) => Err(conn.error(&format!("list queues in vhost {:?}", d.vhost), e)),
        };
        by_vhost.insert(d.vhost.clone(), listed);
    }
    desired
        .into_iter()
        .zip(resources)
        .map(|(d, resource)| {
            let d = d?;
            records.check(resource, &d.real())?;
            match &by_vhost[&d.vhost] {
                Ok(list) => Ok(observation(
                    conn,
                    &d,
                    list.iter().find(|q| q.name == d.name),
                )),
                Err(e) => Err(e.clone()),
            }
        })
        .collect()
}

async fn declare(conn: &Connection, desired: &Desired) -> Result<(), ProviderError> {
    let params = QueueParams {
        name: &desired.name,
        queue_type: QueueType::Classic,
        durable: desired.durable,
        auto_delete: false,
        exclusive: false,
        arguments: desired.present_arguments(),
    };
    conn.client
        .declare_queue(&desired.vhost, &params)
        .await
        .map_err(|e| {
            let e = conn.error(&desired.what("declare"), e);
            if e.class == platform_core::provider::ErrorClass::NotFound {
                ProviderError::transient(format!(
                    "{} (does vhost {:?} exist?)",
                    e.message, desired.vhost
                ))
            } else {
                e
            }
        })
}

/// Declares the queue; an existing one is left as it is (update reconciles differences). The
/// owner is recorded first, and a queue recorded for another owner is refused.
pub(super) async fn create(
    conn: &Connection,
    resource: &ManagedResource,
) -> Result<Applied, ProviderError> {
    let desired = Desired::of(resource)?;
    owners::claim(conn, resource, &desired.real()).await?;
    if read(conn, &desired).await?.is_none() {
        declare(conn, &desired).await?;
    }
    Ok(Applied {
        outputs: desired.outputs(conn),
        ..Applied::default()
    })
}

/// Brings durability and arguments to the spec; they cannot change in place, so an empty
/// queue is deleted and declared again, and one holding messages is refused.
pub(super) async fn update(
    conn: &Connection,
    resource: &ManagedResource,
) -> Result<Applied, ProviderError> {
    let desired = Desired::of(resource)?;
    owners::claim(conn, resource, &desired.real()).await?;
    match read(conn, &desired).await? {
        None => declare(conn, &desired).await?,
        Some(queue) => {
            let diff = diff_fields("spec", &desired.view(), &actual_view(&queue));
            if !diff.is_empty() {
                let held = queue.message_count + queue.unacknowledged_message_count;
                if held > 0 || queue.consumer_count > 0 {
                    let fields: Vec<&str> = diff.iter().map(|d| d.path.as_str()).collect();
                    return Err(ProviderError::permanent(format!(
                        "rabbitmq: cannot change {} of queue {:?} in vhost {:?}: RabbitMQ fixes a queue's durability and arguments when it is declared, so the adapter re-declares only an empty queue without consumers, and this one holds {held} messages and has {} consumers; drain it (or delete it) and apply again",
                        fields.join(", "),
                        desired.name,
                        desired.vhost,
                        queue.consumer_count
                    )));
                }
                conn.client
                    .delete_queue(&desired.vhost, &desired.name, true)
                    .await
                    .map_err(|e| conn.error(&desired.what("delete (to re-declare)"), e))?;
                declare(conn, &desired).await?;
            }
        }
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
    let real = desired.real();
    owners::check(conn, resource, &real).await?;
    conn.client
        .delete_queue(&desired.vhost, &desired.name, true)
        .await
        .map_err(|e| conn.error(&desired.what("delete"), e))?;
    owners::release(conn, &real).await
}

/// The `Queue` kind.
pub(super) struct Queue;

#[async_trait]
impl ManagedKind<Connection> for Queue {
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

    /// Adopting is creating: an existing queue is kept.
    async fn adopt(
        &self,
        conn: &Connection,
        resource: &ManagedResource,
    ) -> Result<Applied, ProviderError> {
        self.create(conn, resource).await
    }

    /// A batch of more than one: one call per vhost for all queues.
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
