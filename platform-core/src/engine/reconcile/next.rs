//! What should happen after a reconcile, as kube-runtime's `Action` says it: reconcile again
//! after a delay, or wait for the desired state to change. The controller and
//! [`Engine::wait`] both follow it; neither decides on its own when to look again.

use std::collections::HashMap;
use std::time::Duration;

use crate::engine::{ClaimReport, Engine, EngineError};
use crate::model::ObjectRef;

/// What should happen after a reconcile.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Next {
    /// Reconcile again after this long: resources are still becoming ready, or a transient
    /// error is backing off.
    Requeue(Duration),
    /// Nothing changes until the desired state does: the claim is Ready, or its error is
    /// permanent (fixing it takes a new spec). Drift polls still look at it.
    #[default]
    AwaitChange,
}

/// Consecutive failed reconciles per object, for backoff that resets on success.
#[derive(Debug, Default)]
pub(crate) struct Failures(std::sync::Mutex<HashMap<ObjectRef, u32>>);

impl Failures {
    /// Counts a failure; returns how many came before it.
    fn count(&self, key: &ObjectRef) -> u32 {
        let mut map = self.0.lock().unwrap_or_else(|p| p.into_inner());
        let count = map.entry(key.clone()).or_insert(0);
        *count += 1;
        *count - 1
    }

    /// Forgets an object's failures (it succeeded, or it is gone).
    pub(crate) fn reset(&self, key: &ObjectRef) {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).remove(key);
    }
}

impl Engine {
    /// What follows a finished reconcile of `report`'s claim.
    pub(super) fn next_after(&self, report: &ClaimReport) -> Next {
        if !report.synced {
            if report.message.contains("permanent error") {
                self.inner.failures.reset(&report.claim);
                return Next::AwaitChange;
            }
            return Next::Requeue(self.backoff_of(&report.claim));
        }
        self.inner.failures.reset(&report.claim);
        if report.all_ready() {
            Next::AwaitChange
        } else {
            Next::Requeue(self.inner.ready_poll)
        }
    }

    /// What follows a reconcile that failed as a whole (the controller's error policy): wait
    /// for a change after an error only a new spec can fix, back off after any other.
    pub fn next_after_error(&self, key: &ObjectRef, error: &EngineError) -> Next {
        if error.is_permanent() {
            self.inner.failures.reset(key);
            Next::AwaitChange
        } else {
            Next::Requeue(self.backoff_of(key))
        }
    }

    fn backoff_of(&self, key: &ObjectRef) -> Duration {
        self.inner.backoff.delay(self.inner.failures.count(key))
    }
}
