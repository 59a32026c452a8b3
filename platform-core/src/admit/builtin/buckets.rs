//! No public bucket in production.

use serde::{Deserialize, Serialize};

use crate::admit::Operation;
use crate::admit::builtin::{production, yes};
use crate::admit::policy::{Mode, Policy, PolicyInput};

/// Buckets may not be public in the listed environments.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NoPublicBuckets {
    /// Environments checked; `[production]` by default.
    #[serde(default = "production")]
    pub environments: Vec<String>,
    /// Enforce, Warn or Audit.
    #[serde(default)]
    pub mode: Mode,
    /// Whether the exception annotation lets an object through.
    #[serde(default = "yes")]
    pub allow_exceptions: bool,
}

impl Default for NoPublicBuckets {
    fn default() -> Self {
        NoPublicBuckets {
            environments: production(),
            mode: Mode::Enforce,
            allow_exceptions: true,
        }
    }
}

impl Policy for NoPublicBuckets {
    fn name(&self) -> &str {
        "no-public-buckets"
    }
    fn mode(&self) -> Mode {
        self.mode
    }
    fn allows_exceptions(&self) -> bool {
        self.allow_exceptions
    }
    fn matches(&self, input: &PolicyInput<'_>) -> bool {
        input.object.kind == "BucketClaim"
            && input.operation != Operation::Delete
            && self.environments.iter().any(|e| e == input.environment)
    }
    fn validate(&self, input: &PolicyInput<'_>) -> Vec<String> {
        if input.object.spec.get("public") == Some(&serde_json::Value::Bool(true)) {
            vec![format!(
                "expected spec.public false in {}, found true: public buckets are not allowed there",
                input.environment
            )]
        } else {
            Vec::new()
        }
    }
}
