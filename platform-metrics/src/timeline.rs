//! Journal entries read as what the metrics count: changes, deployments and incidents.

use std::borrow::Cow;
use std::collections::HashMap;

use platform_core::store::{JournalEntry, JournalQuery, kinds};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use serde_json::value::RawValue;

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

/// The parts of a journal entry the timeline takes.
struct Entry<'a> {
    kind: &'a str,
    id: String,
    time_ms: i64,
    service: Option<String>,
    env: Option<String>,
    body: &'a RawValue,
}

/// A body read as `T`; a body of another shape (an engine of another version wrote it) reads
/// as the default, field by field where it can.
fn body<T: DeserializeOwned + Default>(body: &RawValue) -> T {
    serde_json::from_str(body.get())
        .or_else(|_| {
            serde_json::from_value(lenient(
                serde_json::from_str(body.get()).unwrap_or(Value::Null),
            ))
        })
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
    /// What the timeline is built from: every change, deployment and incident before
    /// `until_ms` (changes and incidents before a window matter to it: lead times, root
    /// causes), changes without their bodies (their ids and times are all it reads).
    pub fn query(until_ms: Option<i64>) -> JournalQuery {
        JournalQuery {
            until_ms,
            kinds: vec![
                kinds::CHANGE.into(),
                kinds::DEPLOY.into(),
                kinds::INCIDENT.into(),
            ],
            without_bodies: vec![kinds::CHANGE.into()],
            ..JournalQuery::default()
        }
    }

    /// The timeline of journal entries (other kinds are left out).
    pub fn from_entries(entries: &[JournalEntry]) -> Timeline {
        Timeline::build(entries.iter().map(Cow::Borrowed), entries.len())
    }

    /// [`Timeline::from_entries`], taking the entries: their ids move into the timeline
    /// instead of being copied (a report over a year reads a million changes).
    pub fn from_journal(entries: Vec<JournalEntry>) -> Timeline {
        let count = entries.len();
        Timeline::build(entries.into_iter().map(Cow::Owned), count)
    }

    fn build<'a>(entries: impl Iterator<Item = Cow<'a, JournalEntry>>, count: usize) -> Timeline {
        let mut timeline = Timeline::default();
        timeline.changes.reserve(count);
        for e in entries {
            match e {
                Cow::Owned(e) => timeline.add(Entry {
                    kind: &e.kind,
                    id: e.id,
                    time_ms: e.time_ms,
                    service: e.service,
                    env: e.env,
                    body: &e.body,
                }),
                // A change's id, and a few deployments' and incidents' fields, are copied.
                Cow::Borrowed(e) => timeline.add(Entry {
                    kind: &e.kind,
                    id: e.id.clone(),
                    time_ms: e.time_ms,
                    service: e.service.clone(),
                    env: e.env.clone(),
                    body: &e.body,
                }),
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

    /// One entry into the timeline.
    fn add(&mut self, e: Entry<'_>) {
        self.first_ms = Some(self.first_ms.map_or(e.time_ms, |f| f.min(e.time_ms)));
        match e.kind {
            kinds::CHANGE => {
                self.changes.insert(e.id, e.time_ms);
            }
            kinds::DEPLOY => {
                let body: DeployBody = body(e.body);
                self.deploys.push(Deploy {
                    id: e.id,
                    time_ms: e.time_ms,
                    changes: body.changes,
                    success: body.status.as_deref() != Some("failure"),
                    env: e.env.unwrap_or_else(|| "production".into()),
                    unplanned: body.unplanned,
                    service: e.service,
                });
            }
            kinds::INCIDENT => {
                let body: IncidentBody = body(e.body);
                self.incidents.push(Incident {
                    id: e.id,
                    created_ms: e.time_ms,
                    resolved_ms: body.time_resolved.and_then(|t| parse_time(&t).ok()),
                    root_cause: body.root_cause,
                    caused_by_deploy: body.caused_by_deploy,
                    service: e.service,
                });
            }
            _ => {}
        }
    }
}
