//! Apply: admit, store, compose and provision claims; reconcile one claim.

use serde_json::Value;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use super::desired::APPLICATION;
use super::resolve::{OutputsByName, resolve};
use super::status::{Readiness, Synced, next_status};
use super::{
    ApplyReport, ClaimReport, Engine, EngineError, RESOURCE_NAME_ANNOTATION, ResourceReport,
};
use crate::admit::{AdmissionContext, AdmissionOutcome, AdmissionRequest, Operation};
use crate::compose::ObservedResources;
use crate::kinds::placeholders;
use crate::model::{DynamicObject, ObjectRef, Resource, time::now_rfc3339};
use crate::secret::{SecretMap, SecretValue};
use crate::store::{Event, EventType, ListFilter, Precondition, Write};

type BoxedReport<'a> = Pin<Box<dyn Future<Output = Result<ClaimReport, EngineError>> + Send + 'a>>;

/// Claims written in one store commit when an apply stores its request.
const CLAIMS_PER_COMMIT: usize = 256;

/// What admission let through.
pub(crate) struct Admitted {
    /// The admitted objects, with mutating defaults, in request order.
    pub objects: Vec<DynamicObject>,
    /// What the store held for each object before the request.
    pub stored: Vec<Option<Arc<DynamicObject>>>,
    /// Warnings of policies in warn mode.
    pub warnings: Vec<String>,
}

impl Engine {
    /// Checks kinds, schemas and duplicates of a request.
    pub(crate) fn check_request(
        &self,
        objects: &[DynamicObject],
    ) -> Result<Vec<DynamicObject>, EngineError> {
        let mut seen = HashSet::with_capacity(objects.len());
        let mut checked = Vec::with_capacity(objects.len());
        for object in objects {
            let key = object.object_ref();
            let def = self
                .inner
                .registry
                .resolve(&object.api_version, &object.kind)
                .map_err(|e| EngineError::UnknownKind(format!("{key}: {e}")))?;
            let mut json = serde_json::to_value(object).unwrap_or(Value::Null);
            let issues = def.schema().object_issues(&json);
            if !issues.is_empty() {
                return Err(EngineError::Invalid {
                    object: Box::new(key),
                    issues,
                });
            }
            if !seen.insert(key.clone()) {
                return Err(EngineError::Duplicate(Box::new(key)));
            }
            // Admission, the store and compositions all see the kind's defaults filled in.
            def.schema().apply_defaults(&mut json);
            let complete = serde_json::from_value(json).map_err(|e| EngineError::Invalid {
                object: Box::new(key.clone()),
                issues: vec![crate::schema::FieldIssue::at(Vec::new(), e.to_string())],
            })?;
            checked.push(complete);
        }
        Ok(checked)
    }

    /// Admission of a request exactly as `apply` runs it, without recording or refusing
    /// anything: each object with what the store holds for it (an update when it exists), and
    /// the claims every Application requests, with their kind's defaults, through the
    /// engine's admission hook. On an engine with the default empty in-memory store it needs
    /// no state: `platformctl policy test` runs this, so a policy test passes exactly when the
    /// apply would be admitted. `objects` are checked objects (see `Validator::objects`).
    pub async fn review(
        &self,
        objects: Vec<DynamicObject>,
    ) -> Result<AdmissionOutcome, EngineError> {
        let (outcome, _, top_level) = self.review_request(objects, Operation::Create).await?;
        let mut outcome = outcome;
        // The requested claims' admitted copies are dropped, as apply drops them.
        outcome.admitted.truncate(top_level);
        Ok(outcome)
    }

    /// [`Engine::review`] with the operation of objects the store does not hold; also returns
    /// what the store held for each object and how many requests were top-level.
    async fn review_request(
        &self,
        objects: Vec<DynamicObject>,
        operation_of_new: Operation,
    ) -> Result<(AdmissionOutcome, Vec<Option<Arc<DynamicObject>>>, usize), EngineError> {
        let operation = |old: &Option<Arc<DynamicObject>>| match (old, operation_of_new) {
            (_, Operation::Delete) => Operation::Delete,
            (Some(_), _) => Operation::Update,
            (None, op) => op,
        };
        // The claims an Application requests are admitted with it: guardrails and budgets see
        // every database and bucket a request would create, not only top-level claims.
        let mut children = Vec::new();
        for object in &objects {
            if object.kind != super::desired::APPLICATION {
                continue;
            }
            let parent = object
                .metadata
                .annotations
                .get(super::SOURCE_ANNOTATION)
                .cloned();
            for child in self.children_of(object)? {
                let local = child
                    .metadata
                    .annotations
                    .get(RESOURCE_NAME_ANNOTATION)
                    .cloned()
                    .unwrap_or_default();
                let origin = match &parent {
                    Some(origin) => format!("{origin} (spec.resources.{local})"),
                    None => format!("{} spec.resources.{local}", object.object_ref()),
                };
                children.push((child, origin));
            }
        }
        let keys: Vec<ObjectRef> = objects.iter().map(Resource::object_ref).collect();
        // Shared with the admission requests rather than copied: at thousands of claims the
        // copies would be a large part of the memory an apply holds.
        let stored: Vec<Option<Arc<DynamicObject>>> = self
            .inner
            .store
            .get_many(&keys)
            .await?
            .into_iter()
            .map(|o| o.map(Arc::new))
            .collect();
        drop(keys);
        let mut requests: Vec<AdmissionRequest> = objects
            .into_iter()
            .zip(&stored)
            .map(|(object, old)| AdmissionRequest {
                operation: operation(old),
                origin: object
                    .metadata
                    .annotations
                    .get(super::SOURCE_ANNOTATION)
                    .cloned(),
                object,
                old_object: old.clone(),
            })
            .collect();
        let top_level = requests.len();
        let child_keys: Vec<ObjectRef> = children.iter().map(|(c, _)| c.object_ref()).collect();
        let child_stored = self.inner.store.get_many(&child_keys).await?;
        for ((child, origin), old) in children.into_iter().zip(child_stored) {
            let old = old.map(Arc::new);
            requests.push(AdmissionRequest {
                operation: operation(&old),
                object: child,
                old_object: old,
                origin: Some(origin),
            });
        }
        let stored_claims = if self.inner.admission.wants_stored_claims() {
            self.stored_claims().await?
        } else {
            Vec::new()
        };
        let context = AdmissionContext {
            environment: &self.inner.environment,
            environment_data: &self.inner.environment_data,
            stored: &stored_claims,
        };
        let outcome = self.inner.admission.admit(&context, requests).await;
        Ok((outcome, stored, top_level))
    }

    /// Runs admission over a request ([`Engine::review`]), refuses it on any denial and
    /// records the admission events; returns the admitted objects, what the store held for
    /// each (read in one call) and warnings.
    pub(crate) async fn admit(
        &self,
        objects: Vec<DynamicObject>,
        operation_of_new: Operation,
        record: bool,
    ) -> Result<Admitted, EngineError> {
        let (outcome, stored, top_level) = self.review_request(objects, operation_of_new).await?;
        if !outcome.denials.is_empty() {
            return Err(EngineError::Denied(outcome.denials));
        }
        if record && !outcome.events.is_empty() {
            self.inner
                .store
                .commit(outcome.events.into_iter().map(Write::Event).collect())
                .await?;
        }
        let mut admitted = outcome.admitted;
        // Requested claims were admitted for their checks; they are derived again from the
        // Application when it is reconciled.
        admitted.truncate(top_level);
        Ok(Admitted {
            objects: admitted,
            stored,
            warnings: outcome.warnings,
        })
    }

    /// Every stored object of a registered (claim) kind.
    pub(crate) async fn stored_claims(&self) -> Result<Vec<DynamicObject>, EngineError> {
        let mut claims = Vec::new();
        for def in self.inner.registry.kinds() {
            claims.extend(
                self.inner
                    .store
                    .list(&ListFilter::kind(
                        def.gvk.group.clone(),
                        def.gvk.kind.clone(),
                    ))
                    .await?,
            );
        }
        Ok(claims)
    }

    /// Stores claims' desired state where it changed, keeping their status, given what the
    /// store held for each; writes go in a few large commits rather than one per claim.
    pub(crate) async fn put_claims(
        &self,
        claims: &[DynamicObject],
        stored: &[Option<&DynamicObject>],
    ) -> Result<(), EngineError> {
        let mut writes = Vec::new();
        for (object, existing) in claims.iter().zip(stored) {
            let key = object.object_ref();
            let expected = match &object.metadata.resource_version {
                Some(v) => Precondition::Version(v.clone()),
                None => Precondition::Any,
            };
            if let Some(existing) = existing
                && existing.spec == object.spec
                && existing.metadata.labels == object.metadata.labels
                && existing.metadata.annotations == object.metadata.annotations
                && existing.metadata.owner_references == object.metadata.owner_references
            {
                if let Precondition::Version(v) = &expected
                    && existing.metadata.resource_version.as_deref() != Some(v)
                {
                    return Err(crate::store::StoreError::Conflict {
                        key: Box::new(key),
                        expected: format!("resourceVersion {v}"),
                        found: format!(
                            "resourceVersion {}",
                            existing
                                .metadata
                                .resource_version
                                .clone()
                                .unwrap_or_default()
                        ),
                    }
                    .into());
                }
                continue;
            }
            let mut updated = object.clone();
            updated.status = existing.as_ref().and_then(|e| e.status.clone());
            let (reason, message) = if existing.is_some() {
                ("Updated", "desired state changed".to_owned())
            } else {
                (
                    "Accepted",
                    format!("accepted for environment {}", self.inner.environment),
                )
            };
            writes.push(Write::Put {
                object: updated,
                expected,
            });
            writes.push(Write::Event(Event {
                object: key,
                type_: EventType::Normal,
                reason: reason.to_owned(),
                message,
                time: now_rfc3339(),
            }));
            if writes.len() >= 2 * CLAIMS_PER_COMMIT {
                self.inner.store.commit(std::mem::take(&mut writes)).await?;
            }
        }
        if !writes.is_empty() {
            self.inner.store.commit(writes).await?;
        }
        Ok(())
    }

    /// Admits, stores, composes and provisions objects; returns once every claim was reconciled once.
    pub async fn apply(&self, objects: &[DynamicObject]) -> Result<ApplyReport, EngineError> {
        self.recover().await?;
        // The request's copies are dropped before reconciling: each claim is read back under
        // its lock, and at thousands of claims the copies would be most of the memory held.
        let (keys, warnings) = {
            let objects = self.check_request(objects)?;
            let Admitted {
                objects: admitted,
                stored,
                warnings,
            } = self.admit(objects, Operation::Create, true).await?;
            let stored: Vec<Option<&DynamicObject>> = stored.iter().map(Option::as_deref).collect();
            self.put_claims(&admitted, &stored).await?;
            let keys: Vec<ObjectRef> = admitted.iter().map(Resource::object_ref).collect();
            (keys, warnings)
        };
        let engine = self.clone();
        let results = super::bounded::map_bounded(keys, self.claim_slots(), move |key| {
            let engine = engine.clone();
            async move { engine.reconcile(&key).await }
        })
        .await;
        let mut claims = Vec::with_capacity(results.len());
        for result in results {
            claims.push(result?);
        }
        Ok(ApplyReport { claims, warnings })
    }

    /// Reconciles one stored claim (an Application with its claims) once.
    pub fn reconcile<'a>(&'a self, key: &'a ObjectRef) -> BoxedReport<'a> {
        Box::pin(async move {
            let guard = self.lock_object(key).await?;
            super::lease::with_lease(guard.lease(), async {
                let claim = self
                    .inner
                    .store
                    .get(key)
                    .await?
                    .ok_or_else(|| EngineError::NotFound(Box::new(key.clone())))?;
                if claim.kind == APPLICATION {
                    self.reconcile_application(claim).await
                } else {
                    self.reconcile_claim(claim, Vec::new()).await
                }
            })
            .await
        })
    }

    async fn reconcile_application(&self, app: DynamicObject) -> Result<ClaimReport, EngineError> {
        let key = app.object_ref();
        let desired = self.children_of(&app)?;
        let desired_keys: HashSet<ObjectRef> = desired.iter().map(Resource::object_ref).collect();
        for stale in self
            .inner
            .store
            .list(&ListFilter::owned_by(key.clone()))
            .await?
        {
            if self
                .inner
                .registry
                .resolve(&stale.api_version, &stale.kind)
                .is_ok()
                && !desired_keys.contains(&stale.object_ref())
            {
                self.delete_tree(&stale).await?;
            }
        }
        let child_keys: Vec<ObjectRef> = desired.iter().map(Resource::object_ref).collect();
        let stored = self.inner.store.get_many(&child_keys).await?;
        for (child, existing) in desired.iter().zip(&stored) {
            if let Some(existing) = existing
                && crate::store::owner_of(existing).as_ref() != Some(&key)
            {
                return Err(EngineError::NameClash {
                    object: Box::new(child.object_ref()),
                    owner: Box::new(key),
                });
            }
        }
        let stored: Vec<Option<&DynamicObject>> = stored.iter().map(Option::as_ref).collect();
        self.put_claims(&desired, &stored).await?;
        let mut tasks = tokio::task::JoinSet::new();
        for (index, child) in desired.iter().enumerate() {
            let engine = self.clone();
            let child_key = child.object_ref();
            tasks.spawn(async move { (index, engine.reconcile(&child_key).await) });
        }
        let mut children: Vec<Option<ClaimReport>> = vec![None; desired.len()];
        while let Some(joined) = tasks.join_next().await {
            if let Ok((index, result)) = joined {
                children[index] = Some(match result {
                    Ok(report) => report,
                    Err(e) => ClaimReport {
                        claim: desired[index].object_ref(),
                        composition: None,
                        ready: false,
                        synced: false,
                        message: e.to_string(),
                        outputs: BTreeMap::new(),
                        resources: Vec::new(),
                        children: Vec::new(),
                    },
                });
            }
        }
        let children: Vec<ClaimReport> = children.into_iter().flatten().collect();
        // Outputs and secrets of each requested resource, by its local name.
        let mut outputs = OutputsByName::new();
        let mut secrets: HashMap<String, SecretMap> = HashMap::new();
        let child_secrets = self.inner.store.secrets_many(&child_keys).await?;
        for ((child, report), child_secrets) in desired.iter().zip(&children).zip(child_secrets) {
            let local = child
                .metadata
                .annotations
                .get(RESOURCE_NAME_ANNOTATION)
                .cloned()
                .unwrap_or_default();
            outputs.insert(local.clone(), report.outputs.clone());
            secrets.insert(local, child_secrets);
        }
        let (env_outputs, env_secrets, unresolved) =
            application_environment(&app, &outputs, &secrets);
        let mut report = self.reconcile_claim(app, children).await?;
        if !unresolved.is_empty() && report.ready {
            report.ready = false;
            report.message = format!("waiting for outputs: {}", unresolved.join(", "));
        }
        report.outputs.extend(env_outputs);
        self.record_claim_status(&report, env_secrets).await?;
        Ok(report)
    }

    /// Reconciles the managed resources of a claim (children are already reconciled claims).
    async fn reconcile_claim(
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
                let report = ClaimReport {
                    claim: key.clone(),
                    composition: None,
                    ready: false,
                    synced: false,
                    message: e.to_string(),
                    outputs: BTreeMap::new(),
                    resources: Vec::new(),
                    children,
                };
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
                                action: super::Action::NoChange,
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
                .all(|r| r.action == super::Action::NoChange && r.message.is_none());
        // The composite as the composition sees it now: ToComposite outputs and connection details.
        // When nothing changed, the first composition already saw the current state.
        let (claim_outputs, connection, warnings) = match &composed {
            Some(c) if unchanged => (
                super::status::outputs(c.composite.get("status")),
                c.connection.clone(),
                c.warnings.clone(),
            ),
            Some(_) => {
                // What was just recorded is what the store now holds: no need to read it back.
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
                match self.compose_claim(&claim, &observed) {
                    Ok(Some(c)) => (
                        super::status::outputs(c.composite.get("status")),
                        c.connection,
                        c.warnings,
                    ),
                    _ => (BTreeMap::new(), BTreeMap::new(), Vec::new()),
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
            composition: composed.as_ref().map(|c| c.composition.clone()),
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

    /// A claim's stored managed resources (not the claims it owns), by composition resource name.
    pub(crate) async fn managed_by_name(
        &self,
        claim: &ObjectRef,
    ) -> Result<HashMap<String, DynamicObject>, EngineError> {
        Ok(self
            .inner
            .store
            .list(&ListFilter::owned_by(claim.clone()))
            .await?
            .into_iter()
            .filter(|o| {
                self.inner
                    .registry
                    .resolve(&o.api_version, &o.kind)
                    .is_err()
            })
            .map(|o| {
                let name = o
                    .metadata
                    .annotations
                    .get(RESOURCE_NAME_ANNOTATION)
                    .cloned()
                    .unwrap_or_default();
                (name, o)
            })
            .collect())
    }

    /// The observed resources a composition reads (stored objects with their secrets), the
    /// secrets by resource name, and the claim's own secrets when it may have some (it has a
    /// status): all in one read of the store.
    pub(crate) async fn known_of(
        &self,
        claim: &DynamicObject,
        by_name: &HashMap<String, DynamicObject>,
    ) -> Result<Known, EngineError> {
        let with_claim = claim.status.is_some();
        let names: Vec<&String> = by_name.keys().collect();
        let mut keys: Vec<ObjectRef> = Vec::with_capacity(names.len() + 1);
        if with_claim {
            keys.push(claim.object_ref());
        }
        keys.extend(names.iter().map(|name| by_name[*name].object_ref()));
        let mut all = self.inner.store.secrets_many(&keys).await?.into_iter();
        let claim_secrets = if with_claim { all.next() } else { None };
        let mut observed = ObservedResources::new();
        let mut secrets_by_name = HashMap::with_capacity(names.len());
        for (name, secrets) in names.into_iter().zip(all) {
            observed.insert_with_connection_details(
                name.clone(),
                serde_json::to_value(&by_name[name]).unwrap_or(Value::Null),
                exposed(&secrets),
            );
            secrets_by_name.insert(name.clone(), secrets);
        }
        Ok(Known {
            observed,
            secrets_by_name,
            claim_secrets,
        })
    }

    async fn record_claim_status(
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
    async fn write_claim_status(
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
            let became_ready = report.ready && !super::status::is_ready(claim.status.as_ref());
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
        super::lease::fence(&mut writes);
        match self.inner.store.commit(writes).await {
            Ok(_) | Err(crate::store::StoreError::Conflict { .. }) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }
}

/// Resolves an Application's container environment: non-secret values become outputs named
/// `<container>.<VAR>`, values using secrets become secrets; also returns unresolved names.
fn application_environment(
    app: &DynamicObject,
    outputs: &OutputsByName,
    secrets: &HashMap<String, SecretMap>,
) -> (BTreeMap<String, Value>, SecretMap, Vec<String>) {
    let mut env_outputs = BTreeMap::new();
    let mut env_secrets = SecretMap::new();
    let mut unresolved = Vec::new();
    let containers = app
        .spec
        .get("containers")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    for container in containers {
        let name = container
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        let Some(env) = container.get("env").and_then(Value::as_object) else {
            continue;
        };
        for (var, value) in env {
            let Some(text) = value.as_str() else { continue };
            let Ok(found) = placeholders(text) else {
                continue;
            };
            let uses_secret = found.iter().any(|p| p.section == "secrets");
            let mut resolved = String::new();
            let mut last = 0;
            let mut complete = true;
            for p in &found {
                resolved.push_str(&text[last..p.span.start]);
                let value = if p.section == "secrets" {
                    secrets
                        .get(&p.resource)
                        .and_then(|s| s.get(&p.key))
                        .map(|s| s.expose().to_owned())
                } else {
                    outputs
                        .get(&p.resource)
                        .and_then(|o| o.get(&p.key))
                        .map(|v| match v {
                            Value::String(s) => s.clone(),
                            other => other.to_string(),
                        })
                };
                match value {
                    Some(v) => resolved.push_str(&v),
                    None => {
                        complete = false;
                        unresolved.push(format!("{}.{}.{}", p.resource, p.section, p.key));
                    }
                }
                last = p.span.end;
            }
            resolved.push_str(&text[last..]);
            if !complete {
                continue;
            }
            let key = format!("{name}.{var}");
            if uses_secret {
                env_secrets.insert(key, SecretValue::new(resolved));
            } else {
                env_outputs.insert(key, Value::String(resolved));
            }
        }
    }
    (env_outputs, env_secrets, unresolved)
}

/// What a reconcile knows before it calls providers, read in one go.
pub(crate) struct Known {
    /// Stored managed resources with their connection details, as compositions see them.
    pub(crate) observed: ObservedResources,
    /// The stored secrets of each managed resource, by composition resource name.
    secrets_by_name: HashMap<String, SecretMap>,
    /// The claim's own stored secrets, read when the claim has a status.
    claim_secrets: Option<SecretMap>,
}

/// A managed resource as the store holds it after it was reconciled (`None`: never stored).
pub(crate) struct Recorded {
    /// The stored object.
    pub object: Option<DynamicObject>,
    /// Its stored secrets.
    pub secrets: SecretMap,
}

/// Secret values in the clear, as compositions read connection details.
fn exposed(secrets: &SecretMap) -> BTreeMap<String, String> {
    secrets
        .iter()
        .map(|(k, v)| (k.clone(), v.expose().to_owned()))
        .collect()
}
