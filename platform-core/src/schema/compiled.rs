//! A kind's schemas, compiled once into validators.

use serde_json::Value;
use std::fmt;

use super::{FieldIssue, SchemaError, describe, object_schema};
use crate::model::GroupVersionKind;

/// The object and spec schemas of a kind with their compiled validators.
pub struct CompiledSchema {
    object_schema: Value,
    spec_schema: Value,
    object_validator: jsonschema::Validator,
    spec_validator: jsonschema::Validator,
}

impl fmt::Debug for CompiledSchema {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CompiledSchema")
            .field("object_schema", &self.object_schema)
            .finish()
    }
}

fn compile(schema: &Value) -> Result<jsonschema::Validator, SchemaError> {
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft202012)
        .build(schema)
        .map_err(|e| SchemaError::Invalid(e.to_string()))
}

impl CompiledSchema {
    /// Compiles the schemas of a kind from the schema of its spec.
    pub fn new(gvk: &GroupVersionKind, spec_schema: Value) -> Result<Self, SchemaError> {
        let object_schema = object_schema(gvk, &spec_schema);
        Ok(CompiledSchema {
            object_validator: compile(&object_schema)?,
            spec_validator: compile(&spec_schema)?,
            object_schema,
            spec_schema,
        })
    }

    /// The schema of whole objects.
    pub fn object_schema(&self) -> &Value {
        &self.object_schema
    }

    /// The schema of the spec alone.
    pub fn spec_schema(&self) -> &Value {
        &self.spec_schema
    }

    /// Fills in the defaults the object schema declares for absent fields.
    pub fn apply_defaults(&self, object: &mut Value) {
        super::apply_defaults(&self.object_schema, &self.object_schema, object);
    }

    /// Fills in the defaults the spec schema declares for absent fields of a spec: the same
    /// defaults [`apply_defaults`](Self::apply_defaults) fills in under `spec`.
    pub fn apply_spec_defaults(&self, spec: &mut Value) {
        super::apply_defaults(&self.spec_schema, &self.spec_schema, spec);
    }

    /// Whether a whole object is valid.
    pub fn is_valid(&self, object: &Value) -> bool {
        self.object_validator.is_valid(object)
    }

    /// Every problem of a whole object, with paths from the object's root.
    pub fn object_issues(&self, object: &Value) -> Vec<FieldIssue> {
        if self.object_validator.is_valid(object) {
            return Vec::new();
        }
        describe::issues(&self.object_validator, &self.object_schema, object)
    }

    /// Every problem of a spec alone, with paths from the spec's root.
    pub fn spec_issues(&self, spec: &Value) -> Vec<FieldIssue> {
        if self.spec_validator.is_valid(spec) {
            return Vec::new();
        }
        describe::issues(&self.spec_validator, &self.spec_schema, spec)
    }
}
