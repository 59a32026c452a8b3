//! The fake provider: serves any managed kinds from a [`FakeCloud`], with injected latency,
//! faults and a call recorder.

use async_trait::async_trait;
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use platform_core::provider::{
    Applied, ManagedResource, Observation, Provider, ProviderError, diff_fields,
};

use super::builder::FakeProviderBuilder;
use super::cloud::{FakeCloud, RealResource, RealResourceKey};
use super::error::FakeConfigError;
use super::fault::{ArmedFault, Fault, FaultEffect, HANG};
use super::latency::Latency;
use super::operation::Operation;
use super::recorder::{Call, CallRecorder};
use super::rng::SeededRng;

/// A stateful fake provider for any managed kinds; clones share cloud, faults and recorder.
///
/// Observe reports a resource as existing when the cloud holds it, up to date when its stored
/// spec has every desired field, and always ready. Outputs look like a database's (`host`,
/// `port`, `externalName`, `database`, `username`, `id`); secrets are a seeded `password` and
/// a `uri` holding it. Create is idempotent (unless the cloud is in strict-create mode), update
/// sets the spec, delete is idempotent.
///
/// ```
/// use std::time::Duration;
/// use platform_testkit::fake::{Fault, FakeProvider, Latency, Operation};
///
/// let fake = FakeProvider::builder([("fake.dev/v1", "FakeDatabase")])
///     .seed(7)
///     .latency(Latency::uniform(Duration::from_millis(5), Duration::from_millis(50)))
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
    pub(crate) name: String,
    pub(crate) kinds: Vec<(String, String)>,
    pub(crate) cloud: FakeCloud,
    pub(crate) recorder: CallRecorder,
    pub(crate) behaviour: Mutex<Behaviour>,
}

pub(crate) struct Behaviour {
    pub(crate) latency: [Latency; 4],
    pub(crate) faults: [Vec<ArmedFault>; 4],
    /// Calls so far per operation, for [`Fault::after`].
    pub(crate) calls: [u64; 4],
    pub(crate) rng: SeededRng,
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

    /// The cloud this provider acts on.
    pub fn cloud(&self) -> &FakeCloud {
        &self.shared.cloud
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

    fn behaviour(&self) -> MutexGuard<'_, Behaviour> {
        self.shared
            .behaviour
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Adds a fault to an operation at run time.
    pub fn add_fault(&self, operation: Operation, fault: Fault) -> Result<(), FakeConfigError> {
        fault.check(operation)?;
        self.behaviour().faults[operation.index()].push(ArmedFault::new(fault));
        Ok(())
    }

    /// Removes the faults of one operation.
    pub fn clear_faults_of(&self, operation: Operation) {
        self.behaviour().faults[operation.index()].clear();
    }

    /// Removes every fault, so that things can converge.
    pub fn clear_faults(&self) {
        for faults in &mut self.behaviour().faults {
            faults.clear();
        }
    }

    /// Sets the latency of one operation at run time.
    pub fn set_latency(
        &self,
        operation: Operation,
        latency: Latency,
    ) -> Result<(), FakeConfigError> {
        latency.check(operation)?;
        self.behaviour().latency[operation.index()] = latency;
        Ok(())
    }

    fn key(resource: &ManagedResource) -> RealResourceKey {
        RealResourceKey::new(
            resource.object.api_version.clone(),
            resource.kind(),
            resource.external_name.clone(),
        )
    }

    /// Records the call, applies latency and faults, then runs `act` on the cloud.
    async fn call<T>(
        &self,
        operation: Operation,
        resource: &ManagedResource,
        act: impl FnOnce(&FakeCloud, &RealResourceKey) -> Result<T, ProviderError>,
    ) -> Result<T, ProviderError> {
        let key = Self::key(resource);
        let (delay, fault) = {
            let mut b = self.behaviour();
            let Behaviour {
                latency,
                faults,
                calls,
                rng,
            } = &mut *b;
            let i = operation.index();
            calls[i] += 1;
            let delay = latency[i].sample(rng);
            let fault = faults[i]
                .iter_mut()
                .find_map(|f| f.fires(calls[i], rng).then(|| f.effect()));
            (delay, fault)
        };
        self.shared.recorder.record(Call {
            operation,
            api_version: key.api_version.clone(),
            kind: key.kind.clone(),
            external_name: key.external_name.clone(),
            fault,
        });
        let served = self
            .shared
            .kinds
            .iter()
            .any(|(a, k)| *a == key.api_version && *k == key.kind);
        if !served {
            return Err(ProviderError::permanent(format!(
                "{} provider does not serve {} {}; it serves {}",
                self.shared.name,
                key.api_version,
                key.kind,
                self.served_list()
            )));
        }
        if delay > Duration::ZERO {
            tokio::time::sleep(delay).await;
        }
        let injected = |what: &str| {
            format!(
                "injected {what}: {} {operation} of {} {}",
                self.shared.name, key.kind, key.external_name
            )
        };
        match fault {
            None => act(&self.shared.cloud, &key),
            Some(FaultEffect::Transient) => {
                Err(ProviderError::transient(injected("transient error")))
            }
            Some(FaultEffect::Permanent) => {
                Err(ProviderError::permanent(injected("permanent error")))
            }
            Some(FaultEffect::NotFound) => {
                Err(ProviderError::not_found(injected("not-found error")))
            }
            Some(FaultEffect::Hang) => {
                tokio::time::sleep(HANG).await;
                Err(ProviderError::transient(injected("hang")))
            }
            Some(FaultEffect::LostResponse) => {
                // The cloud did the work; only the reply is lost.
                let _ = act(&self.shared.cloud, &key);
                Err(ProviderError::transient(injected("lost response")))
            }
        }
    }

    fn served_list(&self) -> String {
        self.shared
            .kinds
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

#[async_trait]
impl Provider for FakeProvider {
    fn name(&self) -> &str {
        &self.shared.name
    }

    fn kinds(&self) -> Vec<(String, String)> {
        self.shared.kinds.clone()
    }

    async fn observe(&self, resource: &ManagedResource) -> Result<Observation, ProviderError> {
        self.call(Operation::Observe, resource, |cloud, key| {
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
        .await
    }

    async fn create(&self, resource: &ManagedResource) -> Result<Applied, ProviderError> {
        self.call(Operation::Create, resource, |cloud, key| {
            Ok(applied(&cloud.create(key, resource.spec())))
        })
        .await
    }

    async fn update(&self, resource: &ManagedResource) -> Result<Applied, ProviderError> {
        self.call(Operation::Update, resource, |cloud, key| {
            cloud
                .set_spec(key, resource.spec())
                .map(|real| applied(&real))
                .ok_or_else(|| missing(key, Operation::Update))
        })
        .await
    }

    async fn delete(&self, resource: &ManagedResource) -> Result<(), ProviderError> {
        self.call(Operation::Delete, resource, |cloud, key| {
            cloud.remove(key);
            Ok(())
        })
        .await
    }
}

impl fmt::Debug for FakeProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FakeProvider")
            .field("name", &self.shared.name)
            .field("kinds", &self.shared.kinds)
            .field("cloud", &self.shared.cloud)
            .field("calls", &self.shared.recorder.calls().len())
            .finish()
    }
}
