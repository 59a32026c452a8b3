//! Leaks: real resources that carry the platform's marker but whose owning claim the store
//! no longer holds (a create that outlived its claim's delete, a record lost with a state
//! file). Found by asking every provider for its [`inventory`](crate::provider::Provider::inventory),
//! and deleted only on request.

use std::collections::HashSet;
use std::sync::Arc;

use crate::engine::{DriftReport, Engine, EngineError, Orphan};
use crate::model::{ApiVersion, ObjectRef, Resource};
use crate::provider::{Owner, Provider};

impl Engine {
    /// Every provider once, however many kinds it serves.
    fn distinct_providers(&self) -> Vec<Arc<dyn Provider>> {
        let mut seen = HashSet::new();
        let mut out = Vec::new();
        for kinds in self.inner.providers.values() {
            for provider in kinds.values() {
                if seen.insert(Arc::as_ptr(provider) as *const () as usize) {
                    out.push(provider.clone());
                }
            }
        }
        out.sort_by(|a, b| a.name().cmp(b.name()));
        out
    }

    /// The stored objects `owner` may be: its kind in the claim group, or a managed kind of
    /// `api_version` (a resource applied without a claim owns itself).
    fn owner_keys(&self, owner: &Owner, api_version: &str) -> Vec<ObjectRef> {
        let mut groups = Vec::new();
        if let Ok(def) = self.inner.registry.find_kind(&owner.kind) {
            groups.push(def.gvk.group.clone());
        }
        groups.push(ApiVersion::parse(api_version).group);
        groups
            .into_iter()
            .map(|group| {
                ObjectRef::new(
                    owner.kind.clone(),
                    owner.namespace.clone(),
                    owner.name.clone(),
                )
                .in_group(group)
            })
            .collect()
    }

    /// True when the store holds the object `owner` names.
    async fn owner_stored(&self, owner: &Owner, api_version: &str) -> Result<bool, EngineError> {
        let keys = self.owner_keys(owner, api_version);
        Ok(self
            .inner
            .store
            .get_many(&keys)
            .await?
            .iter()
            .any(Option::is_some))
    }

    /// Adds to `report` the real resources whose recorded owner is not stored, and the
    /// providers that cannot list theirs. Resources recorded without an owner (created
    /// before owners were recorded) are not judged. Separate from [`Engine::detect_drift`],
    /// which the controller runs every poll: listing every real resource costs more.
    pub async fn find_orphans(&self, report: &mut DriftReport) -> Result<(), EngineError> {
        for provider in self.distinct_providers() {
            // A shared server's resources may be another installation's: never judged here.
            if !provider.private_inventory() {
                report.unlisted.push(provider.name().to_owned());
                continue;
            }
            let found = match provider.inventory().await {
                Ok(Some(found)) => found,
                Ok(None) => {
                    report.unlisted.push(provider.name().to_owned());
                    continue;
                }
                Err(e) => {
                    report.errors.push((
                        ObjectRef::new("Provider", "", provider.name()),
                        format!("cannot list its resources: {e}"),
                    ));
                    continue;
                }
            };
            for found in found {
                let Some(owner) = found.owner else { continue };
                if self
                    .owner_stored(&owner, &found.resource.object.api_version)
                    .await?
                {
                    continue;
                }
                report.orphans.push(Orphan {
                    provider: provider.name().to_owned(),
                    kind: found.resource.kind().to_owned(),
                    external_name: found.resource.external_name.clone(),
                    owner: owner.to_string(),
                    resource: found.resource,
                });
            }
        }
        report
            .orphans
            .sort_by(|a, b| (&a.kind, &a.external_name).cmp(&(&b.kind, &b.external_name)));
        Ok(())
    }

    /// Deletes the orphans of a drift report. Each is checked again under its owner's lease
    /// first: a claim applied again since the sweep takes its resource back, and is skipped.
    pub async fn delete_orphans(&self, report: &mut DriftReport) -> Result<(), EngineError> {
        for orphan in &report.orphans {
            // The inventory puts the recorded owner on the resource as its owner reference.
            let owner = Owner::of(&orphan.resource);
            let keys = self.owner_keys(&owner, &orphan.resource.object.api_version);
            let Some(_lease) = self.try_lease(&keys[0]).await? else {
                continue;
            };
            if self
                .owner_stored(&owner, &orphan.resource.object.api_version)
                .await?
            {
                continue;
            }
            let Some(provider) = self.provider_for(&orphan.resource.object).cloned() else {
                continue;
            };
            match provider.delete(&orphan.resource).await {
                Ok(()) => report.orphans_deleted += 1,
                Err(e) => report.errors.push((
                    orphan.resource.object.object_ref(),
                    format!("cannot delete orphan {}: {e}", orphan.external_name),
                )),
            }
        }
        Ok(())
    }
}
