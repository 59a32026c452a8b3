//! `/metrics-dashboard` (DORA and platform metrics, anti-metric warnings, a chart) and
//! `/metrics` (Prometheus text).

use axum::extract::State;
use axum::http::header;
use axum::response::{Html, IntoResponse};
use minijinja::value::Serde;
use platform_metrics::exposition;

use super::{Chrome, render};
use crate::data::metrics::{Metrics, metrics};
use crate::draw::chart::deployments_per_week;
use crate::error::PortalError;
use crate::state::PortalState;

async fn figures(state: &PortalState) -> Result<Metrics, PortalError> {
    Ok(metrics(
        &state.handles.store,
        &state.handles.metrics,
        &state.settings.deploy_environment,
        jiff::Timestamp::now().as_millisecond(),
    )
    .await?)
}

/// The dashboard.
pub async fn dashboard(
    State(state): State<PortalState>,
    chrome: Chrome,
) -> Result<Html<String>, PortalError> {
    let m = figures(&state).await?;
    let mut rows = vec![("all services".to_owned(), m.dora.clone())];
    rows.extend(m.services.iter().map(|(k, v)| (k.clone(), v.clone())));
    let p = serde_json::to_value(&m.platform).unwrap_or_default();
    let platform_rows: Vec<(String, String)> = p
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(k, _)| *k != "warnings")
        .map(|(k, v)| (k.clone(), summary(v)))
        .collect();
    render(
        &state,
        &chrome,
        "metrics.html",
        "Metrics",
        minijinja::context! {
            m => Serde(&m),
            rows => Serde(&rows),
            platform_rows => Serde(&platform_rows),
        },
    )
}

/// One line for a metric's figures: `key: value` pairs of its top level.
fn summary(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::Object(map) => map
            .iter()
            .filter(|(_, v)| !v.is_object() && !v.is_array())
            .map(|(k, v)| format!("{k}: {v}"))
            .collect::<Vec<_>>()
            .join(", "),
        other => other.to_string(),
    }
}

/// Deployments per week as SVG.
pub async fn chart(State(state): State<PortalState>) -> Result<impl IntoResponse, PortalError> {
    let m = figures(&state).await?;
    let svg = deployments_per_week(&m.weeks).map_err(PortalError::Draw)?;
    Ok((
        [(header::CONTENT_TYPE, "image/svg+xml; charset=utf-8")],
        svg,
    ))
}

/// The DORA (overall and per service) and platform metrics as OpenMetrics text.
pub async fn prometheus(
    State(state): State<PortalState>,
) -> Result<impl IntoResponse, PortalError> {
    let m = figures(&state).await?;
    let mut scopes = vec![(None, m.dora.clone())];
    scopes.extend(m.services.iter().map(|(k, v)| (Some(k.clone()), v.clone())));
    let dora = exposition::dora_text(&scopes).map_err(|e| PortalError::Draw(e.to_string()))?;
    let platform =
        exposition::platform_text(&m.platform).map_err(|e| PortalError::Draw(e.to_string()))?;
    Ok((
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        format!("{}{}", dora.trim_end_matches("# EOF\n"), platform),
    ))
}
