//! `/`: what needs attention: claims not Ready, anti-metric warnings, components behind
//! their template.

use axum::extract::State;
use axum::response::Html;
use minijinja::value::Serde;

use super::{Chrome, render};
use crate::data::fleet::fleet;
use crate::data::metrics::metrics;
use crate::error::PortalError;
use crate::state::PortalState;

/// The attention page.
pub async fn page(
    State(state): State<PortalState>,
    chrome: Chrome,
) -> Result<Html<String>, PortalError> {
    let view = state.catalog().await?;
    let not_ready: Vec<_> = view.claims.iter().filter(|c| !c.ready.is_true()).collect();
    let figures = metrics(
        &state.handles.store,
        &state.handles.metrics,
        &state.settings.deploy_environment,
        jiff::Timestamp::now().as_millisecond(),
    )
    .await?;
    let behind: Vec<_> = fleet(&view, &state.handles.templates)
        .into_iter()
        .filter(|f| f.behind)
        .collect();
    render(
        &state,
        &chrome,
        "home.html",
        "What needs attention",
        minijinja::context! {
            not_ready => Serde(&not_ready),
            warnings => Serde(&figures.platform.warnings),
            behind => Serde(&behind),
            entities => view.rows.len(),
            claims => view.claims.len(),
        },
    )
}
