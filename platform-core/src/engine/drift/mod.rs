//! Drift sweeps: observe every managed resource, report what differs, and correct it.

mod inventory;

use std::collections::{BTreeSet, HashMap, VecDeque};

use crate::engine::{DriftItem, DriftKind, DriftReport, Engine, EngineError};
use crate::model::{DynamicObject, ObjectRef, Resource};
use crate::provider::{ManagedResource, Observation, ProviderError};
use crate::store::ListFilter;

/// Resources observed per batch call: big enough for one round trip to cover many, small
/// enough that providers without a batch call still observe in parallel.
const BATCH: usize = 32;

/// Records read from the store at a time during a sweep.
const PAGE: usize = 16 * BATCH;

impl Engine {
    /// Observes every managed resource the engine created and reports drift; changes nothing.
    ///
    /// Memory stays bounded by a page of records: each served kind is read a page at a time
    /// as the observers need more work, and each batch's observations are folded into the
    /// report as soon as they arrive.
    pub async fn detect_drift(&self) -> Result<DriftReport, EngineError> {
        let kinds: Vec<(&String, &String)> = self
            .inner
            .providers
            .iter()
            .flat_map(|(api_version, kinds)| kinds.keys().map(move |kind| (api_version, kind)))
            .collect();
        let mut next_kind = 0;
        let mut after: Option<ObjectRef> = None;
        let mut queued: VecDeque<Vec<DynamicObject>> = VecDeque::new();
        let mut tasks = tokio::task::JoinSet::new();
        // What each observer was given, so a batch whose observer panics is reported.
        let mut given: HashMap<tokio::task::Id, Vec<ObjectRef>> = HashMap::new();
        let mut report = DriftReport::default();
        loop {
            while tasks.len() < self.claim_slots() {
                if let Some(chunk) = queued.pop_front() {
                    let refs = chunk.iter().map(Resource::object_ref).collect();
                    let engine = self.clone();
                    let handle = tasks.spawn(async move { engine.observe_chunk(chunk).await });
                    given.insert(handle.id(), refs);
                    continue;
                }
                let Some((api_version, kind)) = kinds.get(next_kind) else {
                    break;
                };
                let (chunks, last) = self.synced_page(api_version, kind, after.as_ref()).await?;
                queued = chunks;
                match last {
                    Some(last) => after = Some(last),
                    None => {
                        next_kind += 1;
                        after = None;
                    }
                }
            }
            match tasks.join_next_with_id().await {
                Some(Ok((id, observed))) => {
                    given.remove(&id);
                    for (managed, result) in observed {
                        self.fold_observation(&mut report, managed, result);
                    }
                }
                // A panicking observer's batch counts as unobserved, never as clean.
                Some(Err(e)) => {
                    for resource in given.remove(&e.id()).unwrap_or_default() {
                        report.checked += 1;
                        report
                            .errors
                            .push((resource, "the observer stopped unexpectedly".to_owned()));
                    }
                }
                None => break,
            }
        }
        report.drifted.sort_by(|a, b| a.resource.cmp(&b.resource));
        report.errors.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(report)
    }

    /// The records of one page of a served kind, in batches of [`BATCH`], with the last
    /// record read (`None`: the kind has no more).
    ///
    /// Every record is observed, whatever its last reconcile did: leaving out those whose
    /// reconcile failed made a sweep report "No drift" over a smaller count.
    async fn synced_page(
        &self,
        api_version: &str,
        kind: &str,
        after: Option<&ObjectRef>,
    ) -> Result<(VecDeque<Vec<DynamicObject>>, Option<ObjectRef>), EngineError> {
        let group = crate::model::ApiVersion::parse(api_version).group;
        let page = self
            .inner
            .store
            .list_page(&ListFilter::kind(group, kind.to_owned()), after, PAGE)
            .await?;
        let last = page.last().map(Resource::object_ref);
        let mut objects = page
            .into_iter()
            .filter(|o| o.api_version == api_version)
            .peekable();
        let mut chunks = VecDeque::new();
        while objects.peek().is_some() {
            chunks.push_back(objects.by_ref().take(BATCH).collect());
        }
        Ok((chunks, last))
    }

    /// Observes one batch of records of one kind with one provider call.
    async fn observe_chunk(
        &self,
        chunk: Vec<DynamicObject>,
    ) -> Vec<(ManagedResource, Result<Observation, ProviderError>)> {
        let Some(provider) = chunk.first().and_then(|o| self.provider_for(o)).cloned() else {
            return Vec::new();
        };
        let managed: Vec<ManagedResource> = chunk.into_iter().map(ManagedResource::new).collect();
        let observed = match self.inner.permits.acquire().await {
            Ok(_permit) => provider.observe_many(&managed).await,
            Err(_) => Vec::new(),
        };
        // Every resource gets a result: one the provider did not answer is an error.
        let mut observed = observed.into_iter();
        managed
            .into_iter()
            .map(|m| {
                let result = observed.next().unwrap_or_else(|| {
                    Err(ProviderError::transient(format!(
                        "provider {} returned no observation",
                        provider.name()
                    )))
                });
                (m, result)
            })
            .collect()
    }

    /// Counts one observation into a drift report and tells the progress listener.
    fn fold_observation(
        &self,
        report: &mut DriftReport,
        managed: ManagedResource,
        result: Result<Observation, ProviderError>,
    ) {
        report.checked += 1;
        let resource = managed.object.object_ref();
        if self.inner.progress.is_some() {
            let (exists, diff, error) = match &result {
                Ok(o) => (o.exists, o.diff.as_slice(), None),
                Err(e) => (false, &[][..], Some(e.message.as_str())),
            };
            self.report_progress(crate::engine::ProgressEvent::Observed {
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
                return;
            }
            Ok(o) if !o.exists => DriftKind::Missing,
            Ok(o) if !o.up_to_date => DriftKind::Changed(o.diff),
            Ok(_) => return,
        };
        report.drifted.push(DriftItem {
            claim: crate::store::owner_of(&managed.object),
            resource,
            external_name: managed.external_name,
            kind,
        });
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
        self.record_drift(&report, &fixed, crate::engine::Repairer::Person)
            .await;
        report.corrected = report
            .drifted
            .iter()
            .filter(|d| fixed.contains(&d.resource))
            .count();
        Ok(report)
    }
}
