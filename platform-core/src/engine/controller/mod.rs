//! The controller loop: reconcile changed objects first, poll everything for drift on an
//! interval with jitter, back off per object on failure, finish in-flight work on shutdown.

mod queue;
mod share;

use std::collections::HashSet;
use std::future::Future;
use std::time::Duration;
use tokio::time::Instant;

use crate::engine::{Engine, EngineError, Next};
use crate::model::{ObjectRef, Resource};
use crate::rng::SeededRng;
use crate::store::ChangeKind;
use queue::{Priority, WorkQueue};
use share::Turn;

/// How often the change feed is read.
const FEED_INTERVAL: Duration = Duration::from_millis(200);

/// Poll jitter: spreads the polls of many engines sharing a store.
struct Jitter(SeededRng);

impl Jitter {
    fn new() -> Self {
        let seed = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0x9e37_79b9, |d| d.as_nanos() as u64);
        Jitter(SeededRng::new(seed))
    }

    /// `base` scaled by a factor in [0.9, 1.1].
    fn apply(&mut self, base: Duration) -> Duration {
        base.mul_f64(0.9 + 0.2 * self.0.next_f64())
    }
}

impl Engine {
    /// Top-level claims: stored claims not owned by another claim.
    async fn top_level_claims(&self) -> Result<Vec<ObjectRef>, EngineError> {
        Ok(self
            .stored_claims()
            .await?
            .into_iter()
            .filter(|c| {
                crate::store::owner_of(c)
                    .is_none_or(|o| self.inner.registry.find_kind(&o.kind).is_err())
            })
            .map(|c| c.object_ref())
            .collect())
    }

    /// Runs the controller loop until `shutdown` completes, then finishes in-flight reconciles.
    pub async fn run(&self, shutdown: impl Future<Output = ()> + Send) -> Result<(), EngineError> {
        self.recover().await?;
        let mut queue = WorkQueue::default();
        let mut jitter = Jitter::new();
        // Objects whose last error was permanent: retried only once their spec changes.
        let mut permanent: HashSet<ObjectRef> = HashSet::new();
        // Claims queued by a poll alone: what their reconcile changes is drift it repaired.
        let mut polled: HashSet<ObjectRef> = HashSet::new();
        // Claims another worker held when their turn came: looked at again only if unsettled.
        let mut deferred: HashSet<ObjectRef> = HashSet::new();
        // Claims reconciled, for the heartbeat.
        let (mut reconciled, mut reconciled_at_beat) = (0u64, 0u64);
        let mut last_beat = Instant::now();
        self.beat(0, 0.0).await;
        let mut next_beat = last_beat + self.inner.renew_every;
        let mut cursor = 0;
        loop {
            let page = self.inner.store.changes(cursor, 10_000).await?;
            match page.last() {
                Some(last) => cursor = last.seq,
                None => break,
            }
        }
        let now = Instant::now();
        for key in self.top_level_claims().await? {
            queue.push(key, Priority::Changed, now);
        }
        let mut next_poll = now + jitter.apply(self.inner.poll_interval);
        let mut next_feed = now + FEED_INTERVAL;
        // Whether the store wakes the loop on changes (else the feed is read every
        // FEED_INTERVAL only); switched off when the store says it can no longer tell.
        let mut feed_wakeups = true;
        let mut tasks: tokio::task::JoinSet<(ObjectRef, Result<Turn, EngineError>)> =
            tokio::task::JoinSet::new();
        tokio::pin!(shutdown);
        loop {
            let now = Instant::now();
            while tasks.len() < self.inner.concurrency {
                let Some(key) = queue.pop(now) else { break };
                let engine = self.clone();
                let only_unsettled = deferred.remove(&key);
                tasks.spawn(async move {
                    let result = engine.take_turn(&key, only_unsettled).await;
                    (key, result)
                });
            }
            // With every slot busy, a due object waits for a finished task, not for a timer:
            // waking for it would spin until a slot frees.
            let due = (tasks.len() < self.inner.concurrency)
                .then(|| queue.next_due())
                .flatten();
            let wake = [Some(next_poll), Some(next_feed), Some(next_beat), due]
                .into_iter()
                .flatten()
                .min()
                .unwrap_or(next_feed);
            let feed_pending = next_feed <= Instant::now();
            tokio::select! {
                _ = &mut shutdown => break,
                woke = self.inner.store.wait_for_change(cursor), if feed_wakeups && !feed_pending => {
                    match woke {
                        // Read the feed now rather than at the next interval.
                        Ok(()) => next_feed = Instant::now(),
                        Err(e) => {
                            feed_wakeups = false;
                            tracing::warn!(
                                target: "platform::engine",
                                "change notifications stopped, reading the change feed every {FEED_INTERVAL:?}: {e}"
                            );
                        }
                    }
                }
                Some(joined) = tasks.join_next(), if !tasks.is_empty() => {
                    let Ok((key, turn)) = joined else { continue };
                    queue.done(&key);
                    let result = match turn {
                        Ok(Turn::Done(report)) => {
                            reconciled += 1;
                            Ok(*report)
                        }
                        Ok(Turn::Held(after)) => {
                            // Its holder works on it; if that holder stops, it is ours then.
                            deferred.insert(key.clone());
                            queue.push(key, Priority::Retry, Instant::now() + after);
                            continue;
                        }
                        Ok(Turn::Settled) => continue,
                        Err(e) => Err(e),
                    };
                    if polled.remove(&key)
                        && let Ok(report) = &result
                    {
                        self.record_controller_repairs(report).await;
                    }
                    // The reconcile said what comes next; an error is judged by the error policy.
                    let (next, synced) = match &result {
                        Ok(report) => (report.next, report.synced),
                        Err(EngineError::NotFound(_)) => {
                            queue.forget(&key);
                            self.inner.failures.reset(&key);
                            continue;
                        }
                        Err(e) => (self.next_after_error(&key, e), false),
                    };
                    let message = match &result {
                        Ok(report) => report.message.clone(),
                        Err(e) => e.to_string(),
                    };
                    match (next, synced) {
                        (Next::AwaitChange, false) => tracing::warn!(
                            target: "platform::engine", claim = %key,
                            "gave up until its spec changes: {message}"
                        ),
                        (Next::Requeue(after), false) => tracing::warn!(
                            target: "platform::engine", claim = %key,
                            "failed, retrying in {after:?}: {message}"
                        ),
                        _ => {}
                    }
                    match next {
                        Next::AwaitChange if synced => {
                            permanent.remove(&key);
                        }
                        Next::AwaitChange => {
                            permanent.insert(key);
                        }
                        Next::Requeue(after) => {
                            permanent.remove(&key);
                            queue.push(key, Priority::Retry, Instant::now() + after);
                        }
                    }
                }
                _ = tokio::time::sleep_until(wake) => {
                    let now = Instant::now();
                    if now >= next_beat {
                        let seconds = now.duration_since(last_beat).as_secs_f64().max(0.001);
                        let rate = (reconciled - reconciled_at_beat) as f64 / seconds;
                        self.beat(reconciled, rate).await;
                        (last_beat, reconciled_at_beat) = (now, reconciled);
                        next_beat = now + self.inner.renew_every;
                    }
                    if now >= next_feed {
                        next_feed = now + FEED_INTERVAL;
                        for change in self.inner.store.changes(cursor, 10_000).await? {
                            cursor = change.seq;
                            if self.inner.registry.find_kind(&change.key.kind).is_err() {
                                continue;
                            }
                            match change.kind {
                                ChangeKind::Delete => queue.forget(&change.key),
                                ChangeKind::Put => {
                                    let Some(object) = self.inner.store.get(&change.key).await? else { continue };
                                    // Status writes also appear in the feed: only spec changes count.
                                    let observed = object
                                        .status
                                        .as_ref()
                                        .and_then(|s| s.get("observedGeneration"))
                                        .and_then(|g| g.as_i64());
                                    let owned_by_claim = crate::store::owner_of(&object)
                                        .is_some_and(|o| self.inner.registry.find_kind(&o.kind).is_ok());
                                    if observed != object.metadata.generation && !owned_by_claim {
                                        permanent.remove(&change.key);
                                        polled.remove(&change.key);
                                        queue.push(change.key, Priority::Changed, now);
                                    }
                                }
                            }
                        }
                    }
                    if now >= next_poll {
                        next_poll = now + jitter.apply(self.inner.poll_interval);
                        for key in self.top_level_claims().await? {
                            if !permanent.contains(&key) {
                                if !queue.contains(&key) {
                                    polled.insert(key.clone());
                                }
                                queue.push(key, Priority::Poll, now);
                            }
                        }
                    }
                }
            }
        }
        while tasks.join_next().await.is_some() {}
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jitter_stays_within_ten_percent() {
        let mut jitter = Jitter::new();
        for _ in 0..1000 {
            let d = jitter.apply(Duration::from_secs(60));
            assert!(
                d >= Duration::from_secs(54) && d <= Duration::from_secs(66),
                "{d:?}"
            );
        }
    }
}
