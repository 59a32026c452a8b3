//! The platform's own entities: every applied `Application` is a Component and every claim a
//! Resource, derived from the stored objects; and [`CatalogStore`], the store layer that
//! writes them in the same commit as the claims they come from.

mod derive;
pub mod scaffolded;
mod store;

pub use derive::{
    CLAIM_ANNOTATION, MANAGED_BY_ANNOTATION, MANAGED_BY_VALUE, OWNER_LABEL, PlatformSettings,
    SYSTEM_LABEL, entities_from_claims, entity_of, is_platform_owned, resource_name,
};
pub use store::{CATALOG_GROUP, CatalogStore, ENTITY_KIND, IMPORTED_KIND, stored_key};
