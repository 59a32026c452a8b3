//! Journal entries read as what the metrics count: changes, deployments and incidents.

use std::collections::HashMap;

use platform_core::store::JournalEntry;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

/// Milliseconds since the epoch of an ISO 8601 time with an offset (`2026-11-30T18:00:00Z`).
pub fn parse_time(text: &str) -> Result<i64, String> {
    text.parse::<jiff::Timestamp>()
        .map(|t| t.as_millisecond())
        .map_err(|e| {
            format!("expected an ISO 8601 time with an offset (2026-11-30T18:00:00Z), found {text:?}: {e}")
        })
}

/// One deployment.
#[derive(Debug, Clone, PartialEq)]
pub struct Deploy {
    /// Its id.
    pub id: String,
    /// When (ms since the epoch).
    pub time_ms: i64,
    /// The changes it contains.
    pub changes: Vec<String>,
    /// Whether it succeeded.
    pub success: bool,
    /// The environment (`production` when not said).
    pub env: String,
    /// Whether it was unplanned (rework: done to fix a user-facing problem).
    pub unplanned: bool,
    /// The service, when known.
    pub service: Option<String>,
}

/// One incident.
#[derive(Debug, Clone, PartialEq)]
pub struct Incident {
    /// Its id.
    pub id: String,
    /// When it was opened (ms since the epoch).
    pub created_ms: i64,
    /// When it was resolved, if it was.
    pub resolved_ms: Option<i64>,
    /// The change that caused it, when known.
    pub root_cause: Option<String>,
    /// The deployment that caused it, when known.
    pub caused_by_deploy: Option<String>,
    /// The service, when known.
    pub service: Option<String>,
}

/// Changes, deployments and incidents, each in time order.
#[derive(Debug, Clone, Default)]
pub struct Timeline {
    /// The time of every change, by id.
    pub changes: HashMap<String, i64, foldhash::fast::RandomState>,
    /// Every deployment, oldest first.
    pub deploys: Vec<Deploy>,
    /// Every incident, oldest first.
    pub incidents: Vec<Incident>,
    /// The time of the earliest entry of any kind.
    pub first_ms: Option<i64>,
}

/// The fields of a deployment's body the metrics read; the rest is skipped unparsed.
#[derive(Deserialize, Default)]
#[serde(default)]
struct DeployBody {
    changes: Vec<String>,
    status: Option<String>,
    unplanned: bool,
}

/// The fields of an incident's body the metrics read.
#[derive(Deserialize, Default)]
#[serde(default)]
struct IncidentBody {
    time_resolved: Option<String>,
    root_cause: Option<String>,
    caused_by_deploy: Option<String>,
}

/// A body read as `T`; a body of another shape (an engine of another version wrote it) reads
/// as the default, field by field where it can.
fn body<T: DeserializeOwned + Default>(entry: &JournalEntry) -> T {
    serde_json::from_str(entry.body.get())
        .or_else(|_| serde_json::from_value(lenient(entry.body_value())))
        .unwrap_or_default()
}

/// A body with the fields of unexpected types dropped, so the others still read.
fn lenient(value: Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .filter(|(k, v)| match k.as_str() {
                    "changes" => v.as_array().is_some_and(|a| a.iter().all(Value::is_string)),
                    "unplanned" => v.is_boolean(),
                    "status" | "time_resolved" | "root_cause" | "caused_by_deploy" => v.is_string(),
                    _ => false,
                })
                .collect(),
        ),
        _ => Value::Null,
    }
}

impl Timeline {
    /// The timeline of journal entries (other kinds are left out).
    pub fn from_entries(entries: &[JournalEntry]) -> Timeline {
        let mut timeline = Timeline::default();
        for e in entries {
            timeline.first_ms = Some(timeline.first_ms.map_or(e.time_ms, |f| f.min(e.time_ms)));
            match e.kind.as_str() {
                "change" => {
                    timeline.changes.insert(e.id.clone(), e.time_ms);
                }
                "deploy" => {
                    let body: DeployBody = body(e);
                    timeline.deploys.push(Deploy {
                        id: e.id.clone(),
                        time_ms: e.time_ms,
                        changes: body.changes,
                        success: body.status.as_deref() != Some("failure"),
                        env: e.env.clone().unwrap_or_else(|| "production".into()),
                        unplanned: body.unplanned,
                        service: e.service.clone(),
                    });
                }
                "incident" => {
                    let body: IncidentBody = body(e);
                    timeline.incidents.push(Incident {
                        id: e.id.clone(),
                        created_ms: e.time_ms,
                        resolved_ms: body.time_resolved.and_then(|t| parse_time(&t).ok()),
                        root_cause: body.root_cause,
                        caused_by_deploy: body.caused_by_deploy,
                        service: e.service.clone(),
                    });
                }
                _ => {}
            }
        }
        timeline
            .deploys
            .sort_by(|a, b| a.time_ms.cmp(&b.time_ms).then(a.id.cmp(&b.id)));
        timeline
            .incidents
            .sort_by(|a, b| a.created_ms.cmp(&b.created_ms).then(a.id.cmp(&b.id)));
        timeline
    }
}
