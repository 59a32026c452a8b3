//! `/claims` (with `?not_ready=true`, everything not Ready) and one claim in detail.

use axum::extract::{Path, Query, State};
use axum::response::Html;
use minijinja::value::Serde;
use serde::Deserialize;

use super::{Chrome, render};
use crate::data::claims::claim_detail;
use crate::error::PortalError;
use crate::state::PortalState;

/// `?not_ready=true`.
#[derive(Debug, Default, Deserialize)]
pub struct ClaimsQuery {
    #[serde(default)]
    not_ready: bool,
}

/// Every claim, or those not Ready.
pub async fn list(
    State(state): State<PortalState>,
    chrome: Chrome,
    Query(query): Query<ClaimsQuery>,
) -> Result<Html<String>, PortalError> {
    let view = state.catalog().await?;
    let claims: Vec<_> = view
        .claims
        .iter()
        .filter(|c| !query.not_ready || !c.ready.is_true())
        .collect();
    let title = if query.not_ready {
        "Claims not Ready"
    } else {
        "Claims"
    };
    render(
        &state,
        &chrome,
        "claims.html",
        title,
        minijinja::context! { claims => Serde(&claims), only_not_ready => query.not_ready },
    )
}

/// One claim: conditions, outputs (secrets masked), resources, drift and events.
pub async fn detail(
    State(state): State<PortalState>,
    chrome: Chrome,
    Path((kind, namespace, name)): Path<(String, String, String)>,
) -> Result<Html<String>, PortalError> {
    let Some(claim) = claim_detail(&state.handles.store, &kind, &namespace, &name).await? else {
        return Err(PortalError::NotFound(format!(
            "no claim {kind} {namespace}/{name}"
        )));
    };
    let title = format!("{kind} {namespace}/{name}");
    render(
        &state,
        &chrome,
        "claim.html",
        &title,
        minijinja::context! { claim => Serde(&claim) },
    )
}
