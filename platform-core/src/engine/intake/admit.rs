//! Admission of a request: each object with what the store holds for it, and the claims every
//! Application requests, through the engine's admission hook.

use std::sync::Arc;

use crate::admit::{AdmissionContext, AdmissionOutcome, AdmissionRequest, Operation};
use crate::engine::reconcile::{APPLICATION, local_name};
use crate::engine::{Engine, EngineError};
use crate::model::{DynamicObject, ObjectRef, Resource};
use crate::store::{ListFilter, Write};
use crate::validate::Checked;

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
    /// Admission of a request exactly as `apply` runs it, without recording or refusing
    /// anything: each object with what the store holds for it (an update when it exists), and
    /// the claims every Application requests, with their kind's defaults, through the
    /// engine's admission hook. On an engine with the default empty in-memory store it needs
    /// no state: `platformctl policy test` runs this, so a policy test passes exactly when the
    /// apply would be admitted. Denials name each object's [origin](Checked::origin).
    pub async fn review(&self, objects: Vec<Checked>) -> Result<AdmissionOutcome, EngineError> {
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
        objects: Vec<Checked>,
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
        for checked in &objects {
            let object = checked.object();
            if object.kind != APPLICATION {
                continue;
            }
            let parent = checked.origin();
            for child in self.children_of(object)? {
                let local = local_name(&child);
                let origin = match parent {
                    Some(origin) => format!("{origin} (spec.resources.{local})"),
                    None => format!("{} spec.resources.{local}", object.object_ref()),
                };
                children.push((child, origin));
            }
        }
        let keys: Vec<ObjectRef> = objects.iter().map(|c| c.object().object_ref()).collect();
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
            .map(|(checked, old)| {
                let (object, origin) = checked.into_parts();
                AdmissionRequest {
                    operation: operation(old),
                    origin,
                    object,
                    old_object: old.clone(),
                }
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
        objects: Vec<Checked>,
        operation_of_new: Operation,
        record: bool,
    ) -> Result<Admitted, EngineError> {
        let (outcome, stored, top_level) = self.review_request(objects, operation_of_new).await?;
        if !outcome.denials.is_empty() {
            return Err(EngineError::Denied(outcome.denials));
        }
        if record && !outcome.events.is_empty() {
            self.record_exceptions(&outcome.events).await;
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
}
