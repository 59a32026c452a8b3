//! The fake provider: serves any managed kinds from a [`FakeCloud`], with injected latency,
//! faults and a call recorder.

use async_trait::async_trait;
use std::fmt;
use std::sync::Arc;

use platform_core::provider::{
    Applied, ManagedResource, Observation, Provider, ProviderError, diff_fields,
};

use super::builder::FakeProviderBuilder;
use super::cloud::{FakeCloud, RealResource, RealResourceKey};
use super::error::FakeConfigError;
use crate::layers::{Delay, Fault, Faults, Latency, Operation};
use crate::recorder::{Call, CallRecorder};

/// A stateful fake provider for any managed kinds; clones share cloud, faults and recorder.
///
/// Observe reports a resource as existing when the cloud holds it, up to date when its stored
/// spec has every desired field, and always ready. Outputs look like a database's (`host`,
/// `port`, `externalName`, `database`, `username`, `id`); secrets are a seeded `password` and
/// a `uri` holding it. Create is idempotent (unless the cloud is in strict-create mode), update
/// sets the spec, delete is idempotent.
///
/// Calls pass through a [`Faults`] layer, which records them, then a [`Latency`] layer, then
/// reach the cloud: an injected error answers without the delay. Adopting observes.
///
/// ```
/// use std::time::Duration;
/// use platform_testkit::fake::{Delay, Fault, FakeProvider, Operation};
///
/// let fake = FakeProvider::builder([("fake.dev/v1", "FakeDatabase")])
///     .seed(7)
///     .latency(Delay::uniform(Duration::from_millis(5), Duration::from_millis(50)))
///     .fault(Operation::Create, Fault::transient().probability(0.2))
///     .build()
///     .unwrap();
/// // Later, to let things converge:
/// fake.clear_faults();
/// ```
#[derive(Clone)]
pub struct FakeProvider {
    pub(crate) shared: Arc<Shared>,
}

pub(crate) struct Shared {
    pub(crate) recorder: CallRecorder,
    pub(crate) layers: Faults<Latency<CloudBackend>>,
}

/// The provider proper: serves its kinds from the cloud, with no latency and no fault.
pub(crate) struct CloudBackend {
    pub(crate) name: String,
    pub(crate) kinds: Vec<(String, String)>,
    pub(crate) cloud: FakeCloud,
}

impl FakeProvider {
    /// Starts configuring a fake serving these `(apiVersion, kind)` pairs.
    pub fn builder<A, K>(kinds: impl IntoIterator<Item = (A, K)>) -> FakeProviderBuilder
    where
        A: Into<String>,
        K: Into<String>,
    {
        FakeProviderBuilder::new(
            kinds
                .into_iter()
                .map(|(a, k)| (a.into(), k.into()))
                .collect(),
        )
    }

    fn backend(&self) -> &CloudBackend {
        self.shared.layers.inner().inner()
    }

    /// The cloud this provider acts on.
    pub fn cloud(&self) -> &FakeCloud {
        &self.backend().cloud
    }

    /// The call recorder.
    pub fn recorder(&self) -> &CallRecorder {
        &self.shared.recorder
    }

    /// Every call so far, oldest first.
    pub fn calls(&self) -> Vec<Call> {
        self.shared.recorder.calls()
    }

    /// Number of calls of an operation.
    pub fn count(&self, operation: Operation) -> usize {
        self.shared.recorder.count(operation)
    }

    /// Panics, listing the recorded calls, unless `operation` was called on `external_name`.
    #[track_caller]
    pub fn assert_called(&self, operation: Operation, external_name: &str) {
        self.shared.recorder.assert_called(operation, external_name);
    }

    /// Panics, listing the recorded calls, if `operation` was called on `external_name`.
    #[track_caller]
    pub fn assert_not_called(&self, operation: Operation, external_name: &str) {
        self.shared
            .recorder
            .assert_not_called(operation, external_name);
    }

    /// Adds a fault to an operation at run time.
    pub fn add_fault(&self, operation: Operation, fault: Fault) -> Result<(), FakeConfigError> {
        Ok(self.shared.layers.add(operation, fault)?)
    }

    /// Removes the faults of one operation.
    pub fn clear_faults_of(&self, operation: Operation) {
        self.shared.layers.clear_of(operation);
    }

    /// Removes every fault, so that things can converge.
    pub fn clear_faults(&self) {
        self.shared.layers.clear();
    }

    /// Sets the latency of one operation at run time.
    pub fn set_latency(&self, operation: Operation, delay: Delay) -> Result<(), FakeConfigError> {
        Ok(self.shared.layers.inner().set(operation, delay)?)
    }

    /// Sets the latency of every call a real provider makes over the network (observe,
    /// create, update, delete), as a benchmark of a provider `delay` away does.
    pub fn set_call_latency(&self, delay: Delay) -> Result<(), FakeConfigError> {
        for operation in [
            Operation::Observe,
            Operation::Create,
            Operation::Update,
            Operation::Delete,
        ] {
            self.set_latency(operation, delay)?;
        }
        Ok(())
    }
}

impl CloudBackend {
    fn key(resource: &ManagedResource) -> RealResourceKey {
        RealResourceKey::new(
            resource.object.api_version.clone(),
            resource.kind(),
            resource.external_name.clone(),
        )
    }

    /// Runs `act` on the cloud for a served kind.
    fn call<T>(
        &self,
        resource: &ManagedResource,
        act: impl FnOnce(&FakeCloud, &RealResourceKey) -> Result<T, ProviderError>,
    ) -> Result<T, ProviderError> {
        let key = Self::key(resource);
        let served = self
            .kinds
            .iter()
            .any(|(a, k)| *a == key.api_version && *k == key.kind);
        if !served {
            return Err(ProviderError::permanent(format!(
                "{} provider does not serve {} {}; it serves {}",
                self.name,
                key.api_version,
                key.kind,
                self.served_list()
            )));
        }
        act(&self.cloud, &key)
    }

    fn served_list(&self) -> String {
        self.kinds
            .iter()
            .map(|(a, k)| format!("{a} {k}"))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

fn applied(resource: &RealResource) -> Applied {
    Applied {
        pending: false,
        outputs: resource.outputs.clone(),
        secrets: resource.connection_secrets(),
    }
}

fn missing(key: &RealResourceKey, operation: Operation) -> ProviderError {
    ProviderError::not_found(format!(
        "cannot {operation} {} {}: it does not exist",
        key.kind, key.external_name
    ))
}

/// The cloud's answers; adopt, inventory and batch observe keep the trait's defaults.
#[async_trait]
impl Provider for CloudBackend {
    fn name(&self) -> &str {
        &self.name
    }

    fn kinds(&self) -> Vec<(String, String)> {
        self.kinds.clone()
    }

    async fn observe(&self, resource: &ManagedResource) -> Result<Observation, ProviderError> {
        self.call(resource, |cloud, key| {
            let Some(real) = cloud.find(key) else {
                return Ok(Observation::absent());
            };
            let diff = diff_fields("spec", resource.spec(), &real.spec);
            Ok(Observation {
                exists: true,
                up_to_date: diff.is_empty(),
                ready: true,
                diff,
                outputs: real.outputs.clone(),
                secrets: real.connection_secrets(),
            })
        })
    }

    async fn create(&self, resource: &ManagedResource) -> Result<Applied, ProviderError> {
        self.call(resource, |cloud, key| {
            Ok(applied(&cloud.create(key, resource.spec())))
        })
    }

    async fn update(&self, resource: &ManagedResource) -> Result<Applied, ProviderError> {
        self.call(resource, |cloud, key| {
            cloud
                .set_spec(key, resource.spec())
                .map(|real| applied(&real))
                .ok_or_else(|| missing(key, Operation::Update))
        })
    }

    async fn delete(&self, resource: &ManagedResource) -> Result<(), ProviderError> {
        self.call(resource, |cloud, key| {
            cloud.remove(key);
            Ok(())
        })
    }
}

/// The fake adopts by observing (the trait's default), through its layers as before, and
/// lists no inventory: only the four calls of its cloud go through the layers.
#[async_trait]
impl Provider for FakeProvider {
    fn name(&self) -> &str {
        self.backend().name()
    }

    fn kinds(&self) -> Vec<(String, String)> {
        self.backend().kinds()
    }

    async fn observe(&self, resource: &ManagedResource) -> Result<Observation, ProviderError> {
        self.shared.layers.observe(resource).await
    }

    async fn create(&self, resource: &ManagedResource) -> Result<Applied, ProviderError> {
        self.shared.layers.create(resource).await
    }

    async fn update(&self, resource: &ManagedResource) -> Result<Applied, ProviderError> {
        self.shared.layers.update(resource).await
    }

    async fn delete(&self, resource: &ManagedResource) -> Result<(), ProviderError> {
        self.shared.layers.delete(resource).await
    }
}

impl fmt::Debug for FakeProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let backend = self.backend();
        f.debug_struct("FakeProvider")
            .field("name", &backend.name)
            .field("kinds", &backend.kinds)
            .field("cloud", &backend.cloud)
            .field("calls", &self.shared.recorder.calls().len())
            .finish()
    }
}
