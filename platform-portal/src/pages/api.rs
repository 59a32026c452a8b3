//! `/api/...`: the pages' data as JSON, for other tools.

use axum::Json;
use axum::extract::{Path, Query, State};
use platform_catalog::EntityRef;
use serde_json::{Value, json};

use super::entity::{provisioned, relations};
use crate::data::catalog::Filter;
use crate::data::metrics::metrics as compute;
use crate::error::PortalError;
use crate::state::PortalState;

/// `{"total": N, "items": [...]}`: every entity the filters keep, each with its `ref`.
pub async fn catalog(
    State(state): State<PortalState>,
    Query(filter): Query<Filter>,
) -> Result<Json<Value>, PortalError> {
    let view = state.catalog().await?;
    let items: Vec<_> = view.filter(&filter).collect();
    Ok(Json(json!({ "total": items.len(), "items": items })))
}

/// One entity as stored, with its relations and the claims provisioned for it.
pub async fn entity(
    State(state): State<PortalState>,
    Path((kind, namespace, name)): Path<(String, String, String)>,
) -> Result<Json<Value>, PortalError> {
    let view = state.catalog().await?;
    let key = EntityRef::new(&kind, &namespace, &name);
    let Some(entity) = view.catalog.get(&key) else {
        return Err(PortalError::NotFound(format!(
            "{key} is not in the catalog"
        )));
    };
    Ok(Json(json!({
        "ref": key.to_string(),
        "entity": entity,
        "relations": relations(&view, &key),
        "claims": provisioned(&view, &key),
    })))
}

/// `{"items": [...]}`: every claim with its Ready and Synced conditions.
pub async fn claims(State(state): State<PortalState>) -> Result<Json<Value>, PortalError> {
    let view = state.catalog().await?;
    Ok(Json(json!({ "items": view.claims })))
}

/// The DORA and platform metrics of the dashboard.
pub async fn metrics_json(state: &PortalState) -> Result<Value, PortalError> {
    let m = compute(
        &state.handles.store,
        &state.handles.metrics,
        &state.settings.deploy_environment,
        jiff::Timestamp::now().as_millisecond(),
    )
    .await?;
    serde_json::to_value(m).map_err(|e| PortalError::Draw(e.to_string()))
}

/// `/api/metrics`.
pub async fn metrics(State(state): State<PortalState>) -> Result<Json<Value>, PortalError> {
    Ok(Json(metrics_json(&state).await?))
}
