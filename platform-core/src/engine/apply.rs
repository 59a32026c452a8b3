//! Apply: take a request in (check, admit, store), then reconcile every claim of it once.

use crate::admit::Operation;
use crate::engine::intake::{Admitted, no_duplicates};
use crate::engine::{ApplyReport, Deployment, Engine, EngineError};
use crate::model::{DynamicObject, ObjectRef, Resource};
use crate::validate::Checked;

impl Engine {
    /// Checks, admits, stores, composes and provisions objects; returns once every claim was
    /// reconciled once.
    pub async fn apply(&self, objects: &[DynamicObject]) -> Result<ApplyReport, EngineError> {
        self.apply_checked(self.check(objects)?).await
    }

    /// [`Engine::apply`] of objects already checked (by the
    /// [`Validator`](crate::validate::Validator) or [`Engine::check`]): nothing is checked twice.
    pub async fn apply_checked(&self, objects: Vec<Checked>) -> Result<ApplyReport, EngineError> {
        self.apply_checked_as(objects, &Deployment::default()).await
    }

    /// [`Engine::apply_checked`] of a deployment: in a production environment, each
    /// Application whose spec changes is recorded in the journal as deployed with the given
    /// commits and unplanned mark (added to its annotations' `platform.dev/commits` and
    /// `platform.dev/unplanned`).
    pub async fn apply_checked_as(
        &self,
        objects: Vec<Checked>,
        deployment: &Deployment,
    ) -> Result<ApplyReport, EngineError> {
        no_duplicates(&objects)?;
        self.refuse_unfillable(&objects)?;
        self.recover().await?;
        // The request's copies are dropped before reconciling: each claim is read back under
        // its lock, and at thousands of claims the copies would be most of the memory held.
        let (keys, warnings, changed) = {
            let Admitted {
                objects: admitted,
                stored,
                warnings,
            } = self.admit(objects, Operation::Create, true).await?;
            let stored: Vec<Option<&DynamicObject>> = stored.iter().map(Option::as_deref).collect();
            self.put_claims(&admitted, &stored).await?;
            let changed = Engine::changed(&admitted, &stored, deployment);
            let keys: Vec<ObjectRef> = admitted.iter().map(Resource::object_ref).collect();
            (keys, warnings, changed)
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
        self.record_apply(changed, &claims).await;
        Ok(ApplyReport { claims, warnings })
    }
}
