//! Policies: the [`Policy`] trait that typed Rust rules and declarative CEL rules share, their
//! modes and what a rule sees of a request.

mod declarative;
mod matching;

pub use declarative::{DeclarativePolicy, Validation};
pub use matching::PolicyMatch;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::cell::OnceCell;
use std::fmt;

use super::Operation;
use super::cel::CelBindings;
use super::defaults::FieldDefault;
use crate::model::DynamicObject;

/// What a policy does with a violation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum Mode {
    /// Deny the request.
    #[default]
    Enforce,
    /// Admit the request and print a warning.
    Warn,
    /// Admit the request silently and record an event.
    Audit,
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Mode::Enforce => "Enforce",
            Mode::Warn => "Warn",
            Mode::Audit => "Audit",
        })
    }
}

/// What a policy sees of one object of a request.
pub struct PolicyInput<'a> {
    /// Create, update or delete.
    pub operation: Operation,
    /// The object after defaults (on deletes: the object being deleted).
    pub object: &'a DynamicObject,
    /// The stored object on updates and deletes.
    pub old_object: Option<&'a DynamicObject>,
    /// The environment name.
    pub environment: &'a str,
    /// The environment config's data.
    pub environment_data: &'a Value,
    cel: OnceCell<CelBindings>,
}

impl<'a> PolicyInput<'a> {
    /// The input of one object.
    pub fn new(
        operation: Operation,
        object: &'a DynamicObject,
        old_object: Option<&'a DynamicObject>,
        environment: &'a str,
        environment_data: &'a Value,
    ) -> Self {
        PolicyInput {
            operation,
            object,
            old_object,
            environment,
            environment_data,
            cel: OnceCell::new(),
        }
    }

    /// The CEL variables of this input, converted on first use and shared by every policy.
    pub fn cel_bindings(&self) -> &CelBindings {
        self.cel.get_or_init(|| {
            CelBindings::new(
                self.operation,
                self.object,
                self.old_object,
                self.environment,
                self.environment_data,
            )
        })
    }
}

impl fmt::Debug for PolicyInput<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PolicyInput")
            .field("operation", &self.operation)
            .field("object", &self.object.metadata.name)
            .field("environment", &self.environment)
            .finish_non_exhaustive()
    }
}

/// A guardrail: which requests it looks at, the defaults it sets and the rules it checks.
///
/// ```
/// use platform_core::admit::{Operation, Policy, PolicyInput};
///
/// /// Queues in production must be durable.
/// struct DurableQueues;
///
/// impl Policy for DurableQueues {
///     fn name(&self) -> &str {
///         "durable-queues"
///     }
///     fn matches(&self, input: &PolicyInput<'_>) -> bool {
///         input.object.kind == "QueueClaim"
///             && input.environment == "production"
///             && input.operation != Operation::Delete
///     }
///     fn validate(&self, input: &PolicyInput<'_>) -> Vec<String> {
///         match input.object.spec.get("durable") {
///             Some(serde_json::Value::Bool(false)) => vec!["queues in production must be durable".into()],
///             _ => Vec::new(),
///         }
///     }
/// }
/// ```
pub trait Policy: Send + Sync {
    /// The policy's name, unique among the policies of an engine; exceptions name it.
    fn name(&self) -> &str;

    /// Enforce, Warn or Audit.
    fn mode(&self) -> Mode {
        Mode::Enforce
    }

    /// Whether an object may pass with a `platform.dev/policy-exception.<name>` annotation.
    fn allows_exceptions(&self) -> bool {
        false
    }

    /// Whether the policy looks at this object (kind, environment, operation).
    fn matches(&self, input: &PolicyInput<'_>) -> bool;

    /// Values set where the object lacks them, before any policy validates.
    fn defaults(&self) -> &[FieldDefault] {
        &[]
    }

    /// The message of every rule the object breaks; empty when it passes.
    fn validate(&self, input: &PolicyInput<'_>) -> Vec<String>;
}
