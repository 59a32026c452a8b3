//! What the platform metrics read from the state: the catalog's components (adoption) and
//! the journal entries they count, as `metrics platform` and the portal read them.

use std::collections::HashSet;

use platform_catalog::platform::CatalogStore;
use platform_catalog::platform::scaffolded::SOURCE_TEMPLATE;
use platform_core::store::{JournalQuery, StoreError, kinds};

use crate::platform::Component;

/// The catalog's components, each golden when a template made it or the platform provisions
/// it (it is derived from an Application).
pub async fn components(store: &CatalogStore) -> Result<Vec<Component>, StoreError> {
    let platform = store.platform_entities().await?;
    let provisioned: HashSet<_> = platform.iter().map(|e| e.entity_ref()).collect();
    let merged = store.merged().await?;
    Ok(merged
        .entities
        .iter()
        .filter(|e| e.kind == "Component")
        .map(|e| Component {
            entity_ref: e.entity_ref().to_string(),
            team: e.spec_str("owner").map(str::to_owned),
            golden: provisioned.contains(&e.entity_ref())
                || e.metadata.annotations.contains_key(SOURCE_TEMPLATE),
        })
        .collect())
}

/// The journal entries the platform metrics count, before `until_ms`: everything but changes
/// (deployments and incidents for the change fail rate, scaffolds, upgrades, claims,
/// exceptions, drift, surveys and tickets).
pub fn platform_query(until_ms: Option<i64>) -> JournalQuery {
    JournalQuery {
        until_ms,
        kinds: [
            kinds::DEPLOY,
            kinds::INCIDENT,
            kinds::SCAFFOLD,
            kinds::TEMPLATE_UPGRADE,
            kinds::CLAIM,
            kinds::EXCEPTION,
            kinds::DRIFT,
            kinds::SURVEY,
            kinds::TICKET,
        ]
        .map(str::to_owned)
        .to_vec(),
        ..JournalQuery::default()
    }
}

/// What a report of both the DORA and the platform metrics reads, in one pass: the platform
/// metrics' entries and the changes (without their bodies) the lead times need.
pub fn report_query(until_ms: Option<i64>) -> JournalQuery {
    let mut query = platform_query(until_ms);
    query.kinds.push(kinds::CHANGE.into());
    query.without_bodies = vec![kinds::CHANGE.into()];
    query
}
