//! `/graph/{kind}/{namespace}/{name}.svg` and `/graph/all.svg`: the dependency map drawn on
//! the server.

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::IntoResponse;
use platform_catalog::EntityRef;
use platform_catalog::query::{Subgraph, subgraph};
use serde::Deserialize;

use crate::data::catalog::CatalogView;
use crate::draw::graph::{NodeLook, draw};
use crate::error::PortalError;
use crate::state::PortalState;

/// The depth drawn around an entity without `?depth=`.
const DEFAULT_DEPTH: usize = 2;
/// The deepest map drawn around an entity.
const MAX_DEPTH: usize = 6;
/// The most nodes a map draws: layout time grows much faster than the node count (a map of
/// 500 took about 20 s in `cargo bench -p benches --bench portal`).
pub const MAX_NODES: usize = 300;

/// `?depth=N`.
#[derive(Debug, Default, Deserialize)]
pub struct DepthQuery {
    depth: Option<usize>,
}

fn looks(
    view: &CatalogView,
    graph: &Subgraph,
    base: &str,
    centre: Option<&EntityRef>,
) -> HashMap<String, NodeLook> {
    graph
        .nodes
        .iter()
        .filter_map(|node| view.row(node).map(|r| (node, r)))
        .map(|(node, r)| {
            let look = NodeLook {
                label: r.reference.clone(),
                href: format!(
                    "{base}/catalog/{}/{}/{}",
                    r.kind.to_lowercase(),
                    r.namespace,
                    r.name
                ),
                health: r.health,
                owner: r.owner.clone(),
                centre: centre == Some(node),
            };
            (r.reference.clone(), look)
        })
        .collect()
}

/// Draws on a blocking thread: a large layout must not hold up the async workers.
async fn laid_out(
    graph: Subgraph,
    looks: HashMap<String, NodeLook>,
) -> Result<String, PortalError> {
    tokio::task::spawn_blocking(move || draw(&graph, &looks))
        .await
        .map_err(|e| PortalError::Draw(e.to_string()))
}

fn svg(body: String) -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "image/svg+xml; charset=utf-8")],
        body,
    )
}

/// The map around one entity.
pub async fn around(
    State(state): State<PortalState>,
    Path((kind, namespace, file)): Path<(String, String, String)>,
    Query(query): Query<DepthQuery>,
) -> Result<impl IntoResponse, PortalError> {
    let Some(name) = file.strip_suffix(".svg") else {
        return Err(PortalError::NotFound(format!(
            "{file}: the map of an entity is NAME.svg"
        )));
    };
    let depth = query.depth.unwrap_or(DEFAULT_DEPTH);
    if depth > MAX_DEPTH {
        return Err(PortalError::BadRequest(format!(
            "depth {depth}: expected at most {MAX_DEPTH}"
        )));
    }
    let view = state.catalog().await?;
    let key = EntityRef::new(&kind, &namespace, name);
    if !view.catalog.contains(&key) {
        return Err(PortalError::NotFound(format!(
            "{key} is not in the catalog"
        )));
    }
    let graph = subgraph(&view.catalog, Some(&key), Some(depth));
    if graph.nodes.len() > MAX_NODES {
        return Err(PortalError::BadRequest(format!(
            "the map around {key} at depth {depth} has {} entities, more than the {MAX_NODES} drawn: ask for a smaller ?depth=",
            graph.nodes.len()
        )));
    }
    let looks = looks(&view, &graph, &state.settings.mount_path, Some(&key));
    Ok(svg(laid_out(graph, looks).await?))
}

/// The whole estate's map.
pub async fn estate(State(state): State<PortalState>) -> Result<impl IntoResponse, PortalError> {
    let view = state.catalog().await?;
    if view.rows.len() > MAX_NODES {
        return Err(PortalError::BadRequest(format!(
            "the catalog has {} entities, more than the {MAX_NODES} one map draws: open an entity's map instead",
            view.rows.len()
        )));
    }
    let graph = subgraph(&view.catalog, None, None);
    let looks = looks(&view, &graph, &state.settings.mount_path, None);
    Ok(svg(laid_out(graph, looks).await?))
}
