//! Configuring a fake provider: kinds, cloud, seed, and the latency and faults of the layers
//! in front of it.

use std::sync::Arc;

use super::cloud::FakeCloud;
use super::error::FakeConfigError;
use super::provider::{CloudBackend, FakeProvider, Shared};
use crate::layers::{Delay, Fault, Faults, Latency, Operation};
use crate::recorder::CallRecorder;

/// Builds a [`FakeProvider`]; see [`FakeProvider::builder`].
#[derive(Debug, Clone)]
pub struct FakeProviderBuilder {
    name: String,
    kinds: Vec<(String, String)>,
    cloud: Option<FakeCloud>,
    seed: u64,
    latency: [Delay; Operation::ALL.len()],
    faults: Vec<(Operation, Fault)>,
}

impl FakeProviderBuilder {
    pub(crate) fn new(kinds: Vec<(String, String)>) -> Self {
        FakeProviderBuilder {
            name: "fake".to_owned(),
            kinds,
            cloud: None,
            seed: 0,
            latency: [Delay::None; Operation::ALL.len()],
            faults: Vec::new(),
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

    /// The same latency for every operation (of the [`Latency`] layer in front of the cloud).
    pub fn latency(mut self, delay: Delay) -> Self {
        self.latency = [delay; Operation::ALL.len()];
        self
    }

    /// The latency of one operation.
    pub fn latency_of(mut self, operation: Operation, delay: Delay) -> Self {
        self.latency[operation.index()] = delay;
        self
    }

    /// Adds a fault to an operation (of the [`Faults`] layer in front of the cloud); of
    /// several, the first that fires on a call wins.
    pub fn fault(mut self, operation: Operation, fault: Fault) -> Self {
        self.faults.push((operation, fault));
        self
    }

    /// The provider, or what is wrong with the configuration.
    pub fn build(self) -> Result<FakeProvider, FakeConfigError> {
        if self.kinds.is_empty() {
            return Err(FakeConfigError::NoKinds);
        }
        let cloud = self
            .cloud
            .unwrap_or_else(|| FakeCloud::with_seed(self.seed));
        let backend = CloudBackend {
            name: self.name,
            kinds: self.kinds,
            cloud,
        };
        // Offsets, so that the layers' draws differ from each other and from the passwords.
        let latency = Latency::new(Arc::new(backend)).seed(self.seed ^ 0x5eed_fa11);
        for operation in Operation::ALL {
            latency.set(operation, self.latency[operation.index()])?;
        }
        let recorder = CallRecorder::new();
        let faults = Faults::new(Arc::new(latency))
            .seed(self.seed ^ 0xfa17_5eed)
            .recording(recorder.clone());
        for (operation, fault) in self.faults {
            faults.add(operation, fault)?;
        }
        Ok(FakeProvider {
            shared: Arc::new(Shared {
                recorder,
                layers: faults,
            }),
        })
    }
}
