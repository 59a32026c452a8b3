//! The engine: plan, apply, delete, status, drift sweeps and the controller loop.
//!
//! ```
//! # tokio::runtime::Runtime::new().unwrap().block_on(async {
//! use platform_core::engine::Engine;
//! let engine = Engine::builder().build();
//! // Nothing applied yet: the plan of no objects changes nothing.
//! let plan = engine.plan(&[]).await.unwrap();
//! assert!(!plan.has_changes());
//! # });
//! ```

mod apply;
mod bounded;
mod builder;
mod controller;
mod delete;
mod drift;
mod error;
mod intake;
mod lease;
mod lifecycle;
mod lock;
mod plan;
mod progress;
mod query;
mod reconcile;
mod record;
mod recover;
mod report;
mod submit;
mod wait;

pub use crate::provider::Backoff;
pub use builder::{DEFAULT_JOURNAL_RETENTION, EngineBuilder};
pub use error::EngineError;
pub use lifecycle::{
    DELETION_POLICY_ANNOTATION, DEPENDS_ON_ANNOTATION, DeletionPolicy,
    MANAGEMENT_POLICY_ANNOTATION, ManagementPolicy, RESOURCE_NAME_ANNOTATION,
};
pub use plan::{Action, Plan, PlannedAction};
pub use progress::{ProgressEvent, ProgressListener};
pub use reconcile::Next;
pub use record::{
    COMMITS_ANNOTATION, Deployment, Repairer, TEMPLATE_ANNOTATION, UNPLANNED_ANNOTATION, service_of,
};
pub use report::{
    ApplyReport, ClaimReport, DeleteReport, DriftItem, DriftKind, DriftReport, Orphan,
    ResourceReport, StatusView,
};
pub use submit::SubmitReport;

use serde_json::Value;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::admit::AdmissionHook;
use crate::compose::CompositionLibrary;
use crate::kinds::KindRegistry;
use crate::model::{DynamicObject, ObjectRef};
use crate::provider::Provider;
use crate::store::StateStore;

/// Turns desired objects into real resources through providers, and keeps them there.
///
/// Cheap to clone: clones share one engine.
#[derive(Clone)]
pub struct Engine {
    inner: Arc<EngineInner>,
}

pub(crate) struct EngineInner {
    registry: KindRegistry,
    /// Providers by apiVersion, then kind (looked up without allocating).
    providers: HashMap<String, HashMap<String, Arc<dyn Provider>>>,
    compositions: CompositionLibrary,
    environment: String,
    environment_data: Value,
    defaults: HashMap<String, String>,
    admission: Arc<dyn AdmissionHook>,
    store: Arc<dyn StateStore>,
    permits: tokio::sync::Semaphore,
    concurrency: usize,
    poll_interval: Duration,
    backoff: Backoff,
    /// How soon a claim that is not Ready yet is reconciled again.
    ready_poll: Duration,
    /// Consecutive failed reconciles per object.
    failures: reconcile::Failures,
    progress: Option<Arc<dyn ProgressListener>>,
    locks: Mutex<HashMap<ObjectRef, Arc<tokio::sync::Mutex<()>>>>,
    /// The name this engine holds store leases under.
    holder: String,
    /// The worker's own name (`platformctl run --id`), reported in its heartbeats.
    worker_id: Option<String>,
    /// How long a claim lease lasts unless renewed.
    lease_ttl: std::time::Duration,
    /// How often a held claim lease is renewed.
    renew_every: std::time::Duration,
    recovered: tokio::sync::OnceCell<()>,
    /// Whether applies here are deployments to production, recorded in the journal.
    production: bool,
    clock: Arc<dyn crate::clock::Clock>,
    /// Who asks for work, recorded with repairs a person asked for.
    actor: String,
    journal_retention: Option<Duration>,
    /// What recording has learned from the journal, so it need not read it all again.
    recorded: record::Recorded,
}

impl Engine {
    /// Tells the progress listener, if any, about one finished resource, and logs it: what
    /// changed at info level, what was only looked at at debug level.
    pub(crate) fn report_progress(&self, event: ProgressEvent<'_>) {
        log_progress(&self.inner.environment, &event);
        if let Some(listener) = &self.inner.progress {
            listener.on_progress(event);
        }
    }
}

/// One progress event as a `tracing` event of target `platform::engine`.
fn log_progress(environment: &str, event: &ProgressEvent<'_>) {
    match event {
        ProgressEvent::Reconciled(r) => {
            let message = r.message.as_deref().unwrap_or("");
            match (
                &r.action,
                r.message.as_ref().is_some_and(|m| m.contains("error:")),
            ) {
                (_, true) => tracing::warn!(
                    target: "platform::engine", environment, resource = %r.resource,
                    externalName = %r.external_name, action = %r.action, "failed: {message}"
                ),
                (Action::NoChange, false) => tracing::debug!(
                    target: "platform::engine", environment, resource = %r.resource,
                    externalName = %r.external_name, ready = r.ready, "unchanged"
                ),
                (action, false) => tracing::info!(
                    target: "platform::engine", environment, resource = %r.resource,
                    externalName = %r.external_name, ready = r.ready, "{}", past(action)
                ),
            }
        }
        ProgressEvent::Deleted {
            resource,
            external_name,
            kept,
        } => tracing::info!(
            target: "platform::engine", environment, resource = %resource,
            externalName = %external_name,
            "{}", if *kept { "record removed, real resource kept by policy" } else { "deleted" }
        ),
        ProgressEvent::Observed {
            resource,
            external_name,
            exists,
            diff,
            error,
        } => match (error, exists, diff.is_empty()) {
            (Some(e), _, _) => tracing::warn!(
                target: "platform::engine", environment, resource = %resource,
                externalName = %external_name, "cannot observe: {e}"
            ),
            (None, false, _) => tracing::info!(
                target: "platform::engine", environment, resource = %resource,
                externalName = %external_name, "drift: missing"
            ),
            (None, true, false) => tracing::info!(
                target: "platform::engine", environment, resource = %resource,
                externalName = %external_name,
                "drift: {}", diff.iter().map(|d| d.path.as_str()).collect::<Vec<_>>().join(", ")
            ),
            (None, true, true) => tracing::debug!(
                target: "platform::engine", environment, resource = %resource,
                externalName = %external_name, "in sync"
            ),
        },
    }
}

/// What an action did, in the past tense.
fn past(action: &Action) -> &'static str {
    match action {
        Action::Create => "created",
        Action::Update { .. } => "updated",
        Action::Delete => "deleted",
        Action::NoChange => "unchanged",
    }
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("environment", &self.inner.environment)
            .field(
                "providers",
                &self.inner.providers.keys().collect::<Vec<_>>(),
            )
            .field("concurrency", &self.inner.concurrency)
            .finish_non_exhaustive()
    }
}

impl Engine {
    /// Starts building an engine.
    pub fn builder() -> EngineBuilder {
        EngineBuilder::default()
    }

    /// The environment this engine provisions into.
    pub fn environment(&self) -> &str {
        &self.inner.environment
    }

    /// The state store.
    pub fn store(&self) -> &Arc<dyn StateStore> {
        &self.inner.store
    }

    /// The kind registry.
    pub fn registry(&self) -> &KindRegistry {
        &self.inner.registry
    }

    /// How many claims are reconciled at once: enough to keep every provider permit busy.
    fn claim_slots(&self) -> usize {
        (self.inner.concurrency * 4).max(32)
    }

    fn provider_for(&self, object: &DynamicObject) -> Option<&Arc<dyn Provider>> {
        self.inner
            .providers
            .get(object.api_version.as_str())
            .and_then(|kinds| kinds.get(object.kind.as_str()))
    }
}
