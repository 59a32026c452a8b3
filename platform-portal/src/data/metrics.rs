//! The DORA and platform metrics over the journal, as `metrics dora` and `metrics platform`
//! compute them, with the weekly series the dashboard draws.

use std::collections::BTreeMap;

use platform_catalog::platform::CatalogStore;
use platform_core::store::{StateStore, StoreError};
use platform_metrics::catalog::{components, report_query};
use platform_metrics::dora::{Dora, Scope, dora, dora_by_service};
use platform_metrics::platform::{PlatformMetrics, Settings, Window};
use platform_metrics::timeline::Timeline;
use serde::Serialize;

const WEEK_MS: i64 = 7 * 86_400_000;

/// One week of deployments.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Week {
    /// The week's first day (`2026-11-30`).
    pub start: String,
    /// Deployments in it.
    pub deployments: usize,
    /// Failed deployments in it.
    pub failed: usize,
}

/// Everything the dashboard and `/api/metrics` show.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Metrics {
    /// The window's start and end (RFC 3339).
    pub since: String,
    /// The window's end.
    pub until: String,
    /// DORA over every service.
    pub dora: Dora,
    /// DORA per service, by service reference.
    pub services: BTreeMap<String, Dora>,
    /// The platform metrics, with the anti-metric warnings.
    pub platform: PlatformMetrics,
    /// Deployments per week over the window, oldest first.
    pub weeks: Vec<Week>,
}

/// Computes the metrics of the 91 days ending `now_ms`, deployments of `environment`.
pub async fn metrics(
    store: &CatalogStore,
    settings: &Settings,
    environment: &str,
    now_ms: i64,
) -> Result<Metrics, StoreError> {
    let mut scope = Scope::default_window(now_ms);
    scope.env = environment.to_owned();
    let until = Some(scope.until_ms.saturating_add(1));
    let entries = store.journal(&report_query(until)).await?;
    let timeline = Timeline::from_entries(&entries);
    let mut figures = dora_by_service(&timeline, &scope).into_iter();
    let overall = figures
        .next()
        .map_or_else(|| dora(&timeline, &scope), |(_, d)| d);
    let services = figures
        .filter_map(|(service, d)| Some((service?, d)))
        .collect();
    let change_fail_rate = (overall.deployments > 0).then_some(overall.change_fail_rate);
    let platform = platform_metrics::platform::platform(
        &entries,
        &components(store).await?,
        settings,
        Window {
            since_ms: scope.since_ms,
            until_ms: scope.until_ms,
        },
        change_fail_rate,
    );
    let mut weeks: Vec<Week> = (0..)
        .map(|i| scope.since_ms + i * WEEK_MS)
        .take_while(|start| *start < scope.until_ms)
        .map(|start| Week {
            start: day(start),
            deployments: 0,
            failed: 0,
        })
        .collect();
    for deploy in &timeline.deploys {
        if deploy.env != scope.env
            || deploy.time_ms <= scope.since_ms
            || deploy.time_ms > scope.until_ms
        {
            continue;
        }
        let i = ((deploy.time_ms - scope.since_ms) / WEEK_MS) as usize;
        if let Some(week) = weeks.get_mut(i) {
            week.deployments += 1;
            week.failed += usize::from(!deploy.success);
        }
    }
    Ok(Metrics {
        since: time(scope.since_ms),
        until: time(scope.until_ms),
        dora: overall,
        services,
        platform,
        weeks,
    })
}

fn time(ms: i64) -> String {
    jiff::Timestamp::from_millisecond(ms)
        .map(|t| t.to_string())
        .unwrap_or_default()
}

fn day(ms: i64) -> String {
    time(ms).chars().take(10).collect()
}
