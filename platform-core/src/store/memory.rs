//! The in-memory state store: for tests and for programs that keep no state across runs.

use async_trait::async_trait;
use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::sync::Mutex;

use super::{
    Change, ChangeKind, CreateIntent, EVENTS_PER_OBJECT, Event, JournalEntry, JournalQuery, Lease,
    LeaseOutcome, ListFilter, StateStore, StoreError, Write, decide_lease, fence_holds, now_ms,
    owner_of,
};
use crate::model::{DynamicObject, ObjectRef, Resource, time::now_rfc3339};
use crate::secret::SecretMap;

/// Changes kept in the feed; older ones are dropped.
const CHANGES_KEPT: usize = 1_000_000;

#[derive(Default)]
struct Inner {
    objects: BTreeMap<ObjectRef, DynamicObject>,
    owned: HashMap<ObjectRef, BTreeSet<ObjectRef>>,
    secrets: HashMap<ObjectRef, SecretMap>,
    intents: BTreeMap<ObjectRef, CreateIntent>,
    events: HashMap<ObjectRef, VecDeque<Event>>,
    changes: VecDeque<Change>,
    seq: u64,
    version: u64,
    leases: HashMap<ObjectRef, Lease>,
    /// The journal by (time, kind, id), and the keys it holds.
    journal: BTreeMap<(i64, String, String), JournalEntry>,
    journal_keys: HashMap<(String, String), i64>,
}

/// A [`StateStore`] in memory, safe to share between tasks.
#[derive(Default)]
pub struct MemoryStore {
    inner: Mutex<Inner>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        MemoryStore::default()
    }

    fn lock(&self) -> Result<std::sync::MutexGuard<'_, Inner>, StoreError> {
        self.inner
            .lock()
            .map_err(|_| StoreError::Unavailable("in-memory store poisoned by a panic".into()))
    }
}

impl Inner {
    fn push_change(&mut self, kind: ChangeKind, key: ObjectRef, resource_version: String) {
        self.seq += 1;
        self.changes.push_back(Change {
            seq: self.seq,
            kind,
            key,
            resource_version,
        });
        if self.changes.len() > CHANGES_KEPT {
            self.changes.pop_front();
        }
    }

    fn put(&mut self, mut object: DynamicObject) -> DynamicObject {
        let key = object.object_ref();
        self.version += 1;
        let previous = self.objects.get(&key);
        let generation = match previous {
            Some(old) if old.spec == object.spec => old.metadata.generation.unwrap_or(1),
            Some(old) => old.metadata.generation.unwrap_or(1) + 1,
            None => 1,
        };
        object.metadata.uid = previous
            .and_then(|o| o.metadata.uid.clone())
            .or_else(|| Some(format!("{:08x}-{:04x}", self.version, key.name.len())));
        object.metadata.creation_timestamp = previous
            .and_then(|o| o.metadata.creation_timestamp.clone())
            .or_else(|| Some(now_rfc3339()));
        object.metadata.generation = Some(generation);
        object.metadata.resource_version = Some(self.version.to_string());
        if let Some(old_owner) = previous.and_then(owner_of)
            && let Some(children) = self.owned.get_mut(&old_owner)
        {
            children.remove(&key);
        }
        if let Some(owner) = owner_of(&object) {
            self.owned.entry(owner).or_default().insert(key.clone());
        }
        self.objects.insert(key.clone(), object.clone());
        self.push_change(ChangeKind::Put, key, self.version.to_string());
        object
    }

    fn delete(&mut self, key: &ObjectRef) {
        if let Some(old) = self.objects.remove(key) {
            if let Some(owner) = owner_of(&old)
                && let Some(children) = self.owned.get_mut(&owner)
            {
                children.remove(key);
            }
            self.secrets.remove(key);
            self.events.remove(key);
            self.push_change(ChangeKind::Delete, key.clone(), String::new());
        }
    }
}

#[async_trait]
impl StateStore for MemoryStore {
    async fn get(&self, key: &ObjectRef) -> Result<Option<DynamicObject>, StoreError> {
        Ok(self.lock()?.objects.get(key).cloned())
    }

    async fn list(&self, filter: &ListFilter) -> Result<Vec<DynamicObject>, StoreError> {
        let inner = self.lock()?;
        if let Some(owner) = &filter.owner {
            let Some(children) = inner.owned.get(owner) else {
                return Ok(Vec::new());
            };
            return Ok(children
                .iter()
                .filter_map(|k| inner.objects.get(k))
                .filter(|o| filter.matches(o, Some(owner)))
                .cloned()
                .collect());
        }
        Ok(inner
            .objects
            .values()
            .filter(|o| filter.matches(o, None))
            .cloned()
            .collect())
    }

    async fn list_page(
        &self,
        filter: &ListFilter,
        after: Option<&ObjectRef>,
        limit: usize,
    ) -> Result<Vec<DynamicObject>, StoreError> {
        use std::ops::Bound;
        if filter.owner.is_some() {
            // Owned objects are few per owner: listing them all, then cutting, is enough.
            return Ok(super::page_of(self.list(filter).await?, after, limit));
        }
        let inner = self.lock()?;
        let from = after.map_or(Bound::Unbounded, Bound::Excluded);
        Ok(inner
            .objects
            .range((from, Bound::Unbounded))
            .map(|(_, o)| o)
            .filter(|o| filter.matches(o, None))
            .take(limit)
            .cloned()
            .collect())
    }

    async fn commit(&self, writes: Vec<Write>) -> Result<Vec<DynamicObject>, StoreError> {
        let mut inner = self.lock()?;
        // Check every precondition against the state the batch itself produces, then apply.
        let mut overlay: HashMap<ObjectRef, Option<String>> = HashMap::new();
        for write in &writes {
            match write {
                Write::Put { object, expected } => {
                    let key = object.object_ref();
                    let current = match overlay.get(&key) {
                        Some(v) => v.clone(),
                        None => inner
                            .objects
                            .get(&key)
                            .and_then(|o| o.metadata.resource_version.clone()),
                    };
                    expected.check(&key, current.as_deref())?;
                    overlay.insert(key, Some("(this batch)".into()));
                }
                Write::Delete { key, expected } => {
                    let current = match overlay.get(key) {
                        Some(v) => v.clone(),
                        None => inner
                            .objects
                            .get(key)
                            .and_then(|o| o.metadata.resource_version.clone()),
                    };
                    expected.check(key, current.as_deref())?;
                    overlay.insert(key.clone(), None);
                }
                Write::Expect { key, expected } => {
                    let current = match overlay.get(key) {
                        Some(v) => v.clone(),
                        None => inner
                            .objects
                            .get(key)
                            .and_then(|o| o.metadata.resource_version.clone()),
                    };
                    expected.check(key, current.as_deref())?;
                }
                Write::Fence(lease) => fence_holds(inner.leases.get(&lease.key), lease)?,
                _ => {}
            }
        }
        let mut stored = Vec::new();
        for write in writes {
            match write {
                Write::Put { object, .. } => stored.push(inner.put(object)),
                Write::Delete { key, .. } => inner.delete(&key),
                Write::PutSecrets { key, secrets } => {
                    inner.secrets.insert(key, secrets);
                }
                Write::PutIntent(intent) => {
                    inner.intents.insert(intent.key.clone(), intent);
                }
                Write::ClearIntent(key) => {
                    inner.intents.remove(&key);
                }
                Write::Event(event) => {
                    let history = inner.events.entry(event.object.clone()).or_default();
                    history.push_back(event);
                    while history.len() > EVENTS_PER_OBJECT {
                        history.pop_front();
                    }
                }
                Write::Expect { .. } | Write::Fence(_) => {}
            }
        }
        Ok(stored)
    }

    async fn secrets(&self, key: &ObjectRef) -> Result<SecretMap, StoreError> {
        Ok(self.lock()?.secrets.get(key).cloned().unwrap_or_default())
    }

    async fn intents(&self) -> Result<Vec<CreateIntent>, StoreError> {
        Ok(self.lock()?.intents.values().cloned().collect())
    }

    async fn events(&self, key: &ObjectRef) -> Result<Vec<Event>, StoreError> {
        Ok(self
            .lock()?
            .events
            .get(key)
            .map(|h| h.iter().cloned().collect())
            .unwrap_or_default())
    }

    async fn changes(&self, after: u64, limit: usize) -> Result<Vec<Change>, StoreError> {
        let inner = self.lock()?;
        let start = inner.changes.partition_point(|c| c.seq <= after);
        Ok(inner
            .changes
            .iter()
            .skip(start)
            .take(limit)
            .cloned()
            .collect())
    }

    async fn acquire_lease(
        &self,
        key: &ObjectRef,
        holder: &str,
        ttl: std::time::Duration,
        take_over: Option<&str>,
    ) -> Result<LeaseOutcome, StoreError> {
        let mut inner = self.lock()?;
        let outcome = decide_lease(inner.leases.get(key), key, holder, ttl, take_over, now_ms());
        if let LeaseOutcome::Acquired(lease) = &outcome {
            inner.leases.insert(key.clone(), lease.clone());
        }
        Ok(outcome)
    }

    async fn release_lease(&self, lease: &Lease) -> Result<(), StoreError> {
        let mut inner = self.lock()?;
        if inner
            .leases
            .get(&lease.key)
            .is_some_and(|c| c.holder == lease.holder && c.token == lease.token)
        {
            // Expired now rather than removed: the token must keep growing for this key.
            if let Some(c) = inner.leases.get_mut(&lease.key) {
                c.expires_at_ms = 0;
            }
        }
        Ok(())
    }

    async fn journal_append(&self, entries: Vec<JournalEntry>) -> Result<usize, StoreError> {
        let mut inner = self.lock()?;
        let mut added = 0;
        for entry in entries {
            let key = (entry.kind.clone(), entry.id.clone());
            if inner.journal_keys.contains_key(&key) {
                continue;
            }
            inner.journal_keys.insert(key.clone(), entry.time_ms);
            inner.journal.insert((entry.time_ms, key.0, key.1), entry);
            added += 1;
        }
        Ok(added)
    }

    async fn journal(&self, query: &JournalQuery) -> Result<Vec<JournalEntry>, StoreError> {
        let inner = self.lock()?;
        let from = (
            query.since_ms.unwrap_or(i64::MIN),
            String::new(),
            String::new(),
        );
        Ok(inner
            .journal
            .range(from..)
            .map(|(_, e)| e)
            .take_while(|e| query.until_ms.is_none_or(|u| e.time_ms < u))
            .filter(|e| query.matches(e))
            .map(|e| query.shape(e))
            .collect())
    }

    async fn journal_prune(&self, before_ms: i64) -> Result<usize, StoreError> {
        let mut inner = self.lock()?;
        let kept = inner
            .journal
            .split_off(&(before_ms, String::new(), String::new()));
        let removed = std::mem::replace(&mut inner.journal, kept);
        for (_, kind, id) in removed.keys() {
            inner.journal_keys.remove(&(kind.clone(), id.clone()));
        }
        Ok(removed.len())
    }
}
