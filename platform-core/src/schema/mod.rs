//! JSON Schemas of kinds: the object envelope, compiled validators, readable errors and CRD export.

mod compiled;
pub mod crd;
mod defaults;
mod describe;
mod envelope;
mod openapi;
mod simplify;
mod walk;

pub use compiled::CompiledSchema;
pub use defaults::apply_defaults;
pub(crate) use describe::found as describe_found;
pub(crate) use describe::issues as describe_issues;
pub use envelope::object_schema;
pub use openapi::openapi_to_json_schema;
pub use simplify::simplify_enums;
pub use walk::{resolve_ref, schema_at};

use crate::load::PathSegment;

/// A problem at a path inside a value: from a schema or from a semantic rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldIssue {
    /// Path of the offending value from the root that was checked.
    pub path: Vec<PathSegment>,
    /// Whether the location is that of the last key rather than its value.
    pub at_key: bool,
    /// What was expected and what was found.
    pub message: String,
}

impl FieldIssue {
    /// An issue about the value at a path.
    pub fn at(path: Vec<PathSegment>, message: impl Into<String>) -> Self {
        FieldIssue {
            path,
            at_key: false,
            message: message.into(),
        }
    }
}

/// A schema that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum SchemaError {
    /// The JSON Schema does not compile.
    #[error("invalid JSON Schema: {0}")]
    Invalid(String),
    /// The schema cannot be expressed as a structural CRD schema.
    #[error("cannot make a structural schema at {path}: {reason}")]
    NotStructural {
        /// JSON pointer into the schema.
        path: String,
        /// Why.
        reason: String,
    },
}
