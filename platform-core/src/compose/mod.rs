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

/// What a composition produces: the desired managed resources, and what the composite shows
/// of the resources observed when it ran.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Composed {
    /// Desired managed resources in composition order.
    pub resources: Vec<ComposedResource>,
    /// The environment after ToEnvironment patches.
    pub environment: Option<Value>,
    /// Things found while composing the desired resources that did not stop it but leave the
    /// composite not ready.
    pub warnings: Vec<String>,
    /// The composite as the observed resources show it.
    pub read_back: ReadBack,
}

impl Composed {
    /// The composite with the status and fields the composition wrote back.
    pub fn composite(&self) -> &Value {
        &self.read_back.composite
    }

    /// Every warning: those of composing, then those of reading the observed resources back.
    pub fn all_warnings(&self) -> impl Iterator<Item = &String> {
        self.warnings.iter().chain(&self.read_back.warnings)
    }
}

/// What a composite shows of its observed composed resources: the status and fields written
/// back (`ToCompositeFieldPath` patches, outputs, the Ready condition) and the connection
/// secrets. [`Composition::read_back`] reads it again after the resources changed, without
/// composing the desired resources a second time.
#[derive(Clone, Default, PartialEq)]
pub struct ReadBack {
    /// The composite with the status and fields the composition wrote back.
    pub composite: Value,
    /// The composite's secrets: connection details a provider handed out as secret.
    pub connection_details: BTreeMap<String, String>,
    /// Things found while reading the observed resources back (a required patch from an
    /// observed resource whose field is missing).
    pub warnings: Vec<String>,
}

impl ReadBack {
    /// The composite as given, with no secret and no warning: what a composition written in
    /// Rust that writes nothing back observes.
    pub fn new(composite: Value) -> Self {
        ReadBack {
            composite,
            ..ReadBack::default()
        }
    }
}

impl fmt::Debug for ReadBack {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Connection details are secrets: only their keys are shown.
        f.debug_struct("ReadBack")
            .field("composite", &self.composite)
            .field(
                "connection_details",
                &self.connection_details.keys().collect::<Vec<_>>(),
            )
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

    /// Reads the composite's [`ReadBack`] again from `request.observed`, for a composite
    /// that [`compose`](Composition::compose) turned into the resources named `composed`
    /// earlier in the same reconcile, and whose resources have changed since. The engine
    /// calls it once per reconcile that changed anything, so the desired resources are
    /// composed only once. The default composes again and keeps its read-back; compositions
    /// that can read back alone (the declarative ones do) override it.
    fn read_back(
        &self,
        request: &ComposeRequest<'_>,
        composed: &[&str],
    ) -> Result<ReadBack, ComposeError> {
        let _ = composed;
        Ok(self.compose(request)?.read_back)
    }

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
