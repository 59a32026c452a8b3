use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::model::{Object, Status, TypedKind};

/// A request for a message queue.
pub type QueueClaim = Object<QueueClaimSpec, Status>;

/// What a team asks for when it needs a queue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct QueueClaimSpec {
    /// Broker.
    pub engine: QueueEngine,
    /// Keep messages across broker restarts.
    #[serde(default = "default_durable")]
    pub durable: bool,
    /// Most messages kept; the oldest are dropped (or dead-lettered) past it. Unbounded when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1))]
    pub max_length: Option<u64>,
    /// Route rejected and overflowing messages to a dead-letter queue.
    #[serde(default)]
    pub dead_letter: bool,
    /// The composition to use, overriding selection by labels and the environment's default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub composition_ref: Option<super::CompositionRef>,
    /// Labels that choose the composition when no compositionRef is given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub composition_selector: Option<super::CompositionSelector>,
    /// What the claim needs instead of a size: admission picks the cheapest `Offering`
    /// that satisfies every need and sets the fields it stands for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "super::Intent")]
    pub intent: Option<super::Intent>,
}

fn default_durable() -> bool {
    true
}

impl QueueClaimSpec {
    /// A durable queue on the given broker with no length limit.
    pub fn new(engine: QueueEngine) -> Self {
        QueueClaimSpec {
            engine,
            durable: true,
            max_length: None,
            dead_letter: false,
            composition_ref: None,
            composition_selector: None,
            intent: None,
        }
    }
}

impl TypedKind for QueueClaimSpec {
    const KIND: &'static str = "QueueClaim";
    const PLURAL: &'static str = "queueclaims";
}

/// Message broker.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum QueueEngine {
    /// RabbitMQ (AMQP 0-9-1).
    Rabbitmq,
    /// NATS JetStream.
    Nats,
}
