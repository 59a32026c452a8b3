//! The catalog: entities by reference with their derived relations, kept exact as entities
//! are added, changed and removed.
//!
//! Every reference the catalog meets (an entity's own, or one its relations name) gets a
//! small integer id once; relations are kept between ids, so following them (impact, owned
//! by, graphs) compares integers instead of strings.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use foldhash::fast::RandomState;

use super::{RefProblem, Relation, RelationType, derive};
use crate::entity::{Entity, EntityRef};

/// A relation that names an entity the catalog does not hold.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Missing {
    /// The relation, from the present entity that declared it.
    pub relation: Relation,
    /// The absent entity (the relation's target).
    pub absent: EntityRef,
}

/// The id of a reference within one catalog.
pub(crate) type Id = u32;

/// Entities by canonical reference, with the relations they declare.
///
/// [`Catalog::relations`] holds a relation only while both of its entities are present, so
/// removing an entity removes every relation naming it, in both directions (Backstage keeps
/// such stale relations: backstage#20030, #13774); the declarations stay, and the relation is
/// back when the entity is. [`Catalog::missing`] lists declared relations whose target is
/// absent.
#[derive(Debug, Default, Clone)]
pub struct Catalog {
    /// The id of every reference met.
    ids: HashMap<Arc<EntityRef>, Id, RandomState>,
    /// References by id.
    refs: Vec<Arc<EntityRef>>,
    /// Present entities by id.
    entities: Vec<Option<Entity>>,
    /// Present entities in reference order.
    order: BTreeMap<Arc<EntityRef>, Id>,
    problems: HashMap<Id, Vec<RefProblem>, RandomState>,
    /// Every declared relation by source id (type, target id, how many entities declare it),
    /// sorted by type then target id.
    edges: Vec<Vec<(RelationType, Id, u32)>>,
}

impl Catalog {
    /// An empty catalog.
    pub fn new() -> Self {
        Catalog::default()
    }

    /// A catalog of entities; a later entity with the same reference replaces an earlier one.
    pub fn from_entities(entities: impl IntoIterator<Item = Entity>) -> Self {
        let mut catalog = Catalog::new();
        for entity in entities {
            catalog.insert(entity);
        }
        catalog
    }

    /// The id of a reference, given one if it has none.
    fn intern(&mut self, key: EntityRef) -> Id {
        if let Some(&id) = self.ids.get(&key) {
            return id;
        }
        let id = Id::try_from(self.refs.len()).expect("fewer than 2^32 references");
        let key = Arc::new(key);
        self.ids.insert(key.clone(), id);
        self.refs.push(key);
        self.entities.push(None);
        self.edges.push(Vec::new());
        id
    }

    /// The id of a reference the catalog has met.
    pub(crate) fn id(&self, key: &EntityRef) -> Option<Id> {
        self.ids.get(key).copied()
    }

    /// The reference of an id.
    pub(crate) fn reference(&self, id: Id) -> &EntityRef {
        &self.refs[id as usize]
    }

    /// Whether the entity of an id is present.
    pub(crate) fn is_present(&self, id: Id) -> bool {
        self.entities[id as usize].is_some()
    }

    /// The declared relations from an id: type and target id, by type then target id.
    pub(crate) fn edges(&self, id: Id) -> impl Iterator<Item = (RelationType, Id)> + '_ {
        self.edges[id as usize]
            .iter()
            .map(|&(t, target, _)| (t, target))
    }

    /// Adds or replaces an entity; returns the one it replaced.
    pub fn insert(&mut self, entity: Entity) -> Option<Entity> {
        let key = entity.entity_ref();
        let old = self.remove(&key);
        let (relations, problems) = derive(&entity);
        for r in relations {
            let (source, target) = (self.intern(r.source), self.intern(r.target));
            let out = &mut self.edges[source as usize];
            match out.binary_search_by(|&(t, to, _)| (t, to).cmp(&(r.type_, target))) {
                Ok(at) => out[at].2 += 1,
                Err(at) => out.insert(at, (r.type_, target, 1)),
            }
        }
        let id = self.intern(key);
        if !problems.is_empty() {
            self.problems.insert(id, problems);
        }
        self.order.insert(self.refs[id as usize].clone(), id);
        self.entities[id as usize] = Some(entity);
        old
    }

    /// Removes an entity and its declarations; returns it.
    pub fn remove(&mut self, key: &EntityRef) -> Option<Entity> {
        let id = self.id(key)?;
        let entity = self.entities[id as usize].take()?;
        self.order.remove(key);
        self.problems.remove(&id);
        // Derivation is a function of the entity: what it declared is derived again rather
        // than kept, which would double the memory relations take.
        for r in derive(&entity).0 {
            let (Some(source), Some(target)) = (self.id(&r.source), self.id(&r.target)) else {
                continue;
            };
            let out = &mut self.edges[source as usize];
            if let Ok(at) = out.binary_search_by(|&(t, to, _)| (t, to).cmp(&(r.type_, target))) {
                out[at].2 -= 1;
                if out[at].2 == 0 {
                    out.remove(at);
                }
            }
        }
        Some(entity)
    }

    /// The entity with a reference.
    pub fn get(&self, key: &EntityRef) -> Option<&Entity> {
        self.id(key)
            .and_then(|id| self.entities[id as usize].as_ref())
    }

    /// Whether an entity is present.
    pub fn contains(&self, key: &EntityRef) -> bool {
        self.id(key).is_some_and(|id| self.is_present(id))
    }

    /// Every entity, in reference order.
    pub fn entities(&self) -> impl Iterator<Item = &Entity> {
        self.order
            .values()
            .filter_map(|&id| self.entities[id as usize].as_ref())
    }

    /// How many entities there are.
    pub fn len(&self) -> usize {
        self.order.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.order.is_empty()
    }

    /// The relations from an entity to present entities, by type then target.
    pub fn outgoing<'a>(
        &'a self,
        key: &EntityRef,
    ) -> impl Iterator<Item = (RelationType, &'a EntityRef)> + 'a {
        self.declared(key)
            .filter(move |(_, target)| self.contains(target))
    }

    /// The relations a present entity takes part in as source, whether or not the target is
    /// present (see [`Catalog::missing`]), by type then target.
    pub fn declared<'a>(
        &'a self,
        key: &EntityRef,
    ) -> impl Iterator<Item = (RelationType, &'a EntityRef)> + 'a {
        let mut out: Vec<(RelationType, &'a EntityRef)> = match self.id(key) {
            Some(id) if self.is_present(id) => self
                .edges(id)
                .map(|(t, target)| (t, self.reference(target)))
                .collect(),
            _ => Vec::new(),
        };
        out.sort();
        out.into_iter()
    }

    /// How many relations there are between present entities, without listing them.
    pub fn relation_count(&self) -> usize {
        self.order
            .values()
            .map(|&id| self.edges(id).filter(|&(_, t)| self.is_present(t)).count())
            .sum()
    }

    /// Every relation between present entities, sorted.
    pub fn relations(&self) -> Vec<Relation> {
        let mut all = Vec::new();
        for (source, &id) in &self.order {
            for (type_, target) in self.edges(id) {
                if self.is_present(target) {
                    all.push(Relation {
                        source: EntityRef::clone(source),
                        type_,
                        target: self.reference(target).clone(),
                    });
                }
            }
        }
        all.sort();
        all
    }

    /// Declared relations from a present entity to an absent one, sorted.
    pub fn missing(&self) -> Vec<Missing> {
        let mut all = Vec::new();
        for (source, &id) in &self.order {
            for (type_, target) in self.edges(id) {
                if !self.is_present(target) {
                    let absent = self.reference(target).clone();
                    all.push(Missing {
                        relation: Relation {
                            source: EntityRef::clone(source),
                            type_,
                            target: absent.clone(),
                        },
                        absent,
                    });
                }
            }
        }
        all.sort();
        all
    }

    /// References in entities' specs that name no entity (no kind where one is needed, a
    /// name that is not an entity name), by entity.
    pub fn problems(&self) -> Vec<(&Entity, &RefProblem)> {
        let mut all: Vec<(Id, &Entity, &RefProblem)> = self
            .problems
            .iter()
            .filter_map(|(&id, ps)| self.entities[id as usize].as_ref().map(|e| (id, e, ps)))
            .flat_map(|(id, e, ps)| ps.iter().map(move |p| (id, e, p)))
            .collect();
        all.sort_by(|a, b| {
            self.reference(a.0)
                .cmp(self.reference(b.0))
                .then(a.2.field.cmp(&b.2.field))
        });
        all.into_iter().map(|(_, e, p)| (e, p)).collect()
    }
}
