//! The provider contract: observe, create, update and delete one kind of real resource.
//!
//! Every operation is idempotent. External names are deterministic (see [`external_name`]),
//! so a crash between a create and its record is resolved by observing, never by a human.
//! Wrapping layers ([`layers`]) add timeouts, retries and concurrency limits to any provider.
//! An adapter serving several kinds implements [`ManagedKind`] once per kind and registers
//! them in an [`Adapter`], which routes every call by kind.

mod adapter;
mod backoff;
mod error;
mod external_name;
mod kind;
pub mod layers;
mod observation;
mod owner;

pub use adapter::{Adapter, AdapterBuilder, AdapterContext, AsAdapter};
pub use backoff::Backoff;
pub use error::{ErrorClass, ProviderError};
pub use external_name::{EXTERNAL_NAME_ANNOTATION, external_name};
pub use kind::ManagedKind;
pub use observation::{Applied, FieldDiff, Observation, diff_fields};
pub use owner::Owner;

use async_trait::async_trait;
use serde_json::Value;

use crate::model::{DynamicObject, Resource};

/// A real resource found by [`Provider::inventory`].
#[derive(Debug, Clone)]
pub struct Found {
    /// The resource as [`Provider::delete`] takes it (kind, spec naming it, owner reference).
    pub resource: ManagedResource,
    /// The owner its marker records; `None` when it was created before owners were recorded.
    pub owner: Option<Owner>,
}

/// A managed resource as a provider sees it: the desired object and its external name.
#[derive(Debug, Clone, PartialEq)]
pub struct ManagedResource {
    /// The desired object (apiVersion, kind, metadata, spec).
    pub object: DynamicObject,
    /// The name of the real resource, derived from namespace and name unless annotated.
    pub external_name: String,
}

impl ManagedResource {
    /// A managed resource with its deterministic external name.
    pub fn new(object: DynamicObject) -> Self {
        let external_name = external_name(&object);
        ManagedResource {
            object,
            external_name,
        }
    }

    /// The desired spec.
    pub fn spec(&self) -> &Value {
        &self.object.spec
    }

    /// Kind of the resource.
    pub fn kind(&self) -> &str {
        self.object.kind()
    }
}

/// Provisions one or more managed kinds. Object-safe: engines hold `Arc<dyn Provider>`.
#[async_trait]
pub trait Provider: Send + Sync {
    /// A short name for messages, such as `postgres`.
    fn name(&self) -> &str;

    /// The managed kinds served, as `(apiVersion, kind)`.
    fn kinds(&self) -> Vec<(String, String)>;

    /// Reads the real resource: whether it exists, whether it matches, outputs and secrets.
    async fn observe(&self, resource: &ManagedResource) -> Result<Observation, ProviderError>;

    /// Creates the real resource; succeeds without change when it already exists.
    async fn create(&self, resource: &ManagedResource) -> Result<Applied, ProviderError>;

    /// Brings the real resource to the desired spec.
    async fn update(&self, resource: &ManagedResource) -> Result<Applied, ProviderError>;

    /// Deletes the real resource; succeeds when it is already gone.
    async fn delete(&self, resource: &ManagedResource) -> Result<(), ProviderError>;

    /// Takes over a resource that exists although its create was never recorded (the process
    /// died in between). Only a create knows what it generated, such as a password, so a
    /// provider that hands out generated credentials overrides this to issue fresh ones; the
    /// default reports what observing finds and changes nothing.
    async fn adopt(&self, resource: &ManagedResource) -> Result<Applied, ProviderError> {
        let observed = self.observe(resource).await?;
        Ok(Applied {
            pending: !observed.ready,
            outputs: observed.outputs,
            secrets: observed.secrets,
        })
    }

    /// Lists the real resources this provider manages (those carrying the platform's
    /// marker), each with its recorded owner, so a drift sweep can find the ones no stored
    /// claim owns; `None` when the provider cannot list them. Each listed resource can be
    /// passed to [`delete`](Provider::delete).
    async fn inventory(&self) -> Result<Option<Vec<Found>>, ProviderError> {
        Ok(None)
    }

    /// True when everything [`inventory`](Provider::inventory) lists belongs to this
    /// installation (a folder of its own). A shared server may hold another installation's
    /// resources, whose claims live in another store: a drift sweep never judges those
    /// leaks, so it can never delete another installation's data.
    fn private_inventory(&self) -> bool {
        false
    }

    /// Observes many resources of one kind; providers override this to use one round trip.
    async fn observe_many(
        &self,
        resources: &[ManagedResource],
    ) -> Vec<Result<Observation, ProviderError>> {
        let mut out = Vec::with_capacity(resources.len());
        for resource in resources {
            out.push(self.observe(resource).await);
        }
        out
    }
}
