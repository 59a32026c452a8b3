//! The NATS adapter: JetStream streams, consumers and key-value buckets.
//!
//! | kind (`nats.platform.dev/v1alpha1`) | spec | outputs | secrets |
//! |---|---|---|---|
//! | `Stream` | `name` (`TEAM_A_ORDERS`), `subjects`, `retention` (limits, interest, workqueue; default limits), `maxMessages`, `maxBytes` (default -1, unlimited), `storage` (file, memory; default file), `replicas` (default 1) | url, host, port, stream, subjects | — |
//! | `Consumer` | `stream`, `name`, `durable` (default true), `filterSubject`, `ackPolicy` (explicit, all, none; default explicit) | url, host, port, stream, consumer | — |
//! | `KeyValue` | `bucket`, `history` (1 to 64, default 1), `maxBytes` (default -1), `ttl` (seconds, 0 = forever), `storage` (default file) | url, host, port, bucket, stream | — |
//!
//! Settings (`environments.<env>.providers.nats`): `url` (default `nats://127.0.0.1:4222`) and
//! optionally `credentials` (a `.creds` file), `user` with `password`, or `token`.
//!
//! - No secrets: NATS has no per-stream credentials here, so applications connect with the
//!   account the platform hands them by other means; the adapter's own credentials are never
//!   shown in outputs, errors or `Debug`.
//! - A name left out of the spec is derived from the external name.
//! - Streams and buckets are compared field by field with the server's configuration, so an
//!   out-of-band change shows in the diff. A stream's `storage` and `retention` (and a bucket's
//!   `storage`) cannot change in place: update refuses with a permanent error saying so; other
//!   fields are updated in place, keeping fields the spec does not name.
//! - Consumers are pull consumers; the server refuses changes it cannot make in place (such as
//!   the ack policy), which is a permanent error with its message.
//! - Each stream, bucket and consumer records the object that owns it (its claim) in its
//!   `metadata` under [`OWNER_KEY`] (JetStream 2.10+) and in its `description` (older
//!   servers drop `metadata`); observe, create, update and delete refuse one recorded for
//!   another owner, so a hand-set external name or fixed `spec.name` cannot take over or
//!   delete another claim's messages. One made before owners were recorded is accepted and
//!   gets the owner on the next update. `inventory` lists every stream, bucket and consumer
//!   so marked, with its owner, for `drift`.
//! - Every name and subject is checked before anything is sent. The connection is made on the
//!   first operation; an unreachable server is a transient error.

mod connection;
mod consumer;
mod key_value;
mod names;
mod owner;
mod stream;

#[cfg(test)]
mod tests;

use async_trait::async_trait;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::fmt;

use platform_core::provider::{Adapter, AdapterContext, AsAdapter, Found, ProviderError};

use crate::support::settings::SettingsError;
use connection::Connection;
pub use owner::OWNER_KEY;

/// apiVersion of the NATS managed kinds.
pub const API_VERSION: &str = "nats.platform.dev/v1alpha1";
/// The managed kinds the NATS adapter serves.
pub const KINDS: &[&str] = &["Stream", "Consumer", "KeyValue"];

/// Provisions JetStream streams, consumers and key-value buckets on a NATS server.
#[derive(Clone)]
pub struct NatsProvider {
    adapter: Adapter<Connection>,
}

impl fmt::Debug for NatsProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NatsProvider")
            .field("connection", self.conn())
            .finish()
    }
}

impl NatsProvider {
    /// A provider from config settings `{url, credentials?, user?, password?, token?}`;
    /// nothing connects until the first operation.
    pub fn from_settings(settings: &Value) -> Result<Self, SettingsError> {
        let conn = Connection::from_settings(settings)?;
        Ok(NatsProvider {
            adapter: Adapter::builder("nats", API_VERSION, conn)
                .kind("Stream", stream::Stream)
                .kind("Consumer", consumer::Consumer)
                .kind("KeyValue", key_value::KeyValue)
                .build(),
        })
    }
}

impl NatsProvider {
    fn conn(&self) -> &Connection {
        self.adapter.context()
    }
}

impl AsAdapter for NatsProvider {
    type Context = Connection;

    fn adapter(&self) -> &Adapter<Connection> {
        &self.adapter
    }
}

/// Outputs shared by the kinds: where applications connect.
fn endpoint_outputs(conn: &Connection) -> BTreeMap<String, Value> {
    BTreeMap::from([
        ("url".to_owned(), json!(conn.url)),
        ("host".to_owned(), json!(conn.host)),
        ("port".to_owned(), json!(conn.port)),
    ])
}

#[async_trait]
impl AdapterContext for Connection {
    /// Every stream, key-value bucket (stream `KV_<bucket>`) and consumer whose configuration
    /// carries the adapter's mark (see `owner`), with the owner it records: one `STREAM.LIST`,
    /// then one `CONSUMER.LIST` per stream. Consumers come first, so deleting in order never
    /// deletes a stream before a consumer of it that is listed too.
    async fn inventory(adapter: &Adapter<Self>) -> Result<Option<Vec<Found>>, ProviderError> {
        let conn = adapter.context();
        let (mut consumers, mut streams) = (Vec::new(), Vec::new());
        for info in conn.stream_infos().await? {
            let Some(config) = info.get("config") else {
                continue;
            };
            let Some(name) = config.get("name").and_then(Value::as_str) else {
                continue;
            };
            for consumer in conn.consumer_infos(name).await? {
                let Some(config) = consumer.get("config").filter(|c| owner::marked(c)) else {
                    continue;
                };
                let Some(consumer) = consumer.get("name").and_then(Value::as_str) else {
                    continue;
                };
                consumers.push(crate::support::inventory::found(
                    API_VERSION,
                    "Consumer",
                    &format!("{name}/{consumer}"),
                    json!({ "stream": name, "name": consumer }),
                    owner::recorded(config),
                ));
            }
            if !owner::marked(config) {
                continue;
            }
            // A key-value bucket goes by its bucket name, as its resource's external name does.
            let (kind, real_name, spec) = match name.strip_prefix("KV_") {
                Some(bucket) => ("KeyValue", bucket, json!({ "bucket": bucket })),
                // Delete checks the spec whole, and a stream's spec names its subjects.
                None => {
                    let subjects = config.get("subjects").cloned().unwrap_or(json!([]));
                    (
                        "Stream",
                        name,
                        json!({ "name": name, "subjects": subjects }),
                    )
                }
            };
            streams.push(crate::support::inventory::found(
                API_VERSION,
                kind,
                real_name,
                spec,
                owner::recorded(config),
            ));
        }
        consumers.extend(streams);
        Ok(Some(consumers))
    }
}
