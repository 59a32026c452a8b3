//! Plan: what an apply would do, for every managed resource, without changing anything.

pub(crate) mod decide;

use serde::Serialize;
use std::fmt;

use crate::admit::Operation;
use crate::engine::ManagementPolicy;
use crate::engine::reconcile::APPLICATION;
use crate::engine::reconcile::outputs::{OutputsByName, resolve};
use crate::engine::{Engine, EngineError};
use crate::model::{DynamicObject, ObjectRef, Resource};
use crate::provider::{FieldDiff, ManagedResource};
use crate::validate::Checked;
use decide::Step;

/// What happens to one managed resource.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "action", rename_all = "camelCase")]
pub enum Action {
    /// It will be (or was) created.
    Create,
    /// It will be (or was) changed; the fields that differ.
    Update {
        /// Desired and actual values of each differing field.
        diff: Vec<FieldDiff>,
    },
    /// It will be (or was) deleted.
    Delete,
    /// Nothing to do.
    NoChange,
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Action::Create => "create",
            Action::Update { .. } => "update",
            Action::Delete => "delete",
            Action::NoChange => "no change",
        })
    }
}

/// One line of a plan.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PlannedAction {
    /// The claim it belongs to.
    pub claim: ObjectRef,
    /// Name within the composition.
    pub name: String,
    /// The managed resource.
    pub resource: ObjectRef,
    /// The real resource's name.
    pub external_name: String,
    /// What would happen.
    #[serde(flatten)]
    pub action: Action,
    /// Why, when it is not obvious (an observe error, an unresolved placeholder).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// Names (within the composition) of the resources this one waits for: the outputs it
    /// reads and its `platform.dev/depends-on` annotation.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub depends_on: Vec<String>,
}

/// What an apply would do, in dependency order (deletes in reverse).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Plan {
    /// Every managed resource of the request.
    pub actions: Vec<PlannedAction>,
    /// Admission warnings and claims that cannot be composed.
    pub warnings: Vec<String>,
}

impl Plan {
    /// Whether anything would be created, updated or deleted.
    pub fn has_changes(&self) -> bool {
        self.actions.iter().any(|a| a.action != Action::NoChange)
    }

    /// Counts of creates, updates and deletes.
    pub fn counts(&self) -> (usize, usize, usize) {
        let count = |f: fn(&Action) -> bool| self.actions.iter().filter(|a| f(&a.action)).count();
        (
            count(|a| matches!(a, Action::Create)),
            count(|a| matches!(a, Action::Update { .. })),
            count(|a| matches!(a, Action::Delete)),
        )
    }

    /// `Plan: 3 to create, 1 to update, 0 to delete.`
    pub fn summary(&self) -> String {
        let (c, u, d) = self.counts();
        format!("Plan: {c} to create, {u} to update, {d} to delete.")
    }
}

impl Engine {
    /// Plans objects: observes every managed resource they would have and reports the action.
    pub async fn plan(&self, objects: &[DynamicObject]) -> Result<Plan, EngineError> {
        self.plan_checked(self.check(objects)?).await
    }

    /// [`Engine::plan`] of objects already checked: nothing is checked twice.
    pub async fn plan_checked(&self, objects: Vec<Checked>) -> Result<Plan, EngineError> {
        crate::engine::intake::no_duplicates(&objects)?;
        self.refuse_unfillable(&objects)?;
        let crate::engine::intake::Admitted {
            objects: admitted,
            stored,
            warnings,
        } = self.admit(objects, Operation::Create, false).await?;
        let mut claims = Vec::new();
        let mut removed = Vec::new();
        for (object, stored) in admitted.into_iter().zip(stored) {
            if object.kind == APPLICATION {
                let mut app = object.clone();
                if let Some(stored) = &stored {
                    app.metadata.uid = stored.metadata.uid.clone();
                }
                let children = self.children_of(&app)?;
                if stored.is_some() {
                    removed.extend(self.stale_children(&app.object_ref(), &children).await?);
                }
                claims.extend(children);
            }
            claims.push(object);
        }
        let engine = self.clone();
        let parts = crate::engine::bounded::map_bounded(claims, self.claim_slots(), move |claim| {
            let engine = engine.clone();
            async move { engine.plan_claim(claim).await }
        })
        .await;
        let mut plan = Plan {
            actions: Vec::new(),
            warnings,
        };
        for part in parts {
            match part {
                Ok(actions) => plan.actions.extend(actions),
                Err(e) => plan.warnings.push(e.to_string()),
            }
        }
        for claim in &removed {
            plan.actions.extend(self.plan_removal(claim).await?);
        }
        Ok(plan)
    }

    /// What deleting a claim its Application no longer requests does to its resources.
    async fn plan_removal(&self, claim: &DynamicObject) -> Result<Vec<PlannedAction>, EngineError> {
        let key = claim.object_ref();
        let mut actions: Vec<PlannedAction> = self
            .managed_by_name(&key)
            .await?
            .into_iter()
            .map(|(name, object)| {
                let kept = crate::engine::delete::keeps_on_delete(Some(claim), &object);
                PlannedAction {
                    claim: key.clone(),
                    name,
                    resource: object.object_ref(),
                    external_name: crate::provider::external_name(&object),
                    action: if kept { Action::NoChange } else { Action::Delete },
                    note: Some(if kept {
                        "its claim is no longer requested by its Application; kept by its deletion or management policy".into()
                    } else {
                        "its claim is no longer requested by its Application".into()
                    }),
                    depends_on: Vec::new(),
                }
            })
            .collect();
        actions.sort_by(|a, b| b.name.cmp(&a.name));
        Ok(actions)
    }

    async fn plan_claim(&self, claim: DynamicObject) -> Result<Vec<PlannedAction>, EngineError> {
        let key = claim.object_ref();
        let mut stored = self.managed_by_name(&key).await?;
        let mut outputs = OutputsByName::new();
        for (name, object) in &stored {
            outputs.insert(
                name.clone(),
                crate::engine::reconcile::status::outputs(object.status.as_ref()),
            );
        }
        // What apply composes from: the stored resources with their connection details.
        let observed = self.known_of(&claim, &stored).await?.observed;
        let Some(composed) = self.compose_claim(&claim, &observed)? else {
            return Ok(Vec::new());
        };
        let mut actions = Vec::new();
        for level in &composed.levels {
            for &i in level {
                let desired = &composed.resources[i];
                let stored_object = stored.remove(&desired.name);
                let (spec, mut note) = match resolve(&desired.object.spec, &outputs) {
                    Ok(spec) => (spec, None),
                    Err(missing) => (
                        desired.object.spec.clone(),
                        Some(format!("waits for outputs: {}", missing.join(", "))),
                    ),
                };
                let mut object = desired.object.clone();
                object.spec = spec;
                let resource = ManagedResource::new(object);
                let action = match self.provider_for(&resource.object) {
                    None => {
                        note = Some(format!(
                            "no provider serves {} {}",
                            resource.object.api_version, resource.object.kind
                        ));
                        if stored_object.is_some() {
                            Action::NoChange
                        } else {
                            Action::Create
                        }
                    }
                    Some(provider) => {
                        // The decision apply acts on, without acting.
                        let policy = ManagementPolicy::of(&resource.object);
                        let observation = match self.inner.permits.acquire().await {
                            Ok(_permit) => provider.observe(&resource).await,
                            Err(_) => Err(crate::provider::ProviderError::transient(
                                "engine is shutting down",
                            )),
                        };
                        match observation {
                            Ok(observed) => {
                                match decide::step(policy, stored_object.is_some(), &observed) {
                                    Step::Create | Step::Recreate => Action::Create,
                                    Step::Adopt => {
                                        note = Some("exists without a record: adopted".into());
                                        Action::NoChange
                                    }
                                    Step::Update(diff) => Action::Update { diff },
                                    Step::Keep { .. } => Action::NoChange,
                                    Step::Absent => {
                                        note = Some(format!(
                                            "does not exist; {policy} resources are never created"
                                        ));
                                        Action::NoChange
                                    }
                                }
                            }
                            Err(e) => {
                                note = Some(format!("cannot observe: {e}"));
                                if stored_object.is_some() {
                                    Action::NoChange
                                } else {
                                    Action::Create
                                }
                            }
                        }
                    }
                };
                actions.push(PlannedAction {
                    claim: key.clone(),
                    name: desired.name.clone(),
                    resource: resource.object.object_ref(),
                    external_name: resource.external_name,
                    action,
                    note,
                    // Composing already refused cycles and unknown names, so this succeeds.
                    depends_on: crate::engine::reconcile::graph::dependencies(&desired.object)
                        .map(|d| d.into_iter().collect())
                        .unwrap_or_default(),
                });
            }
        }
        let mut stale: Vec<PlannedAction> = stored
            .into_iter()
            .map(|(name, object)| PlannedAction {
                claim: key.clone(),
                name,
                resource: object.object_ref(),
                external_name: crate::provider::external_name(&object),
                action: Action::Delete,
                note: None,
                depends_on: Vec::new(),
            })
            .collect();
        stale.sort_by(|a, b| b.name.cmp(&a.name));
        actions.extend(stale);
        Ok(actions)
    }
}
