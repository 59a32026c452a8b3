//! Apply: take a request in (check, admit, store), then reconcile every claim of it once.

use crate::admit::Operation;
use crate::engine::intake::Admitted;
use crate::engine::{ApplyReport, Engine, EngineError};
use crate::model::{DynamicObject, ObjectRef, Resource};

impl Engine {
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
}
