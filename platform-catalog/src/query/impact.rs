//! What breaks if an entity changes: its transitive dependents, each with the path to it.

use std::collections::HashSet;

use foldhash::fast::RandomState;

use serde::Serialize;

use crate::entity::EntityRef;
use crate::relations::{Catalog, Id, RelationType};

/// One entity affected by a change, with how; it borrows the references from the catalog, so
/// a query allocates one path per affected entity and copies no reference.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Impact<'a> {
    /// The affected entity.
    #[serde(rename = "ref")]
    pub entity: &'a EntityRef,
    /// How many steps away it is.
    pub distance: usize,
    /// The path from the changed entity to it, both included.
    pub path: Vec<&'a EntityRef>,
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
pub fn impact<'a>(catalog: &'a Catalog, changed: &'a EntityRef) -> Vec<Impact<'a>> {
    let Some(start) = catalog.id(changed).filter(|&id| catalog.is_present(id)) else {
        return Vec::new();
    };
    // Breadth first over ids: nothing is cloned until the answer is built. Each found entity
    // keeps the index of the one it was reached from.
    let mut found: Vec<(Id, Option<usize>)> = vec![(start, None)];
    let mut seen: HashSet<Id, RandomState> = HashSet::from_iter([start]);
    let mut next: Vec<Id> = Vec::new();
    let mut at = 0;
    while let Some(&(from, _)) = found.get(at) {
        // The type first: most of an entity's relations (ownership, membership) never carry
        // a change, and need no presence check.
        next.clear();
        next.extend(
            catalog
                .edges(from)
                .filter(|&(t, target)| TRAVELS.contains(&t) && catalog.is_present(target))
                .map(|(_, target)| target),
        );
        next.sort_by(|&a, &b| catalog.reference(a).cmp(catalog.reference(b)));
        next.dedup();
        for &target in &next {
            if seen.insert(target) {
                found.push((target, Some(at)));
            }
        }
        at += 1;
    }
    let mut impacts: Vec<Impact> = (1..found.len())
        .map(|i| {
            let mut path = Vec::new();
            let mut step = Some(i);
            while let Some(s) = step {
                path.push(catalog.reference(found[s].0));
                step = found[s].1;
            }
            path.reverse();
            Impact {
                distance: path.len() - 1,
                entity: catalog.reference(found[i].0),
                path,
            }
        })
        .collect();
    impacts.sort_by(|a, b| a.distance.cmp(&b.distance).then(a.entity.cmp(b.entity)));
    impacts
}
