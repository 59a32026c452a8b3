//! Ready guardrails a team switches on in its config, each a typed [`Policy`]:
//!
//! ```yaml
//! guardrails:
//!   requireOwner: {}                                  # label platform.dev/owner on every claim
//!   noPublicBuckets: {environments: [production]}
//!   requireBackups: {environments: [production]}
//!   maxSize: {sizes: {development: medium, staging: large}}
//!   protectDatabases: {environments: [production]}    # delete only with deletionPolicy: Orphan
//!   namePattern: {pattern: "[a-z]+-[a-z0-9-]+"}
//! ```
//!
//! Every guardrail takes `mode` (Enforce, the default, Warn or Audit) and `allowExceptions`
//! (true by default: a recorded exception beats a team working around the platform).

mod backups;
mod buckets;
mod deletion;
mod names;
mod owner;
mod size;

pub use backups::RequireBackups;
pub use buckets::NoPublicBuckets;
pub use deletion::ProtectDatabases;
pub use names::{NamePattern, NamePatternPolicy};
pub use owner::RequireOwner;
pub use size::MaxSize;

use serde::{Deserialize, Serialize};
use std::sync::Arc;

use super::Policy;

/// The default environments of the production guardrails.
pub(crate) fn production() -> Vec<String> {
    vec!["production".to_owned()]
}

pub(crate) fn yes() -> bool {
    true
}

/// Which ready guardrails are on, and how each is set.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct GuardrailSettings {
    /// Every claim carries an owner label.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub require_owner: Option<RequireOwner>,
    /// No public bucket in the listed environments.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub no_public_buckets: Option<NoPublicBuckets>,
    /// Databases keep backups in the listed environments.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub require_backups: Option<RequireBackups>,
    /// A largest size per environment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_size: Option<MaxSize>,
    /// Databases in the listed environments refuse delete unless `deletionPolicy: Orphan`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protect_databases: Option<ProtectDatabases>,
    /// Names follow a pattern.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name_pattern: Option<NamePattern>,
}

impl GuardrailSettings {
    /// Reads settings from a JSON value (such as a config file's `guardrails` section).
    pub fn from_value(value: &serde_json::Value) -> Result<Self, String> {
        serde_json::from_value(value.clone())
            .map_err(|e| format!("expected guardrail settings: {e}"))
    }

    /// The policies of the guardrails that are on.
    pub fn policies(&self) -> Result<Vec<Arc<dyn Policy>>, String> {
        let mut out: Vec<Arc<dyn Policy>> = Vec::new();
        if let Some(p) = &self.require_owner {
            out.push(Arc::new(p.clone()));
        }
        if let Some(p) = &self.no_public_buckets {
            out.push(Arc::new(p.clone()));
        }
        if let Some(p) = &self.require_backups {
            out.push(Arc::new(p.clone()));
        }
        if let Some(p) = &self.max_size {
            out.push(Arc::new(p.clone()));
        }
        if let Some(p) = &self.protect_databases {
            out.push(Arc::new(p.clone()));
        }
        if let Some(p) = &self.name_pattern {
            out.push(Arc::new(p.compile()?));
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests;
