//! Crash recovery: resolving create intents left by a process that died between a create and
//! its record, by observing the deterministic external name.

use super::reconcile::status::{Readiness, Synced, next_status};
use super::{Engine, EngineError};
use crate::model::time::now_rfc3339;
use crate::provider::ManagedResource;
use crate::store::{Event, EventType, Precondition, Write};

impl Engine {
    /// Resolves pending create intents once per engine: adopts resources that exist (through
    /// [`Provider::adopt`](crate::provider::Provider::adopt), so credentials a provider
    /// generates are known again), creates those that do not. Returns how many were resolved.
    pub async fn recover(&self) -> Result<usize, EngineError> {
        let mut resolved = 0;
        self.inner
            .recovered
            .get_or_try_init(|| async {
                resolved = self.recover_now().await?;
                Ok::<(), EngineError>(())
            })
            .await?;
        Ok(resolved)
    }

    async fn recover_now(&self) -> Result<usize, EngineError> {
        let mut resolved = 0;
        for intent in self.inner.store.intents().await? {
            let Some(provider) = self.provider_for(&intent.object).cloned() else {
                continue;
            };
            let resource = ManagedResource {
                object: intent.object.clone(),
                external_name: intent.external_name.clone(),
            };
            // The claim's lease, not waited for: a live holder's intent is a create in
            // flight in another process, not one a crash left behind.
            let claim = crate::store::owner_of(&intent.object);
            let _lease = match &claim {
                Some(claim) => match self.try_lease(claim).await? {
                    Some(lease) => Some(lease),
                    None => continue,
                },
                None => None,
            };
            // The claim was deleted while its create was in flight: the resource belongs to
            // nothing, so it goes (a provider refuses one another claim owns).
            if let Some(claim) = &claim
                && self.inner.store.get(claim).await?.is_none()
            {
                if provider.delete(&resource).await.is_ok() {
                    self.inner
                        .store
                        .commit(vec![Write::ClearIntent(intent.key.clone())])
                        .await?;
                    resolved += 1;
                }
                continue;
            }
            let observed = match provider.observe(&resource).await {
                Ok(o) => o,
                Err(_) => continue,
            };
            let (outputs, secrets, reason) = if observed.exists {
                // Adopting hands out what only a create knows (a generated password that
                // died with the crashed process); observing cannot.
                let (mut outputs, mut secrets) = match provider.adopt(&resource).await {
                    Ok(applied) => {
                        let mut outputs = observed.outputs;
                        outputs.extend(applied.outputs);
                        let mut secrets = observed.secrets;
                        secrets.extend(applied.secrets);
                        (outputs, secrets)
                    }
                    Err(_) => (observed.outputs, observed.secrets),
                };
                // A create cut short half-way is completed now rather than recorded Ready as
                // it was found; when that fails the intent stays for the next run.
                if !observed.up_to_date {
                    match provider.update(&resource).await {
                        Ok(applied) => {
                            outputs.extend(applied.outputs);
                            secrets.extend(applied.secrets);
                        }
                        Err(_) => continue,
                    }
                }
                (outputs, secrets, "Adopted")
            } else {
                match provider.create(&resource).await {
                    Ok(applied) => (applied.outputs, applied.secrets, "Created"),
                    Err(_) => continue,
                }
            };
            let stored = self.inner.store.get(&intent.key).await?;
            let generation = stored
                .as_ref()
                .and_then(|s| s.metadata.generation)
                .or(Some(1));
            let mut object = intent.object.clone();
            object.status = Some(next_status(
                stored.as_ref().and_then(|s| s.status.as_ref()),
                &Readiness::Available,
                &Synced::Success,
                outputs,
                generation,
            ));
            let mut writes = vec![Write::Put {
                object,
                expected: Precondition::Any,
            }];
            if !secrets.is_empty() {
                writes.push(Write::PutSecrets {
                    key: intent.key.clone(),
                    secrets,
                });
            }
            if let Some(claim) = claim {
                writes.push(Write::Expect {
                    key: claim,
                    expected: Precondition::Exists,
                });
            }
            writes.push(Write::ClearIntent(intent.key.clone()));
            writes.push(Write::Event(Event {
                object: intent.key.clone(),
                type_: EventType::Normal,
                reason: reason.to_owned(),
                message: format!(
                    "resolved a create interrupted at {}: {} {}",
                    intent.started_at,
                    if reason == "Adopted" {
                        "found and adopted"
                    } else {
                        "created"
                    },
                    intent.external_name
                ),
                time: now_rfc3339(),
            }));
            self.inner.store.commit(writes).await?;
            resolved += 1;
        }
        Ok(resolved)
    }
}
