//! Waiting for claims to become Ready: reconcile each claim again when its last reconcile said
//! to ([`Next::Requeue`]), until every claim is Ready, none can change without a new spec, or
//! the time is up.

use std::time::Duration;
use tokio::time::Instant;

use super::{ClaimReport, Engine, EngineError, Next};

impl Engine {
    /// Reconciles the claims of `reports` that are not Ready yet, each when its report's
    /// [`next`](ClaimReport::next) says, until all are Ready, the rest await a change of their
    /// spec (a permanent error), or `timeout` passes. Returns the latest report of each claim,
    /// in the order given.
    ///
    /// ```
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// use platform_core::engine::Engine;
    /// use std::time::Duration;
    /// let engine = Engine::builder().build();
    /// let report = engine.apply(&[]).await.unwrap();
    /// let claims = engine.wait(report.claims, Duration::from_secs(60)).await.unwrap();
    /// assert!(claims.iter().all(|c| c.all_ready()));
    /// # });
    /// ```
    pub async fn wait(
        &self,
        mut reports: Vec<ClaimReport>,
        timeout: Duration,
    ) -> Result<Vec<ClaimReport>, EngineError> {
        let deadline = Instant::now() + timeout;
        let mut due: Vec<Option<Instant>> =
            reports.iter().map(|r| due_at(r, Instant::now())).collect();
        loop {
            let Some(next) = due.iter().flatten().min().copied() else {
                return Ok(reports);
            };
            if next > deadline {
                tokio::time::sleep_until(deadline).await;
                return Ok(reports);
            }
            tokio::time::sleep_until(next).await;
            let now = Instant::now();
            for (report, due) in reports.iter_mut().zip(due.iter_mut()) {
                if due.is_some_and(|d| d <= now) {
                    *report = self.reconcile(&report.claim).await?;
                    *due = due_at(report, Instant::now());
                }
            }
        }
    }
}

/// When a claim is to be reconciled again; `None` when it is Ready or awaits a change.
fn due_at(report: &ClaimReport, now: Instant) -> Option<Instant> {
    match report.next {
        Next::Requeue(after) if !report.all_ready() => Some(now + after),
        _ => None,
    }
}
