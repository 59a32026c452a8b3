//! What the engine writes into the journal on its own, so that metrics never guess: each
//! Application an apply changes in a production environment is a deployment (and, when it
//! brings back a spec deployed before, a rollback); each top-level claim created is recorded
//! with the template it came from; each policy exception used once per object and policy;
//! each drifted resource a sweep finds, with whether it was repaired and by whom.
//!
//! Recording never fails the work it records: the work is already done and stored, so a
//! journal that cannot be written is logged as a warning and the result returned as it is.

use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};

use crate::admit::DEFAULT_OWNER_LABEL;
use crate::admit::exception::ExceptionRecord;
use crate::engine::{ClaimReport, DriftKind, DriftReport, Engine};
use crate::kinds::ApplicationSpec;
use crate::model::{DynamicObject, ObjectRef, Resource, TypedKind};
use crate::store::{Event, JournalEntry, JournalQuery, kinds};

/// The annotation listing the commits an Application's apply deploys, comma-separated.
pub const COMMITS_ANNOTATION: &str = "platform.dev/commits";
/// The annotation marking an Application's apply as unplanned (rework): `"true"`.
pub const UNPLANNED_ANNOTATION: &str = "platform.dev/unplanned";
/// The annotation naming the template a claim was scaffolded from; a top-level claim
/// without it is recorded as created outside any template.
pub const TEMPLATE_ANNOTATION: &str = "platform.dev/template";

/// What an apply deploys, beyond the objects: given by whoever runs it (a CI job knows the
/// commits), added to what the Applications' annotations say.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Deployment {
    /// The commits deployed (SHAs).
    pub commits: Vec<String>,
    /// Whether the deployment is unplanned: a fix for a problem in production (rework).
    pub unplanned: bool,
}

/// Who repaired drift.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Repairer {
    /// The controller loop, on its own.
    Controller,
    /// A person, asking for a sweep that corrects (`drift --fix`).
    Person,
}

impl Repairer {
    fn as_str(self) -> &'static str {
        match self {
            Repairer::Controller => "controller",
            Repairer::Person => "person",
        }
    }
}

/// How far back a service's deployments are read again on each look: what another process
/// sharing the store recorded with a time up to this much older than the last look.
const REREAD_MS: i64 = 10 * 60 * 1000;

/// How often the journal is pruned of entries past the retention: a day's retention is
/// never more than this late, and an apply does not pay for a prune each time.
const PRUNE_EVERY_MS: i64 = 60 * 60 * 1000;

/// What the engine has learned from the journal while recording: each service's latest
/// deployment and the latest deployment of each spec it deployed, and when it last pruned.
#[derive(Default)]
pub(crate) struct Recorded {
    services: std::sync::Mutex<std::collections::HashMap<String, Deploys>>,
    pruned_at_ms: std::sync::atomic::AtomicI64,
    pruned_once: std::sync::atomic::AtomicBool,
}

/// A service's deployments as far as they have been read: `(time, id)` of the latest, and of
/// the latest with each spec digest.
#[derive(Default)]
struct Deploys {
    read_at_ms: i64,
    latest: Option<(i64, String)>,
    by_digest: std::collections::HashMap<String, (i64, String)>,
}

impl Deploys {
    fn note(&mut self, time_ms: i64, id: String, digest: String) {
        let entry = (time_ms, id);
        if self.latest.as_ref().is_none_or(|l| *l < entry) {
            self.latest = Some(entry.clone());
        }
        let by_digest = self
            .by_digest
            .entry(digest)
            .or_insert_with(|| entry.clone());
        if *by_digest < entry {
            *by_digest = entry;
        }
    }
}

impl Recorded {
    fn lock(&self) -> std::sync::MutexGuard<'_, std::collections::HashMap<String, Deploys>> {
        self.services
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Where a look at a service's deployments starts: nowhere (all of them) the first time,
    /// a few minutes before the last look after that.
    fn read_since(&self, service: &str) -> Option<i64> {
        self.lock()
            .get(service)
            .map(|d| d.read_at_ms.saturating_sub(REREAD_MS))
    }

    /// Takes in deployments read at `read_at_ms` (each `(time, id, digest)`).
    fn learn(
        &self,
        service: &str,
        read_at_ms: i64,
        seen: impl Iterator<Item = (i64, String, String)>,
    ) {
        let mut services = self.lock();
        let deploys = services.entry(service.to_owned()).or_default();
        for (time_ms, id, digest) in seen {
            deploys.note(time_ms, id, digest);
        }
        deploys.read_at_ms = deploys.read_at_ms.max(read_at_ms);
    }

    /// A deployment just recorded, when the service's deployments have been read.
    fn note(&self, service: &str, time_ms: i64, id: &str, digest: &str) {
        if let Some(deploys) = self.lock().get_mut(service) {
            deploys.note(time_ms, id.to_owned(), digest.to_owned());
        }
    }

    /// The latest deployment of the service with this digest, unless it is the latest of all
    /// or older than the journal keeps.
    fn restored(&self, service: &str, digest: &str, oldest_kept_ms: i64) -> Option<String> {
        let services = self.lock();
        let deploys = services.get(service)?;
        let (time_ms, id) = deploys.by_digest.get(digest)?;
        let latest = deploys.latest.as_ref().map(|(_, id)| id);
        (Some(id) != latest && *time_ms >= oldest_kept_ms).then(|| id.clone())
    }

    /// Whether the journal is due a prune at `now_ms` (then it counts as pruned now).
    fn prune_due(&self, now_ms: i64) -> bool {
        use std::sync::atomic::Ordering;
        let last = self.pruned_at_ms.load(Ordering::Relaxed);
        let first = !self.pruned_once.swap(true, Ordering::Relaxed);
        if first || now_ms - last >= PRUNE_EVERY_MS || now_ms < last {
            self.pruned_at_ms.store(now_ms, Ordering::Relaxed);
            return true;
        }
        false
    }
}

/// A top-level object an apply changed, as the journal needs it.
pub(crate) struct Changed {
    key: ObjectRef,
    created: bool,
    application: bool,
    digest: String,
    team: Option<String>,
    template: Option<String>,
    commits: Vec<String>,
    unplanned: bool,
}

/// The catalog reference of the component an Application is.
pub fn service_of(key: &ObjectRef) -> String {
    format!("component:{}/{}", key.namespace, key.name)
}

/// A digest of a spec that does not depend on the order of its keys.
fn digest(spec: &Value) -> String {
    fn canonical(value: &Value) -> Value {
        match value {
            Value::Object(map) => {
                let sorted: BTreeMap<&String, Value> =
                    map.iter().map(|(k, v)| (k, canonical(v))).collect();
                Value::Object(sorted.into_iter().map(|(k, v)| (k.clone(), v)).collect())
            }
            Value::Array(items) => Value::Array(items.iter().map(canonical).collect()),
            other => other.clone(),
        }
    }
    let text = canonical(spec).to_string();
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

impl Engine {
    /// Now, by the engine's clock.
    pub(crate) fn now_ms(&self) -> i64 {
        self.inner.clock.now_ms()
    }

    /// The top-level objects of a request whose spec differs from what the store held.
    pub(crate) fn changed(
        admitted: &[DynamicObject],
        stored: &[Option<&DynamicObject>],
        deployment: &Deployment,
    ) -> Vec<Changed> {
        admitted
            .iter()
            .zip(stored.iter().chain(std::iter::repeat(&None)))
            .filter(|(object, before)| before.is_none_or(|b| b.spec != object.spec))
            .map(|(object, before)| {
                let annotations = &object.metadata.annotations;
                let mut commits = deployment.commits.clone();
                if let Some(listed) = annotations.get(COMMITS_ANNOTATION) {
                    commits.extend(
                        listed
                            .split(',')
                            .map(str::trim)
                            .filter(|c| !c.is_empty() && !deployment.commits.iter().any(|d| d == c))
                            .map(str::to_owned),
                    );
                }
                Changed {
                    key: object.object_ref(),
                    created: before.is_none(),
                    application: object.kind == ApplicationSpec::KIND,
                    digest: digest(&object.spec),
                    team: object.metadata.labels.get(DEFAULT_OWNER_LABEL).cloned(),
                    template: annotations.get(TEMPLATE_ANNOTATION).cloned(),
                    commits,
                    unplanned: deployment.unplanned
                        || annotations.get(UNPLANNED_ANNOTATION).map(String::as_str)
                            == Some("true"),
                }
            })
            .collect()
    }

    /// Records what an apply did: claims created and, in a production environment,
    /// deployments (a success when the claim's reconcile succeeded) and rollbacks.
    pub(crate) async fn record_apply(&self, changed: Vec<Changed>, claims: &[ClaimReport]) {
        let now = self.now_ms();
        let time = crate::model::time::rfc3339_ms(now);
        let mut entries = Vec::new();
        let mut deployed = Vec::new();
        for c in changed {
            let id = format!("{}@{now}", c.key);
            if c.created {
                entries.push(JournalEntry::new(
                    kinds::CLAIM,
                    id.clone(),
                    now,
                    c.application.then(|| service_of(&c.key)),
                    Some(self.inner.environment.clone()),
                    &json!({"claim": c.key.to_string(), "template": c.template,
                            "team": c.team, "time": time}),
                ));
            }
            if !(self.inner.production && c.application) {
                continue;
            }
            let service = service_of(&c.key);
            // A deployment succeeds when the Application and every claim it requests did.
            fn synced(report: &ClaimReport) -> bool {
                report.synced && report.children.iter().all(synced)
            }
            let synced = claims.iter().find(|r| r.claim == c.key).is_some_and(synced);
            let restored = if c.created {
                None
            } else {
                self.restored_deploy(&service, &c.digest).await
            };
            let deploy_id = format!("{}/{}@{now}", c.key.namespace, c.key.name);
            entries.push(JournalEntry::new(
                kinds::DEPLOY,
                deploy_id.clone(),
                now,
                Some(service.clone()),
                Some("production".into()),
                &json!({
                    "kind": kinds::DEPLOY, "id": deploy_id, "time": time,
                    "changes": c.commits,
                    "status": if synced { "success" } else { "failure" },
                    "env": "production", "environment": self.inner.environment,
                    "unplanned": c.unplanned, "service": service, "team": c.team,
                    "specDigest": c.digest, "rollback": restored.is_some(),
                }),
            ));
            deployed.push((service.clone(), deploy_id.clone(), c.digest.clone()));
            if let Some(to) = restored {
                entries.push(JournalEntry::new(
                    kinds::ROLLBACK,
                    deploy_id.clone(),
                    now,
                    Some(service),
                    Some("production".into()),
                    &json!({"deploy": deploy_id, "restores": to, "team": c.team, "time": time}),
                ));
            }
        }
        if self.append(entries).await {
            for (service, id, digest) in deployed {
                self.inner.recorded.note(&service, now, &id, &digest);
            }
        }
    }

    /// The earlier deployment whose spec a new one brings back, if any: the latest one with
    /// the same digest, unless that is the latest deployment of the service (re-applying the
    /// current spec changes nothing and is never recorded). The service's deployments are read
    /// from the journal once; after that only its last minutes are read again, for what
    /// other processes sharing the store recorded meanwhile.
    async fn restored_deploy(&self, service: &str, digest: &str) -> Option<String> {
        let recorded = &self.inner.recorded;
        let query = JournalQuery {
            since_ms: recorded.read_since(service),
            kinds: vec![kinds::DEPLOY.into()],
            service: Some(service.to_owned()),
            env: Some("production".into()),
            ..JournalQuery::default()
        };
        let read_at = self.now_ms();
        let deploys = match self.inner.store.journal(&query).await {
            Ok(d) => d,
            Err(e) => {
                tracing::warn!(target: "platform::engine", service, "cannot read the journal: {e}");
                return None;
            }
        };
        /// The one field of a deployment's body the look needs; the rest is skipped unread.
        #[derive(serde::Deserialize)]
        struct Deployed<'a> {
            #[serde(rename = "specDigest", borrow, default)]
            spec_digest: Option<std::borrow::Cow<'a, str>>,
        }
        let seen = deploys.iter().filter_map(|d| {
            let body = serde_json::from_str::<Deployed<'_>>(d.body.get()).ok()?;
            Some((d.time_ms, d.id.clone(), body.spec_digest?.into_owned()))
        });
        let oldest_kept = self
            .inner
            .journal_retention
            .map_or(i64::MIN, |r| self.now_ms() - r.as_millis() as i64);
        recorded.learn(service, read_at, seen);
        recorded.restored(service, digest, oldest_kept)
    }

    /// Records the policy exceptions an admission used, once per object and policy.
    pub(crate) async fn record_exceptions(&self, events: &[Event]) {
        let now = self.now_ms();
        let entries = events
            .iter()
            .filter_map(ExceptionRecord::from_event)
            .map(|e| {
                JournalEntry::new(
                    kinds::EXCEPTION,
                    format!("{}:{}", e.policy, e.object),
                    now,
                    None,
                    Some(self.inner.environment.clone()),
                    &json!({"object": e.object.to_string(), "policy": e.policy,
                            "team": e.owner, "reason": e.reason}),
                )
            })
            .collect();
        self.append(entries).await;
    }

    /// Records the drift a sweep found, each with whether it was repaired and by whom.
    pub(crate) async fn record_drift(
        &self,
        report: &DriftReport,
        repaired: &BTreeSet<ObjectRef>,
        by: Repairer,
    ) {
        let now = self.now_ms();
        let entries = report
            .drifted
            .iter()
            .map(|d| {
                let fixed = repaired.contains(&d.resource);
                self.drift_entry(now, &d.resource, d.claim.as_ref(), &d.kind, fixed, by)
            })
            .collect();
        self.append(entries).await;
    }

    /// Records the resources a reconcile the controller started on its own (a poll, not a
    /// change) created or updated: nothing asked for a change, so each was drift, repaired.
    pub(crate) async fn record_controller_repairs(&self, report: &ClaimReport) {
        fn with_children<'a>(report: &'a ClaimReport, into: &mut Vec<&'a ClaimReport>) {
            into.push(report);
            for child in &report.children {
                with_children(child, into);
            }
        }
        let mut reports = Vec::new();
        with_children(report, &mut reports);
        let now = self.now_ms();
        let entries = reports
            .into_iter()
            .flat_map(|report| report.resources.iter().map(move |r| (report, r)))
            .filter(|(_, r)| !matches!(r.action, crate::engine::Action::NoChange) && r.ready)
            .map(|(report, r)| {
                let kind = match r.action {
                    crate::engine::Action::Create => DriftKind::Missing,
                    _ => DriftKind::Changed(Vec::new()),
                };
                self.drift_entry(
                    now,
                    &r.resource,
                    Some(&report.claim),
                    &kind,
                    true,
                    Repairer::Controller,
                )
            })
            .collect();
        self.append(entries).await;
    }

    fn drift_entry(
        &self,
        now: i64,
        resource: &ObjectRef,
        claim: Option<&ObjectRef>,
        kind: &DriftKind,
        repaired: bool,
        by: Repairer,
    ) -> JournalEntry {
        let what = match kind {
            DriftKind::Missing => "missing",
            DriftKind::Changed(_) => "changed",
        };
        JournalEntry::new(
            kinds::DRIFT,
            format!("{resource}@{now}"),
            now,
            None,
            Some(self.inner.environment.clone()),
            &json!({"resource": resource.to_string(), "claim": claim.map(ToString::to_string),
                    "drift": what, "repaired": repaired,
                    "by": if repaired { Some(by.as_str()) } else { None },
                    "actor": if repaired && by == Repairer::Person { Some(&self.inner.actor) } else { None }}),
        )
    }

    /// Appends entries and, when due, prunes what is older than the retention; failures are
    /// logged. Whether the entries were appended.
    async fn append(&self, entries: Vec<JournalEntry>) -> bool {
        if entries.is_empty() {
            return true;
        }
        let store = &self.inner.store;
        if let Err(e) = store.journal_append(entries).await {
            tracing::warn!(target: "platform::engine", "cannot record in the journal: {e}");
            return false;
        }
        if let Some(retention) = self.inner.journal_retention
            && self.inner.recorded.prune_due(self.now_ms())
        {
            let before = self.now_ms() - retention.as_millis() as i64;
            if let Err(e) = store.journal_prune(before).await {
                tracing::warn!(target: "platform::engine", "cannot prune the journal: {e}");
            }
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_digest_ignores_key_order_and_sees_values() {
        let a = digest(&json!({"replicas": 2, "image": "shop:1", "env": {"A": "1", "B": "2"}}));
        let b = digest(&json!({"env": {"B": "2", "A": "1"}, "image": "shop:1", "replicas": 2}));
        let c = digest(&json!({"env": {"B": "2", "A": "1"}, "image": "shop:2", "replicas": 2}));
        assert_eq!(a, b);
        assert_ne!(a, c);
    }
}
