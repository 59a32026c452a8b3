//! `/catalog`: search and filters over every entity.

use axum::extract::{Query, State};
use axum::response::Html;
use minijinja::value::Serde;
use serde::Deserialize;

use super::{Chrome, render};
use crate::data::catalog::Filter;
use crate::error::PortalError;
use crate::state::PortalState;

/// The most rows a page shows; the count says how many matched.
pub const PAGE_ROWS: usize = 200;

/// The catalog page's query: the filters, and `partial` for the results alone (what the
/// search-as-you-type script asks for).
#[derive(Debug, Default, Deserialize)]
pub struct CatalogQuery {
    #[serde(flatten)]
    filter: Filter,
    #[serde(default)]
    partial: bool,
}

/// The catalog page, or only its results.
pub async fn page(
    State(state): State<PortalState>,
    chrome: Chrome,
    Query(query): Query<CatalogQuery>,
) -> Result<Html<String>, PortalError> {
    let view = state.catalog().await?;
    let mut total = 0;
    let mut shown = Vec::new();
    for row in view.filter(&query.filter) {
        total += 1;
        if shown.len() < PAGE_ROWS {
            shown.push(row);
        }
    }
    let facets = [
        ("kind", "Kind", &view.facets.kinds),
        ("owner", "Owner", &view.facets.owners),
        ("system", "System", &view.facets.systems),
        ("lifecycle", "Lifecycle", &view.facets.lifecycles),
        ("tag", "Tag", &view.facets.tags),
    ];
    let context = minijinja::context! {
        filter => Serde(&query.filter),
        facets => Serde(facets),
        shown => Serde(&shown),
        total => total,
    };
    if query.partial {
        let frame = minijinja::context! {
            base => minijinja::Value::from_safe_string(chrome.base.clone())
        };
        let html = state
            .views
            .get_template("results.html")?
            .render(minijinja::context! { ..frame, ..context })?;
        return Ok(Html(html));
    }
    render(&state, &chrome, "catalog.html", "Catalog", context)
}
