//! Relations between entities, derived from their specs exactly as Backstage's built-in kinds
//! processor derives them, and the [`Catalog`] that keeps them exact: a relation is shown only
//! while both of its entities are present; one naming an absent entity is reported missing.

mod catalog;
mod derive;

pub(crate) use catalog::Id;
pub use catalog::{Catalog, Missing};
pub use derive::{RefProblem, derive};

use serde::{Deserialize, Serialize};
use std::fmt;

use crate::entity::EntityRef;

/// The type of a relation; each comes with its inverse.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum RelationType {
    /// Source is owned by target.
    OwnedBy,
    /// Source owns target.
    OwnerOf,
    /// Source is part of target (system, domain, parent component).
    PartOf,
    /// Target is part of source.
    HasPart,
    /// Source depends on target.
    DependsOn,
    /// Target depends on source.
    DependencyOf,
    /// Source provides the API target.
    ProvidesApi,
    /// The API source is provided by target.
    ApiProvidedBy,
    /// Source consumes the API target.
    ConsumesApi,
    /// The API source is consumed by target.
    ApiConsumedBy,
    /// The group source is a child of the group target.
    ChildOf,
    /// The group source is the parent of the group target.
    ParentOf,
    /// The user source is a member of the group target.
    MemberOf,
    /// The group source has the user target as a member.
    HasMember,
}

impl RelationType {
    /// Every relation type.
    pub const ALL: [RelationType; 14] = [
        RelationType::OwnedBy,
        RelationType::OwnerOf,
        RelationType::PartOf,
        RelationType::HasPart,
        RelationType::DependsOn,
        RelationType::DependencyOf,
        RelationType::ProvidesApi,
        RelationType::ApiProvidedBy,
        RelationType::ConsumesApi,
        RelationType::ApiConsumedBy,
        RelationType::ChildOf,
        RelationType::ParentOf,
        RelationType::MemberOf,
        RelationType::HasMember,
    ];

    /// Backstage's name of the type, such as `ownedBy`.
    pub fn as_str(self) -> &'static str {
        match self {
            RelationType::OwnedBy => "ownedBy",
            RelationType::OwnerOf => "ownerOf",
            RelationType::PartOf => "partOf",
            RelationType::HasPart => "hasPart",
            RelationType::DependsOn => "dependsOn",
            RelationType::DependencyOf => "dependencyOf",
            RelationType::ProvidesApi => "providesApi",
            RelationType::ApiProvidedBy => "apiProvidedBy",
            RelationType::ConsumesApi => "consumesApi",
            RelationType::ApiConsumedBy => "apiConsumedBy",
            RelationType::ChildOf => "childOf",
            RelationType::ParentOf => "parentOf",
            RelationType::MemberOf => "memberOf",
            RelationType::HasMember => "hasMember",
        }
    }

    /// The type by its Backstage name.
    pub fn parse(name: &str) -> Option<RelationType> {
        RelationType::ALL.into_iter().find(|t| t.as_str() == name)
    }
}

impl fmt::Display for RelationType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One directed relation between two entities.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Relation {
    /// The entity the relation starts at.
    pub source: EntityRef,
    /// Its type.
    pub type_: RelationType,
    /// The entity it points at.
    pub target: EntityRef,
}

impl fmt::Display for Relation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} {}", self.source, self.type_, self.target)
    }
}
