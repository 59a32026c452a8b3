//! Production databases refuse delete unless their data is kept.

use serde::{Deserialize, Serialize};

use crate::admit::Operation;
use crate::admit::builtin::{production, yes};
use crate::admit::policy::{Mode, Policy, PolicyInput};

/// Deleting a database in the listed environments needs `deletionPolicy: Orphan` (or an exception).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ProtectDatabases {
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

impl Default for ProtectDatabases {
    fn default() -> Self {
        ProtectDatabases {
            environments: production(),
            mode: Mode::Enforce,
            allow_exceptions: true,
        }
    }
}

impl Policy for ProtectDatabases {
    fn name(&self) -> &str {
        "protect-databases"
    }
    fn mode(&self) -> Mode {
        self.mode
    }
    fn allows_exceptions(&self) -> bool {
        self.allow_exceptions
    }
    fn matches(&self, input: &PolicyInput<'_>) -> bool {
        input.object.kind == "DatabaseClaim"
            && input.operation == Operation::Delete
            && self.environments.iter().any(|e| e == input.environment)
    }
    fn validate(&self, input: &PolicyInput<'_>) -> Vec<String> {
        // The stored object says what deletion does; the submitted one may be a bare reference.
        let object = input.old_object.unwrap_or(input.object);
        match object.spec.get("deletionPolicy").and_then(|p| p.as_str()) {
            Some("Orphan") => Vec::new(),
            _ => vec![format!(
                "databases in {} are not deleted with their data: set spec.deletionPolicy: Orphan first, or record an exception",
                input.environment
            )],
        }
    }
}
