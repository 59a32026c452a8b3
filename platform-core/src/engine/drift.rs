//! Drift sweeps: observe every managed resource, report what differs, and correct it.

use std::collections::{BTreeSet, HashMap};

use super::{DriftItem, DriftKind, DriftReport, Engine, EngineError};
use crate::model::{DynamicObject, ObjectRef, Resource};
use crate::provider::ManagedResource;
use crate::store::ListFilter;

/// Resources observed per batch call.
const BATCH: usize = 256;

impl Engine {
    /// Observes every managed resource the engine created and reports drift; changes nothing.
    pub async fn detect_drift(&self) -> Result<DriftReport, EngineError> {
        let stored = self.inner.store.list(&ListFilter::all()).await?;
        let mut groups: HashMap<(String, String), Vec<DynamicObject>> = HashMap::new();
        for object in stored {
            let was_synced = super::status::condition(object.status.as_ref(), "Synced")
                .is_some_and(|c| c.status == crate::model::ConditionStatus::True);
            if was_synced && self.provider_for(&object).is_some() {
                groups
                    .entry((object.api_version.clone(), object.kind.clone()))
                    .or_default()
                    .push(object);
            }
        }
        let mut tasks = tokio::task::JoinSet::new();
        for (_, objects) in groups {
            for chunk in objects.chunks(BATCH) {
                let engine = self.clone();
                let chunk = chunk.to_vec();
                tasks.spawn(async move {
                    let Some(provider) = engine.provider_for(&chunk[0]).cloned() else {
                        return Vec::new();
                    };
                    let managed: Vec<ManagedResource> =
                        chunk.iter().cloned().map(ManagedResource::new).collect();
                    let results = match engine.inner.permits.acquire().await {
                        Ok(_permit) => provider.observe_many(&managed).await,
                        Err(_) => Vec::new(),
                    };
                    chunk
                        .into_iter()
                        .zip(managed)
                        .zip(results)
                        .map(|((o, m), r)| (o, m, r))
                        .collect::<Vec<_>>()
                });
            }
        }
        let mut report = DriftReport::default();
        while let Some(joined) = tasks.join_next().await {
            let Ok(results) = joined else { continue };
            for (object, managed, result) in results {
                report.checked += 1;
                let claim = crate::store::memory::owner_of(&object);
                let kind = match result {
                    Err(e) => {
                        report.errors.push((object.object_ref(), e.to_string()));
                        continue;
                    }
                    Ok(o) if !o.exists => DriftKind::Missing,
                    Ok(o) if !o.up_to_date => DriftKind::Changed(o.diff),
                    Ok(_) => continue,
                };
                report.drifted.push(DriftItem {
                    claim,
                    resource: object.object_ref(),
                    external_name: managed.external_name,
                    kind,
                });
            }
        }
        report.drifted.sort_by(|a, b| a.resource.cmp(&b.resource));
        Ok(report)
    }

    /// A drift sweep that also corrects: the claims owning drifted resources are reconciled.
    pub async fn reconcile_once(&self) -> Result<DriftReport, EngineError> {
        self.recover().await?;
        let mut report = self.detect_drift().await?;
        let claims: BTreeSet<ObjectRef> = report
            .drifted
            .iter()
            .filter_map(|d| d.claim.clone())
            .collect();
        let mut tasks = tokio::task::JoinSet::new();
        for claim in claims {
            let engine = self.clone();
            tasks.spawn(async move { engine.reconcile(&claim).await });
        }
        let mut fixed: BTreeSet<ObjectRef> = BTreeSet::new();
        while let Some(joined) = tasks.join_next().await {
            if let Ok(Ok(claim_report)) = joined {
                fixed.extend(
                    claim_report
                        .resources
                        .iter()
                        .filter(|r| r.ready && r.message.is_none())
                        .map(|r| r.resource.clone()),
                );
            }
        }
        report.corrected = report
            .drifted
            .iter()
            .filter(|d| fixed.contains(&d.resource))
            .count();
        Ok(report)
    }
}
