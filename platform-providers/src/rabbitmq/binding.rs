//! `Binding`: a route from an exchange to a queue or another exchange, by routing key.

use rabbitmq_http_client::commons::BindingDestinationType;
use rabbitmq_http_client::requests::BindingDeletionParams;
use rabbitmq_http_client::responses::BindingInfo;
use serde_json::{Value, json};
use std::collections::BTreeMap;

use platform_core::provider::{Applied, ManagedResource, Observation, ProviderError};

use super::connection::Connection;
use super::{default_vhost, names};
use crate::support::{ident, spec};

/// The spec of a `Binding`.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct BindingSpec {
    #[serde(default = "default_vhost")]
    vhost: String,
    source: String,
    destination: String,
    #[serde(default = "default_queue")]
    destination_type: String,
    #[serde(default)]
    routing_key: String,
}

fn default_queue() -> String {
    "queue".to_owned()
}

struct Desired {
    vhost: String,
    source: String,
    destination: String,
    to_queue: bool,
    routing_key: String,
}

impl Desired {
    fn of(resource: &ManagedResource) -> Result<Self, ProviderError> {
        let s: BindingSpec = spec::parse(resource)?;
        names::vhost("spec.vhost", &s.vhost)?;
        ident::name("spec.source", &s.source)?;
        ident::name("spec.destination", &s.destination)?;
        let to_queue = ident::one_of(
            "spec.destinationType",
            &s.destination_type,
            &["queue", "exchange"],
        )? == "queue";
        names::routing_key("spec.routingKey", &s.routing_key)?;
        Ok(Desired {
            vhost: s.vhost,
            source: s.source,
            destination: s.destination,
            to_queue,
            routing_key: s.routing_key,
        })
    }

    fn destination_type(&self) -> BindingDestinationType {
        if self.to_queue {
            BindingDestinationType::Queue
        } else {
            BindingDestinationType::Exchange
        }
    }

    fn outputs(&self) -> BTreeMap<String, Value> {
        BTreeMap::from([
            ("vhost".to_owned(), json!(self.vhost)),
            ("source".to_owned(), json!(self.source)),
            ("destination".to_owned(), json!(self.destination)),
            ("routingKey".to_owned(), json!(self.routing_key)),
        ])
    }

    fn what(&self, verb: &str) -> String {
        format!(
            "{verb} binding {:?} -> {} {:?} (routing key {:?}) in vhost {:?}",
            self.source,
            if self.to_queue { "queue" } else { "exchange" },
            self.destination,
            self.routing_key,
            self.vhost
        )
    }

    fn matches(&self, b: &BindingInfo) -> bool {
        b.source == self.source && b.routing_key == self.routing_key && b.arguments.0.is_empty()
    }
}

async fn exists(conn: &Connection, desired: &Desired) -> Result<bool, ProviderError> {
    let listed = if desired.to_queue {
        conn.client
            .list_queue_bindings(&desired.vhost, &desired.destination)
            .await
    } else {
        conn.client
            .list_exchange_bindings_with_destination(&desired.vhost, &desired.destination)
            .await
    };
    match listed {
        Ok(list) => Ok(list.iter().any(|b| desired.matches(b))),
        // A missing destination has no bindings.
        Err(e) if e.is_not_found() => Ok(false),
        Err(e) => Err(conn.error(&desired.what("read"), e)),
    }
}

pub(super) async fn observe(
    conn: &Connection,
    resource: &ManagedResource,
) -> Result<Observation, ProviderError> {
    let desired = Desired::of(resource)?;
    if !exists(conn, &desired).await? {
        return Ok(Observation::absent());
    }
    Ok(Observation {
        exists: true,
        up_to_date: true,
        ready: true,
        outputs: desired.outputs(),
        ..Observation::default()
    })
}

/// Binds; an existing identical binding is left as it is.
pub(super) async fn create(
    conn: &Connection,
    resource: &ManagedResource,
) -> Result<Applied, ProviderError> {
    let desired = Desired::of(resource)?;
    if !exists(conn, &desired).await? {
        let result = if desired.to_queue {
            conn.client
                .bind_queue(
                    &desired.vhost,
                    &desired.destination,
                    &desired.source,
                    Some(&desired.routing_key),
                    None,
                )
                .await
        } else {
            conn.client
                .bind_exchange(
                    &desired.vhost,
                    &desired.destination,
                    &desired.source,
                    Some(&desired.routing_key),
                    None,
                )
                .await
        };
        result.map_err(|e| {
            let e = conn.error(&desired.what("create"), e);
            if e.class == platform_core::provider::ErrorClass::NotFound {
                // Source or destination may be created later in the same apply.
                ProviderError::transient(format!(
                    "{} (do the source and destination exist?)",
                    e.message
                ))
            } else {
                e
            }
        })?;
    }
    Ok(Applied {
        outputs: desired.outputs(),
        ..Applied::default()
    })
}

pub(super) async fn delete(
    conn: &Connection,
    resource: &ManagedResource,
) -> Result<(), ProviderError> {
    let desired = Desired::of(resource)?;
    let params = BindingDeletionParams {
        virtual_host: &desired.vhost,
        source: &desired.source,
        destination: &desired.destination,
        destination_type: desired.destination_type(),
        routing_key: &desired.routing_key,
        arguments: None,
    };
    match conn.client.delete_binding(&params, true).await {
        Ok(()) => Ok(()),
        Err(e) if e.is_not_found() => Ok(()),
        Err(e) => Err(conn.error(&desired.what("delete"), e)),
    }
}
