//! Delete: a claim, its owned claims and managed resources, in reverse dependency order,
//! respecting deletion and management policies and refusing while another object uses it.

use std::collections::{BTreeSet, HashMap};

use super::reconcile::graph::levels;
use super::reconcile::{APPLICATION, local_name};
use super::{
    DEPENDS_ON_ANNOTATION, DeleteReport, DeletionPolicy, Engine, EngineError, ManagementPolicy,
};
use crate::admit::Operation;
use crate::model::{DynamicObject, ObjectRef, Resource, time::now_rfc3339};
use crate::provider::ManagedResource;
use crate::store::{Event, EventType, ListFilter, Precondition, Write};

impl Engine {
    /// Deletes a claim and what it owns; refused while an Application still requests it.
    pub async fn delete(&self, key: &ObjectRef) -> Result<DeleteReport, EngineError> {
        self.recover().await?;
        // Locked before it is read: another process's apply or delete of the same claim
        // waits, rather than recording resources for a claim this delete removes.
        let guard = self.lock_object(key).await?;
        let claim = self
            .inner
            .store
            .get(key)
            .await?
            .ok_or_else(|| EngineError::NotFound(Box::new(key.clone())))?;
        if let Some(owner) = crate::store::owner_of(&claim)
            && owner.kind == APPLICATION
            && let Some(app) = self.inner.store.get(&owner).await?
        {
            let local = local_name(&claim);
            let mut detail = format!("requested as spec.resources.{local}");
            let uses: Vec<String> = app
                .spec
                .get("containers")
                .and_then(|c| c.as_array())
                .into_iter()
                .flatten()
                .flat_map(|c| {
                    let name = c
                        .get("name")
                        .and_then(|n| n.as_str())
                        .unwrap_or_default()
                        .to_owned();
                    c.get("env")
                        .and_then(|e| e.as_object())
                        .into_iter()
                        .flatten()
                        .filter(|(_, v)| {
                            v.as_str()
                                .is_some_and(|s| s.contains(&format!("${{resources.{local}.")))
                        })
                        .map(move |(var, _)| format!("{name}.{var}"))
                        .collect::<Vec<_>>()
                })
                .collect();
            if !uses.is_empty() {
                detail.push_str(&format!(", its outputs used by {}", uses.join(", ")));
            }
            return Err(EngineError::InUse {
                object: Box::new(key.clone()),
                user: Box::new(app.object_ref()),
                detail,
            });
        }
        // The stored claim was checked when it was applied.
        self.admit(
            vec![crate::validate::Checked::new(claim.clone(), None)],
            Operation::Delete,
            true,
        )
        .await?;
        super::lease::with_lease(guard.lease(), self.delete_tree(&claim)).await
    }

    /// Deletes a claim's owned claims, then its managed resources, then its record.
    pub(crate) fn delete_tree<'a>(
        &'a self,
        claim: &'a DynamicObject,
    ) -> std::pin::Pin<
        Box<dyn std::future::Future<Output = Result<DeleteReport, EngineError>> + Send + 'a>,
    > {
        Box::pin(async move {
            let key = claim.object_ref();
            let mut report = DeleteReport::default();
            let owned = self
                .inner
                .store
                .list(&ListFilter::owned_by(key.clone()))
                .await?;
            let (claims, managed): (Vec<DynamicObject>, Vec<DynamicObject>) = owned
                .into_iter()
                .partition(|o| self.inner.registry.resolve(&o.api_version, &o.kind).is_ok());
            for child in &claims {
                let child_report = self.delete_tree(child).await?;
                report.deleted.extend(child_report.deleted);
                report.orphaned.extend(child_report.orphaned);
            }
            for resource in reverse_dependency_order(managed) {
                let resource_key = resource.object_ref();
                if self.delete_managed(Some(claim), &resource).await? {
                    report.orphaned.push(resource_key);
                } else {
                    report.deleted.push(resource_key);
                }
            }
            // A claim applied again meanwhile (by another command) stays, and its next
            // reconcile provisions it again: the delete reports the conflict.
            let writes = vec![Write::Delete {
                key: key.clone(),
                expected: match &claim.metadata.resource_version {
                    Some(v) => Precondition::Version(v.clone()),
                    None => Precondition::Any,
                },
            }];
            self.commit_fenced(writes).await?;
            report.deleted.push(key);
            Ok(report)
        })
    }

    /// Deletes one managed resource and its record; returns whether the real resource was kept.
    pub(crate) async fn delete_managed(
        &self,
        claim: Option<&DynamicObject>,
        resource: &DynamicObject,
    ) -> Result<bool, EngineError> {
        let key = resource.object_ref();
        let keep = keeps_on_delete(claim, resource);
        if !keep && let Some(provider) = self.provider_for(resource).cloned() {
            let managed = ManagedResource::new(resource.clone());
            let result = match self.inner.permits.acquire().await {
                Ok(_permit) => provider.delete(&managed).await,
                Err(_) => Err(crate::provider::ProviderError::transient(
                    "engine is shutting down",
                )),
            };
            match result {
                Ok(()) => {}
                Err(e) if e.class == crate::provider::ErrorClass::NotFound => {}
                Err(source) => {
                    return Err(EngineError::Provider {
                        object: Box::new(key),
                        source,
                    });
                }
            }
        }
        // A create intent left by a failed re-create goes with the record: recovery would
        // otherwise create the resource again after a restart, for a claim that is gone.
        let mut writes = vec![
            Write::Delete {
                key: key.clone(),
                expected: Precondition::Any,
            },
            Write::ClearIntent(key.clone()),
        ];
        if let Some(claim) = claim {
            writes.push(Write::Event(Event {
                object: claim.object_ref(),
                type_: EventType::Normal,
                reason: if keep { "Orphaned" } else { "Deleted" }.to_owned(),
                message: format!(
                    "{} {} {}",
                    resource.kind,
                    crate::provider::external_name(resource),
                    if keep {
                        "kept by policy; record removed"
                    } else {
                        "deleted"
                    }
                ),
                time: now_rfc3339(),
            }));
        }
        self.commit_fenced(writes).await?;
        self.report_progress(super::ProgressEvent::Deleted {
            resource: &key,
            external_name: &crate::provider::external_name(resource),
            kept: keep,
        });
        Ok(keep)
    }
}

/// Managed resources ordered so that dependents come before what they depend on.
fn reverse_dependency_order(resources: Vec<DynamicObject>) -> Vec<DynamicObject> {
    let names: Vec<String> = resources.iter().map(local_name).collect();
    let known: BTreeSet<&str> = names.iter().map(String::as_str).collect();
    let deps: Vec<BTreeSet<String>> = resources
        .iter()
        .map(|r| {
            r.metadata
                .annotations
                .get(DEPENDS_ON_ANNOTATION)
                .map(|list| {
                    list.split(',')
                        .map(str::trim)
                        .filter(|n| known.contains(n))
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default()
        })
        .collect();
    let order: Vec<usize> = match levels(&names, &deps) {
        Ok(levels) => levels.into_iter().rev().flatten().collect(),
        Err(_) => (0..resources.len()).rev().collect(),
    };
    let mut slots: HashMap<usize, DynamicObject> = resources.into_iter().enumerate().collect();
    order.into_iter().filter_map(|i| slots.remove(&i)).collect()
}

/// Whether deleting `claim` leaves `resource` in place (deletion policy `Orphan`, or a
/// management policy other than full): the one answer `delete` acts on and `plan` announces.
pub(crate) fn keeps_on_delete(claim: Option<&DynamicObject>, resource: &DynamicObject) -> bool {
    DeletionPolicy::of(resource, claim) == DeletionPolicy::Orphan
        || ManagementPolicy::of(resource) != ManagementPolicy::Full
}
