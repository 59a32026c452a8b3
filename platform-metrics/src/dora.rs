//! The DORA metrics by dora.dev's definitions, over the deployments of one environment in a
//! window, per service or overall, each with the cluster of the 2024 report it falls in.

use std::collections::{HashMap, HashSet};

use foldhash::fast::RandomState;

use serde::Serialize;

use crate::timeline::{Deploy, Timeline};
use crate::{median, round4};

/// Which deployments count.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope {
    /// Deployments after this time (ms since the epoch)...
    pub since_ms: i64,
    /// ...and at or before this one.
    pub until_ms: i64,
    /// Only this environment.
    pub env: String,
    /// Only this service, when set.
    pub service: Option<String>,
}

impl Scope {
    /// The default window: from midnight UTC 91 days before `now_ms` to `now_ms`, in
    /// production, every service.
    pub fn default_window(now_ms: i64) -> Scope {
        const DAY_MS: i64 = 86_400_000;
        Scope {
            since_ms: (now_ms.div_euclid(DAY_MS) - 91) * DAY_MS,
            until_ms: now_ms,
            env: "production".into(),
            service: None,
        }
    }

    fn holds(&self, d: &Deploy) -> bool {
        d.env == self.env
            && d.time_ms > self.since_ms
            && d.time_ms <= self.until_ms
            && self
                .service
                .as_ref()
                .is_none_or(|s| d.service.as_ref() == Some(s))
    }

    fn days(&self) -> f64 {
        (self.until_ms - self.since_ms) as f64 / 86_400_000.0
    }
}

/// The DORA metrics, with their JSON keys.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Dora {
    /// Deployments in the window.
    pub deployments: usize,
    /// Deployments per day, rounded to 4 decimals.
    pub deployments_per_day: f64,
    /// Deployments per week, rounded to 4 decimals.
    pub deployments_per_week: f64,
    /// Median minutes from a change to the first successful deployment containing it.
    pub change_lead_time_median_minutes: Option<f64>,
    /// Failed deployments (failed, or named by an incident) over all, rounded to 4 decimals.
    pub change_fail_rate: f64,
    /// Median minutes from a failure to recovery.
    pub failed_deployment_recovery_median_minutes: Option<f64>,
    /// Unplanned deployments over all, rounded to 4 decimals.
    pub deployment_rework_rate: f64,
    /// The cluster of each metric.
    pub cluster: Clusters,
}

/// The 2024 report's cluster (`elite`, `high`, `medium`, `low`) of each metric; `null` when
/// the metric has no value.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Clusters {
    /// Of the deployment frequency.
    pub deployment_frequency: Option<&'static str>,
    /// Of the change lead time.
    pub change_lead_time: Option<&'static str>,
    /// Of the change fail rate.
    pub change_fail_rate: Option<&'static str>,
    /// Of the failed deployment recovery time.
    pub failed_deployment_recovery: Option<&'static str>,
}

const HOUR: f64 = 60.0;
const DAY: f64 = 24.0 * HOUR;

/// Elite deploys on demand (more than daily), high between daily and weekly, medium between
/// weekly and monthly, low less often.
fn frequency_cluster(per_day: f64) -> &'static str {
    if per_day >= 1.0 {
        "elite"
    } else if per_day >= 1.0 / 7.0 {
        "high"
    } else if per_day >= 1.0 / 30.0 {
        "medium"
    } else {
        "low"
    }
}

/// Lead time: elite under a day, high under a week, medium under a month, low beyond.
fn lead_time_cluster(minutes: f64) -> &'static str {
    if minutes < DAY {
        "elite"
    } else if minutes < 7.0 * DAY {
        "high"
    } else if minutes < 30.0 * DAY {
        "medium"
    } else {
        "low"
    }
}

/// The 2024 report gives each cluster one typical rate (elite 5%, medium 10%, high 20%, low
/// 40%; medium's is lower than high's in that report); a rate falls in the cluster whose
/// typical rate is nearest.
fn fail_rate_cluster(rate: f64) -> &'static str {
    [
        ("elite", 0.05),
        ("medium", 0.10),
        ("high", 0.20),
        ("low", 0.40),
    ]
    .into_iter()
    .min_by(|a, b| (rate - a.1).abs().total_cmp(&(rate - b.1).abs()))
    .map_or("low", |c| c.0)
}

/// Recovery: elite under an hour, high and medium under a day (the report gives both "less
/// than one day"; high here), low beyond.
fn recovery_cluster(minutes: f64) -> &'static str {
    if minutes < HOUR {
        "elite"
    } else if minutes < DAY {
        "high"
    } else if minutes < 7.0 * DAY {
        "medium"
    } else {
        "low"
    }
}

/// The lead times each deployment of one environment counts: for each successful
/// deployment (by its index in the timeline), the minutes from each change it is the first
/// successful deployment of. Built once per environment and shared by every scope of it.
pub struct LeadTimes {
    env: String,
    minutes: Vec<Vec<f64>>,
}

impl LeadTimes {
    /// The lead times of the successful deployments of `env`, in one pass over the timeline.
    pub fn of(timeline: &Timeline, env: &str) -> LeadTimes {
        let mut shipped: HashSet<&str, RandomState> =
            HashSet::with_capacity_and_hasher(timeline.changes.len(), RandomState::default());
        let minutes = timeline
            .deploys
            .iter()
            .map(|d| {
                if !d.success || d.env != env {
                    return Vec::new();
                }
                d.changes
                    .iter()
                    .filter(|c| shipped.insert(c.as_str()))
                    .filter_map(|c| timeline.changes.get(c.as_str()))
                    .filter(|changed| d.time_ms >= **changed)
                    .map(|changed| (d.time_ms - changed) as f64 / 60_000.0)
                    .collect()
            })
            .collect();
        LeadTimes {
            env: env.to_owned(),
            minutes,
        }
    }
}

/// The DORA metrics of the deployments in scope.
pub fn dora(timeline: &Timeline, scope: &Scope) -> Dora {
    dora_with(timeline, scope, &LeadTimes::of(timeline, &scope.env))
}

/// The DORA metrics of each scope (each service of a report, say), the lead times of each
/// environment computed once.
pub fn dora_each(timeline: &Timeline, scopes: &[Scope]) -> Vec<Dora> {
    let mut lead: Option<LeadTimes> = None;
    scopes
        .iter()
        .map(|scope| {
            if lead.as_ref().is_some_and(|l| l.env != scope.env) {
                lead = None;
            }
            let lead = lead.get_or_insert_with(|| LeadTimes::of(timeline, &scope.env));
            dora_with(timeline, scope, lead)
        })
        .collect()
}

/// The metrics of a scope over every service (first, `None`), then of each service with
/// deployments in the timeline, by reference: a report's per-service lines.
pub fn dora_by_service(timeline: &Timeline, scope: &Scope) -> Vec<(Option<String>, Dora)> {
    let services: std::collections::BTreeSet<&String> = timeline
        .deploys
        .iter()
        .filter_map(|d| d.service.as_ref())
        .collect();
    let mut scopes = vec![Scope {
        service: None,
        ..scope.clone()
    }];
    scopes.extend(services.iter().map(|service| Scope {
        service: Some((*service).clone()),
        ..scope.clone()
    }));
    let figures = dora_each(timeline, &scopes);
    scopes.into_iter().map(|s| s.service).zip(figures).collect()
}

/// The DORA metrics of the deployments in scope, with the lead times of its environment.
fn dora_with(timeline: &Timeline, scope: &Scope, lead_times: &LeadTimes) -> Dora {
    let in_scope: Vec<&Deploy> = timeline.deploys.iter().filter(|d| scope.holds(d)).collect();
    let ids: HashSet<&str, RandomState> = in_scope.iter().map(|d| d.id.as_str()).collect();
    let deployments = in_scope.len();
    let per_day = if scope.days() > 0.0 {
        deployments as f64 / scope.days()
    } else {
        0.0
    };
    let ratio = |n: usize| {
        if deployments == 0 {
            0.0
        } else {
            round4(n as f64 / deployments as f64)
        }
    };

    // Lead time: each change to the first successful deployment (of the environment, in
    // time order) containing it, counted when that deployment is in scope.
    let mut lead: Vec<f64> = timeline
        .deploys
        .iter()
        .zip(&lead_times.minutes)
        .filter(|(d, _)| scope.holds(d))
        .flat_map(|(_, minutes)| minutes.iter().copied())
        .collect();
    let lead_time = median(&mut lead).map(|m| (m * 100.0).round() / 100.0);

    // Change fail rate: failed deployments, and those an incident names or whose changes
    // hold an incident's root cause.
    let mut failed: HashSet<&str, RandomState> = in_scope
        .iter()
        .filter(|d| !d.success)
        .map(|d| d.id.as_str())
        .collect();
    let causes: HashSet<&str, RandomState> = timeline
        .incidents
        .iter()
        .filter_map(|i| i.root_cause.as_deref())
        .collect();
    for i in &timeline.incidents {
        if let Some(d) = &i.caused_by_deploy
            && ids.contains(d.as_str())
        {
            failed.insert(d.as_str());
        }
    }
    if !causes.is_empty() {
        for d in &in_scope {
            if d.changes.iter().any(|c| causes.contains(c.as_str())) {
                failed.insert(d.id.as_str());
            }
        }
    }

    // Recovery: from a failed deployment, or an incident's creation, to the next successful
    // deployment of the service or the incident's resolution, whichever comes first.
    // Successful deployment times, all and by service, in time order (deploys are sorted).
    let mut successes: Vec<i64> = Vec::new();
    let mut successes_of: HashMap<&str, Vec<i64>, RandomState> = HashMap::default();
    for d in timeline
        .deploys
        .iter()
        .filter(|d| d.success && d.env == scope.env)
    {
        successes.push(d.time_ms);
        if let Some(s) = &d.service {
            successes_of.entry(s.as_str()).or_default().push(d.time_ms);
        }
    }
    let next_success = |service: &Option<String>, after: i64| -> Option<i64> {
        let times = match service {
            None => &successes,
            Some(s) => successes_of.get(s.as_str())?,
        };
        times.get(times.partition_point(|t| *t <= after)).copied()
    };
    let mut recovery: Vec<f64> = Vec::new();
    for d in in_scope.iter().filter(|d| !d.success) {
        if let Some(end) = next_success(&d.service, d.time_ms) {
            recovery.push((end - d.time_ms) as f64 / 60_000.0);
        }
    }
    for i in &timeline.incidents {
        let in_window = i.created_ms > scope.since_ms && i.created_ms <= scope.until_ms;
        let of_service = scope.service.is_none() || i.service == scope.service;
        if !in_window || !of_service {
            continue;
        }
        let ends = [i.resolved_ms, next_success(&i.service, i.created_ms)];
        if let Some(end) = ends.into_iter().flatten().min() {
            recovery.push((end - i.created_ms) as f64 / 60_000.0);
        }
    }
    let recovery_time = median(&mut recovery).map(|m| (m * 100.0).round() / 100.0);
    let change_fail_rate = ratio(failed.len());
    Dora {
        deployments,
        deployments_per_day: round4(per_day),
        deployments_per_week: round4(per_day * 7.0),
        change_lead_time_median_minutes: lead_time,
        change_fail_rate,
        failed_deployment_recovery_median_minutes: recovery_time,
        deployment_rework_rate: ratio(in_scope.iter().filter(|d| d.unplanned).count()),
        cluster: Clusters {
            deployment_frequency: (deployments > 0).then(|| frequency_cluster(per_day)),
            change_lead_time: lead_time.map(lead_time_cluster),
            change_fail_rate: (deployments > 0).then(|| fail_rate_cluster(change_fail_rate)),
            failed_deployment_recovery: recovery_time.map(recovery_cluster),
        },
    }
}
