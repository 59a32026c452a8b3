//! Platform metrics: whether the platform is adopted and whether it helps, from the journal
//! (scaffolds, upgrades, claims, exceptions, drift, deployments, surveys, tickets) and the
//! catalog's components, plus the three anti-metrics platform teams watch: numbers that look
//! good alone and tell a bad story together.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use platform_core::store::{JournalEntry, kinds};

use crate::{median, round4};

const DAY_MS: i64 = 86_400_000;
const WEEK_MS: f64 = 7.0 * DAY_MS as f64;

/// What the config decides: thresholds of the anti-metrics, minutes of toil each automated
/// act saves, and when a repository counts as behind its template.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Settings {
    /// Adoption rate at or above which adoption counts as high.
    pub high_adoption: f64,
    /// NPS below which satisfaction counts as low.
    pub low_nps: f64,
    /// Tickets per week at or below which tickets count as few.
    pub few_tickets_per_week: f64,
    /// Escape hatches per week at or above which they count as frequent.
    pub frequent_escape_hatches_per_week: f64,
    /// Median minutes to a first deployment at or below which onboarding counts as fast.
    pub fast_onboarding_minutes: f64,
    /// Change fail rate at or above which it counts as high.
    pub high_change_fail_rate: f64,
    /// Minutes of a person's work an automated drift repair saves.
    pub repair_minutes: f64,
    /// Minutes of a person's work a scaffold saves.
    pub scaffold_minutes: f64,
    /// A repository more than this many versions behind its template is behind.
    pub behind_versions: usize,
    /// A repository whose version was superseded more than this many days ago is behind.
    pub behind_days: i64,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            high_adoption: 0.7,
            low_nps: 0.0,
            few_tickets_per_week: 1.0,
            frequent_escape_hatches_per_week: 2.0,
            fast_onboarding_minutes: 2.0 * 24.0 * 60.0,
            high_change_fail_rate: 0.3,
            repair_minutes: 30.0,
            scaffold_minutes: 240.0,
            behind_versions: 2,
            behind_days: 90,
        }
    }
}

/// A component of the catalog, as adoption sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Component {
    /// Its entity reference (`component:NAMESPACE/NAME`).
    pub entity_ref: String,
    /// Its owner.
    pub team: Option<String>,
    /// Whether it came from a golden-path template or is provisioned through claims.
    pub golden: bool,
}

/// The window and "now" the metrics are computed for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    /// Start, in ms since the epoch (exclusive).
    pub since_ms: i64,
    /// End, in ms since the epoch (inclusive); also "now" for templates behind.
    pub until_ms: i64,
}

impl Window {
    fn holds(&self, time_ms: i64) -> bool {
        time_ms > self.since_ms && time_ms <= self.until_ms
    }

    fn weeks(&self) -> f64 {
        ((self.until_ms - self.since_ms) as f64 / WEEK_MS).max(f64::MIN_POSITIVE)
    }
}

/// The platform metrics, with their JSON keys.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PlatformMetrics {
    /// Components from a template or provisioned through claims, over all components.
    pub adoption: Adoption,
    /// From a scaffold or first claim to the first successful production deployment.
    pub time_to_first_deploy: FirstDeploy,
    /// Policy exceptions used and claims created outside any template.
    pub escape_hatches: EscapeHatches,
    /// Drift repaired, by whom.
    pub drift_repairs: DriftRepairs,
    /// Scaffolded repositories behind their template.
    pub templates_behind: TemplatesBehind,
    /// Support tickets opened in the window.
    pub tickets: Tickets,
    /// Satisfaction from surveys.
    pub satisfaction: Satisfaction,
    /// A person's time automation saved.
    pub toil_saved: ToilSaved,
    /// The anti-metrics that hold, each with its numbers.
    pub warnings: Vec<AntiMetric>,
}

/// Adoption of the golden path.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Adoption {
    /// Components in the catalog.
    pub components: usize,
    /// Those from a template or provisioned through claims.
    pub golden: usize,
    /// `golden / components`, rounded to 4 decimals; `null` without components.
    pub rate: Option<f64>,
}

/// Time to first deploy.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FirstDeploy {
    /// Services whose first successful production deployment fell in the window.
    pub services: usize,
    /// Median minutes over them.
    pub median_minutes: Option<f64>,
    /// Median minutes per team.
    pub by_team: BTreeMap<String, f64>,
}

/// Escape hatches.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EscapeHatches {
    /// Policy exceptions first used in the window.
    pub exceptions: usize,
    /// Top-level claims created outside any template in the window.
    pub claims_outside_templates: usize,
    /// Both together per week, rounded to 4 decimals.
    pub per_week: f64,
    /// Per week per team.
    pub by_team: BTreeMap<String, f64>,
}

/// Drift repairs.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DriftRepairs {
    /// Drift a person repaired (`drift --fix`).
    pub manual: usize,
    /// Drift the controller repaired on its own.
    pub automated: usize,
    /// Drift found and left unrepaired.
    pub unrepaired: usize,
}

/// Repositories behind their templates.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TemplatesBehind {
    /// Scaffolded repositories known to the journal.
    pub repositories: usize,
    /// Those behind (more versions or days than the settings allow).
    pub behind: usize,
    /// Each behind repository.
    pub items: Vec<Behind>,
}

/// One repository behind its template.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Behind {
    /// The repository (its component, or its folder).
    pub repository: String,
    /// The template.
    pub template: String,
    /// The version it is at.
    pub version: Option<String>,
    /// The newest version of the template the journal knows.
    pub latest: Option<String>,
    /// Versions between them.
    pub versions_behind: usize,
    /// Days since its version was superseded.
    pub days_behind: i64,
}

/// Support tickets.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Tickets {
    /// Opened in the window.
    pub opened: usize,
    /// Per week, rounded to 4 decimals.
    pub per_week: f64,
    /// Opened per team.
    pub by_team: BTreeMap<String, usize>,
}

/// Satisfaction.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Satisfaction {
    /// Survey answers in the window.
    pub responses: usize,
    /// Net promoter score: % answering 9-10 minus % answering 0-6, rounded to 1 decimal.
    pub nps: Option<f64>,
}

/// Toil saved.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ToilSaved {
    /// Drift repairs the controller made.
    pub automated_repairs: usize,
    /// Scaffolds.
    pub scaffolds: usize,
    /// Minutes saved: each times the minutes the settings assign.
    pub minutes: f64,
}

/// An anti-metric that holds.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AntiMetric {
    /// Its name: `high-adoption-low-satisfaction`, `few-tickets-frequent-escape-hatches` or
    /// `fast-onboarding-high-change-fail-rate`.
    pub name: &'static str,
    /// What holds, with the numbers and thresholds.
    pub message: String,
}

fn text<'a>(body: &'a Value, key: &str) -> Option<&'a str> {
    body.get(key).and_then(Value::as_str)
}

fn team_of(body: &Value) -> String {
    text(body, "team").unwrap_or("(none)").to_owned()
}

/// Computes the platform metrics. `entries` are the journal up to the window's end (earlier
/// scaffolds and versions matter); `change_fail_rate` is the DORA figure over the window,
/// for the onboarding anti-metric.
pub fn platform(
    entries: &[JournalEntry],
    components: &[Component],
    settings: &Settings,
    window: Window,
    change_fail_rate: Option<f64>,
) -> PlatformMetrics {
    let bodies: Vec<(&JournalEntry, Value)> = entries
        .iter()
        .filter(|e| e.time_ms <= window.until_ms && e.kind != kinds::CHANGE)
        .map(|e| (e, e.body_value()))
        .collect();
    let of = |kind: &'static str| bodies.iter().filter(move |(e, _)| e.kind == kind);
    let in_window = |kind: &'static str| of(kind).filter(move |(e, _)| window.holds(e.time_ms));

    let golden = components.iter().filter(|c| c.golden).count();
    let adoption = Adoption {
        components: components.len(),
        golden,
        rate: (!components.is_empty()).then(|| round4(golden as f64 / components.len() as f64)),
    };

    let time_to_first_deploy = first_deploys(&bodies, window);

    let mut hatches_by_team: BTreeMap<String, f64> = BTreeMap::new();
    let exceptions = in_window(kinds::EXCEPTION)
        .inspect(|(_, b)| *hatches_by_team.entry(team_of(b)).or_default() += 1.0)
        .count();
    let outside = in_window(kinds::CLAIM)
        .filter(|(_, b)| b.get("template").is_none_or(Value::is_null))
        .inspect(|(_, b)| *hatches_by_team.entry(team_of(b)).or_default() += 1.0)
        .count();
    for count in hatches_by_team.values_mut() {
        *count = round4(*count / window.weeks());
    }
    let escape_hatches = EscapeHatches {
        exceptions,
        claims_outside_templates: outside,
        per_week: round4((exceptions + outside) as f64 / window.weeks()),
        by_team: hatches_by_team,
    };

    let repaired_by = |who: &str| {
        in_window(kinds::DRIFT)
            .filter(|(_, b)| b["repaired"] == Value::Bool(true) && text(b, "by") == Some(who))
            .count()
    };
    let drift_repairs = DriftRepairs {
        manual: repaired_by("person"),
        automated: repaired_by("controller"),
        unrepaired: in_window(kinds::DRIFT)
            .filter(|(_, b)| b["repaired"] != Value::Bool(true))
            .count(),
    };

    let templates_behind = templates_behind(&bodies, settings, window);

    let mut tickets_by_team: BTreeMap<String, usize> = BTreeMap::new();
    let opened = in_window(kinds::TICKET)
        .inspect(|(_, b)| *tickets_by_team.entry(team_of(b)).or_default() += 1)
        .count();
    let tickets = Tickets {
        opened,
        per_week: round4(opened as f64 / window.weeks()),
        by_team: tickets_by_team,
    };

    let scores: Vec<f64> = in_window(kinds::SURVEY)
        .filter_map(|(_, b)| b.get("score").and_then(Value::as_f64))
        .collect();
    let satisfaction = Satisfaction {
        responses: scores.len(),
        nps: (!scores.is_empty()).then(|| {
            let promoters = scores.iter().filter(|s| **s >= 9.0).count() as f64;
            let detractors = scores.iter().filter(|s| **s <= 6.0).count() as f64;
            ((promoters - detractors) / scores.len() as f64 * 1000.0).round() / 10.0
        }),
    };

    let scaffolds = in_window(kinds::SCAFFOLD).count();
    let toil_saved = ToilSaved {
        automated_repairs: drift_repairs.automated,
        scaffolds,
        minutes: drift_repairs.automated as f64 * settings.repair_minutes
            + scaffolds as f64 * settings.scaffold_minutes,
    };

    let mut metrics = PlatformMetrics {
        adoption,
        time_to_first_deploy,
        escape_hatches,
        drift_repairs,
        templates_behind,
        tickets,
        satisfaction,
        toil_saved,
        warnings: Vec::new(),
    };
    metrics.warnings = anti_metrics(&metrics, settings, change_fail_rate);
    metrics
}

/// Per service: the start (its scaffold or its first claim, whichever first) and the first
/// successful production deployment after it; counted when that deployment is in the window.
fn first_deploys(bodies: &[(&JournalEntry, Value)], window: Window) -> FirstDeploy {
    let mut starts: HashMap<&str, (i64, String)> = HashMap::new();
    for (e, b) in bodies
        .iter()
        .filter(|(e, _)| e.kind == kinds::SCAFFOLD || e.kind == kinds::CLAIM)
    {
        let Some(service) = e.service.as_deref() else {
            continue;
        };
        let start = starts.entry(service).or_insert((e.time_ms, team_of(b)));
        if e.time_ms < start.0 {
            *start = (e.time_ms, team_of(b));
        }
    }
    let mut first: HashMap<&str, i64> = HashMap::new();
    for (e, b) in bodies.iter().filter(|(e, _)| e.kind == kinds::DEPLOY) {
        let Some(service) = e.service.as_deref() else {
            continue;
        };
        let production = e.env.as_deref() == Some("production");
        let success = text(b, "status") == Some("success");
        let after_start = starts.get(service).is_some_and(|(s, _)| e.time_ms >= *s);
        if production && success && after_start {
            let t = first.entry(service).or_insert(e.time_ms);
            *t = (*t).min(e.time_ms);
        }
    }
    let mut all = Vec::new();
    let mut by_team: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    for (service, deployed) in first {
        if !window.holds(deployed) {
            continue;
        }
        let (start, team) = &starts[service];
        let minutes = (deployed - start) as f64 / 60_000.0;
        all.push(minutes);
        by_team.entry(team.clone()).or_default().push(minutes);
    }
    FirstDeploy {
        services: all.len(),
        median_minutes: median(&mut all),
        by_team: by_team
            .into_iter()
            .filter_map(|(team, mut v)| median(&mut v).map(|m| (team, m)))
            .collect(),
    }
}

/// Each repository's latest scaffold or upgrade against the newest version of its template
/// the journal knows; versions are ordered by when the journal first saw them.
fn templates_behind(
    bodies: &[(&JournalEntry, Value)],
    settings: &Settings,
    window: Window,
) -> TemplatesBehind {
    // Template -> versions in order of first sight, with that time.
    let mut versions: HashMap<&str, Vec<(Option<&str>, i64)>> = HashMap::new();
    // Repository -> (time, template, version).
    let mut repositories: BTreeMap<String, (i64, &str, Option<&str>)> = BTreeMap::new();
    let mut recorded: Vec<&(&JournalEntry, Value)> = bodies
        .iter()
        .filter(|(e, _)| e.kind == kinds::SCAFFOLD || e.kind == kinds::TEMPLATE_UPGRADE)
        .collect();
    recorded.sort_by_key(|(e, _)| e.time_ms);
    for (e, b) in recorded {
        let Some(template) = text(b, "template") else {
            continue;
        };
        let version = if e.kind == kinds::SCAFFOLD {
            text(b, "version")
        } else {
            text(b, "to")
        };
        let seen = versions.entry(template).or_default();
        if !seen.iter().any(|(v, _)| *v == version) {
            seen.push((version, e.time_ms));
        }
        let repository = e
            .service
            .clone()
            .or_else(|| text(b, "dest").map(str::to_owned))
            .unwrap_or_else(|| e.id.clone());
        repositories.insert(repository, (e.time_ms, template, version));
    }
    let mut items = Vec::new();
    for (repository, (_, template, version)) in &repositories {
        let known = &versions[template];
        let at = known.iter().position(|(v, _)| v == version).unwrap_or(0);
        let versions_behind = known.len() - 1 - at;
        let days_behind = known
            .get(at + 1)
            .map_or(0, |(_, superseded)| (window.until_ms - superseded) / DAY_MS);
        if versions_behind > settings.behind_versions || days_behind > settings.behind_days {
            items.push(Behind {
                repository: repository.clone(),
                template: (*template).to_owned(),
                version: version.map(str::to_owned),
                latest: known.last().and_then(|(v, _)| v.map(str::to_owned)),
                versions_behind,
                days_behind,
            });
        }
    }
    TemplatesBehind {
        repositories: repositories.len(),
        behind: items.len(),
        items,
    }
}

/// The anti-metrics that hold.
fn anti_metrics(
    m: &PlatformMetrics,
    s: &Settings,
    change_fail_rate: Option<f64>,
) -> Vec<AntiMetric> {
    let mut warnings = Vec::new();
    if let (Some(rate), Some(nps)) = (m.adoption.rate, m.satisfaction.nps)
        && rate >= s.high_adoption
        && nps < s.low_nps
    {
        warnings.push(AntiMetric {
            name: "high-adoption-low-satisfaction",
            message: format!(
                "adoption {rate} (high from {}) with NPS {nps} (low below {}): teams use the \
                 platform because they must, not because it helps",
                s.high_adoption, s.low_nps
            ),
        });
    }
    let hatches = m.escape_hatches.per_week;
    if m.tickets.per_week <= s.few_tickets_per_week && hatches >= s.frequent_escape_hatches_per_week
    {
        warnings.push(AntiMetric {
            name: "few-tickets-frequent-escape-hatches",
            message: format!(
                "{} tickets a week (few at or below {}) with {hatches} escape hatches a week \
                 (frequent from {}): teams go around the platform instead of asking",
                m.tickets.per_week, s.few_tickets_per_week, s.frequent_escape_hatches_per_week
            ),
        });
    }
    if let (Some(minutes), Some(rate)) = (m.time_to_first_deploy.median_minutes, change_fail_rate)
        && minutes <= s.fast_onboarding_minutes
        && rate >= s.high_change_fail_rate
    {
        warnings.push(AntiMetric {
            name: "fast-onboarding-high-change-fail-rate",
            message: format!(
                "first deployment after {minutes} min (fast at or below {}) with change fail \
                 rate {rate} (high from {}): services reach production before they are ready",
                s.fast_onboarding_minutes, s.high_change_fail_rate
            ),
        });
    }
    warnings
}
