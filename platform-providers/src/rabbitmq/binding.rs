//! `Binding`: a route from an exchange to a queue or another exchange, by routing key.

use rabbitmq_http_client::commons::BindingDestinationType;
use rabbitmq_http_client::requests::BindingDeletionParams;
use rabbitmq_http_client::responses::BindingInfo;
use serde_json::{Value, json};
use std::collections::BTreeMap;

use async_trait::async_trait;
use platform_core::provider::{Applied, ManagedKind, ManagedResource, Observation, ProviderError};

use super::connection::Connection;
use super::owners::{self, Real};
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

    /// The binding as an owned object.
    fn real(&self) -> Real {
        Real::Binding {
            vhost: self.vhost.clone(),
            source: self.source.clone(),
            destination: self.destination.clone(),
            to_queue: self.to_queue,
            routing_key: self.routing_key.clone(),
        }
    }

    /// The queue or exchange the binding routes into: an existing binding without a record of
    /// its own belongs to its destination's owner, since it puts messages there.
    fn destination_real(&self) -> Real {
        let (vhost, name) = (self.vhost.clone(), self.destination.clone());
        if self.to_queue {
            Real::Queue { vhost, name }
        } else {
            Real::Exchange { vhost, name }
        }
    }

    /// Refuses `resource` by the binding's own record; a binding that `exists` without one
    /// (made before owners were recorded) is judged by its destination's record. A binding yet
    /// to be made holds nothing of another claim, and the managed resources of one binding and
    /// its queue may have different owners (standalone resources own themselves), so its
    /// destination's owner is not asked.
    async fn check_owner(
        &self,
        conn: &Connection,
        resource: &ManagedResource,
        exists: bool,
    ) -> Result<(), ProviderError> {
        if exists {
            owners::check_first(conn, resource, &[&self.real(), &self.destination_real()]).await
        } else {
            owners::check(conn, resource, &self.real()).await
        }
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
    let exists = exists(conn, &desired).await?;
    desired.check_owner(conn, resource, exists).await?;
    if !exists {
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

/// Binds; an existing identical binding is left as it is. A binding recorded for another owner,
/// or existing without a record and routing into another owner's queue or exchange, is
/// refused; otherwise the owner is recorded first.
pub(super) async fn create(
    conn: &Connection,
    resource: &ManagedResource,
) -> Result<Applied, ProviderError> {
    let desired = Desired::of(resource)?;
    let exists = exists(conn, &desired).await?;
    desired.check_owner(conn, resource, exists).await?;
    owners::claim(conn, resource, &desired.real()).await?;
    if !exists {
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
    let exists = exists(conn, &desired).await?;
    desired.check_owner(conn, resource, exists).await?;
    match conn.client.delete_binding(&params, true).await {
        Ok(()) => {}
        Err(e) if e.is_not_found() => {}
        Err(e) => return Err(conn.error(&desired.what("delete"), e)),
    }
    owners::release(conn, &desired.real()).await
}

/// The `Binding` kind.
pub(super) struct Binding;

#[async_trait]
impl ManagedKind<Connection> for Binding {
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
        create(conn, resource).await
    }

    async fn delete(
        &self,
        conn: &Connection,
        resource: &ManagedResource,
    ) -> Result<(), ProviderError> {
        delete(conn, resource).await
    }

    /// Adopting is creating: an existing binding is kept.
    async fn adopt(
        &self,
        conn: &Connection,
        resource: &ManagedResource,
    ) -> Result<Applied, ProviderError> {
        self.create(conn, resource).await
    }
}
