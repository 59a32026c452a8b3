//! Workers: the reconcilers sharing a store report themselves on an interval (a heartbeat),
//! so operators see who runs, where, what it holds and how fast it works
//! (`platformctl workers`). Only stores shared by several machines keep them.

use serde::{Deserialize, Serialize};

/// What a running reconciler reports of itself at each heartbeat.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkerBeat {
    /// The name its leases are held under (`host:pid:start:nonce[:id]`).
    pub holder: String,
    /// The worker's own name (`platformctl run --id`), when it was given one.
    pub id: Option<String>,
    /// The host it runs on.
    pub host: String,
    /// Its process id on that host.
    pub pid: u32,
    /// Claims reconciled since it started.
    pub reconciled: u64,
    /// Claims reconciled per second over the last heartbeat interval.
    pub per_second: f64,
}

/// A reconciler as the store last heard of it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkerInfo {
    /// What it reported last.
    #[serde(flatten)]
    pub beat: WorkerBeat,
    /// When it started, in milliseconds since the Unix epoch (the store's clock).
    pub started_ms: u64,
    /// When it last reported, in milliseconds since the Unix epoch (the store's clock).
    pub heartbeat_ms: u64,
    /// Claim leases it holds now (not expired).
    pub leases_held: u64,
}
