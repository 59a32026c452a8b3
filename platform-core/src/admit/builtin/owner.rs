//! Every claim names its owner in a label.

use serde::{Deserialize, Serialize};

use crate::admit::policy::{Mode, Policy, PolicyInput};
use crate::admit::{Operation, builtin::yes};

/// The owner label every claim must carry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RequireOwner {
    /// The label key; `platform.dev/owner` by default.
    #[serde(default = "default_label")]
    pub label: String,
    /// Kinds checked; every kind when empty.
    #[serde(default)]
    pub kinds: Vec<String>,
    /// Enforce, Warn or Audit.
    #[serde(default)]
    pub mode: Mode,
    /// Whether the exception annotation lets an object through.
    #[serde(default = "yes")]
    pub allow_exceptions: bool,
}

fn default_label() -> String {
    crate::admit::DEFAULT_OWNER_LABEL.to_owned()
}

impl Default for RequireOwner {
    fn default() -> Self {
        RequireOwner {
            label: default_label(),
            kinds: Vec::new(),
            mode: Mode::Enforce,
            allow_exceptions: true,
        }
    }
}

impl Policy for RequireOwner {
    fn name(&self) -> &str {
        "require-owner"
    }
    fn mode(&self) -> Mode {
        self.mode
    }
    fn allows_exceptions(&self) -> bool {
        self.allow_exceptions
    }
    fn matches(&self, input: &PolicyInput<'_>) -> bool {
        input.operation != Operation::Delete
            && (self.kinds.is_empty() || self.kinds.contains(&input.object.kind))
    }
    fn validate(&self, input: &PolicyInput<'_>) -> Vec<String> {
        match input.object.metadata.labels.get(&self.label) {
            Some(v) if !v.trim().is_empty() => Vec::new(),
            Some(_) => vec![format!(
                "the owner label {} is empty: name the owning team",
                self.label
            )],
            None => vec![format!(
                "expected an owner label {}, found none",
                self.label
            )],
        }
    }
}
