//! The state store contract: objects with optimistic concurrency, secrets, create intents,
//! events and a change feed. Writes go in atomic batches, so a SQL store maps one batch to
//! one transaction.

mod journal;
mod lease;
mod memory;
mod types;
mod worker;

pub use journal::{JournalEntry, JournalQuery, kinds};
pub use lease::{Lease, LeaseOutcome, decide as decide_lease, fence_holds, now_ms};
pub use memory::MemoryStore;
pub use types::{
    Change, ChangeKind, CreateIntent, Event, EventType, ListFilter, Precondition, Write,
};
pub use worker::{WorkerBeat, WorkerInfo};

use async_trait::async_trait;

use crate::model::{DynamicObject, ObjectRef};
use crate::secret::SecretMap;

/// The controller owner of an object (else its first owner), as a reference in the object's
/// namespace: the ownership every store indexes and the engine follows.
pub fn owner_of(object: &DynamicObject) -> Option<ObjectRef> {
    use crate::model::Resource;
    let owners = &object.metadata.owner_references;
    let owner = owners
        .iter()
        .find(|o| o.controller == Some(true))
        .or(owners.first())?;
    Some(
        ObjectRef::new(owner.kind.clone(), object.namespace(), owner.name.clone())
            .in_group(crate::model::ApiVersion::parse(&owner.api_version).group),
    )
}

impl Precondition {
    /// Checks this precondition against the stored object's resourceVersion (`None`: absent).
    pub fn check(&self, key: &ObjectRef, current: Option<&str>) -> Result<(), StoreError> {
        let conflict = |found: &str| StoreError::Conflict {
            key: Box::new(key.clone()),
            expected: match self {
                Precondition::Any => "any".into(),
                Precondition::Absent => "no object".into(),
                Precondition::Version(v) => format!("resourceVersion {v}"),
                Precondition::Exists => "the object".into(),
            },
            found: found.to_owned(),
        };
        match (self, current) {
            (Precondition::Any, _) => Ok(()),
            (Precondition::Absent, None) => Ok(()),
            (Precondition::Absent, Some(v)) => Err(conflict(&format!("resourceVersion {v}"))),
            (Precondition::Version(_) | Precondition::Exists, None) => Err(conflict("no object")),
            (Precondition::Exists, Some(_)) => Ok(()),
            (Precondition::Version(want), Some(have)) if want == have => Ok(()),
            (Precondition::Version(_), Some(have)) => {
                Err(conflict(&format!("resourceVersion {have}")))
            }
        }
    }
}

/// The page of a listing (in reference order) after `after`, at most `limit` objects long.
pub fn page_of(
    mut objects: Vec<DynamicObject>,
    after: Option<&ObjectRef>,
    limit: usize,
) -> Vec<DynamicObject> {
    use crate::model::Resource;
    let start = after.map_or(0, |after| {
        objects.partition_point(|o| o.object_ref() <= *after)
    });
    objects.drain(..start);
    objects.truncate(limit);
    objects
}

/// Events kept per object; older ones are dropped.
pub const EVENTS_PER_OBJECT: usize = 50;

/// Why a store operation failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    /// A precondition failed: the object changed (or appeared, or vanished) since it was read.
    #[error("conflict on {key}: expected {expected}, found {found}")]
    Conflict {
        /// The object.
        key: Box<ObjectRef>,
        /// What the writer expected.
        expected: String,
        /// What the store holds.
        found: String,
    },
    /// The store cannot be used (I/O, corruption, a newer schema).
    #[error("state store: {0}")]
    Unavailable(String),
}

/// Where the engine keeps what it knows. All writes of one [`StateStore::commit`] happen
/// together or not at all; each object write bumps `metadata.resourceVersion`, and a spec
/// change bumps `metadata.generation`.
#[async_trait]
pub trait StateStore: Send + Sync {
    /// An object by reference.
    async fn get(&self, key: &ObjectRef) -> Result<Option<DynamicObject>, StoreError>;

    /// Objects matching a filter, in reference order.
    async fn list(&self, filter: &ListFilter) -> Result<Vec<DynamicObject>, StoreError>;

    /// At most `limit` objects matching a filter that come after `after` in reference order
    /// (from the first when `None`): a listing in pages, so a sweep over many objects holds
    /// one page at a time. By default the whole listing is read and cut, so a sweep page by
    /// page reads it once per page: stores holding thousands of objects should override it.
    async fn list_page(
        &self,
        filter: &ListFilter,
        after: Option<&ObjectRef>,
        limit: usize,
    ) -> Result<Vec<DynamicObject>, StoreError> {
        Ok(page_of(self.list(filter).await?, after, limit))
    }

    /// Applies writes atomically; returns the stored objects of the `Put` writes, in order.
    async fn commit(&self, writes: Vec<Write>) -> Result<Vec<DynamicObject>, StoreError>;

    /// The secrets of an object (empty when none).
    async fn secrets(&self, key: &ObjectRef) -> Result<SecretMap, StoreError>;

    /// Objects by reference, in the order asked (`None` where absent). Stores with a cost
    /// per call (a thread hop, a network round trip) answer in one call; by default each
    /// object is read with [`StateStore::get`].
    async fn get_many(&self, keys: &[ObjectRef]) -> Result<Vec<Option<DynamicObject>>, StoreError> {
        let mut objects = Vec::with_capacity(keys.len());
        for key in keys {
            objects.push(self.get(key).await?);
        }
        Ok(objects)
    }

    /// The secrets of several objects, in the order asked (empty maps where none). Like
    /// [`StateStore::get_many`], one call where the store can; by default one
    /// [`StateStore::secrets`] per object.
    async fn secrets_many(&self, keys: &[ObjectRef]) -> Result<Vec<SecretMap>, StoreError> {
        let mut secrets = Vec::with_capacity(keys.len());
        for key in keys {
            secrets.push(self.secrets(key).await?);
        }
        Ok(secrets)
    }

    /// Create intents not yet cleared: creates that may or may not have happened.
    async fn intents(&self) -> Result<Vec<CreateIntent>, StoreError>;

    /// The newest events of an object, oldest first.
    async fn events(&self, key: &ObjectRef) -> Result<Vec<Event>, StoreError>;

    /// Changes after a sequence number, oldest first, at most `limit`.
    async fn changes(&self, after: u64, limit: usize) -> Result<Vec<Change>, StoreError>;

    /// Returns once a change with a sequence number above `after` may have been committed,
    /// by this process or another. Stores that cannot tell never return (the default), and
    /// their readers read the feed on an interval (the controller: every 200 ms); stores that
    /// can (PostgreSQL's `LISTEN/NOTIFY`) let a reader wake within milliseconds. An error
    /// means the store can no longer tell: readers fall back to their interval.
    async fn wait_for_change(&self, after: u64) -> Result<(), StoreError> {
        let _ = after;
        std::future::pending().await
    }

    /// Asks for the lease on `key` for `holder` until `ttl` from now, decided by
    /// [`decide_lease`] against the stored lease in one atomic step: two processes asking at
    /// once never both get it. `take_over` names a holder the asker found dead.
    async fn acquire_lease(
        &self,
        key: &ObjectRef,
        holder: &str,
        ttl: std::time::Duration,
        take_over: Option<&str>,
    ) -> Result<LeaseOutcome, StoreError>;

    /// Gives a lease up; nothing happens when it already changed hands.
    async fn release_lease(&self, lease: &Lease) -> Result<(), StoreError>;

    /// Records a running reconciler's heartbeat. Stores that no other machine shares keep
    /// nothing (the default); shared stores keep one row per worker for [`StateStore::workers`].
    async fn heartbeat(&self, beat: &WorkerBeat) -> Result<(), StoreError> {
        let _ = beat;
        Ok(())
    }

    /// The reconcilers that reported a heartbeat within `within_ms` milliseconds, with the
    /// leases each holds; `None` when this store keeps no workers (the default).
    async fn workers(&self, within_ms: u64) -> Result<Option<Vec<WorkerInfo>>, StoreError> {
        let _ = within_ms;
        Ok(None)
    }

    /// Appends entries to the journal, all or none; an entry whose `(kind, id)` is already
    /// there (or earlier in `entries`) is skipped. Returns how many were added.
    async fn journal_append(&self, entries: Vec<JournalEntry>) -> Result<usize, StoreError>;

    /// Journal entries matching a query, oldest first (then by kind and id).
    async fn journal(&self, query: &JournalQuery) -> Result<Vec<JournalEntry>, StoreError>;

    /// Removes journal entries older than `before_ms` (retention); returns how many.
    async fn journal_prune(&self, before_ms: i64) -> Result<usize, StoreError>;
}
