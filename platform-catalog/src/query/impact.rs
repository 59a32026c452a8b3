//! What breaks if an entity changes: its transitive dependents, each with the path to it.

use std::collections::{HashMap, VecDeque};

use serde::Serialize;

use crate::entity::EntityRef;
use crate::relations::{Catalog, RelationType};

/// One entity affected by a change, with how.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Impact {
    /// The affected entity.
    #[serde(rename = "ref")]
    pub entity: EntityRef,
    /// How many steps away it is.
    pub distance: usize,
    /// The path from the changed entity to it, both included.
    pub path: Vec<EntityRef>,
}

/// The relations along which a change travels: to what depends on an entity, to the APIs a
/// component provides, and to the components that consume an API.
const TRAVELS: [RelationType; 3] = [
    RelationType::DependencyOf,
    RelationType::ProvidesApi,
    RelationType::ApiConsumedBy,
];

/// The transitive dependents of an entity, nearest first (then by reference), each with one
/// shortest path.
pub fn impact(catalog: &Catalog, changed: &EntityRef) -> Vec<Impact> {
    let mut parent: HashMap<EntityRef, EntityRef> = HashMap::new();
    let mut order = Vec::new();
    let mut queue = VecDeque::from([changed.clone()]);
    while let Some(at) = queue.pop_front() {
        // The type first: most of an entity's relations (ownership, membership) never carry
        // a change, and need no presence check.
        let mut next: Vec<&EntityRef> = catalog
            .declared(&at)
            .filter(|(t, target)| TRAVELS.contains(t) && catalog.contains(target))
            .map(|(_, target)| target)
            .collect();
        next.sort();
        next.dedup();
        for target in next {
            if target != changed && !parent.contains_key(target) {
                parent.insert(target.clone(), at.clone());
                order.push(target.clone());
                queue.push_back(target.clone());
            }
        }
    }
    let mut impacts: Vec<Impact> = order
        .into_iter()
        .map(|entity| {
            let mut path = vec![entity.clone()];
            let mut at = &entity;
            while let Some(p) = parent.get(at) {
                path.push(p.clone());
                at = p;
            }
            path.reverse();
            Impact {
                distance: path.len() - 1,
                entity,
                path,
            }
        })
        .collect();
    impacts.sort_by(|a, b| a.distance.cmp(&b.distance).then(a.entity.cmp(&b.entity)));
    impacts
}
