//! The catalog: entities by reference with their derived relations, kept exact as entities
//! are added, changed and removed.

use std::collections::{BTreeMap, HashMap};

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

/// Entities by canonical reference, with the relations they declare.
///
/// [`Catalog::relations`] holds a relation only while both of its entities are present, so
/// removing an entity removes every relation naming it, in both directions (Backstage keeps
/// such stale relations: backstage#20030, #13774); the declarations stay, and the relation is
/// back when the entity is. [`Catalog::missing`] lists declared relations whose target is
/// absent.
#[derive(Debug, Default, Clone)]
pub struct Catalog {
    entities: BTreeMap<EntityRef, Entity>,
    problems: HashMap<EntityRef, Vec<RefProblem>>,
    /// Every declared relation by source, with how many entities declare it.
    edges: HashMap<EntityRef, BTreeMap<(RelationType, EntityRef), u32>>,
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

    /// Adds or replaces an entity; returns the one it replaced.
    pub fn insert(&mut self, entity: Entity) -> Option<Entity> {
        let key = entity.entity_ref();
        let old = self.remove(&key);
        let (relations, problems) = derive(&entity);
        for r in &relations {
            *self
                .edges
                .entry(r.source.clone())
                .or_default()
                .entry((r.type_, r.target.clone()))
                .or_insert(0) += 1;
        }
        if !problems.is_empty() {
            self.problems.insert(key.clone(), problems);
        }
        self.entities.insert(key, entity);
        old
    }

    /// Removes an entity and its declarations; returns it.
    pub fn remove(&mut self, key: &EntityRef) -> Option<Entity> {
        let entity = self.entities.remove(key)?;
        self.problems.remove(key);
        // Derivation is a function of the entity: what it declared is derived again rather
        // than kept, which would double the memory relations take.
        for r in derive(&entity).0 {
            if let Some(out) = self.edges.get_mut(&r.source) {
                let edge = (r.type_, r.target);
                if let Some(n) = out.get_mut(&edge) {
                    *n -= 1;
                    if *n == 0 {
                        out.remove(&edge);
                    }
                }
                if out.is_empty() {
                    self.edges.remove(&r.source);
                }
            }
        }
        Some(entity)
    }

    /// The entity with a reference.
    pub fn get(&self, key: &EntityRef) -> Option<&Entity> {
        self.entities.get(key)
    }

    /// Whether an entity is present.
    pub fn contains(&self, key: &EntityRef) -> bool {
        self.entities.contains_key(key)
    }

    /// Every entity, in reference order.
    pub fn entities(&self) -> impl Iterator<Item = &Entity> {
        self.entities.values()
    }

    /// How many entities there are.
    pub fn len(&self) -> usize {
        self.entities.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.entities.is_empty()
    }

    /// The relations from an entity to present entities, by type then target.
    pub fn outgoing<'a>(
        &'a self,
        key: &EntityRef,
    ) -> impl Iterator<Item = (RelationType, &'a EntityRef)> + 'a {
        self.declared(key)
            .filter(move |(_, target)| self.entities.contains_key(target))
    }

    /// The relations a present entity takes part in as source, whether or not the target is
    /// present (see [`Catalog::missing`]).
    pub fn declared<'a>(
        &'a self,
        key: &EntityRef,
    ) -> impl Iterator<Item = (RelationType, &'a EntityRef)> + 'a {
        let present = self.entities.contains_key(key);
        self.edges
            .get(key)
            .into_iter()
            .flat_map(|out| out.keys())
            .filter(move |_| present)
            .map(|(t, target)| (*t, target))
    }

    /// How many relations there are between present entities, without listing them.
    pub fn relation_count(&self) -> usize {
        self.entities.keys().map(|k| self.outgoing(k).count()).sum()
    }

    /// Every relation between present entities, sorted.
    pub fn relations(&self) -> Vec<Relation> {
        let mut all = Vec::new();
        for source in self.entities.keys() {
            for (type_, target) in self.outgoing(source) {
                all.push(Relation {
                    source: source.clone(),
                    type_,
                    target: target.clone(),
                });
            }
        }
        all.sort();
        all
    }

    /// Declared relations from a present entity to an absent one, sorted.
    pub fn missing(&self) -> Vec<Missing> {
        let mut all = Vec::new();
        for source in self.entities.keys() {
            if let Some(out) = self.edges.get(source) {
                for (type_, target) in out.keys() {
                    if !self.entities.contains_key(target) {
                        all.push(Missing {
                            relation: Relation {
                                source: source.clone(),
                                type_: *type_,
                                target: target.clone(),
                            },
                            absent: target.clone(),
                        });
                    }
                }
            }
        }
        all.sort();
        all
    }

    /// References in entities' specs that name no entity (no kind where one is needed, a
    /// name that is not an entity name), by entity.
    pub fn problems(&self) -> Vec<(&Entity, &RefProblem)> {
        let mut all: Vec<(&Entity, &RefProblem)> = self
            .problems
            .iter()
            .filter_map(|(k, ps)| self.entities.get(k).map(|e| (e, ps)))
            .flat_map(|(e, ps)| ps.iter().map(move |p| (e, p)))
            .collect();
        all.sort_by(|a, b| {
            a.0.entity_ref()
                .cmp(&b.0.entity_ref())
                .then(a.1.field.cmp(&b.1.field))
        });
        all
    }
}
