//! Reconciling a claim: compose it, reconcile its managed resources level by level, delete
//! what is no longer desired, and report.

use serde_json::Value;
use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};

use super::compose::APPLICATION;
use super::known::{Known, Recorded, exposed};
use super::outputs::{OutputsByName, resolve};
use crate::compose::ObservedResources;
use crate::engine::{ClaimReport, Engine, EngineError, ResourceReport};
use crate::model::{DynamicObject, Resource};
use crate::secret::{SecretMap, SecretValue};

impl Engine {
    /// Reconciles the managed resources of a claim (children are already reconciled claims).
    pub(super) async fn reconcile_claim(
        &self,
        claim: DynamicObject,
        children: Vec<ClaimReport>,
    ) -> Result<ClaimReport, EngineError> {
        let key = claim.object_ref();
        let mut by_name = self.managed_by_name(&key).await?;
        let Known {
            observed,
            mut secrets_by_name,
            claim_secrets,
        } = self.known_of(&claim, &by_name).await?;
        let composed = match self.compose_claim(&claim, &observed) {
            Ok(c) => c,
            Err(e) => {
                let report = ClaimReport::failed(key.clone(), e, children);
                self.write_claim_status(&claim, &report, None, None).await?;
                return Ok(report);
            }
        };
        let mut resources: Vec<Option<ResourceReport>> = Vec::new();
        let mut outputs = OutputsByName::new();
        // Each desired resource as the store holds it after this reconcile, by name.
        let mut recorded: HashMap<String, Recorded> = HashMap::new();
        if let Some(composed) = &composed {
            resources = vec![None; composed.resources.len()];
            for level in &composed.levels {
                let inline = level.len() == 1;
                let mut tasks = tokio::task::JoinSet::new();
                for &i in level {
                    let desired = &composed.resources[i];
                    let stored = by_name.remove(&desired.name);
                    let known = secrets_by_name.remove(&desired.name).unwrap_or_default();
                    match resolve(&desired.object.spec, &outputs) {
                        Ok(spec) => {
                            let mut object = desired.object.clone();
                            object.spec = spec;
                            if inline {
                                // One resource in a level: no task to spawn.
                                let (report, record) = self
                                    .apply_resource(&desired.name, object, stored, known)
                                    .await;
                                outputs.insert(report.name.clone(), report.outputs.clone());
                                recorded.insert(report.name.clone(), record);
                                resources[i] = Some(report);
                                continue;
                            }
                            let engine = self.clone();
                            let name = desired.name.clone();
                            tasks.spawn(async move {
                                (i, engine.apply_resource(&name, object, stored, known).await)
                            });
                        }
                        Err(missing) => {
                            recorded.insert(
                                desired.name.clone(),
                                Recorded {
                                    object: stored,
                                    secrets: known,
                                },
                            );
                            resources[i] = Some(ResourceReport {
                                name: desired.name.clone(),
                                resource: desired.object.object_ref(),
                                external_name: crate::provider::external_name(&desired.object),
                                action: crate::engine::Action::NoChange,
                                ready: false,
                                message: Some(format!(
                                    "waiting for outputs: {}",
                                    missing.join(", ")
                                )),
                                outputs: BTreeMap::new(),
                            });
                        }
                    }
                }
                while let Some(joined) = tasks.join_next().await {
                    if let Ok((i, (report, record))) = joined {
                        outputs.insert(report.name.clone(), report.outputs.clone());
                        recorded.insert(report.name.clone(), record);
                        resources[i] = Some(report);
                    }
                }
            }
        }
        // Whatever is stored but no longer desired goes, dependents first.
        let deleted_any = !by_name.is_empty();
        for stale in by_name.into_values() {
            self.delete_managed(Some(&claim), &stale).await?;
        }
        let resources: Vec<ResourceReport> = resources.into_iter().flatten().collect();
        let unchanged = !deleted_any
            && resources
                .iter()
                .all(|r| r.action == crate::engine::Action::NoChange && r.message.is_none());
        // The composite as the composition sees it now: ToComposite outputs and connection
        // details. When nothing changed, composing already saw the current state; otherwise
        // what was just recorded is read back, without composing the desired resources again.
        let (claim_outputs, connection, warnings) = match &composed {
            Some(c) => {
                let read_back = if unchanged {
                    Ok(Cow::Borrowed(&c.read_back))
                } else {
                    // What was just recorded is what the store now holds: no need to read it.
                    let mut observed = ObservedResources::new();
                    for (name, Recorded { object, secrets }) in recorded {
                        if let Some(object) = object {
                            observed.insert_with_connection_details(
                                name,
                                serde_json::to_value(&object).unwrap_or(Value::Null),
                                exposed(&secrets),
                            );
                        }
                    }
                    c.read_back(&observed, &self.inner.environment_data)
                        .map(Cow::Owned)
                };
                let mut warnings = c.warnings.clone();
                match read_back {
                    Ok(o) => {
                        warnings.extend(o.warnings.iter().cloned());
                        let outputs = super::status::outputs(o.composite.get("status"));
                        let connection = match o {
                            Cow::Borrowed(o) => o.connection_details.clone(),
                            Cow::Owned(o) => o.connection_details,
                        };
                        (outputs, connection, warnings)
                    }
                    // Outputs that cannot be read leave the claim not Ready, saying why.
                    Err(e) => {
                        warnings.push(format!("reading the composed resources back: {e}"));
                        (BTreeMap::new(), BTreeMap::new(), warnings)
                    }
                }
            }
            None => (BTreeMap::new(), BTreeMap::new(), Vec::new()),
        };
        let unready: Vec<&str> = resources
            .iter()
            .filter(|r| !r.ready)
            .map(|r| r.name.as_str())
            .chain(
                children
                    .iter()
                    .filter(|c| !c.all_ready())
                    .map(|c| c.claim.name.as_str()),
            )
            .collect();
        let errors: Vec<String> = resources
            .iter()
            .filter_map(|r| {
                r.message
                    .as_ref()
                    .filter(|m| m.contains("error:"))
                    .map(|m| format!("{}: {m}", r.name))
            })
            .collect();
        let mut message = if unready.is_empty() {
            String::new()
        } else {
            format!("Unready resources: {}", unready.join(", "))
        };
        if !warnings.is_empty() {
            message = format!(
                "{message}{}{}",
                if message.is_empty() { "" } else { "; " },
                warnings.join("; ")
            );
        }
        let report = ClaimReport {
            claim: key,
            composition: composed.as_ref().map(|c| c.name().to_owned()),
            ready: unready.is_empty() && warnings.is_empty() && errors.is_empty(),
            synced: errors.is_empty(),
            message: if errors.is_empty() {
                message
            } else {
                errors.join("; ")
            },
            outputs: claim_outputs,
            resources,
            children,
            next: crate::engine::Next::AwaitChange,
        };
        let secrets: SecretMap = connection
            .into_iter()
            .map(|(k, v)| (k, SecretValue::new(v)))
            .collect();
        if claim.kind != APPLICATION {
            self.write_claim_status(&claim, &report, Some(secrets), claim_secrets.as_ref())
                .await?;
        }
        Ok(report)
    }
}
