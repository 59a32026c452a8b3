//! A largest size per environment.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

use crate::admit::Operation;
use crate::admit::builtin::yes;
use crate::admit::policy::{Mode, Policy, PolicyInput};
use crate::kinds::Size;

/// The largest `spec.size` allowed in each listed environment; others are not limited.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MaxSize {
    /// Environment name to largest size.
    pub sizes: BTreeMap<String, Size>,
    /// Kinds checked; every kind with a `spec.size` when empty.
    #[serde(default)]
    pub kinds: Vec<String>,
    /// Enforce, Warn or Audit.
    #[serde(default)]
    pub mode: Mode,
    /// Whether the exception annotation lets an object through.
    #[serde(default = "yes")]
    pub allow_exceptions: bool,
}

impl Policy for MaxSize {
    fn name(&self) -> &str {
        "max-size"
    }
    fn mode(&self) -> Mode {
        self.mode
    }
    fn allows_exceptions(&self) -> bool {
        self.allow_exceptions
    }
    fn matches(&self, input: &PolicyInput<'_>) -> bool {
        input.operation != Operation::Delete
            && self.sizes.contains_key(input.environment)
            && (self.kinds.is_empty() || self.kinds.contains(&input.object.kind))
    }
    fn validate(&self, input: &PolicyInput<'_>) -> Vec<String> {
        let Some(max) = self.sizes.get(input.environment) else {
            return Vec::new();
        };
        let size = input
            .object
            .spec
            .get("size")
            .and_then(|s| serde_json::from_value::<Size>(s.clone()).ok());
        match size {
            Some(size) if size > *max => vec![format!(
                "expected spec.size at most {max} in {}, found {size}",
                input.environment
            )],
            // Absent is the kind's default (small); an unknown size is the schema's to report.
            _ => Vec::new(),
        }
    }
}
