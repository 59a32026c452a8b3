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
        self.append(entries).await;
    }

    /// The earlier deployment whose spec a new one brings back, if any: one with the same
    /// digest that is not the latest deployment of the service (re-applying the current spec
    /// changes nothing and is never recorded).
    async fn restored_deploy(&self, service: &str, digest: &str) -> Option<String> {
        let query = JournalQuery {
            kinds: vec![kinds::DEPLOY.into()],
            service: Some(service.to_owned()),
            env: Some("production".into()),
            ..JournalQuery::default()
        };
        let deploys = match self.inner.store.journal(&query).await {
            Ok(d) => d,
            Err(e) => {
                tracing::warn!(target: "platform::engine", service, "cannot read the journal: {e}");
                return None;
            }
        };
        let (_, earlier) = deploys.split_last()?;
        earlier
            .iter()
            .rev()
            .find(|d| d.body_value()["specDigest"].as_str() == Some(digest))
            .map(|d| d.id.clone())
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

    /// Appends entries and prunes what is older than the retention; failures are logged.
    async fn append(&self, entries: Vec<JournalEntry>) {
        if entries.is_empty() {
            return;
        }
        let store = &self.inner.store;
        if let Err(e) = store.journal_append(entries).await {
            tracing::warn!(target: "platform::engine", "cannot record in the journal: {e}");
            return;
        }
        if let Some(retention) = self.inner.journal_retention {
            let before = self.now_ms() - retention.as_millis() as i64;
            if let Err(e) = store.journal_prune(before).await {
                tracing::warn!(target: "platform::engine", "cannot prune the journal: {e}");
            }
        }
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
