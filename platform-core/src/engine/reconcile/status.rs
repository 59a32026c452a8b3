//! Conditions `Ready` and `Synced` on claims and managed resources.

use serde_json::Value;
use std::collections::BTreeMap;

use crate::engine::{ClaimReport, Engine, EngineError};
use crate::model::{
    Condition, ConditionStatus, Conditions, DynamicObject, Resource, Status, time::now_rfc3339,
};
use crate::secret::SecretMap;
use crate::store::{Event, EventType, Precondition, Write};

/// The Ready condition to set.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Readiness {
    /// Ready to use.
    Available,
    /// Being created or waiting for something.
    Creating(String),
    /// Exists but is not usable, or cannot be made.
    Unavailable(String),
    /// The last reconcile failed, so whether it is usable is not known: a Ready that stayed
    /// True here would be stale.
    Unknown(String),
}

/// The Synced condition to set.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Synced {
    /// The last reconcile succeeded.
    Success,
    /// The last reconcile failed.
    Error(String),
}

/// The new status of an object given the previous one; keeps transition times that did not change.
pub(crate) fn next_status(
    previous: Option<&Value>,
    ready: &Readiness,
    synced: &Synced,
    outputs: BTreeMap<String, Value>,
    generation: Option<i64>,
) -> Value {
    let mut status: Status = previous
        .filter(|v| !v.is_null())
        .and_then(|v| serde_json::from_value(v.clone()).ok())
        .unwrap_or_default();
    let mut conditions = Conditions(std::mem::take(&mut status.conditions));
    let now = now_rfc3339();
    let (status_value, reason, message) = match ready {
        Readiness::Available => (ConditionStatus::True, "Available", String::new()),
        Readiness::Creating(m) => (ConditionStatus::False, "Creating", m.clone()),
        Readiness::Unavailable(m) => (ConditionStatus::False, "Unavailable", m.clone()),
        Readiness::Unknown(m) => (ConditionStatus::Unknown, "ReconcileError", m.clone()),
    };
    let mut condition = Condition::new("Ready", status_value, reason, message);
    condition.last_transition_time = Some(now.clone());
    condition.observed_generation = generation;
    conditions.set(condition);
    let (status_value, reason, message) = match synced {
        Synced::Success => (ConditionStatus::True, "ReconcileSuccess", String::new()),
        Synced::Error(m) => (ConditionStatus::False, "ReconcileError", m.clone()),
    };
    let mut condition = Condition::new("Synced", status_value, reason, message);
    condition.last_transition_time = Some(now);
    condition.observed_generation = generation;
    conditions.set(condition);
    status.conditions = conditions.0;
    status.observed_generation = generation;
    status.outputs = outputs;
    serde_json::to_value(status).unwrap_or(Value::Null)
}

/// Whether a stored status says Ready.
pub(crate) fn is_ready(status: Option<&Value>) -> bool {
    condition(status, "Ready").is_some_and(|c| c.status == ConditionStatus::True)
}

/// A condition of a stored status.
pub(crate) fn condition(status: Option<&Value>, type_: &str) -> Option<Condition> {
    let conditions = status?.get("conditions")?.as_array()?;
    conditions
        .iter()
        .filter_map(|c| serde_json::from_value::<Condition>(c.clone()).ok())
        .find(|c| c.type_ == type_)
}

/// The outputs of a stored status.
pub(crate) fn outputs(status: Option<&Value>) -> BTreeMap<String, Value> {
    status
        .and_then(|s| s.get("outputs"))
        .and_then(Value::as_object)
        .map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
        .unwrap_or_default()
}

impl Engine {
    /// Writes an Application's status once its environment is resolved.
    pub(super) async fn record_claim_status(
        &self,
        report: &ClaimReport,
        secrets: SecretMap,
    ) -> Result<(), EngineError> {
        if let Some(claim) = self.inner.store.get(&report.claim).await? {
            self.write_claim_status(&claim, report, Some(secrets), None)
                .await?;
        }
        Ok(())
    }

    /// Writes a claim's status (and secrets) when they changed; a concurrent spec change wins.
    /// `stored_secrets` are the claim's secrets when the caller already read them.
    pub(super) async fn write_claim_status(
        &self,
        claim: &DynamicObject,
        report: &ClaimReport,
        secrets: Option<SecretMap>,
        stored_secrets: Option<&SecretMap>,
    ) -> Result<(), EngineError> {
        let key = claim.object_ref();
        // A failed reconcile never leaves a stale Ready True behind.
        let readiness = if !report.synced {
            Readiness::Unknown(report.message.clone())
        } else if report.ready {
            Readiness::Available
        } else {
            Readiness::Creating(report.message.clone())
        };
        let synced = if report.synced {
            Synced::Success
        } else {
            Synced::Error(report.message.clone())
        };
        let status = next_status(
            claim.status.as_ref(),
            &readiness,
            &synced,
            report.outputs.clone(),
            claim.metadata.generation,
        );
        let mut writes = Vec::new();
        if claim.status.as_ref() != Some(&status) {
            let became_ready = report.ready && !is_ready(claim.status.as_ref());
            let mut updated = claim.clone();
            updated.status = Some(status);
            writes.push(Write::Put {
                object: updated,
                expected: match &claim.metadata.resource_version {
                    Some(v) => Precondition::Version(v.clone()),
                    None => Precondition::Any,
                },
            });
            if became_ready {
                writes.push(Write::Event(Event {
                    object: key.clone(),
                    type_: EventType::Normal,
                    reason: "Ready".into(),
                    message: "every composed resource is ready".into(),
                    time: now_rfc3339(),
                }));
            } else if !report.synced {
                writes.push(Write::Event(Event {
                    object: key.clone(),
                    type_: EventType::Warning,
                    reason: "ReconcileError".into(),
                    message: report.message.clone(),
                    time: now_rfc3339(),
                }));
            }
        }
        // A claim without a status was never given secrets: no need to read them to compare.
        if let Some(secrets) = secrets
            && !secrets.is_empty()
        {
            let changed = claim.status.is_none()
                || match stored_secrets {
                    Some(stored) => *stored != secrets,
                    None => self.inner.store.secrets(&key).await? != secrets,
                };
            if changed {
                writes.push(Write::PutSecrets { key, secrets });
            }
        }
        if writes.is_empty() {
            return Ok(());
        }
        match self.commit_fenced(writes).await {
            Ok(_) | Err(crate::store::StoreError::Conflict { .. }) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }
}
