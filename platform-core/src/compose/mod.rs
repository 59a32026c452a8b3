//! Compositions: one composite (a claim) becomes several managed resources, chosen per environment.
//!
//! Two ways to write one: implement [`Composition`] in Rust, or keep Crossplane
//! `function-patch-and-transform` YAML ([`DeclarativeComposition`]). Composing is pure: no
//! provider and no store is touched, so `render` can show the result offline.

mod claim_group;
mod claim_id;
mod declarative;
mod environment;
mod library;
pub mod pt;
mod selection;

pub use claim_id::{CLAIM_ID_LABEL, CLAIM_ID_LEN, claim_id, composed_without_id, composite_view};
pub use declarative::DeclarativeComposition;
pub use environment::EnvironmentConfig;
pub use library::{CompositionLibrary, LibraryError};
pub use pt::render::{ObservedResource, ObservedResources};
pub use selection::{ENGINE_LABEL, ENVIRONMENT_LABEL, SelectionError, select};

use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// The composite type a composition serves: `spec.compositeTypeRef`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CompositeTypeRef {
    /// apiVersion of the composite, such as `platform.dev/v1alpha1`.
    pub api_version: String,
    /// Kind of the composite, such as `DatabaseClaim`.
    pub kind: String,
}

impl fmt::Display for CompositeTypeRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.api_version, self.kind)
    }
}

/// What a composition sees: the composite, the observed composed resources and the environment.
#[derive(Debug, Clone, Copy)]
pub struct ComposeRequest<'a> {
    /// The composite object as JSON (apiVersion, kind, metadata, spec, status).
    pub composite: &'a Value,
    /// Composed resources as last observed, by composition resource name.
    pub observed: &'a ObservedResources,
    /// The environment config's `data`, the root of environment field paths.
    pub environment: Option<&'a Value>,
}

/// One desired managed resource.
#[derive(Debug, Clone, PartialEq)]
pub struct ComposedResource {
    /// Name of the resource within the composition.
    pub name: String,
    /// The desired object as JSON.
    pub object: Value,
    /// Whether the observed resource passes its readiness checks.
    pub ready: bool,
}

/// What a composition produces.
#[derive(Clone, Default, PartialEq)]
pub struct Composed {
    /// The composite with the status and fields the composition wrote back.
    pub composite: Value,
    /// Desired managed resources in composition order.
    pub resources: Vec<ComposedResource>,
    /// The composite's secrets: connection details a provider handed out as secret.
    pub connection_details: BTreeMap<String, String>,
    /// The environment after ToEnvironment patches.
    pub environment: Option<Value>,
    /// Things that did not stop composing but leave the composite not ready.
    pub warnings: Vec<String>,
}

impl fmt::Debug for Composed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Connection details are secrets: only their keys are shown.
        f.debug_struct("Composed")
            .field("composite", &self.composite)
            .field("resources", &self.resources)
            .field(
                "connection_details",
                &self.connection_details.keys().collect::<Vec<_>>(),
            )
            .field("environment", &self.environment)
            .field("warnings", &self.warnings)
            .finish()
    }
}

/// Why a composite could not be composed. Keeps the structured error of the
/// patch-and-transform renderer as its source, so an embedder can match on what failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ComposeError {
    /// A declarative composition's patch, transform or template failed.
    #[error(transparent)]
    Render(#[from] pt::error::RenderError),
    /// A composition written in Rust refused the composite, or composed something unusable.
    #[error("{0}")]
    Invalid(String),
}

impl ComposeError {
    /// A composite refused, with why.
    pub fn invalid(message: impl Into<String>) -> Self {
        ComposeError::Invalid(message.into())
    }
}

/// What a composition fills in on its composite, known before it runs: the keys of
/// `status.outputs` and the connection secrets. An Application's placeholder naming anything
/// else can never be filled, and is refused before anything is created.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Provided {
    /// Keys of the composite's `status.outputs`.
    pub outputs: BTreeSet<String>,
    /// Names of the composite's connection secrets.
    pub secrets: BTreeSet<String>,
}

/// Turns a composite into desired managed resources; implemented in Rust or read from YAML.
pub trait Composition: Send + Sync {
    /// The composition's name, unique in a library.
    fn name(&self) -> &str;
    /// The composite type it serves.
    fn composite_type(&self) -> &CompositeTypeRef;
    /// Labels used by selectors and environments.
    fn labels(&self) -> &BTreeMap<String, String>;
    /// Composes one composite; pure.
    fn compose(&self, request: &ComposeRequest<'_>) -> Result<Composed, ComposeError>;

    /// The outputs and secrets it provides, when they are known before it runs (the default:
    /// not known, so nothing is refused for want of them).
    fn provides(&self) -> Option<Provided> {
        None
    }
}

impl fmt::Debug for dyn Composition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Composition({} for {})",
            self.name(),
            self.composite_type()
        )
    }
}
