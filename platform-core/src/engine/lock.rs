//! Object locks: one reconcile, delete or recovery of an object at a time, within this
//! engine (a mutex per object) and across processes sharing the store (its lease).

use std::collections::HashMap;
use std::sync::Arc;

use super::{Engine, EngineError, lease};
use crate::model::ObjectRef;

impl Engine {
    /// Waits for the lock of one object, so two reconciles of one object never run at once.
    /// Locks an object for this engine's tasks, then takes its store lease so other
    /// processes sharing the store wait too.
    pub(crate) async fn lock_object(&self, key: &ObjectRef) -> Result<ObjectLock<'_>, EngineError> {
        let mut lock = self.lock_in_process(key).await;
        lock.lease = Some(self.lease(key).await?);
        Ok(lock)
    }

    /// Locks an object for this engine's tasks, then takes its store lease unless another
    /// live holder has it: then that holder's lease, and nothing stays locked.
    pub(crate) async fn try_lock_object(
        &self,
        key: &ObjectRef,
    ) -> Result<Result<ObjectLock<'_>, crate::store::Lease>, EngineError> {
        let mut lock = self.lock_in_process(key).await;
        match self.lease_unless_held(key).await? {
            Ok(held) => {
                lock.lease = Some(held);
                Ok(Ok(lock))
            }
            Err(other) => Ok(Err(other)),
        }
    }

    /// Locks an object for this engine's tasks only.
    pub(crate) async fn lock_in_process(&self, key: &ObjectRef) -> ObjectLock<'_> {
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

    pub(crate) fn locks(
        &self,
    ) -> std::sync::MutexGuard<'_, HashMap<ObjectRef, Arc<tokio::sync::Mutex<()>>>> {
        self.inner.locks.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// A held object lock. Released on drop; the object's entry leaves the engine's map once no
/// task holds or waits for it, so the map does not grow with every object ever reconciled.
pub(crate) struct ObjectLock<'a> {
    engine: &'a Engine,
    key: ObjectRef,
    lock: Option<Arc<tokio::sync::Mutex<()>>>,
    guard: Option<tokio::sync::OwnedMutexGuard<()>>,
    /// The store lease, released (in the background) on drop.
    lease: Option<lease::HeldLease>,
}

impl ObjectLock<'_> {
    /// The store lease held, whose token fences the writes made under it.
    pub(crate) fn lease(&self) -> Option<&crate::store::Lease> {
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
