//! Drift sweeps: observe every managed resource, report what differs, and correct it.

use std::collections::BTreeSet;

use super::{DriftItem, DriftKind, DriftReport, Engine, EngineError};
use crate::model::{DynamicObject, ObjectRef, Resource};
use crate::provider::ManagedResource;
use crate::store::ListFilter;

/// Resources observed per batch call: big enough for one round trip to cover many, small
/// enough that providers without a batch call still observe in parallel.
const BATCH: usize = 32;

impl Engine {
    /// Observes every managed resource the engine created and reports drift; changes nothing.
    pub async fn detect_drift(&self) -> Result<DriftReport, EngineError> {
        // Only the kinds a provider serves are listed; each object is moved, never copied.
        let mut chunks: Vec<Vec<DynamicObject>> = Vec::new();
        for (api_version, kinds) in &self.inner.providers {
            let group = crate::model::ApiVersion::parse(api_version).group;
            for kind in kinds.keys() {
                let objects: Vec<DynamicObject> = self
                    .inner
                    .store
                    .list(&ListFilter::kind(group.clone(), kind.clone()))
                    .await?
                    .into_iter()
                    .filter(|o| {
                        o.api_version == *api_version
                            && super::status::condition(o.status.as_ref(), "Synced")
                                .is_some_and(|c| c.status == crate::model::ConditionStatus::True)
                    })
                    .collect();
                let mut objects = objects.into_iter().peekable();
                while objects.peek().is_some() {
                    chunks.push(objects.by_ref().take(BATCH).collect());
                }
            }
        }
        let engine = self.clone();
        let results = super::bounded::map_bounded(chunks, self.claim_slots(), move |chunk| {
            let engine = engine.clone();
            async move {
                let Some(provider) = chunk.first().and_then(|o| engine.provider_for(o)).cloned()
                else {
                    return Vec::new();
                };
                let managed: Vec<ManagedResource> =
                    chunk.into_iter().map(ManagedResource::new).collect();
                let observed = match engine.inner.permits.acquire().await {
                    Ok(_permit) => provider.observe_many(&managed).await,
                    Err(_) => Vec::new(),
                };
                managed.into_iter().zip(observed).collect::<Vec<_>>()
            }
        })
        .await;
        let mut report = DriftReport::default();
        for (managed, result) in results.into_iter().flatten() {
            report.checked += 1;
            let resource = managed.object.object_ref();
            if self.inner.progress.is_some() {
                let (exists, diff, error) = match &result {
                    Ok(o) => (o.exists, o.diff.as_slice(), None),
                    Err(e) => (false, &[][..], Some(e.message.as_str())),
                };
                self.report_progress(super::ProgressEvent::Observed {
                    resource: &resource,
                    external_name: &managed.external_name,
                    exists,
                    diff,
                    error,
                });
            }
            let kind = match result {
                Err(e) => {
                    report.errors.push((resource, e.to_string()));
                    continue;
                }
                Ok(o) if !o.exists => DriftKind::Missing,
                Ok(o) if !o.up_to_date => DriftKind::Changed(o.diff),
                Ok(_) => continue,
            };
            report.drifted.push(DriftItem {
                claim: crate::store::owner_of(&managed.object),
                resource,
                external_name: managed.external_name,
                kind,
            });
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
