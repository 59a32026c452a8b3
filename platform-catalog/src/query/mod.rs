//! Questions asked of a catalog: lists, ownership, impact, orphans and graphs.

mod graph;
mod impact;
mod ownership;

pub use graph::{Subgraph, subgraph};
pub use impact::{Impact, impact};
pub use ownership::{Orphan, OrphanReason, orphans, owned_by};

use crate::entity::{Entity, EntityRef};
use crate::relations::{Catalog, RelationType};

/// Entities of a kind (any when `None`, case-insensitive) owned directly by `owner` (any
/// when `None`), in reference order.
pub fn list<'a>(
    catalog: &'a Catalog,
    kind: Option<&str>,
    owner: Option<&EntityRef>,
) -> Vec<&'a Entity> {
    catalog
        .entities()
        .filter(|e| kind.is_none_or(|k| e.kind.eq_ignore_ascii_case(k)))
        .filter(|e| {
            owner.is_none_or(|o| {
                catalog
                    .outgoing(&e.entity_ref())
                    .any(|(t, target)| t == RelationType::OwnedBy && target == o)
                    || declared_owner(e).as_ref() == Some(o)
            })
        })
        .collect()
}

/// The owner an entity's spec names, resolved (Group by default, in its namespace).
pub fn declared_owner(entity: &Entity) -> Option<EntityRef> {
    let owner = entity.spec_str("owner")?;
    EntityRef::parse_strict(owner, Some("Group"), &entity.metadata.namespace).ok()
}
