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
mod backoff;
mod bounded;
mod builder;
mod controller;
mod decide;
mod delete;
mod desired;
mod drift;
mod error;
mod graph;
mod inventory;
mod lease;
mod plan;
mod policy;
mod progress;
mod query;
mod queue;
mod recover;
mod report;
mod resolve;
mod resource;
mod status;

pub use backoff::Backoff;
pub use builder::EngineBuilder;
pub use error::EngineError;
pub use plan::{Action, Plan, PlannedAction};
pub use policy::{
    DELETION_POLICY_ANNOTATION, DEPENDS_ON_ANNOTATION, DeletionPolicy,
    MANAGEMENT_POLICY_ANNOTATION, ManagementPolicy, RESOURCE_NAME_ANNOTATION, SOURCE_ANNOTATION,
};
pub use progress::{ProgressEvent, ProgressListener};
pub use report::{
    ApplyReport, ClaimReport, DeleteReport, DriftItem, DriftKind, DriftReport, Orphan,
    ResourceReport, StatusView,
};

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
    progress: Option<Arc<dyn ProgressListener>>,
    locks: Mutex<HashMap<ObjectRef, Arc<tokio::sync::Mutex<()>>>>,
    /// The name this engine holds store leases under.
    holder: String,
    recovered: tokio::sync::OnceCell<()>,
}

impl Engine {
    /// Tells the progress listener, if any, about one finished resource.
    pub(crate) fn report_progress(&self, event: ProgressEvent<'_>) {
        if let Some(listener) = &self.inner.progress {
            listener.on_progress(event);
        }
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

    /// Waits for the lock of one object, so two reconciles of one object never run at once.
    /// Locks an object for this engine's tasks, then takes its store lease so other
    /// processes sharing the store wait too.
    async fn lock_object(&self, key: &ObjectRef) -> Result<ObjectLock<'_>, EngineError> {
        let mut lock = self.lock_in_process(key).await;
        lock.lease = Some(self.lease(key).await?);
        Ok(lock)
    }

    /// Locks an object for this engine's tasks only.
    async fn lock_in_process(&self, key: &ObjectRef) -> ObjectLock<'_> {
        let lock = {
            let mut locks = self.locks();
            locks.entry(key.clone()).or_default().clone()
        };
        let guard = lock.clone().lock_owned().await;
        ObjectLock {
            engine: self,
            key: key.clone(),
            lock: Some(lock),
            guard: Some(guard),
            lease: None,
        }
    }

    fn locks(&self) -> std::sync::MutexGuard<'_, HashMap<ObjectRef, Arc<tokio::sync::Mutex<()>>>> {
        self.inner.locks.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// A held object lock. Released on drop; the object's entry leaves the engine's map once no
/// task holds or waits for it, so the map does not grow with every object ever reconciled.
struct ObjectLock<'a> {
    engine: &'a Engine,
    key: ObjectRef,
    lock: Option<Arc<tokio::sync::Mutex<()>>>,
    guard: Option<tokio::sync::OwnedMutexGuard<()>>,
    /// The store lease, released (in the background) on drop.
    lease: Option<lease::HeldLease>,
}

impl ObjectLock<'_> {
    /// The store lease held, whose token fences the writes made under it.
    fn lease(&self) -> Option<&crate::store::Lease> {
        self.lease.as_ref().map(lease::HeldLease::lease)
    }
}

impl Drop for ObjectLock<'_> {
    fn drop(&mut self) {
        drop(self.lease.take());
        drop(self.guard.take());
        let Some(lock) = self.lock.take() else {
            return;
        };
        // New holders clone the lock only while the map is locked: counting under it is exact.
        let mut locks = self.engine.locks();
        if Arc::strong_count(&lock) == 2 {
            locks.remove(&self.key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn object_locks_leave_the_map_once_released() {
        let engine = Engine::builder().build();
        let key = ObjectRef::new("Widget", "team-a", "w1");
        let first = engine.lock_in_process(&key).await;
        let (started, waiting) = tokio::sync::oneshot::channel();
        let second = {
            let engine = engine.clone();
            let key = key.clone();
            tokio::spawn(async move {
                let _ = started.send(());
                let _guard = engine.lock_in_process(&key).await;
                engine.locks().len()
            })
        };
        waiting.await.unwrap();
        tokio::task::yield_now().await;
        drop(first);
        assert_eq!(second.await.unwrap(), 1, "the waiting task holds the entry");
        assert!(
            engine.locks().is_empty(),
            "no entry is left once nobody holds or waits"
        );
    }
}
