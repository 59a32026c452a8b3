//! Injected faults: what goes wrong, how often, and from which call on.

use std::fmt;
use std::time::Duration;

use super::error::FakeConfigError;
use super::operation::Operation;
use super::rng::SeededRng;

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
/// use platform_testkit::fake::Fault;
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

    /// Fires with this probability (seeded); must be within `0.0..=1.0`, checked at build time.
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

    pub(crate) fn check(&self, operation: Operation) -> Result<(), FakeConfigError> {
        if (0.0..=1.0).contains(&self.probability) {
            Ok(())
        } else {
            Err(FakeConfigError::Probability {
                operation: operation.to_string(),
                found: self.probability.to_string(),
            })
        }
    }
}

/// A configured fault and how often it has fired.
#[derive(Debug, Clone)]
pub(crate) struct ArmedFault {
    fault: Fault,
    fired: u64,
}

impl ArmedFault {
    pub(crate) fn new(fault: Fault) -> Self {
        ArmedFault { fault, fired: 0 }
    }

    /// Whether the fault fires on the `call`-th call (1-based) of its operation.
    pub(crate) fn fires(&mut self, call: u64, rng: &mut SeededRng) -> bool {
        if call <= self.fault.after || self.fault.times.is_some_and(|t| self.fired >= t) {
            return false;
        }
        let fires = self.fault.probability >= 1.0 || rng.next_f64() < self.fault.probability;
        if fires {
            self.fired += 1;
        }
        fires
    }

    pub(crate) fn effect(&self) -> FaultEffect {
        self.fault.effect
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
