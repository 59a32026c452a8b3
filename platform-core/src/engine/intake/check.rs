//! Checking objects built in code: every object of a known kind and valid against its
//! schema, with the kind's defaults filled in. Documents are checked by the
//! [`Validator`](crate::validate::Validator) instead, which says where each problem is.

use std::collections::HashSet;

use crate::engine::{Engine, EngineError};
use crate::model::{DynamicObject, Resource};
use crate::validate::Checked;

impl Engine {
    /// Checks objects against their kinds' schemas and fills in the kinds' defaults, for
    /// [`Engine::apply_checked`] and [`Engine::plan_checked`].
    pub fn check(&self, objects: &[DynamicObject]) -> Result<Vec<Checked>, EngineError> {
        let mut checked = Vec::with_capacity(objects.len());
        for object in objects {
            let def = self
                .inner
                .registry
                .resolve(&object.api_version, &object.kind)
                .map_err(|source| EngineError::UnknownKind {
                    object: Some(Box::new(object.object_ref())),
                    source,
                })?;
            let json = serde_json::to_value(object).unwrap_or_default();
            let issues = def.schema().object_issues(&json);
            if !issues.is_empty() {
                return Err(EngineError::Invalid {
                    object: Box::new(object.object_ref()),
                    origin: None,
                    issues,
                });
            }
            // Admission, the store and compositions all see the kind's defaults filled in.
            let mut complete = object.clone();
            def.schema().apply_spec_defaults(&mut complete.spec);
            checked.push(Checked::new(complete, None));
        }
        Ok(checked)
    }
}

/// Refuses a request naming one object twice.
pub(crate) fn no_duplicates(objects: &[Checked]) -> Result<(), EngineError> {
    let mut seen = HashSet::with_capacity(objects.len());
    for object in objects {
        let key = object.object().object_ref();
        if !seen.insert(key.clone()) {
            return Err(EngineError::Duplicate(Box::new(key)));
        }
    }
    Ok(())
}
