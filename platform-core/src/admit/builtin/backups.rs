//! Databases keep backups in production.

use serde::{Deserialize, Serialize};

use crate::admit::Operation;
use crate::admit::builtin::{production, yes};
use crate::admit::policy::{Mode, Policy, PolicyInput};

/// Databases in the listed environments may not turn backups off.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RequireBackups {
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

impl Default for RequireBackups {
    fn default() -> Self {
        RequireBackups {
            environments: production(),
            mode: Mode::Enforce,
            allow_exceptions: true,
        }
    }
}

impl Policy for RequireBackups {
    fn name(&self) -> &str {
        "require-backups"
    }
    fn mode(&self) -> Mode {
        self.mode
    }
    fn allows_exceptions(&self) -> bool {
        self.allow_exceptions
    }
    fn matches(&self, input: &PolicyInput<'_>) -> bool {
        input.object.kind == "DatabaseClaim"
            && input.operation != Operation::Delete
            && self.environments.iter().any(|e| e == input.environment)
    }
    fn validate(&self, input: &PolicyInput<'_>) -> Vec<String> {
        // An absent schedule is the kind's default, daily.
        match input.object.spec.get("backup").and_then(|b| b.as_str()) {
            Some("none") => vec![format!(
                "expected backups in {} (spec.backup daily or hourly), found none",
                input.environment
            )],
            _ => Vec::new(),
        }
    }
}
