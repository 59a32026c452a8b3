//! The fault layer: injected errors, hangs and lost responses in front of any provider: what
//! goes wrong, how often, and from which call on.

use async_trait::async_trait;
use std::fmt;
use std::future::Future;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use platform_core::provider::{
    Applied, Found, ManagedResource, Observation, Provider, ProviderError,
};
use platform_core::rng::SeededRng;

use super::error::LayerConfigError;
use super::operation::Operation;
use crate::recorder::{Call, CallRecorder};

/// How long a [`FaultEffect::Hang`] call sleeps: far longer than any sensible timeout.
pub const HANG: Duration = Duration::from_secs(24 * 60 * 60);

/// What an injected fault does to a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FaultEffect {
    /// Fails with a transient error; nothing happens in the cloud.
    Transient,
    /// Fails with a permanent error; nothing happens in the cloud.
    Permanent,
    /// Fails with a not-found error; nothing happens in the cloud.
    NotFound,
    /// Sleeps for [`HANG`] (so a timeout layer fires), then fails with a transient error.
    Hang,
    /// The operation takes effect in the cloud, then the reply is lost: a transient error.
    /// This is how a create happens twice when a caller retries without observing first.
    LostResponse,
}

impl fmt::Display for FaultEffect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            FaultEffect::Transient => "transient error",
            FaultEffect::Permanent => "permanent error",
            FaultEffect::NotFound => "not-found error",
            FaultEffect::Hang => "hang",
            FaultEffect::LostResponse => "lost response",
        })
    }
}

/// A fault for one operation: an effect, a probability, and limits on when it fires.
///
/// ```
/// use platform_testkit::layers::Fault;
///
/// // Every create after the first two fails transiently with probability 0.2, at most 5 times.
/// let fault = Fault::transient().probability(0.2).after(2).times(5);
/// # let _ = fault;
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Fault {
    effect: FaultEffect,
    probability: f64,
    after: u64,
    times: Option<u64>,
}

impl Fault {
    /// A fault with an effect that fires on every call.
    pub fn new(effect: FaultEffect) -> Self {
        Fault {
            effect,
            probability: 1.0,
            after: 0,
            times: None,
        }
    }

    /// Fails calls with a transient error.
    pub fn transient() -> Self {
        Fault::new(FaultEffect::Transient)
    }

    /// Fails calls with a permanent error.
    pub fn permanent() -> Self {
        Fault::new(FaultEffect::Permanent)
    }

    /// Fails calls with a not-found error.
    pub fn not_found() -> Self {
        Fault::new(FaultEffect::NotFound)
    }

    /// Makes calls hang for [`HANG`].
    pub fn hang() -> Self {
        Fault::new(FaultEffect::Hang)
    }

    /// Carries calls out, then loses the reply.
    pub fn lost_response() -> Self {
        Fault::new(FaultEffect::LostResponse)
    }

    /// Fires with this probability (seeded); must be within `0.0..=1.0`, checked when the
    /// fault is added.
    pub fn probability(mut self, probability: f64) -> Self {
        self.probability = probability;
        self
    }

    /// Lets the first `calls` calls of the operation through, then fires.
    pub fn after(mut self, calls: u64) -> Self {
        self.after = calls;
        self
    }

    /// Fires at most `times` times, then never again.
    pub fn times(mut self, times: u64) -> Self {
        self.times = Some(times);
        self
    }

    /// What the fault does.
    pub fn effect(&self) -> FaultEffect {
        self.effect
    }

    pub(crate) fn check(&self, operation: Operation) -> Result<(), LayerConfigError> {
        if (0.0..=1.0).contains(&self.probability) {
            Ok(())
        } else {
            Err(LayerConfigError::Probability {
                operation: operation.to_string(),
                found: self.probability.to_string(),
            })
        }
    }
}

/// A configured fault and how often it has fired.
#[derive(Debug, Clone)]
struct ArmedFault {
    fault: Fault,
    fired: u64,
}

impl ArmedFault {
    fn new(fault: Fault) -> Self {
        ArmedFault { fault, fired: 0 }
    }

    /// Whether the fault fires on the `call`-th call (1-based) of its operation.
    fn fires(&mut self, call: u64, rng: &mut SeededRng) -> bool {
        if call <= self.fault.after || self.fault.times.is_some_and(|t| self.fired >= t) {
            return false;
        }
        let fires = self.fault.probability >= 1.0 || rng.next_f64() < self.fault.probability;
        if fires {
            self.fired += 1;
        }
        fires
    }

    fn effect(&self) -> FaultEffect {
        self.fault.effect
    }
}

/// Wraps any provider and injects [`Fault`]s per [`Operation`]: transient, permanent and
/// not-found errors, hangs, and lost responses (the call goes through, the reply is lost).
/// Probabilities are drawn from a seed, so a failing run can be replayed; faults can be added
/// and cleared while a test runs. An injected error answers at once without reaching the
/// wrapped provider (put a [`Latency`](super::Latency) layer outside to make it slow too); its
/// message starts with `injected` and names the provider, operation and resource.
///
/// With [`recording`](Faults::recording) every call through the layer is recorded, with the
/// fault injected into it, before anything else happens.
///
/// ```
/// use std::sync::Arc;
/// use platform_core::provider::Provider;
/// use platform_testkit::fake::FakeProvider;
/// use platform_testkit::layers::{Fault, Faults, Operation};
///
/// # fn wrap(provider: FakeProvider) -> Result<(), Box<dyn std::error::Error>> {
/// // Any provider: a real adapter, your own, or a fake.
/// let flaky = Faults::new(Arc::new(provider)).seed(42);
/// // Every create after the first fails transiently with probability 0.2, at most 5 times.
/// flaky.add(Operation::Create, Fault::transient().probability(0.2).after(1).times(5))?;
/// let provider: Arc<dyn Provider> = Arc::new(flaky);
/// // ... run the code under test with `provider` ...
/// # Ok(()) }
/// ```
pub struct Faults<P: ?Sized> {
    inner: Arc<P>,
    recorder: Option<CallRecorder>,
    state: Mutex<FaultState>,
}

struct FaultState {
    faults: [Vec<ArmedFault>; Operation::ALL.len()],
    /// Calls so far per operation, for [`Fault::after`].
    calls: [u64; Operation::ALL.len()],
    rng: SeededRng,
}

impl<P: Provider + ?Sized> Faults<P> {
    /// Wraps `inner` with no fault yet; probabilities are drawn from seed 0.
    pub fn new(inner: Arc<P>) -> Self {
        Faults {
            inner,
            recorder: None,
            state: Mutex::new(FaultState {
                faults: Default::default(),
                calls: [0; Operation::ALL.len()],
                rng: SeededRng::new(0),
            }),
        }
    }

    /// Restarts the generator of fault probabilities at `seed`: the same seed, the same faults.
    pub fn seed(self, seed: u64) -> Self {
        self.state().rng = SeededRng::new(seed);
        self
    }

    /// Records every call into `recorder`, with the fault injected into it.
    pub fn recording(mut self, recorder: CallRecorder) -> Self {
        self.recorder = Some(recorder);
        self
    }

    /// The wrapped provider.
    pub fn inner(&self) -> &Arc<P> {
        &self.inner
    }

    /// Adds a fault to an operation; of several, the first that fires on a call wins.
    pub fn add(&self, operation: Operation, fault: Fault) -> Result<(), LayerConfigError> {
        fault.check(operation)?;
        self.state().faults[operation.index()].push(ArmedFault::new(fault));
        Ok(())
    }

    /// Removes the faults of one operation.
    pub fn clear_of(&self, operation: Operation) {
        self.state().faults[operation.index()].clear();
    }

    /// Removes every fault, so that things can converge.
    pub fn clear(&self) {
        for faults in &mut self.state().faults {
            faults.clear();
        }
    }

    fn state(&self) -> MutexGuard<'_, FaultState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Counts the call, draws its fault and records both.
    fn draw(
        &self,
        operation: Operation,
        resource: Option<&ManagedResource>,
    ) -> Option<FaultEffect> {
        let fault = {
            let mut state = self.state();
            let FaultState { faults, calls, rng } = &mut *state;
            let i = operation.index();
            calls[i] += 1;
            faults[i]
                .iter_mut()
                .find_map(|f| f.fires(calls[i], rng).then(|| f.effect()))
        };
        if let Some(recorder) = &self.recorder {
            recorder.record(Call {
                operation,
                api_version: resource
                    .map(|r| r.object.api_version.clone())
                    .unwrap_or_default(),
                kind: resource.map(|r| r.kind().to_owned()).unwrap_or_default(),
                external_name: resource
                    .map(|r| r.external_name.clone())
                    .unwrap_or_default(),
                fault,
            });
        }
        fault
    }

    fn injected(
        &self,
        effect: FaultEffect,
        operation: Operation,
        resource: Option<&ManagedResource>,
    ) -> ProviderError {
        let mut message = format!("injected {effect}: {} {operation}", self.inner.name());
        if let Some(resource) = resource {
            message.push_str(&format!(
                " of {} {}",
                resource.kind(),
                resource.external_name
            ));
        }
        match effect {
            FaultEffect::Permanent => ProviderError::permanent(message),
            FaultEffect::NotFound => ProviderError::not_found(message),
            FaultEffect::Transient | FaultEffect::Hang | FaultEffect::LostResponse => {
                ProviderError::transient(message)
            }
        }
    }

    /// Draws the call's fault, then makes the call, fails it, or both.
    async fn run<T>(
        &self,
        operation: Operation,
        resource: Option<&ManagedResource>,
        call: impl Future<Output = Result<T, ProviderError>>,
    ) -> Result<T, ProviderError> {
        let Some(effect) = self.draw(operation, resource) else {
            return call.await;
        };
        match effect {
            FaultEffect::Transient | FaultEffect::Permanent | FaultEffect::NotFound => {}
            FaultEffect::Hang => tokio::time::sleep(HANG).await,
            FaultEffect::LostResponse => {
                // The provider did the work; only the reply is lost.
                let _ = call.await;
            }
        }
        Err(self.injected(effect, operation, resource))
    }
}

/// Forwards every method of [`Provider`]: the compiler says so when the trait grows.
#[deny(clippy::missing_trait_methods)]
#[async_trait]
impl<P: Provider + ?Sized> Provider for Faults<P> {
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
        self.run(
            Operation::Observe,
            Some(resource),
            self.inner.observe(resource),
        )
        .await
    }
    async fn create(&self, resource: &ManagedResource) -> Result<Applied, ProviderError> {
        self.run(
            Operation::Create,
            Some(resource),
            self.inner.create(resource),
        )
        .await
    }
    async fn update(&self, resource: &ManagedResource) -> Result<Applied, ProviderError> {
        self.run(
            Operation::Update,
            Some(resource),
            self.inner.update(resource),
        )
        .await
    }
    async fn delete(&self, resource: &ManagedResource) -> Result<(), ProviderError> {
        self.run(
            Operation::Delete,
            Some(resource),
            self.inner.delete(resource),
        )
        .await
    }
    async fn adopt(&self, resource: &ManagedResource) -> Result<Applied, ProviderError> {
        self.run(Operation::Adopt, Some(resource), self.inner.adopt(resource))
            .await
    }
    async fn inventory(&self) -> Result<Option<Vec<Found>>, ProviderError> {
        self.run(Operation::Inventory, None, self.inner.inventory())
            .await
    }
    /// Each resource draws its own observe fault; the others go to the wrapped provider in one
    /// batch. A hang holds the whole batch.
    async fn observe_many(
        &self,
        resources: &[ManagedResource],
    ) -> Vec<Result<Observation, ProviderError>> {
        let effects: Vec<Option<FaultEffect>> = resources
            .iter()
            .map(|r| self.draw(Operation::Observe, Some(r)))
            .collect();
        let reaching: Vec<ManagedResource> = resources
            .iter()
            .zip(&effects)
            .filter(|(_, e)| matches!(e, None | Some(FaultEffect::LostResponse)))
            .map(|(r, _)| r.clone())
            .collect();
        let mut answers = if reaching.is_empty() {
            Vec::new()
        } else {
            self.inner.observe_many(&reaching).await
        }
        .into_iter();
        if effects.contains(&Some(FaultEffect::Hang)) {
            tokio::time::sleep(HANG).await;
        }
        resources
            .iter()
            .zip(effects)
            .map(|(resource, effect)| match effect {
                None => answers.next().unwrap_or_else(|| {
                    Err(ProviderError::transient(format!(
                        "{} observe_many answered fewer resources than asked",
                        self.inner.name()
                    )))
                }),
                Some(effect) => {
                    if effect == FaultEffect::LostResponse {
                        answers.next();
                    }
                    Err(self.injected(effect, Operation::Observe, Some(resource)))
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn after_and_times_bound_when_a_fault_fires() {
        let mut rng = SeededRng::new(1);
        let mut armed = ArmedFault::new(Fault::transient().after(2).times(2));
        let fired: Vec<bool> = (1..=6).map(|call| armed.fires(call, &mut rng)).collect();
        assert_eq!(fired, [false, false, true, true, false, false]);
    }

    #[test]
    fn probability_is_seeded_and_roughly_respected() {
        let run = |seed| {
            let mut rng = SeededRng::new(seed);
            let mut armed = ArmedFault::new(Fault::permanent().probability(0.25));
            (1..=1000)
                .filter(|&call| armed.fires(call, &mut rng))
                .count()
        };
        assert_eq!(run(42), run(42));
        assert!((150..350).contains(&run(42)), "fired {} of 1000", run(42));
    }

    #[test]
    fn out_of_range_probability_is_a_clear_error() {
        let err = Fault::transient()
            .probability(1.5)
            .check(Operation::Create)
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "fault probability of create must be between 0.0 and 1.0, found 1.5"
        );
        assert!(
            Fault::hang()
                .probability(f64::NAN)
                .check(Operation::Observe)
                .is_err()
        );
    }
}
