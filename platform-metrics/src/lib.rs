//! Measuring the platform from the state store's journal: what happened (changes,
//! deployments, incidents) comes from the engine and from `platformctl events import`, and
//! the DORA metrics are computed from it exactly, by dora.dev's definitions or, for teams
//! comparing with an old dashboard, by Four Keys' own formulas.
//!
//! - [`import`]: the JSON-lines import format, with located errors;
//! - [`timeline`]: journal entries read as changes, deployments and incidents;
//! - [`dora`]: the five DORA metrics and their clusters;
//! - [`fourkeys`]: Four Keys' formulas and buckets;
//! - [`platform`]: adoption, onboarding, escape hatches, repairs, templates behind,
//!   tickets, satisfaction, toil saved, and the anti-metrics;
//! - [`exposition`]: the metrics as OpenMetrics text, for Prometheus.

pub mod catalog;
pub mod dora;
pub mod exposition;
pub mod fourkeys;
pub mod import;
pub mod platform;
pub mod timeline;

/// The median of values: the middle one, or the mean of the two middle ones; `None` when
/// there are none.
pub(crate) fn median(values: &mut [f64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    let mid = values.len() / 2;
    Some(if values.len() % 2 == 1 {
        values[mid]
    } else {
        (values[mid - 1] + values[mid]) / 2.0
    })
}

/// A ratio rounded to 4 decimals.
pub(crate) fn round4(value: f64) -> f64 {
    (value * 10_000.0).round() / 10_000.0
}
