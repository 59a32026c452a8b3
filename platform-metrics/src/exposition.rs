//! The DORA metrics (and Four Keys' figures) as OpenMetrics text (what Prometheus scrapes), through
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
use crate::fourkeys::FourKeys;
use crate::platform::PlatformMetrics;

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

/// The label of a per-team series.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Team {
    team: String,
}

/// The label of an anti-metric series.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Warning {
    name: String,
}

/// The platform metrics as OpenMetrics text, ending in `# EOF`: overall gauges, per-team
/// gauges (teams are the catalog's groups, a bounded set) and one series per anti-metric
/// that holds. Durations are in seconds.
pub fn platform_text(m: &PlatformMetrics) -> Result<String, std::fmt::Error> {
    let mut registry = Registry::with_prefix("platform");
    let single = |registry: &mut Registry, name: &str, help: &str, value: Option<f64>| {
        if let Some(v) = value {
            let gauge = Gauge::<f64, AtomicU64>::default();
            gauge.set(v);
            registry.register(name, help, gauge);
        }
    };
    single(
        &mut registry,
        "adoption_rate",
        "Components from a golden-path template or provisioned through claims, over all",
        m.adoption.rate,
    );
    single(
        &mut registry,
        "components",
        "Components in the catalog",
        Some(m.adoption.components as f64),
    );
    single(
        &mut registry,
        "time_to_first_deploy_median_seconds",
        "Median seconds from a scaffold or first claim to the first production deployment",
        m.time_to_first_deploy.median_minutes.map(|v| v * 60.0),
    );
    single(
        &mut registry,
        "escape_hatches_per_week",
        "Policy exceptions and claims outside templates per week",
        Some(m.escape_hatches.per_week),
    );
    single(
        &mut registry,
        "drift_repairs_manual",
        "Drift repaired by a person in the window",
        Some(m.drift_repairs.manual as f64),
    );
    single(
        &mut registry,
        "drift_repairs_automated",
        "Drift repaired by the controller in the window",
        Some(m.drift_repairs.automated as f64),
    );
    single(
        &mut registry,
        "templates_behind",
        "Scaffolded repositories behind their template",
        Some(m.templates_behind.behind as f64),
    );
    single(
        &mut registry,
        "tickets_per_week",
        "Support tickets opened per week",
        Some(m.tickets.per_week),
    );
    single(
        &mut registry,
        "nps",
        "Net promoter score from surveys in the window",
        m.satisfaction.nps,
    );
    single(
        &mut registry,
        "toil_saved_seconds",
        "A person's time saved by automated repairs and scaffolds",
        Some(m.toil_saved.minutes * 60.0),
    );
    let first_deploy = Family::<Team, Gauge<f64, AtomicU64>>::default();
    for (team, minutes) in &m.time_to_first_deploy.by_team {
        first_deploy
            .get_or_create(&Team { team: team.clone() })
            .set(minutes * 60.0);
    }
    registry.register(
        "team_time_to_first_deploy_median_seconds",
        "Median seconds to a first production deployment, per team",
        first_deploy,
    );
    let hatches = Family::<Team, Gauge<f64, AtomicU64>>::default();
    for (team, per_week) in &m.escape_hatches.by_team {
        hatches
            .get_or_create(&Team { team: team.clone() })
            .set(*per_week);
    }
    registry.register(
        "team_escape_hatches_per_week",
        "Policy exceptions and claims outside templates per week, per team",
        hatches,
    );
    let warnings = Family::<Warning, Gauge<f64, AtomicU64>>::default();
    for w in &m.warnings {
        warnings
            .get_or_create(&Warning {
                name: w.name.to_owned(),
            })
            .set(1.0);
    }
    registry.register("anti_metric", "1 for each anti-metric that holds", warnings);
    let mut text = String::new();
    prometheus_client::encoding::text::encode(&mut text, &registry)?;
    Ok(text)
}

/// The label of Four Keys' buckets: which figure, and its bucket (a fixed set of words).
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Bucket {
    figure: String,
    bucket: String,
}

/// Four Keys' figures as OpenMetrics text, ending in `# EOF`: its numbers as gauges (its
/// whole minutes and hours in seconds, the base unit Prometheus expects), and its buckets as
/// one `classification` series each with value 1, labelled by the figure and the bucket's
/// words, so a dashboard can show the words.
pub fn fourkeys_text(k: &FourKeys) -> Result<String, std::fmt::Error> {
    let mut registry = Registry::with_prefix("platform_fourkeys");
    let numbers = [
        (
            "deployments",
            "Distinct successful production deploys in the window",
            k.deployments as f64,
        ),
        (
            "median_lead_time_seconds",
            "Four Keys' median lead time (whole minutes), in seconds",
            k.median_lead_time_minutes * 60.0,
        ),
        (
            "median_time_to_restore_seconds",
            "Four Keys' median time to restore (whole hours), in seconds",
            k.median_time_to_restore_hours * 3600.0,
        ),
        (
            "change_fail_rate",
            "Four Keys' change fail rate: incident rows over distinct deploys",
            k.change_fail_rate,
        ),
    ];
    for (name, help, value) in numbers {
        let gauge = Gauge::<f64, AtomicU64>::default();
        gauge.set(value);
        registry.register(name, help, gauge);
    }
    let buckets = Family::<Bucket, Gauge<f64, AtomicU64>>::default();
    for (figure, bucket) in [
        ("deployment_frequency", k.deployment_frequency),
        ("lead_time", k.lead_time_bucket),
        ("time_to_restore", k.time_to_restore_bucket),
        ("change_fail_rate", k.change_fail_rate_bucket),
    ] {
        buckets
            .get_or_create(&Bucket {
                figure: figure.into(),
                bucket: bucket.into(),
            })
            .set(1.0);
    }
    registry.register(
        "classification",
        "1 for the bucket Four Keys puts each figure in",
        buckets,
    );
    let mut text = String::new();
    prometheus_client::encoding::text::encode(&mut text, &registry)?;
    Ok(text)
}
