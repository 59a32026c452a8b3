//! The DORA metrics as OpenMetrics text (what Prometheus scrapes), through
//! `prometheus-client`: one gauge family per metric, labelled by service (catalog references,
//! a bounded set) and `all` for every service together. Durations are in seconds, the base
//! unit Prometheus expects. A metric without a value (no
//! deployments, no failures) is left out rather than written as 0.

use std::sync::atomic::AtomicU64;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;

use crate::dora::Dora;

/// The label of a series: the service, or `all`.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Service {
    service: String,
}

type Gauges = Family<Service, Gauge<f64, AtomicU64>>;

/// The metrics of each scope (`None`: every service) as OpenMetrics text, ending in `# EOF`.
pub fn dora_text(scopes: &[(Option<String>, Dora)]) -> Result<String, std::fmt::Error> {
    let mut registry = Registry::with_prefix("platform_dora");
    let families: [(&str, &str, Gauges); 6] = [
        (
            "deployments",
            "Deployments in the window",
            Gauges::default(),
        ),
        (
            "deployments_per_day",
            "Deployments per day in the window",
            Gauges::default(),
        ),
        (
            "change_lead_time_median_seconds",
            "Median seconds from a change to the first successful deployment containing it",
            Gauges::default(),
        ),
        (
            "change_fail_rate",
            "Deployments that failed or caused an incident, over all deployments",
            Gauges::default(),
        ),
        (
            "failed_deployment_recovery_median_seconds",
            "Median seconds from a failure to the next successful deployment or resolution",
            Gauges::default(),
        ),
        (
            "deployment_rework_rate",
            "Unplanned deployments over all deployments",
            Gauges::default(),
        ),
    ];
    for (service, m) in scopes {
        let labels = Service {
            service: service.clone().unwrap_or_else(|| "all".into()),
        };
        let values = [
            Some(m.deployments as f64),
            Some(m.deployments_per_day),
            m.change_lead_time_median_minutes.map(|m| m * 60.0),
            (m.deployments > 0).then_some(m.change_fail_rate),
            m.failed_deployment_recovery_median_minutes
                .map(|m| m * 60.0),
            (m.deployments > 0).then_some(m.deployment_rework_rate),
        ];
        for ((_, _, family), value) in families.iter().zip(values) {
            if let Some(v) = value {
                family.get_or_create(&labels).set(v);
            }
        }
    }
    for (name, help, family) in families {
        registry.register(name, help, family);
    }
    let mut text = String::new();
    prometheus_client::encoding::text::encode(&mut text, &registry)?;
    Ok(text)
}
