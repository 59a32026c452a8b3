//! The catalog as the portal reads it: every entity with the fields its filters and tables
//! need, precomputed once per change of the store, and the filters themselves.

use std::collections::{BTreeSet, HashMap};

use platform_catalog::platform::{CLAIM_ANNOTATION, CatalogStore};
use platform_catalog::query::declared_owner;
use platform_catalog::{Catalog, Entity, EntityRef, RelationType};
use platform_core::model::DynamicObject;
use platform_core::store::StoreError;
use serde::{Deserialize, Serialize};

use super::claims::{ClaimSummary, claims};

/// How a provisioned entity is doing, from its claim's Ready condition.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Health {
    /// Ready.
    Ready,
    /// Not Ready (creating, failed, deleting).
    NotReady,
    /// The catalog does not know: the entity is not provisioned by a claim.
    Unknown,
}

/// One entity as lists and filters see it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Row {
    /// `kind:namespace/name`, canonical.
    #[serde(rename = "ref")]
    pub reference: String,
    /// Kind as written (`Component`).
    pub kind: String,
    /// Namespace.
    pub namespace: String,
    /// Name.
    pub name: String,
    /// Title, else the name.
    pub title: String,
    /// Description.
    pub description: String,
    /// The owner's reference (`group:default/team-a`), empty without one.
    pub owner: String,
    /// `spec.system`.
    pub system: String,
    /// `spec.lifecycle`.
    pub lifecycle: String,
    /// `spec.type`.
    #[serde(rename = "type")]
    pub type_: String,
    /// Tags.
    pub tags: Vec<String>,
    /// From the claim that provisioned it.
    pub health: Health,
    /// The claim (kind, namespace, name) that provisioned it, when one did.
    pub claim: Option<(String, String, String)>,
    /// Lower-case text searched by `q`.
    #[serde(skip)]
    haystack: String,
}

/// The filters of `/catalog` and `/api/catalog`, as query parameters.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
pub struct Filter {
    /// Words every matching entity contains (name, title, description, owner, tags...).
    #[serde(default)]
    pub q: String,
    /// Kind, case-insensitive.
    #[serde(default)]
    pub kind: String,
    /// Owner, as a reference or a bare group name.
    #[serde(default)]
    pub owner: String,
    /// System name.
    #[serde(default)]
    pub system: String,
    /// Lifecycle.
    #[serde(default)]
    pub lifecycle: String,
    /// A tag.
    #[serde(default)]
    pub tag: String,
}

impl Filter {
    /// Whether `row` passes; `words` are `q`'s words, lower-cased once per search.
    fn matches(&self, words: &[String], row: &Row) -> bool {
        let same = |want: &str, have: &str| want.is_empty() || want.eq_ignore_ascii_case(have);
        let owner_matches = self.owner.is_empty()
            || self.owner.eq_ignore_ascii_case(&row.owner)
            || row
                .owner
                .rsplit_once('/')
                .is_some_and(|(_, name)| name.eq_ignore_ascii_case(&self.owner));
        same(&self.kind, &row.kind)
            && owner_matches
            && same(&self.system, &row.system)
            && same(&self.lifecycle, &row.lifecycle)
            && (self.tag.is_empty() || row.tags.iter().any(|t| t.eq_ignore_ascii_case(&self.tag)))
            && words
                .iter()
                .all(|word| row.haystack.contains(word.as_str()))
    }
}

/// The choices each filter offers: the distinct values in the catalog.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Facets {
    /// Kinds.
    pub kinds: BTreeSet<String>,
    /// Owners.
    pub owners: BTreeSet<String>,
    /// Systems.
    pub systems: BTreeSet<String>,
    /// Lifecycles.
    pub lifecycles: BTreeSet<String>,
    /// Tags.
    pub tags: BTreeSet<String>,
}

/// The catalog with its rows, built once per change of the store.
#[derive(Debug)]
pub struct CatalogView {
    /// The entities and their relations.
    pub catalog: Catalog,
    /// One row per entity, in reference order.
    pub rows: Vec<Row>,
    /// Row index by reference.
    index: HashMap<EntityRef, usize>,
    /// The filters' choices.
    pub facets: Facets,
    /// Every claim, summarised.
    pub claims: Vec<ClaimSummary>,
}

impl CatalogView {
    /// Reads the merged catalog and the claims from the store.
    pub async fn load(store: &CatalogStore) -> Result<CatalogView, StoreError> {
        let merged = store.merged().await?;
        let stored = claims(store).await?;
        Ok(CatalogView::build(merged.entities, &stored))
    }

    /// Builds the view of entities and the claims that provisioned some of them.
    pub fn build(entities: Vec<Entity>, stored: &[DynamicObject]) -> CatalogView {
        let claims: Vec<ClaimSummary> = stored.iter().map(ClaimSummary::of).collect();
        let by_claim: HashMap<(String, String, String), &ClaimSummary> = claims
            .iter()
            .map(|c| ((c.kind.clone(), c.namespace.clone(), c.name.clone()), c))
            .collect();
        let catalog = Catalog::from_entities(entities);
        let mut keyed: Vec<(EntityRef, Row)> = catalog
            .entities()
            .map(|e| (e.entity_ref(), row_of(e, &by_claim)))
            .collect();
        keyed.sort_by(|a, b| a.1.reference.cmp(&b.1.reference));
        let index = keyed
            .iter()
            .enumerate()
            .map(|(i, (r, _))| (r.clone(), i))
            .collect();
        let mut rows: Vec<Row> = keyed.into_iter().map(|(_, row)| row).collect();
        roll_up_health(&catalog, &index, &mut rows);
        let mut facets = Facets::default();
        for row in &rows {
            let add = |set: &mut BTreeSet<String>, value: &str| {
                if !value.is_empty() {
                    set.insert(value.to_owned());
                }
            };
            add(&mut facets.kinds, &row.kind);
            add(&mut facets.owners, &row.owner);
            add(&mut facets.systems, &row.system);
            add(&mut facets.lifecycles, &row.lifecycle);
            for tag in &row.tags {
                add(&mut facets.tags, tag);
            }
        }
        CatalogView {
            catalog,
            rows,
            index,
            facets,
            claims,
        }
    }

    /// The rows a filter keeps, in reference order.
    pub fn filter<'a>(&'a self, filter: &'a Filter) -> impl Iterator<Item = &'a Row> + 'a {
        let words: Vec<String> = filter
            .q
            .to_lowercase()
            .split_whitespace()
            .map(str::to_owned)
            .collect();
        self.rows
            .iter()
            .filter(move |row| filter.matches(&words, row))
    }

    /// The row of an entity.
    pub fn row(&self, entity: &EntityRef) -> Option<&Row> {
        self.index.get(entity).map(|&i| &self.rows[i])
    }
}

/// An entity no claim provisioned takes its health from the claims' entities it depends on
/// directly: not Ready when one is not, Ready when all are.
fn roll_up_health(catalog: &Catalog, index: &HashMap<EntityRef, usize>, rows: &mut [Row]) {
    let mut rolled = Vec::new();
    for (entity, &i) in index {
        if rows[i].health != Health::Unknown {
            continue;
        }
        let mut health = Health::Unknown;
        for (type_, target) in catalog.outgoing(entity) {
            if type_ != RelationType::DependsOn {
                continue;
            }
            match index.get(target).map(|&j| rows[j].health) {
                Some(Health::NotReady) => {
                    health = Health::NotReady;
                    break;
                }
                Some(Health::Ready) => health = Health::Ready,
                _ => {}
            }
        }
        rolled.push((i, health));
    }
    for (i, health) in rolled {
        rows[i].health = health;
    }
}

fn row_of(entity: &Entity, claims: &HashMap<(String, String, String), &ClaimSummary>) -> Row {
    let text = |field: &str| entity.spec_str(field).unwrap_or_default().to_owned();
    let owner = declared_owner(entity)
        .map(|o| o.to_string())
        .unwrap_or_default();
    let claim = entity
        .metadata
        .annotations
        .get(CLAIM_ANNOTATION)
        .and_then(|a| parse_claim_annotation(a));
    let health = match claim.as_ref().and_then(|c| claims.get(c)) {
        Some(found) if found.ready.is_true() => Health::Ready,
        Some(_) => Health::NotReady,
        None => Health::Unknown,
    };
    let reference = entity.entity_ref().to_string();
    let meta = &entity.metadata;
    let title = meta.title.clone().unwrap_or_else(|| meta.name.clone());
    let description = meta.description.clone().unwrap_or_default();
    let haystack = format!(
        "{reference} {title} {description} {owner} {} {}",
        text("system"),
        meta.tags.join(" ")
    )
    .to_lowercase();
    Row {
        reference,
        kind: entity.kind.clone(),
        namespace: meta.namespace.clone(),
        name: meta.name.clone(),
        title,
        description,
        owner,
        system: text("system"),
        lifecycle: text("lifecycle"),
        type_: text("type"),
        tags: meta.tags.clone(),
        health,
        claim,
        haystack,
    }
}

/// `KIND NAMESPACE/NAME`, as the platform writes it on the entities it derives.
fn parse_claim_annotation(text: &str) -> Option<(String, String, String)> {
    let (kind, rest) = text.split_once(' ')?;
    let (namespace, name) = rest.split_once('/')?;
    Some((kind.to_owned(), namespace.to_owned(), name.to_owned()))
}
