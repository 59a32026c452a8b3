//! Sharing work with other reconcilers on one store: a claim whose lease another live worker
//! holds is not waited for but looked at again when that lease would expire, and then only
//! if the holder left it unsettled; the worker's heartbeat says what it did.

use std::time::Duration;

use crate::engine::reconcile::status::is_ready;
use crate::engine::{ClaimReport, Engine, EngineError};
use crate::model::{DynamicObject, ObjectRef};
use crate::store::{WorkerBeat, now_ms};

/// What came of a controller's turn at a claim.
pub(super) enum Turn {
    /// Reconciled.
    Done(Box<ClaimReport>),
    /// Another live worker holds its lease: look again after this long.
    Held(Duration),
    /// Looked at only in case its holder left it unfinished, and it was settled.
    Settled,
}

/// How long after a held lease's expiry the claim is looked at again: the holder renews
/// well before it, so this is reached only when it stopped.
const AFTER_EXPIRY: Duration = Duration::from_millis(100);

impl Engine {
    /// Reconciles `key` unless another live worker holds its lease; with `only_unsettled`,
    /// only when it is not Ready at its current generation (another worker finished it).
    pub(super) async fn take_turn(
        &self,
        key: &ObjectRef,
        only_unsettled: bool,
    ) -> Result<Turn, EngineError> {
        let guard = match self.try_lock_object(key).await? {
            Ok(guard) => guard,
            Err(other) => {
                let left = Duration::from_millis(other.expires_at_ms.saturating_sub(now_ms()));
                return Ok(Turn::Held(left.min(self.inner.lease_ttl) + AFTER_EXPIRY));
            }
        };
        if only_unsettled {
            let claim = self
                .inner
                .store
                .get(key)
                .await?
                .ok_or_else(|| EngineError::NotFound(Box::new(key.clone())))?;
            if settled(&claim) {
                return Ok(Turn::Settled);
            }
        }
        self.reconcile_locked(key, guard)
            .await
            .map(|report| Turn::Done(Box::new(report)))
    }

    /// Records this worker's heartbeat; a failure is logged, never fatal.
    pub(super) async fn beat(&self, reconciled: u64, per_second: f64) {
        let (host, pid) = crate::engine::lease::host_and_pid();
        let beat = WorkerBeat {
            holder: self.inner.holder.clone(),
            id: self.inner.worker_id.clone(),
            host,
            pid,
            reconciled,
            per_second,
        };
        if let Err(e) = self.inner.store.heartbeat(&beat).await {
            tracing::warn!(target: "platform::controller", "heartbeat not recorded: {e}");
        }
    }
}

/// Ready at the generation stored: nothing left to do until a change or a poll.
fn settled(claim: &DynamicObject) -> bool {
    let status = claim.status.as_ref();
    let observed = status
        .and_then(|s| s.get("observedGeneration"))
        .and_then(|g| g.as_i64());
    observed.is_some() && observed == claim.metadata.generation && is_ready(status)
}
