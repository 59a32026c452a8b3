//! `/catalog/{kind}/{namespace}/{name}`: one entity with its fields, relations, links and
//! the claims provisioned for it.

use axum::extract::{Path, State};
use axum::response::Html;
use minijinja::value::Serde;
use platform_catalog::EntityRef;
use serde::Serialize;

use super::{Chrome, render};
use crate::data::catalog::CatalogView;
use crate::data::claims::ClaimSummary;
use crate::error::PortalError;
use crate::state::PortalState;

/// One relation of an entity, with where its target's page is.
#[derive(Debug, Serialize)]
pub struct RelationLink {
    #[serde(rename = "type")]
    type_: &'static str,
    target: String,
    kind: String,
    namespace: String,
    name: String,
    present: bool,
}

/// The relations of an entity, in the catalog's order.
pub fn relations(view: &CatalogView, entity: &EntityRef) -> Vec<RelationLink> {
    view.catalog
        .outgoing(entity)
        .map(|(type_, target)| RelationLink {
            type_: type_.as_str(),
            target: target.to_string(),
            kind: target.kind.clone(),
            namespace: target.namespace.clone(),
            name: target.name.clone(),
            present: view.catalog.contains(target),
        })
        .collect()
}

/// The claims behind an entity: its own claim, and for a component the claims of the
/// resources it depends on.
pub fn provisioned<'a>(view: &'a CatalogView, entity: &EntityRef) -> Vec<&'a ClaimSummary> {
    let mut keys = Vec::new();
    if let Some(row) = view.row(entity)
        && let Some(claim) = &row.claim
    {
        keys.push(claim.clone());
    }
    for (type_, target) in view.catalog.outgoing(entity) {
        if type_.as_str() == "dependsOn"
            && let Some(claim) = view.row(target).and_then(|r| r.claim.clone())
        {
            keys.push(claim);
        }
    }
    view.claims
        .iter()
        .filter(|c| {
            keys.iter()
                .any(|(k, ns, n)| *k == c.kind && *ns == c.namespace && *n == c.name)
        })
        .collect()
}

/// The entity's page.
pub async fn page(
    State(state): State<PortalState>,
    chrome: Chrome,
    Path((kind, namespace, name)): Path<(String, String, String)>,
) -> Result<Html<String>, PortalError> {
    let view = state.catalog().await?;
    let key = EntityRef::new(&kind, &namespace, &name);
    let (Some(row), Some(entity)) = (view.row(&key), view.catalog.get(&key)) else {
        return Err(PortalError::NotFound(format!(
            "{key} is not in the catalog"
        )));
    };
    // Only web links: a `javascript:` URL in a catalog file must not become a link.
    let links: Vec<_> = entity
        .metadata
        .links
        .iter()
        .filter(|l| l.url.starts_with("https://") || l.url.starts_with("http://"))
        .collect();
    render(
        &state,
        &chrome,
        "entity.html",
        &row.title,
        minijinja::context! {
            row => Serde(row),
            links => Serde(&links),
            relations => Serde(relations(&view, &key)),
            claims => Serde(provisioned(&view, &key)),
        },
    )
}
