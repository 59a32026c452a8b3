//! Names follow a pattern.

use regex::Regex;
use serde::{Deserialize, Serialize};

use crate::admit::Operation;
use crate::admit::builtin::yes;
use crate::admit::policy::{Mode, Policy, PolicyInput};

/// A pattern every name must match as a whole.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NamePattern {
    /// A regular expression (Rust `regex` syntax) the whole name must match.
    pub pattern: String,
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

impl NamePattern {
    /// Compiles the pattern into a policy.
    pub fn compile(&self) -> Result<NamePatternPolicy, String> {
        let regex = Regex::new(&format!("^(?:{})$", self.pattern)).map_err(|e| {
            format!(
                "expected a regular expression in guardrails.namePattern.pattern, found {:?}: {e}",
                self.pattern
            )
        })?;
        Ok(NamePatternPolicy {
            settings: self.clone(),
            regex,
        })
    }
}

/// The compiled name pattern guardrail.
#[derive(Debug, Clone)]
pub struct NamePatternPolicy {
    settings: NamePattern,
    regex: Regex,
}

impl Policy for NamePatternPolicy {
    fn name(&self) -> &str {
        "name-pattern"
    }
    fn mode(&self) -> Mode {
        self.settings.mode
    }
    fn allows_exceptions(&self) -> bool {
        self.settings.allow_exceptions
    }
    fn matches(&self, input: &PolicyInput<'_>) -> bool {
        input.operation == Operation::Create
            && (self.settings.kinds.is_empty() || self.settings.kinds.contains(&input.object.kind))
    }
    fn validate(&self, input: &PolicyInput<'_>) -> Vec<String> {
        let name = &input.object.metadata.name;
        if self.regex.is_match(name) {
            Vec::new()
        } else {
            vec![format!(
                "expected a name matching {}, found {name:?}",
                self.settings.pattern
            )]
        }
    }
}
