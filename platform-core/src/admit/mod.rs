//! Admission: what runs before anything is stored. The engine calls an [`AdmissionHook`] with
//! every object of a request at once; the default admits everything unchanged, and the
//! [`Guardrails`] runs guardrails: mutating defaults, then validations (typed [`Policy`] rules
//! and declarative CEL rules), exceptions, cost estimates and team budgets.

pub mod budget;
pub mod builtin;
pub mod cel;
pub mod cost;
pub mod defaults;
pub mod exception;
mod guardrails;
mod header;
pub mod intent;
pub mod policy;

pub use budget::Budget;
pub use builtin::GuardrailSettings;
pub use cost::{Money, PriceList};
pub use defaults::FieldDefault;
pub use exception::{ExceptionCount, exception_counts};
pub use guardrails::{AUDIT_EVENT_REASON, DEFAULT_OWNER_LABEL, GuardrailError, Guardrails};
pub use header::GUARDRAILS_API_VERSION;
pub use policy::{DeclarativePolicy, Mode, Policy, PolicyInput, PolicyMatch};

use async_trait::async_trait;
use serde_json::Value;
use std::fmt;

use crate::model::{DynamicObject, ObjectRef};
use crate::store::Event;

/// What the request does to an object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    /// The object is new.
    Create,
    /// The object exists and changes.
    Update,
    /// The object is being deleted.
    Delete,
}

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Operation::Create => "create",
            Operation::Update => "update",
            Operation::Delete => "delete",
        })
    }
}

/// One object of a request.
#[derive(Debug, Clone)]
pub struct AdmissionRequest {
    /// Create, update or delete.
    pub operation: Operation,
    /// The object as submitted.
    pub object: DynamicObject,
    /// The stored object, on updates and deletes (shared: the engine keeps it too).
    pub old_object: Option<std::sync::Arc<DynamicObject>>,
    /// `FILE:LINE:COL` where the object was read, when it came from a file.
    pub origin: Option<String>,
}

/// What admission sees besides the request.
#[derive(Debug, Clone, Copy)]
pub struct AdmissionContext<'a> {
    /// The environment name, such as `production`.
    pub environment: &'a str,
    /// The environment config's data.
    pub environment_data: &'a Value,
    /// Every claim already stored (for budgets and totals).
    pub stored: &'a [DynamicObject],
}

/// A request refused by a policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Denial {
    /// The object refused.
    pub object: ObjectRef,
    /// Where it was read.
    pub origin: Option<String>,
    /// The policy that refused it.
    pub policy: String,
    /// The rule's message.
    pub message: String,
}

impl fmt::Display for Denial {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(origin) = &self.origin {
            write!(f, "{origin}: ")?;
        }
        write!(
            f,
            "{} denied by policy {:?}: {}",
            self.object, self.policy, self.message
        )
    }
}

/// The outcome of admitting a request.
#[derive(Debug, Clone, Default)]
pub struct AdmissionOutcome {
    /// The objects after mutating defaults, in request order (empty when denied).
    pub admitted: Vec<DynamicObject>,
    /// Every violation; any denial refuses the whole request.
    pub denials: Vec<Denial>,
    /// Warnings to show (Warn mode, exceptions).
    pub warnings: Vec<String>,
    /// Events to record (Audit findings, exceptions used).
    pub events: Vec<Event>,
}

/// Checks and mutates requests before they are stored.
#[async_trait]
pub trait AdmissionHook: Send + Sync {
    /// Admits or denies every object of a request at once.
    async fn admit(
        &self,
        context: &AdmissionContext<'_>,
        requests: Vec<AdmissionRequest>,
    ) -> AdmissionOutcome;

    /// Whether `AdmissionContext::stored` must hold every stored claim (budgets need totals);
    /// hooks that never look at it return false and spare the engine a full listing.
    fn wants_stored_claims(&self) -> bool {
        true
    }
}

/// Admits everything unchanged.
#[derive(Debug, Clone, Copy, Default)]
pub struct AdmitAll;

#[async_trait]
impl AdmissionHook for AdmitAll {
    async fn admit(
        &self,
        _context: &AdmissionContext<'_>,
        requests: Vec<AdmissionRequest>,
    ) -> AdmissionOutcome {
        AdmissionOutcome {
            admitted: requests.into_iter().map(|r| r.object).collect(),
            ..AdmissionOutcome::default()
        }
    }

    fn wants_stored_claims(&self) -> bool {
        false
    }
}

#[cfg(test)]
mod tests;
