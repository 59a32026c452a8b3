//! `spec.intent`: what a claim needs (rates, storage, latency, availability) instead of a size;
//! admission picks the cheapest `Offering` that satisfies every need.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::kinds::KindRegistry;
use crate::load::PathSegment;
use crate::schema::FieldIssue;

/// A claim says either its size or its intent: both at once is an error at `spec.intent`.
pub(crate) fn check_size_or_intent(
    object: &Value,
    _registry: &KindRegistry,
    issues: &mut Vec<FieldIssue>,
) {
    let spec = &object["spec"];
    if spec.get("intent").is_some() && spec.get("size").is_some() {
        issues.push(FieldIssue::at(
            vec![PathSegment::key("spec"), PathSegment::key("intent")],
            "expected either spec.size or spec.intent, found both; the offering chosen for the intent sets the size",
        ));
    }
}

/// A need an intent can state and an offering can meet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Need {
    /// Reads per second.
    ReadsPerSecond,
    /// Writes per second.
    WritesPerSecond,
    /// Stored data in GiB.
    StorageGiB,
    /// Concurrent connections.
    Connections,
    /// p99 latency in milliseconds; the only need met by a value at most the one asked.
    LatencyMs,
    /// Messages per second (queues).
    MessagesPerSecond,
    /// Memory in MiB (caches).
    MemoryMiB,
    /// Availability in percent, such as 99.9.
    Availability,
}

impl Need {
    /// Every need, in the order they are reported.
    pub const ALL: [Need; 8] = [
        Need::ReadsPerSecond,
        Need::WritesPerSecond,
        Need::StorageGiB,
        Need::Connections,
        Need::LatencyMs,
        Need::MessagesPerSecond,
        Need::MemoryMiB,
        Need::Availability,
    ];

    /// The field name, as written in `spec.intent` and an offering's `capacity`.
    pub fn name(self) -> &'static str {
        match self {
            Need::ReadsPerSecond => "readsPerSecond",
            Need::WritesPerSecond => "writesPerSecond",
            Need::StorageGiB => "storageGiB",
            Need::Connections => "connections",
            Need::LatencyMs => "latencyMs",
            Need::MessagesPerSecond => "messagesPerSecond",
            Need::MemoryMiB => "memoryMiB",
            Need::Availability => "availability",
        }
    }

    /// The need of a field name.
    pub fn from_name(name: &str) -> Option<Need> {
        Need::ALL.into_iter().find(|n| n.name() == name)
    }

    /// Whether an offered value meets this need by being at most (latency) rather than at
    /// least the required one.
    pub fn at_most(self) -> bool {
        self == Need::LatencyMs
    }

    /// Whether `offered` meets `required`.
    pub fn met_by(self, required: f64, offered: f64) -> bool {
        if self.at_most() {
            offered <= required
        } else {
            offered >= required
        }
    }
}

/// What a claim needs instead of a size. Every value is bounded by the schema, so negative
/// rates, `availability: "100.5"` and absurd numbers are located errors.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Intent {
    /// Reads per second at peak.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0, max = 100_000_000))]
    pub reads_per_second: Option<f64>,
    /// Writes per second at peak.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0, max = 100_000_000))]
    pub writes_per_second: Option<f64>,
    /// Stored data in GiB.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        rename = "storageGiB"
    )]
    #[schemars(range(min = 0, max = 1_048_576))]
    pub storage_gib: Option<f64>,
    /// Concurrent connections.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0, max = 10_000_000))]
    pub connections: Option<f64>,
    /// Availability in percent, written as a string such as `"99.9"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = r"^(100(\.0+)?|[0-9]{1,2}(\.[0-9]{1,6})?)$"))]
    pub availability: Option<String>,
    /// p99 latency in milliseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0.001, max = 3_600_000))]
    pub latency_ms: Option<f64>,
    /// Messages per second (queues).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0, max = 100_000_000))]
    pub messages_per_second: Option<f64>,
    /// Memory in MiB (caches).
    #[serde(default, skip_serializing_if = "Option::is_none", rename = "memoryMiB")]
    #[schemars(range(min = 0, max = 16_777_216))]
    pub memory_mib: Option<f64>,
}

impl Intent {
    /// The stated needs with their required values, in [`Need::ALL`] order.
    pub fn needs(&self) -> Vec<(Need, f64)> {
        let availability = self
            .availability
            .as_deref()
            .and_then(|a| a.parse::<f64>().ok());
        [
            (Need::ReadsPerSecond, self.reads_per_second),
            (Need::WritesPerSecond, self.writes_per_second),
            (Need::StorageGiB, self.storage_gib),
            (Need::Connections, self.connections),
            (Need::LatencyMs, self.latency_ms),
            (Need::MessagesPerSecond, self.messages_per_second),
            (Need::MemoryMiB, self.memory_mib),
            (Need::Availability, availability),
        ]
        .into_iter()
        .filter_map(|(need, value)| value.map(|v| (need, v)))
        .collect()
    }
}
