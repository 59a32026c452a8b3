//! The RabbitMQ adapter: virtual hosts, users with permissions, queues, exchanges and bindings,
//! managed through the management HTTP API.
//!
//! | kind (`rabbitmq.platform.dev/v1alpha1`) | spec | outputs | secrets |
//! |---|---|---|---|
//! | `Vhost` | `name` | vhost | — |
//! | `User` | `name`, `vhost` (default `/`), `tags` (default none), `permissions {configure, write, read}` (regexes; default: exactly the resources named like the user, `-` also matching `.`) | host, port, vhost, username | password, uri (`amqp://user:password@host:port/<vhost>`) |
//! | `Queue` | `name`, `vhost` (default `/`), `durable` (default true), `arguments` (`x-max-length`, `x-dead-letter-exchange`, ...; an empty string means absent) | host, port, vhost, queue | — |
//! | `Exchange` | `name`, `vhost`, `type` (direct, fanout, topic, headers; default direct), `durable` (default true) | host, port, vhost, exchange | — |
//! | `Binding` | `vhost`, `source`, `destination`, `destinationType` (queue or exchange; default queue), `routingKey` (default empty) | vhost, source, destination, routingKey | — |
//!
//! Settings (`environments.<env>.providers.rabbitmq`): `url` (the management API, default
//! `http://127.0.0.1:15672`), `username` and `password` (default guest/guest), `amqpHost` and
//! `amqpPort` (what applications are told, default the host of `url` and 5672).
//!
//! - `name` may be left out: the external name is used.
//! - Creating an existing `User` resets its password to a fresh one and returns it: that is how
//!   credentials survive a crash between create and record. Observe cannot read a password back.
//! - The default permissions confine a user to resources named like it: the production
//!   composition's user `team-a-orders` may use the queue `team-a.orders` and declare an
//!   exchange `team-a-orders`, and publishes through that exchange bound to its queue. The
//!   default exchange is not granted, since it routes to every queue of the vhost; grant it
//!   knowingly with `write: "^(team-a[-.]orders|amq\\.default)$"`.
//! - A queue's `durable` and `arguments` cannot change in place: update deletes and re-declares
//!   an empty queue, and refuses with a permanent error when it holds messages. The message
//!   count comes from the management statistics, which lag by up to the statistics interval
//!   (5 s by default), so a message published just before such an update may be lost.
//! - An exchange's `type` and `durable` cannot change in place: update refuses with a permanent
//!   error (delete the resource and create it again; its bindings go with it).
//! - A binding is identified by all its fields; changing one makes a new binding, so delete the
//!   old resource.
//! - Deleting a `Vhost` named `/` leaves the default vhost in place.
//! - Every name, routing key and permission pattern is checked before anything is sent; vhost
//!   `/` is allowed and URL-encoded.
//! - Drift: a deleted object, changed tags, permissions, durability or arguments show in the
//!   diff of observe.
//! - Owners: each user, vhost (except `/`), queue, exchange and binding the adapter makes has
//!   its owning claim recorded in a global parameter named `platform.dev/owner/<Kind>/...`
//!   (see `owners`), written before the object is made and removed after it is deleted.
//!   Observe, create, adopt, update and delete refuse an object recorded for another claim
//!   with a permanent error naming both; an existing binding without a record of its own is
//!   judged by its destination's. Objects made before owners were recorded are accepted and get their
//!   record on the next create or update. The management user needs the `administrator` tag
//!   (it already does to manage users). `inventory` lists the objects with a record that
//!   still exist, rebuilt from the kind and spec the record keeps (never the vhost `/`).

mod binding;
mod connection;
mod exchange;
mod names;
mod owners;
mod queue;
mod user;
mod vhost;

#[cfg(test)]
mod tests;

use async_trait::async_trait;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::fmt;

use platform_core::provider::{
    Adapter, AdapterContext, AsAdapter, Found, ManagedResource, Provider, ProviderError,
};

use crate::support::settings::SettingsError;
use connection::Connection;

/// apiVersion of the RabbitMQ managed kinds.
pub const API_VERSION: &str = "rabbitmq.platform.dev/v1alpha1";
/// The managed kinds the RabbitMQ adapter serves.
pub const KINDS: &[&str] = &["Vhost", "User", "Queue", "Exchange", "Binding"];

/// Provisions RabbitMQ objects through the management HTTP API.
#[derive(Clone)]
pub struct RabbitmqProvider {
    adapter: Adapter<Connection>,
}

impl fmt::Debug for RabbitmqProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RabbitmqProvider")
            .field("connection", self.conn())
            .finish()
    }
}

impl RabbitmqProvider {
    /// A provider from config settings `{url, username, password, amqpHost?, amqpPort?}`;
    /// nothing is sent until the first operation.
    pub fn from_settings(settings: &Value) -> Result<Self, SettingsError> {
        let conn = Connection::from_settings(settings)?;
        Ok(RabbitmqProvider {
            adapter: Adapter::builder("rabbitmq", API_VERSION, conn)
                .kind("Vhost", vhost::Vhost)
                .kind("User", user::User)
                .kind("Queue", queue::Queue)
                .kind("Exchange", exchange::Exchange)
                .kind("Binding", binding::Binding)
                .build(),
        })
    }

    fn conn(&self) -> &Connection {
        self.adapter.context()
    }
}

impl AsAdapter for RabbitmqProvider {
    type Context = Connection;

    fn adapter(&self) -> &Adapter<Connection> {
        &self.adapter
    }
}

/// Outputs shared by the kinds: where applications connect and which vhost.
fn endpoint_outputs(conn: &Connection, vhost: &str) -> BTreeMap<String, Value> {
    BTreeMap::from([
        ("host".to_owned(), json!(conn.amqp.host)),
        ("port".to_owned(), json!(conn.amqp.port)),
        ("vhost".to_owned(), json!(vhost)),
    ])
}

/// The spec's name, or the external name when the spec leaves it out.
fn name_or_external(name: &Option<String>, resource: &ManagedResource) -> String {
    name.clone()
        .unwrap_or_else(|| resource.external_name.clone())
}

fn default_vhost() -> String {
    "/".to_owned()
}

fn default_true() -> bool {
    true
}

#[async_trait]
impl AdapterContext for Connection {
    /// The objects with an owner record (see `owners`) that still exist, each rebuilt from the
    /// kind and spec its record keeps. Objects made before owners were recorded have no record
    /// and are not listed; nor is the vhost `/`. An object whose observe fails is listed
    /// (deleting what is gone does nothing), one observed absent is not.
    async fn inventory(adapter: &Adapter<Self>) -> Result<Option<Vec<Found>>, ProviderError> {
        let records = owners::all(adapter.context()).await?;
        let found: Vec<Found> = records
            .objects()
            .into_iter()
            .map(|o| {
                crate::support::inventory::found(API_VERSION, &o.kind, &o.name, o.spec, o.owner)
            })
            .collect();
        let mut listed = Vec::with_capacity(found.len());
        for f in found {
            match adapter.observe(&f.resource).await {
                Ok(seen) if !seen.exists => {}
                _ => listed.push(f),
            }
        }
        Ok(Some(listed))
    }
}
