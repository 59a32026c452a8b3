//! A store layer that keeps the catalog in the state store, written in the same commit as the
//! claims it is derived from: an apply or delete that commits changes the catalog with it, and
//! one that fails changes neither.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use platform_core::kinds::ApplicationSpec;
use platform_core::model::{DynamicObject, ObjectMeta, ObjectRef, Resource, TypedKind};
use platform_core::secret::SecretMap;
use platform_core::store::{
    Change, CreateIntent, Event, JournalEntry, JournalQuery, Lease, LeaseOutcome, ListFilter,
    Precondition, StateStore, StoreError, Write, owner_of,
};

use super::derive::{PlatformSettings, entity_of, resource_name};
use crate::entity::{Entity, EntityRef};

/// The API group of catalog objects in the state store.
pub const CATALOG_GROUP: &str = "catalog.platform.dev";
/// The kind of an entity derived from a claim, in the state store.
pub const ENTITY_KIND: &str = "CatalogEntity";
/// The kind of an entity imported from a catalog file, in the state store.
pub const IMPORTED_KIND: &str = "ImportedEntity";

/// The store key of an entity: `KIND.NAME` in the entity's namespace. Kinds hold no `.`, so
/// two entities never share a key.
pub fn stored_key(store_kind: &str, entity: &EntityRef) -> ObjectRef {
    ObjectRef::new(
        store_kind,
        entity.namespace.clone(),
        format!("{}.{}", entity.kind, entity.name),
    )
    .in_group(CATALOG_GROUP)
}

/// An entity as a store object of `store_kind`.
pub fn to_object(store_kind: &str, entity: &Entity) -> DynamicObject {
    let key = stored_key(store_kind, &entity.entity_ref());
    let mut metadata = ObjectMeta::named(key.name);
    metadata.namespace = Some(key.namespace);
    DynamicObject {
        api_version: format!("{CATALOG_GROUP}/v1alpha1"),
        kind: store_kind.to_owned(),
        metadata,
        spec: entity.to_json(),
        status: None,
    }
}

/// The entity a store object holds.
pub fn from_object(object: &DynamicObject) -> Option<Entity> {
    serde_json::from_value(object.spec.clone()).ok()
}

/// Wraps a state store: every commit that writes or deletes claims also writes or deletes
/// their entities, in the same commit. Every other call is forwarded unchanged.
pub struct CatalogStore {
    inner: Arc<dyn StateStore>,
    settings: PlatformSettings,
}

impl std::fmt::Debug for CatalogStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CatalogStore")
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

impl CatalogStore {
    /// The layer over a store.
    pub fn new(inner: Arc<dyn StateStore>, settings: PlatformSettings) -> Self {
        CatalogStore { inner, settings }
    }

    /// The store under the layer.
    pub fn inner(&self) -> &Arc<dyn StateStore> {
        &self.inner
    }

    /// What entity derivation knows: the environment and the claim kinds.
    pub fn settings(&self) -> &PlatformSettings {
        &self.settings
    }

    /// The catalog as queries see it: the platform's entities merged with the imported ones
    /// (the platform's fields win; each disagreement is in the result's conflicts).
    pub async fn merged(&self) -> Result<crate::import::Merged, StoreError> {
        let platform = self.platform_entities().await?;
        let imported = self.imported_entities().await?;
        Ok(crate::import::merge(platform, imported))
    }

    /// The entities the platform derived, in reference order.
    pub async fn platform_entities(&self) -> Result<Vec<Entity>, StoreError> {
        entities(self.inner.as_ref(), ENTITY_KIND).await
    }

    /// The entities imported from catalog files.
    pub async fn imported_entities(&self) -> Result<Vec<Entity>, StoreError> {
        entities(self.inner.as_ref(), IMPORTED_KIND).await
    }

    /// Stores imported entities, replacing earlier imports of the same references.
    pub async fn import(&self, imported: &[Entity]) -> Result<(), StoreError> {
        let writes = imported
            .iter()
            .map(|e| Write::Put {
                object: to_object(IMPORTED_KIND, e),
                expected: Precondition::Any,
            })
            .collect();
        self.inner.commit(writes).await.map(|_| ())
    }

    /// Removes imported entities, in one commit; returns those that were not imported (and
    /// removes nothing then). Entities the platform derived follow their claims and are
    /// never removed here.
    pub async fn unregister(&self, entities: &[EntityRef]) -> Result<Vec<EntityRef>, StoreError> {
        let keys: Vec<ObjectRef> = entities
            .iter()
            .map(|e| stored_key(IMPORTED_KIND, e))
            .collect();
        let stored = self.inner.get_many(&keys).await?;
        let absent: Vec<EntityRef> = entities
            .iter()
            .zip(&stored)
            .filter(|(_, s)| s.is_none())
            .map(|(e, _)| e.clone())
            .collect();
        if !absent.is_empty() {
            return Ok(absent);
        }
        let writes = keys
            .into_iter()
            .map(|key| Write::Delete {
                key,
                expected: Precondition::Any,
            })
            .collect();
        self.inner.commit(writes).await?;
        Ok(Vec::new())
    }

    /// The catalog writes that go with a batch: the entity of every claim put (where it
    /// changed) and the removal of every deleted claim's entity.
    async fn catalog_writes(&self, writes: &[Write]) -> Result<Vec<Write>, StoreError> {
        let mut puts: Vec<&DynamicObject> = Vec::new();
        let mut deletes: Vec<ObjectRef> = Vec::new();
        for write in writes {
            match write {
                Write::Put { object, .. } if self.settings.is_claim(object) => puts.push(object),
                Write::Delete { key, .. } if self.settings.is_claim_kind(&key.group, &key.kind) => {
                    deletes.push(entity_key_of_claim(key));
                }
                _ => {}
            }
        }
        if puts.is_empty() && deletes.is_empty() {
            return Ok(Vec::new());
        }
        // Applications named as owners of claims put here: from this batch, else the store.
        let in_batch: HashMap<ObjectRef, &DynamicObject> =
            puts.iter().map(|o| (o.object_ref(), *o)).collect();
        let mut entities = Vec::with_capacity(puts.len());
        for claim in &puts {
            let app_key = owner_of(claim).filter(|o| o.kind == ApplicationSpec::KIND);
            let fetched;
            let app = match app_key {
                Some(key) => match in_batch.get(&key) {
                    Some(app) => Some(*app),
                    None => {
                        fetched = self.inner.get(&key).await?;
                        fetched.as_ref()
                    }
                },
                None => None,
            };
            entities.push(entity_of(claim, app, &self.settings));
        }
        let mut keys: Vec<ObjectRef> = entities.iter().map(entity_key).collect();
        let puts_read = keys.len();
        keys.extend(deletes.iter().cloned());
        let stored = self.inner.get_many(&keys).await?;
        let mut extra = Vec::new();
        let mut changed_apps = Vec::new();
        for ((claim, entity), existing) in puts.iter().zip(&entities).zip(&stored) {
            if let Some(write) = put_if_changed(entity, existing) {
                if claim.kind == ApplicationSpec::KIND {
                    changed_apps.push(*claim);
                }
                extra.push(write);
            }
        }
        for (key, existing) in deletes.into_iter().zip(&stored[puts_read..]) {
            if existing.is_some() {
                extra.push(Write::Delete {
                    key,
                    expected: Precondition::Any,
                });
            }
        }
        // A claim's entity waits for the siblings its Application requests: when an
        // Application's own entity changed, the entities of its stored claims the batch leaves
        // alone are derived again too. An Application written with an unchanged entity (a
        // status update) reads nothing more.
        let mut children = Vec::new();
        for app in changed_apps {
            for child in self
                .inner
                .list(&ListFilter::owned_by(app.object_ref()))
                .await?
            {
                if self.settings.is_claim(&child) && !in_batch.contains_key(&child.object_ref()) {
                    children.push(entity_of(&child, Some(app), &self.settings));
                }
            }
        }
        if !children.is_empty() {
            let keys: Vec<ObjectRef> = children.iter().map(entity_key).collect();
            let stored = self.inner.get_many(&keys).await?;
            for (entity, existing) in children.iter().zip(&stored) {
                extra.extend(put_if_changed(entity, existing));
            }
        }
        Ok(extra)
    }
}

/// The store key of a platform entity.
fn entity_key(entity: &Entity) -> ObjectRef {
    stored_key(ENTITY_KIND, &entity.entity_ref())
}

/// The put of a platform entity, unless the stored one already says the same.
fn put_if_changed(entity: &Entity, stored: &Option<DynamicObject>) -> Option<Write> {
    let object = to_object(ENTITY_KIND, entity);
    if stored.as_ref().is_some_and(|e| e.spec == object.spec) {
        return None;
    }
    Some(Write::Put {
        object,
        expected: Precondition::Any,
    })
}

/// The store key of the entity a claim key gives.
fn entity_key_of_claim(claim: &ObjectRef) -> ObjectRef {
    let entity = if claim.kind == ApplicationSpec::KIND {
        EntityRef::new("Component", &claim.namespace, &claim.name)
    } else {
        EntityRef::new(
            "Resource",
            &claim.namespace,
            &resource_name(&claim.kind, &claim.name),
        )
    };
    stored_key(ENTITY_KIND, &entity)
}

async fn entities(store: &dyn StateStore, kind: &str) -> Result<Vec<Entity>, StoreError> {
    Ok(store
        .list(&ListFilter::kind(CATALOG_GROUP, kind))
        .await?
        .iter()
        .filter_map(from_object)
        .collect())
}

#[deny(clippy::missing_trait_methods)]
#[async_trait]
impl StateStore for CatalogStore {
    async fn get(&self, key: &ObjectRef) -> Result<Option<DynamicObject>, StoreError> {
        self.inner.get(key).await
    }

    async fn list(&self, filter: &ListFilter) -> Result<Vec<DynamicObject>, StoreError> {
        self.inner.list(filter).await
    }

    async fn list_page(
        &self,
        filter: &ListFilter,
        after: Option<&ObjectRef>,
        limit: usize,
    ) -> Result<Vec<DynamicObject>, StoreError> {
        self.inner.list_page(filter, after, limit).await
    }

    async fn commit(&self, mut writes: Vec<Write>) -> Result<Vec<DynamicObject>, StoreError> {
        let extra = self.catalog_writes(&writes).await?;
        if extra.is_empty() {
            return self.inner.commit(writes).await;
        }
        // The caller gets the stored objects of its own puts, in order: catalog puts go last
        // and are cut from the answer.
        let own_puts = writes
            .iter()
            .filter(|w| matches!(w, Write::Put { .. }))
            .count();
        writes.extend(extra);
        let mut stored = self.inner.commit(writes).await?;
        stored.truncate(own_puts);
        Ok(stored)
    }

    async fn secrets(&self, key: &ObjectRef) -> Result<SecretMap, StoreError> {
        self.inner.secrets(key).await
    }

    async fn get_many(&self, keys: &[ObjectRef]) -> Result<Vec<Option<DynamicObject>>, StoreError> {
        self.inner.get_many(keys).await
    }

    async fn secrets_many(&self, keys: &[ObjectRef]) -> Result<Vec<SecretMap>, StoreError> {
        self.inner.secrets_many(keys).await
    }

    async fn intents(&self) -> Result<Vec<CreateIntent>, StoreError> {
        self.inner.intents().await
    }

    async fn events(&self, key: &ObjectRef) -> Result<Vec<Event>, StoreError> {
        self.inner.events(key).await
    }

    async fn changes(&self, after: u64, limit: usize) -> Result<Vec<Change>, StoreError> {
        self.inner.changes(after, limit).await
    }

    async fn wait_for_change(&self, after: u64) -> Result<(), StoreError> {
        self.inner.wait_for_change(after).await
    }

    async fn acquire_lease(
        &self,
        key: &ObjectRef,
        holder: &str,
        ttl: Duration,
        take_over: Option<&str>,
    ) -> Result<LeaseOutcome, StoreError> {
        self.inner.acquire_lease(key, holder, ttl, take_over).await
    }

    async fn release_lease(&self, lease: &Lease) -> Result<(), StoreError> {
        self.inner.release_lease(lease).await
    }

    async fn heartbeat(&self, beat: &platform_core::store::WorkerBeat) -> Result<(), StoreError> {
        self.inner.heartbeat(beat).await
    }

    async fn workers(
        &self,
        within_ms: u64,
    ) -> Result<Option<Vec<platform_core::store::WorkerInfo>>, StoreError> {
        self.inner.workers(within_ms).await
    }

    async fn journal_append(&self, entries: Vec<JournalEntry>) -> Result<usize, StoreError> {
        self.inner.journal_append(entries).await
    }

    async fn journal(&self, query: &JournalQuery) -> Result<Vec<JournalEntry>, StoreError> {
        self.inner.journal(query).await
    }

    async fn journal_prune(&self, before_ms: i64) -> Result<usize, StoreError> {
        self.inner.journal_prune(before_ms).await
    }
}
