//! Four Keys' own formulas (dora-team/fourkeys, METRICS.md and queries/*.sql), kept exactly,
//! quirks included, so a team can compare with the dashboard it used before: only successful
//! production deploys count; lead time is the median over (deploy, change) pairs of whole
//! minutes, pairs of 0 minutes or less left out; time to restore is whole hours from the
//! earlier of the incident's creation and the deploy of its root cause; the change fail rate
//! counts incident rows joined on the root cause over distinct deploys (fourkeys#351); the
//! window starts at midnight UTC 91 days before now.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use foldhash::fast::RandomState;

use serde::Serialize;

use crate::timeline::Timeline;
use crate::{median, round4};

const DAY_MS: i64 = 86_400_000;

/// Four Keys' figures, with its JSON keys.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FourKeys {
    /// `Daily`, `Weekly`, `Monthly` or `Yearly`.
    pub deployment_frequency: &'static str,
    /// Median lead time in minutes (0 when there is none).
    pub median_lead_time_minutes: f64,
    /// `One day`, `One week`, `One month`, `Six months` or `One year`.
    pub lead_time_bucket: &'static str,
    /// Median time to restore in whole hours (0 when there is none).
    pub median_time_to_restore_hours: f64,
    /// The bucket of the time to restore.
    pub time_to_restore_bucket: &'static str,
    /// Incident rows over distinct deploys, rounded to 4 decimals.
    pub change_fail_rate: f64,
    /// `0-15%`, `16-45%` or `46-60%`.
    pub change_fail_rate_bucket: &'static str,
    /// Distinct successful deploys in the window.
    pub deployments: usize,
}

/// Four Keys' bucket of a duration in hours.
fn bucket_hours(hours: f64) -> &'static str {
    if hours < 24.0 {
        "One day"
    } else if hours < 168.0 {
        "One week"
    } else if hours < 730.0 {
        "One month"
    } else if hours < 730.0 * 6.0 {
        "Six months"
    } else {
        "One year"
    }
}

/// The civil year and month of a UTC day number (days since 1970-01-01).
fn year_month(day: i64) -> (i16, i8) {
    let date = jiff::Timestamp::from_second(day * 86_400)
        .map(|t| jiff::tz::Offset::UTC.to_datetime(t).date())
        .unwrap_or_default();
    (date.year(), date.month())
}

/// Four Keys' figures over production deploys, "now" being `now_ms`.
pub fn fourkeys(timeline: &Timeline, now_ms: i64) -> FourKeys {
    let day = |ms: i64| ms.div_euclid(DAY_MS);
    let start_day = day(now_ms) - 91;
    let start_ms = start_day * DAY_MS;
    let deploys: Vec<_> = timeline
        .deploys
        .iter()
        .filter(|d| d.env == "production" && d.success)
        .collect();
    let recent: Vec<_> = deploys.iter().filter(|d| d.time_ms > start_ms).collect();

    // Deployment frequency: weeks starting on Sunday, from the window's start (after the
    // first event's day) to today.
    let first_day = timeline.first_ms.map_or(i64::MIN, day);
    let deploy_days: BTreeSet<i64> = deploys.iter().map(|d| day(d.time_ms)).collect();
    let mut weeks: BTreeMap<i64, (u32, u32)> = BTreeMap::new();
    for d in (start_day..=day(now_ms)).filter(|d| *d > first_day) {
        let weekday_from_monday = (d + 3).rem_euclid(7);
        let week = d - (weekday_from_monday + 1) % 7;
        let w = weeks.entry(week).or_default();
        if deploy_days.contains(&d) {
            w.0 += 1;
            w.1 = 1;
        }
    }
    let mut monthly: HashMap<(i16, i8), u32> = HashMap::new();
    for (week, w) in &weeks {
        *monthly.entry(year_month(*week)).or_default() += w.1;
    }
    let mut days: Vec<f64> = weeks.values().map(|w| f64::from(w.0)).collect();
    let mut any: Vec<f64> = weeks.values().map(|w| f64::from(w.1)).collect();
    let mut per_month: Vec<f64> = weeks
        .keys()
        .map(|week| f64::from(monthly[&year_month(*week)]))
        .collect();
    let deployment_frequency = if median(&mut days).unwrap_or(0.0) >= 3.0 {
        "Daily"
    } else if median(&mut any).unwrap_or(0.0) >= 1.0 {
        "Weekly"
    } else if median(&mut per_month).unwrap_or(0.0) >= 1.0 {
        "Monthly"
    } else {
        "Yearly"
    };

    // Lead time: whole minutes per (deploy, change) pair, pairs of 0 or less left out.
    let mut lead: Vec<f64> = Vec::new();
    for d in &recent {
        for c in &d.changes {
            if let Some(&changed) = timeline.changes.get(c) {
                let minutes = (d.time_ms - changed).div_euclid(60_000);
                if minutes > 0 {
                    lead.push(minutes as f64);
                }
            }
        }
    }
    let median_lead_time_minutes = median(&mut lead).unwrap_or(0.0);

    // Time to restore: from the earlier of the incident's creation and the deploys of its
    // root cause, in whole hours.
    // The deploys of each root cause (only root causes are looked up).
    let mut deploy_times: HashMap<&str, Vec<i64>, RandomState> = timeline
        .incidents
        .iter()
        .filter_map(|i| i.root_cause.as_deref())
        .map(|c| (c, Vec::new()))
        .collect();
    for d in &deploys {
        for c in &d.changes {
            if let Some(times) = deploy_times.get_mut(c.as_str()) {
                times.push(d.time_ms);
            }
        }
    }
    let mut restore: Vec<f64> = Vec::new();
    for i in &timeline.incidents {
        let Some(resolved) = i.resolved_ms else {
            continue;
        };
        let mut created = i.created_ms;
        if let Some(times) = i.root_cause.as_deref().and_then(|c| deploy_times.get(c)) {
            created = times.iter().fold(created, |a, b| a.min(*b));
        }
        if created > start_ms {
            restore.push((resolved - created).div_euclid(3_600_000) as f64);
        }
    }
    let median_time_to_restore_hours = median(&mut restore).unwrap_or(0.0);

    // Change fail rate: incident rows joined on the root cause, over distinct deploys.
    let mut incidents_of: HashMap<&str, usize, RandomState> = HashMap::default();
    for i in &timeline.incidents {
        if let Some(c) = &i.root_cause {
            *incidents_of.entry(c.as_str()).or_default() += 1;
        }
    }
    let rows: usize = recent
        .iter()
        .flat_map(|d| &d.changes)
        .map(|c| incidents_of.get(c.as_str()).copied().unwrap_or(0))
        .sum();
    let distinct: BTreeSet<&str> = recent.iter().map(|d| d.id.as_str()).collect();
    let rate = if distinct.is_empty() {
        0.0
    } else {
        rows as f64 / distinct.len() as f64
    };
    let change_fail_rate_bucket = if rate <= 0.15 {
        "0-15%"
    } else if rate < 0.46 {
        "16-45%"
    } else {
        "46-60%"
    };
    FourKeys {
        deployment_frequency,
        median_lead_time_minutes,
        lead_time_bucket: bucket_hours(median_lead_time_minutes / 60.0),
        median_time_to_restore_hours,
        time_to_restore_bucket: bucket_hours(median_time_to_restore_hours),
        change_fail_rate: round4(rate),
        change_fail_rate_bucket,
        deployments: distinct.len(),
    }
}
