//! Reconciling one managed resource: observe, then create, update or leave it; a create intent
//! is stored before every external create.

use serde_json::Value;
use std::collections::BTreeMap;

use super::known::Recorded;
use super::status::{Readiness, Synced, next_status};
use crate::engine::plan::decide::{self, Step};
use crate::engine::{Action, Engine, ManagementPolicy, ResourceReport};
use crate::model::{DynamicObject, Resource, time::now_rfc3339};
use crate::provider::{Applied, ManagedResource, Provider, ProviderError};
use crate::secret::SecretMap;
use crate::store::{CreateIntent, Event, EventType, Write};

/// What the provider calls decided, before it is written.
struct Decision {
    action: Action,
    readiness: Readiness,
    outputs: BTreeMap<String, Value>,
    secrets: SecretMap,
    event: Option<(EventType, &'static str, String)>,
}

/// Why the provider calls failed, and whether the resource was seen to be missing first.
struct Failure {
    error: ProviderError,
    /// Observe said the resource does not exist: it cannot stay Ready whatever it was before.
    missing: bool,
}

impl From<ProviderError> for Failure {
    fn from(error: ProviderError) -> Self {
        Failure {
            error,
            missing: false,
        }
    }
}

impl Engine {
    /// Creates a resource with its intent stored first; returns what the provider produced.
    async fn create_with_intent(
        &self,
        provider: &dyn Provider,
        resource: &ManagedResource,
    ) -> Result<Applied, ProviderError> {
        let intent = CreateIntent {
            key: resource.object.object_ref(),
            object: resource.object.clone(),
            external_name: resource.external_name.clone(),
            started_at: now_rfc3339(),
        };
        self.inner
            .store
            .commit(vec![Write::PutIntent(intent)])
            .await
            .map_err(|e| ProviderError::transient(format!("cannot record create intent: {e}")))?;
        provider.create(resource).await
    }

    async fn decide(
        &self,
        provider: &dyn Provider,
        resource: &ManagedResource,
        stored: Option<&DynamicObject>,
        policy: ManagementPolicy,
    ) -> Result<Decision, Failure> {
        let created = |applied: Applied, event: (EventType, &'static str, String)| Decision {
            action: Action::Create,
            readiness: if applied.pending {
                Readiness::Creating("created; waiting for it to become available".into())
            } else {
                Readiness::Available
            },
            outputs: applied.outputs,
            secrets: applied.secrets,
            event: Some(event),
        };
        let observed = provider.observe(resource).await?;
        let step = decide::step(policy, stored.is_some(), &observed);
        let (outputs, secrets) = (observed.outputs, observed.secrets);
        match step {
            Step::Adopt => {
                let applied = provider.adopt(resource).await?;
                let mut outputs = outputs;
                outputs.extend(applied.outputs);
                let mut secrets = secrets;
                secrets.extend(applied.secrets);
                Ok(Decision {
                    action: Action::NoChange,
                    readiness: if applied.pending {
                        Readiness::Creating("adopted; waiting for it to become available".into())
                    } else {
                        Readiness::Available
                    },
                    outputs,
                    secrets,
                    event: Some((
                        EventType::Normal,
                        "Adopted",
                        format!(
                            "{} {} existed without a record and was adopted",
                            resource.kind(),
                            resource.external_name
                        ),
                    )),
                })
            }
            Step::Create => {
                let applied = self.create_with_intent(provider, resource).await?;
                let message = format!("created {} {}", resource.kind(), resource.external_name);
                Ok(created(applied, (EventType::Normal, "Created", message)))
            }
            Step::Recreate => {
                let applied =
                    self.create_with_intent(provider, resource)
                        .await
                        .map_err(|error| Failure {
                            error,
                            missing: true,
                        })?;
                let message = format!(
                    "{} {} was missing and has been created again",
                    resource.kind(),
                    resource.external_name
                );
                Ok(created(applied, (EventType::Warning, "Recreated", message)))
            }
            Step::Absent => Ok(Decision {
                action: Action::NoChange,
                readiness: Readiness::Unavailable(format!(
                    "{} {} does not exist; ObserveOnly resources are never created",
                    resource.kind(),
                    resource.external_name
                )),
                outputs: BTreeMap::new(),
                secrets: SecretMap::new(),
                event: None,
            }),
            Step::Update(diff) => {
                let applied = provider.update(resource).await?;
                let fields: Vec<&str> = diff.iter().map(|d| d.path.as_str()).collect();
                let event = format!("updated {}", fields.join(", "));
                let mut outputs = outputs;
                outputs.extend(applied.outputs);
                let mut secrets = secrets;
                secrets.extend(applied.secrets);
                Ok(Decision {
                    action: Action::Update { diff },
                    readiness: if applied.pending {
                        Readiness::Creating("updated; waiting for it to become available".into())
                    } else {
                        Readiness::Available
                    },
                    outputs,
                    secrets,
                    event: Some((EventType::Normal, "Updated", event)),
                })
            }
            Step::Keep { ready } => Ok(Decision {
                action: Action::NoChange,
                readiness: if ready {
                    Readiness::Available
                } else {
                    Readiness::Creating("exists but is not available yet".into())
                },
                outputs,
                secrets,
                event: None,
            }),
        }
    }

    /// Reconciles one managed resource and records the result; never fails as a whole.
    /// `known` are the stored object's secrets. Returns the report and the resource as the
    /// store now holds it.
    pub(crate) async fn apply_resource(
        &self,
        name: &str,
        desired: DynamicObject,
        stored: Option<DynamicObject>,
        known: SecretMap,
    ) -> (ResourceReport, Recorded) {
        let key = desired.object_ref();
        let resource = ManagedResource::new(desired);
        let policy = ManagementPolicy::of(&resource.object);
        let generation = match &stored {
            Some(s) if s.spec == resource.object.spec => s.metadata.generation,
            Some(s) => s.metadata.generation.map(|g| g + 1),
            None => Some(1),
        };
        let previous_status = stored.as_ref().and_then(|s| s.status.as_ref());
        let was_ready = super::status::is_ready(previous_status);
        let decision = match self.provider_for(&resource.object).cloned() {
            None => Err(Failure::from(ProviderError::permanent(format!(
                "no provider serves {} {}",
                resource.object.api_version, resource.object.kind
            )))),
            Some(provider) => match self.inner.permits.acquire().await {
                Ok(_permit) => {
                    self.decide(provider.as_ref(), &resource, stored.as_ref(), policy)
                        .await
                }
                Err(_) => Err(ProviderError::transient("engine is shutting down").into()),
            },
        };
        let mut retried_create = false;
        let (action, readiness, synced, outputs, secrets, event) = match decision {
            Ok(d) => (
                d.action,
                d.readiness,
                Synced::Success,
                d.outputs,
                d.secrets,
                d.event,
            ),
            Err(Failure { error, missing }) => {
                // A create may have been attempted after the resource was seen missing.
                retried_create = missing;
                let message = format!("{} error: {}", error.class, error.message);
                // A resource seen missing is not Ready; otherwise a failed call leaves it
                // unknown: a Ready that stayed True would hide the failure (a database stuck
                // behind a hot journal showed Ready with no password).
                let readiness = if was_ready && !missing {
                    Readiness::Unknown(message.clone())
                } else {
                    Readiness::Unavailable(message.clone())
                };
                let outputs = super::status::outputs(previous_status);
                let event = Some((EventType::Warning, "ReconcileError", message.clone()));
                (
                    Action::NoChange,
                    readiness,
                    Synced::Error(message),
                    outputs,
                    SecretMap::new(),
                    event,
                )
            }
        };
        let ready = readiness == Readiness::Available;
        let message = match (&readiness, &synced) {
            (_, Synced::Error(m)) => Some(m.clone()),
            (Readiness::Creating(m) | Readiness::Unavailable(m) | Readiness::Unknown(m), _) => {
                Some(m.clone())
            }
            _ => None,
        };
        let status = next_status(
            previous_status,
            &readiness,
            &synced,
            outputs.clone(),
            generation,
        );
        let claim = crate::store::owner_of(&resource.object);
        let mut object = resource.object;
        object.status = Some(status);
        let mut writes = Vec::new();
        let changed = stored.as_ref().is_none_or(|s| {
            s.spec != object.spec
                || s.status != object.status
                || s.metadata.annotations != object.metadata.annotations
                || s.metadata.labels != object.metadata.labels
                || s.metadata.owner_references != object.metadata.owner_references
        });
        if changed {
            writes.push(Write::Put {
                object: object.clone(),
                expected: crate::store::Precondition::Any,
            });
        }
        let mut merged = None;
        if !secrets.is_empty() {
            let mut all = known.clone();
            all.extend(secrets);
            if all != known {
                writes.push(Write::PutSecrets {
                    key: key.clone(),
                    secrets: all.clone(),
                });
                merged = Some(all);
            }
        }
        // The record written here supersedes any create intent: the next reconcile observes
        // the real resource and acts on what it finds.
        if action == Action::Create || stored.is_none() || retried_create {
            writes.push(Write::ClearIntent(key.clone()));
        }
        if let Some((type_, reason, message)) = event {
            writes.push(Write::Event(Event {
                object: key.clone(),
                type_,
                reason: reason.to_owned(),
                message,
                time: now_rfc3339(),
            }));
        }
        let mut message = message;
        let mut record = Recorded {
            object: stored,
            secrets: known,
        };
        // Recorded only while the claim still exists: a resource recorded for a claim that
        // another process deleted meanwhile would be a leak nothing looks at again. Refused,
        // the create intent stays, and recovery removes the resource.
        if writes.iter().any(|w| matches!(w, Write::Put { .. }))
            && let Some(claim) = claim
        {
            writes.push(Write::Expect {
                key: claim,
                expected: crate::store::Precondition::Exists,
            });
        }
        if !writes.is_empty() {
            match self.commit_fenced(writes).await {
                Ok(written) => {
                    if let Some(object) = written.into_iter().next() {
                        record.object = Some(object);
                    }
                    if let Some(merged) = merged {
                        record.secrets = merged;
                    }
                }
                Err(e) => message = Some(format!("cannot record the result: {e}")),
            }
        }
        let report = ResourceReport {
            name: name.to_owned(),
            resource: key,
            external_name: resource.external_name,
            action,
            ready,
            message,
            outputs,
        };
        self.report_progress(crate::engine::ProgressEvent::Reconciled(&report));
        (report, record)
    }
}
