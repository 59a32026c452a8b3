//! Who owns what: entities owned by a group (through its child groups too), and entities
//! whose owner is missing or unknown.

use std::collections::{BTreeMap, VecDeque};

use serde::Serialize;

use crate::entity::{Entity, EntityRef};
use crate::relations::{Catalog, RelationType};

/// Entities owned by `owner`, directly or through child groups (transitively): each with the
/// owner that owns it directly. In reference order.
pub fn owned_by(catalog: &Catalog, owner: &EntityRef) -> Vec<(EntityRef, EntityRef)> {
    // The owner and its descendant groups, each once (a cycle of parents ends).
    let mut owners = BTreeMap::new();
    let mut queue = VecDeque::from([owner.clone()]);
    while let Some(group) = queue.pop_front() {
        if owners.insert(group.clone(), ()).is_some() {
            continue;
        }
        for (t, child) in catalog.outgoing(&group) {
            if t == RelationType::ParentOf && !owners.contains_key(child) {
                queue.push_back(child.clone());
            }
        }
    }
    // Entities name their owner even when the owner is not in the catalog.
    let mut owned = Vec::new();
    for entity in catalog.entities() {
        let key = entity.entity_ref();
        for (t, target) in catalog.declared(&key) {
            if t == RelationType::OwnedBy && owners.contains_key(target) {
                owned.push((key.clone(), target.clone()));
            }
        }
    }
    owned.sort();
    owned.dedup_by(|a, b| a.0 == b.0);
    owned
}

/// Why an entity counts as an orphan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "reason", rename_all = "camelCase")]
pub enum OrphanReason {
    /// Its kind has an owner, and it names none.
    NoOwner,
    /// The owner it names is not in the catalog.
    OwnerMissing {
        /// The owner named.
        owner: String,
    },
    /// The owner it names is not a reference to an entity.
    OwnerUnknown {
        /// The owner as written.
        owner: String,
        /// Why it names no entity.
        message: String,
    },
}

/// An entity without a present owner.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Orphan {
    /// The entity.
    #[serde(rename = "ref")]
    pub entity: String,
    /// Why.
    #[serde(flatten)]
    pub reason: OrphanReason,
}

/// Kinds whose entities have an owner.
const OWNED_KINDS: [&str; 6] = [
    "Component",
    "API",
    "Resource",
    "System",
    "Domain",
    "Template",
];

/// Entities whose kind has an owner and whose owner is absent, missing or not a reference.
pub fn orphans(catalog: &Catalog) -> Vec<Orphan> {
    catalog
        .entities()
        .filter(|e| OWNED_KINDS.contains(&e.kind.as_str()))
        .filter_map(|e| orphan(catalog, e))
        .collect()
}

fn orphan(catalog: &Catalog, entity: &Entity) -> Option<Orphan> {
    let reason = match entity.spec_str("owner") {
        None | Some("") => OrphanReason::NoOwner,
        Some(text) => {
            match EntityRef::parse_strict(text, Some("Group"), &entity.metadata.namespace) {
                Ok(owner) if catalog.contains(&owner) => return None,
                Ok(owner) => OrphanReason::OwnerMissing {
                    owner: owner.to_string(),
                },
                Err(e) => OrphanReason::OwnerUnknown {
                    owner: text.to_owned(),
                    message: e.to_string(),
                },
            }
        }
    };
    Some(Orphan {
        entity: entity.entity_ref().to_string(),
        reason,
    })
}
