//! Configuring a fake provider: kinds, cloud, seed, latency and faults per operation.

use std::sync::{Arc, Mutex};

use super::cloud::FakeCloud;
use super::error::FakeConfigError;
use super::fault::{ArmedFault, Fault};
use super::latency::Latency;
use super::operation::Operation;
use super::provider::{Behaviour, FakeProvider, Shared};
use super::recorder::CallRecorder;
use super::rng::SeededRng;

/// Builds a [`FakeProvider`]; see [`FakeProvider::builder`].
#[derive(Debug, Clone)]
pub struct FakeProviderBuilder {
    name: String,
    kinds: Vec<(String, String)>,
    cloud: Option<FakeCloud>,
    seed: u64,
    latency: [Latency; 4],
    faults: [Vec<Fault>; 4],
}

impl FakeProviderBuilder {
    pub(crate) fn new(kinds: Vec<(String, String)>) -> Self {
        FakeProviderBuilder {
            name: "fake".to_owned(),
            kinds,
            cloud: None,
            seed: 0,
            latency: [Latency::None; 4],
            faults: Default::default(),
        }
    }

    /// The provider's name in messages (default `fake`).
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = name.into();
        self
    }

    /// The cloud to act on; by default a new one seeded like the provider.
    pub fn cloud(mut self, cloud: FakeCloud) -> Self {
        self.cloud = Some(cloud);
        self
    }

    /// Seed of latency draws, fault probabilities and (for a new cloud) passwords; default 0.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// The same latency for every operation.
    pub fn latency(mut self, latency: Latency) -> Self {
        self.latency = [latency; 4];
        self
    }

    /// The latency of one operation.
    pub fn latency_of(mut self, operation: Operation, latency: Latency) -> Self {
        self.latency[operation.index()] = latency;
        self
    }

    /// Adds a fault to an operation; of several, the first that fires on a call wins.
    pub fn fault(mut self, operation: Operation, fault: Fault) -> Self {
        self.faults[operation.index()].push(fault);
        self
    }

    /// The provider, or what is wrong with the configuration.
    pub fn build(self) -> Result<FakeProvider, FakeConfigError> {
        if self.kinds.is_empty() {
            return Err(FakeConfigError::NoKinds);
        }
        for operation in Operation::ALL {
            self.latency[operation.index()].check(operation)?;
            for fault in &self.faults[operation.index()] {
                fault.check(operation)?;
            }
        }
        let cloud = self
            .cloud
            .unwrap_or_else(|| FakeCloud::with_seed(self.seed));
        let faults = self
            .faults
            .map(|faults| faults.into_iter().map(ArmedFault::new).collect());
        Ok(FakeProvider {
            shared: Arc::new(Shared {
                name: self.name,
                kinds: self.kinds,
                cloud,
                recorder: CallRecorder::new(),
                behaviour: Mutex::new(Behaviour {
                    latency: self.latency,
                    faults,
                    calls: [0; 4],
                    // Offset so the provider's draws differ from the cloud's passwords.
                    rng: SeededRng::new(self.seed ^ 0x5eed_fa11),
                }),
            }),
        })
    }
}
