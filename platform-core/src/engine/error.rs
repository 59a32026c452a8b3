use crate::admit::Denial;
use crate::compose::{ComposeError, SelectionError};
use crate::kinds::RegistryError;
use crate::model::ObjectRef;
use crate::schema::FieldIssue;
use crate::store::StoreError;

/// Why an engine operation failed as a whole (per-resource failures are reported, not raised).
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// An object does not match its kind's schema.
    #[error("{}{object} is invalid: {}", origin.as_ref().map(|o| format!("{o}: ")).unwrap_or_default(), issues.iter().map(|i| format!("{}: {}", crate::load::field_path(&i.path), i.message)).collect::<Vec<_>>().join("; "))]
    Invalid {
        /// The object.
        object: Box<ObjectRef>,
        /// Where it was read (`FILE:LINE:COL`), when it came from a file.
        origin: Option<String>,
        /// Every problem.
        issues: Vec<FieldIssue>,
    },
    /// The kind is not registered.
    #[error("{}{source}", object.as_ref().map(|o| format!("{o}: ")).unwrap_or_default())]
    UnknownKind {
        /// The object of that kind, when the request named one.
        object: Option<Box<ObjectRef>>,
        /// What the registry knows instead.
        #[source]
        source: RegistryError,
    },
    /// Admission refused the request; every violation is listed.
    #[error("request denied:\n{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"))]
    Denied(Vec<Denial>),
    /// No composition could be chosen.
    #[error("{object}: {source}")]
    Selection {
        /// The claim.
        object: Box<ObjectRef>,
        /// Why.
        #[source]
        source: Box<SelectionError>,
    },
    /// Composing failed.
    #[error("{object}: {source}")]
    Compose {
        /// The claim.
        object: Box<ObjectRef>,
        /// Why, as the composition said it.
        #[source]
        source: ComposeError,
    },
    /// Composed resources depend on each other in a cycle.
    #[error("{object}: dependency cycle: {}", cycle.join(" -> "))]
    Cycle {
        /// The claim.
        object: Box<ObjectRef>,
        /// The resources of the cycle, the first repeated at the end.
        cycle: Vec<String>,
    },
    /// The object does not exist.
    #[error("{0} not found")]
    NotFound(Box<ObjectRef>),
    /// Deleting the object would break another object that uses it.
    #[error("{object} is used by {user} ({detail}); delete or change {user} first")]
    InUse {
        /// The object to delete.
        object: Box<ObjectRef>,
        /// The object that uses it.
        user: Box<ObjectRef>,
        /// Where it is used.
        detail: String,
    },
    /// An owned claim's name is taken by an object with another owner.
    #[error(
        "{object} already exists and does not belong to {owner}; rename the resource in {owner}'s spec.resources"
    )]
    NameClash {
        /// The name that is taken.
        object: Box<ObjectRef>,
        /// The object that wanted it.
        owner: Box<ObjectRef>,
    },
    /// Another live process held the object's lease for longer than the engine waits.
    #[error(
        "{object} is being worked on by {holder} (waited {waited:?}); try again when it is done"
    )]
    Busy {
        /// The object.
        object: Box<ObjectRef>,
        /// Who holds its lease.
        holder: String,
        /// How long this engine waited.
        waited: std::time::Duration,
    },
    /// The same object twice in one request.
    #[error("{0} appears twice in the request")]
    Duplicate(Box<ObjectRef>),
    /// A provider failed while deleting; the records are kept so a retry can finish.
    #[error("{object}: {source}")]
    Provider {
        /// The resource.
        object: Box<ObjectRef>,
        /// The provider's error.
        #[source]
        source: crate::provider::ProviderError,
    },
    /// The state store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl EngineError {
    /// Whether only a change of the desired state can fix this error (a schema violation, no
    /// composition to choose, a dependency cycle), so retrying the same spec is pointless.
    pub fn is_permanent(&self) -> bool {
        matches!(
            self,
            EngineError::Selection { .. } | EngineError::Cycle { .. } | EngineError::Invalid { .. }
        )
    }
}
