//! Submit: take a request in (check, admit, store) and return at once, leaving the work to
//! the reconcilers running on the store (`platformctl apply --async`, as `kubectl apply`).

use crate::admit::Operation;
use crate::engine::intake::{Admitted, no_duplicates};
use crate::engine::{Engine, EngineError};
use crate::model::{ObjectRef, Resource};
use crate::validate::Checked;

/// What a submit stored.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SubmitReport {
    /// The claims stored (changed or not), in request order; reconcilers take them from here.
    pub claims: Vec<ObjectRef>,
    /// How many of them were new or changed.
    pub changed: usize,
    /// Admission warnings.
    pub warnings: Vec<String>,
}

impl Engine {
    /// Checks, admits and stores objects as [`Engine::apply_checked`] does, without
    /// reconciling them: once this returns, every admitted claim is stored (acknowledged) and
    /// a running controller ([`Engine::run`]) on the same store reconciles it.
    pub async fn submit_checked(&self, objects: Vec<Checked>) -> Result<SubmitReport, EngineError> {
        no_duplicates(&objects)?;
        self.refuse_unfillable(&objects)?;
        let Admitted {
            objects: admitted,
            stored,
            warnings,
        } = self.admit(objects, Operation::Create, true).await?;
        let stored: Vec<Option<&crate::model::DynamicObject>> =
            stored.iter().map(Option::as_deref).collect();
        self.put_claims(&admitted, &stored).await?;
        let changed = admitted
            .iter()
            .zip(&stored)
            .filter(|(a, s)| s.is_none_or(|s| s.spec != a.spec))
            .count();
        Ok(SubmitReport {
            claims: admitted.iter().map(Resource::object_ref).collect(),
            changed,
            warnings,
        })
    }
}
