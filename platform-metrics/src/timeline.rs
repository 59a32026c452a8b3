//! Journal entries read as what the metrics count: changes, deployments and incidents.

use std::collections::HashMap;

use platform_core::store::JournalEntry;
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

fn text(body: &Value, field: &str) -> Option<String> {
    body.get(field).and_then(Value::as_str).map(str::to_owned)
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
                    let body = e.body_value();
                    timeline.deploys.push(Deploy {
                        id: e.id.clone(),
                        time_ms: e.time_ms,
                        changes: body["changes"]
                            .as_array()
                            .map(|a| {
                                a.iter()
                                    .filter_map(|c| c.as_str().map(str::to_owned))
                                    .collect()
                            })
                            .unwrap_or_default(),
                        success: body["status"].as_str() != Some("failure"),
                        env: e.env.clone().unwrap_or_else(|| "production".into()),
                        unplanned: body["unplanned"].as_bool().unwrap_or(false),
                        service: e.service.clone(),
                    });
                }
                "incident" => {
                    let body = e.body_value();
                    timeline.incidents.push(Incident {
                        id: e.id.clone(),
                        created_ms: e.time_ms,
                        resolved_ms: text(&body, "time_resolved").and_then(|t| parse_time(&t).ok()),
                        root_cause: text(&body, "root_cause"),
                        caused_by_deploy: text(&body, "caused_by_deploy"),
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
