//! The latency layer: each call waits a fixed or seeded uniform delay before it reaches the
//! provider it wraps.

use async_trait::async_trait;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use platform_core::provider::{
    Applied, Found, ManagedResource, Observation, Provider, ProviderError,
};
use platform_core::rng::SeededRng;

use super::error::LayerConfigError;
use super::operation::Operation;

/// How long each call of an operation waits (with `tokio::time::sleep`) before it acts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Delay {
    /// No delay.
    #[default]
    None,
    /// Always the same delay.
    Fixed(Duration),
    /// A delay drawn uniformly in `[min, max]` from the layer's seeded generator.
    Uniform {
        /// Shortest delay.
        min: Duration,
        /// Longest delay.
        max: Duration,
    },
}

impl Delay {
    /// Always `delay`.
    pub fn fixed(delay: Duration) -> Self {
        Delay::Fixed(delay)
    }

    /// Uniformly between `min` and `max` (inclusive); `min` above `max` is refused when the
    /// delay is set.
    pub fn uniform(min: Duration, max: Duration) -> Self {
        Delay::Uniform { min, max }
    }

    pub(crate) fn check(&self, operation: Operation) -> Result<(), LayerConfigError> {
        match *self {
            Delay::Uniform { min, max } if min > max => Err(LayerConfigError::LatencyRange {
                operation: operation.to_string(),
                min,
                max,
            }),
            _ => Ok(()),
        }
    }

    fn sample(&self, rng: &mut SeededRng) -> Duration {
        match *self {
            Delay::None => Duration::ZERO,
            Delay::Fixed(delay) => delay,
            Delay::Uniform { min, max } => rng.duration_between(min, max),
        }
    }
}

/// Wraps any provider so that each call first waits the [`Delay`] of its [`Operation`];
/// changeable while a test runs. Sleeps with `tokio::time::sleep`, so tests with paused time
/// stay instant. An `observe_many` is one round trip: it waits one observe delay.
///
/// ```
/// use std::sync::Arc;
/// use std::time::Duration;
/// use platform_testkit::fake::FakeProvider;
/// use platform_testkit::layers::{Delay, Latency, Operation};
///
/// # fn wrap(provider: FakeProvider) -> Result<(), Box<dyn std::error::Error>> {
/// // Any provider: a real adapter, your own, or a fake.
/// let slow = Latency::new(Arc::new(provider)).seed(7);
/// slow.set_all(Delay::uniform(Duration::from_millis(5), Duration::from_millis(50)))?;
/// slow.set(Operation::Delete, Delay::fixed(Duration::from_secs(2)))?;
/// // ... hand `Arc::new(slow)` to the engine under test ...
/// # Ok(()) }
/// ```
pub struct Latency<P: ?Sized> {
    inner: Arc<P>,
    state: Mutex<LatencyState>,
}

struct LatencyState {
    delays: [Delay; Operation::ALL.len()],
    rng: SeededRng,
}

impl<P: Provider + ?Sized> Latency<P> {
    /// Wraps `inner` with no delay yet; the generator of uniform delays starts at seed 0.
    pub fn new(inner: Arc<P>) -> Self {
        Latency {
            inner,
            state: Mutex::new(LatencyState {
                delays: [Delay::None; Operation::ALL.len()],
                rng: SeededRng::new(0),
            }),
        }
    }

    /// Restarts the generator of uniform delays at `seed`: the same seed, the same delays.
    pub fn seed(self, seed: u64) -> Self {
        self.state().rng = SeededRng::new(seed);
        self
    }

    /// The wrapped provider.
    pub fn inner(&self) -> &Arc<P> {
        &self.inner
    }

    /// Sets the delay of one operation, also while calls run.
    pub fn set(&self, operation: Operation, delay: Delay) -> Result<(), LayerConfigError> {
        delay.check(operation)?;
        self.state().delays[operation.index()] = delay;
        Ok(())
    }

    /// Sets the same delay for every operation.
    pub fn set_all(&self, delay: Delay) -> Result<(), LayerConfigError> {
        for operation in Operation::ALL {
            self.set(operation, delay)?;
        }
        Ok(())
    }

    /// The delay of one operation.
    pub fn delay_of(&self, operation: Operation) -> Delay {
        self.state().delays[operation.index()]
    }

    fn state(&self) -> MutexGuard<'_, LatencyState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    async fn wait(&self, operation: Operation) {
        let delay = {
            let mut state = self.state();
            let LatencyState { delays, rng } = &mut *state;
            delays[operation.index()].sample(rng)
        };
        if delay > Duration::ZERO {
            tokio::time::sleep(delay).await;
        }
    }
}

/// Forwards every method of [`Provider`]: the compiler says so when the trait grows.
#[deny(clippy::missing_trait_methods)]
#[async_trait]
impl<P: Provider + ?Sized> Provider for Latency<P> {
    fn name(&self) -> &str {
        self.inner.name()
    }
    fn kinds(&self) -> Vec<(String, String)> {
        self.inner.kinds()
    }
    fn private_inventory(&self) -> bool {
        self.inner.private_inventory()
    }
    async fn observe(&self, resource: &ManagedResource) -> Result<Observation, ProviderError> {
        self.wait(Operation::Observe).await;
        self.inner.observe(resource).await
    }
    async fn create(&self, resource: &ManagedResource) -> Result<Applied, ProviderError> {
        self.wait(Operation::Create).await;
        self.inner.create(resource).await
    }
    async fn update(&self, resource: &ManagedResource) -> Result<Applied, ProviderError> {
        self.wait(Operation::Update).await;
        self.inner.update(resource).await
    }
    async fn delete(&self, resource: &ManagedResource) -> Result<(), ProviderError> {
        self.wait(Operation::Delete).await;
        self.inner.delete(resource).await
    }
    async fn adopt(&self, resource: &ManagedResource) -> Result<Applied, ProviderError> {
        self.wait(Operation::Adopt).await;
        self.inner.adopt(resource).await
    }
    async fn inventory(&self) -> Result<Option<Vec<Found>>, ProviderError> {
        self.wait(Operation::Inventory).await;
        self.inner.inventory().await
    }
    async fn observe_many(
        &self,
        resources: &[ManagedResource],
    ) -> Vec<Result<Observation, ProviderError>> {
        self.wait(Operation::Observe).await;
        self.inner.observe_many(resources).await
    }
}
