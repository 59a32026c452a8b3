//! Checking a request: every object of a known kind, valid against its schema, once, with
//! the kind's defaults filled in.

use serde_json::Value;
use std::collections::HashSet;

use crate::engine::{Engine, EngineError};
use crate::model::{DynamicObject, Resource};

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
                .map_err(|source| EngineError::UnknownKind {
                    object: Some(Box::new(key.clone())),
                    source,
                })?;
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
}
