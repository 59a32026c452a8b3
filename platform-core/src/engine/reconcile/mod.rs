//! Reconcile: make one stored claim's real resources match it once, and say what should
//! happen next. A claim composes into managed resources (`claim.rs`, `resource.rs`); an
//! Application requests claims and resolves its containers' environment (`application.rs`);
//! both end by writing their status (`status.rs`).

mod application;
mod claim;
mod compose;
pub(crate) mod graph;
mod known;
mod next;
pub(crate) mod outputs;
mod resource;
pub(crate) mod status;

pub(crate) use compose::{APPLICATION, local_name};
pub(crate) use next::Failures;
pub use next::Next;

use std::future::Future;
use std::pin::Pin;

use crate::engine::{ClaimReport, Engine, EngineError};
use crate::model::ObjectRef;

type BoxedReport<'a> = Pin<Box<dyn Future<Output = Result<ClaimReport, EngineError>> + Send + 'a>>;

impl Engine {
    /// Reconciles one stored claim (an Application with its claims) once; the report's
    /// [`next`](ClaimReport::next) says when to look at it again.
    pub fn reconcile<'a>(&'a self, key: &'a ObjectRef) -> BoxedReport<'a> {
        Box::pin(async move {
            let guard = self.lock_object(key).await?;
            self.reconcile_locked(key, guard).await
        })
    }

    /// Reconciles one claim under its lock and lease (held by `guard`).
    pub(crate) fn reconcile_locked<'a>(
        &'a self,
        key: &'a ObjectRef,
        guard: crate::engine::lock::ObjectLock<'a>,
    ) -> BoxedReport<'a> {
        Box::pin(async move {
            let mut report = crate::engine::lease::with_lease(guard.lease(), async {
                let claim = self
                    .inner
                    .store
                    .get(key)
                    .await?
                    .ok_or_else(|| EngineError::NotFound(Box::new(key.clone())))?;
                if claim.kind == APPLICATION {
                    self.reconcile_application(claim).await
                } else {
                    self.reconcile_claim(claim, Vec::new()).await
                }
            })
            .await?;
            report.next = self.next_after(&report);
            Ok(report)
        })
    }
}
