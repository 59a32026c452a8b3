//! The journal: an append-only, durable record of what happened to the estate and around
//! it (deployments, changes, incidents, repairs, exceptions, scaffolds, surveys, tickets),
//! kept for metrics. Unlike an object's bounded [`Event`](super::Event)s, entries outlive
//! the objects they name and are read by time range.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use serde_json::value::RawValue;

/// The kinds of entries, as the import format and the engine write them.
pub mod kinds {
    /// A commit (`id`: its SHA), imported.
    pub const CHANGE: &str = "change";
    /// A deployment to an environment; the engine records one per changed Application in a
    /// production environment.
    pub const DEPLOY: &str = "deploy";
    /// A deployment that brought an Application back to a spec deployed before the current
    /// one; recorded beside its `deploy`.
    pub const ROLLBACK: &str = "rollback";
    /// An incident, imported.
    pub const INCIDENT: &str = "incident";
    /// A drifted resource found by a sweep, with whether it was repaired and by whom
    /// (`controller` or `person`).
    pub const DRIFT: &str = "drift";
    /// A policy exception let an object through (an escape hatch); once per object and policy.
    pub const EXCEPTION: &str = "exception";
    /// A top-level claim created, with the template it came from (`null`: outside any).
    pub const CLAIM: &str = "claim";
    /// A repository scaffolded from a template.
    pub const SCAFFOLD: &str = "scaffold";
    /// A scaffolded repository upgraded to a newer template version.
    pub const TEMPLATE_UPGRADE: &str = "template-upgrade";
    /// A developer satisfaction survey answer (`score` 0-10), imported.
    pub const SURVEY: &str = "survey";
    /// A support ticket, imported.
    pub const TICKET: &str = "ticket";
}

/// One thing that happened. `(kind, id)` is its key: appending an entry whose key is already
/// in the journal adds nothing.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct JournalEntry {
    /// What happened: `change`, `deploy`, `incident`, `survey`, `ticket`, and what the engine
    /// records (`drift`, `exception`, `scaffold`, ...).
    pub kind: String,
    /// Its id, unique within the kind (a commit SHA, a deployment id).
    pub id: String,
    /// When it happened (an incident: when it was opened), in milliseconds since the epoch.
    pub time_ms: i64,
    /// The service (a catalog entity reference) it concerns, when one.
    pub service: Option<String>,
    /// The environment it happened in, when one.
    pub env: Option<String>,
    /// Everything recorded about it, as given (extra fields kept), as JSON text: a reader
    /// that needs only the columns above (a million changes for lead times) parses none.
    pub body: Box<RawValue>,
}

impl JournalEntry {
    /// An entry whose body is a JSON value.
    pub fn new(
        kind: impl Into<String>,
        id: impl Into<String>,
        time_ms: i64,
        service: Option<String>,
        env: Option<String>,
        body: &Value,
    ) -> JournalEntry {
        JournalEntry {
            kind: kind.into(),
            id: id.into(),
            time_ms,
            service,
            env,
            body: serde_json::value::to_raw_value(body)
                .unwrap_or_else(|_| RawValue::NULL.to_owned()),
        }
    }

    /// The body as a JSON value.
    pub fn body_value(&self) -> Value {
        serde_json::from_str(self.body.get()).unwrap_or(Value::Null)
    }
}

/// Which entries to read: all bounds are optional and combine.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct JournalQuery {
    /// Only entries at or after this time (ms since the epoch).
    pub since_ms: Option<i64>,
    /// Only entries before this time (ms since the epoch).
    pub until_ms: Option<i64>,
    /// Only entries of these kinds (all kinds when empty).
    pub kinds: Vec<String>,
    /// Only entries about this service (a catalog entity reference).
    pub service: Option<String>,
    /// Only entries in this environment.
    pub env: Option<String>,
    /// Kinds whose bodies the reader does not need: their entries come back with a `null`
    /// body, so a store need not decode them (lead times need a million changes' ids and
    /// times, not their bodies).
    pub without_bodies: Vec<String>,
}

impl JournalQuery {
    /// The entry as the query returns it: its body left out when its kind's is not needed.
    pub fn shape(&self, entry: &JournalEntry) -> JournalEntry {
        if !self.without_bodies.contains(&entry.kind) {
            return entry.clone();
        }
        JournalEntry {
            kind: entry.kind.clone(),
            id: entry.id.clone(),
            time_ms: entry.time_ms,
            service: entry.service.clone(),
            env: entry.env.clone(),
            body: RawValue::NULL.to_owned(),
        }
    }

    /// Whether an entry passes the query.
    pub fn matches(&self, entry: &JournalEntry) -> bool {
        self.since_ms.is_none_or(|s| entry.time_ms >= s)
            && self.until_ms.is_none_or(|u| entry.time_ms < u)
            && (self.kinds.is_empty() || self.kinds.contains(&entry.kind))
            && self
                .service
                .as_ref()
                .is_none_or(|s| entry.service.as_ref() == Some(s))
            && self
                .env
                .as_ref()
                .is_none_or(|e| entry.env.as_ref() == Some(e))
    }
}
