//! `platformctl events import` and `platformctl metrics dora`: what happened goes into the
//! state store's journal, and the DORA metrics come out of it.

use std::path::PathBuf;
use std::process::ExitCode;

use platform_core::load::read_input_file;
use platform_core::store::StateStore;
use platform_metrics::catalog::{components, platform_query};
use platform_metrics::dora::{Dora, Scope, dora, dora_by_service};
use platform_metrics::exposition;
use platform_metrics::fourkeys::fourkeys;
use platform_metrics::import::parse;
use platform_metrics::platform::{PlatformMetrics, Window};
use platform_metrics::timeline::{Timeline, parse_time};

use crate::config::Config;
use crate::error::CliError;
use crate::output::{self, Format, outln};
use crate::workspace::Workspace;

/// The largest import file read, in bytes.
const MAX_IMPORT_BYTES: usize = 1 << 30;

/// The journal verbs.
#[derive(Debug, clap::Subcommand)]
pub enum EventsCommand {
    /// Import what happened outside the platform (changes, deploys, incidents, surveys,
    /// tickets), one JSON object a line; all or nothing, and importing twice adds nothing.
    #[command(after_help = "Examples:
  platformctl events import deploys.jsonl
  platformctl events import changes.jsonl incidents.jsonl")]
    Import {
        /// JSON-lines files.
        #[arg(required = true, num_args = 1.., value_name = "FILE")]
        files: Vec<PathBuf>,
        /// Environment; default: the config's defaultEnvironment.
        #[arg(long = "env", value_name = "NAME")]
        env: Option<String>,
    },
}

/// The window a report covers, and where its state is.
#[derive(Debug, clap::Args)]
pub struct WindowArgs {
    /// Start of the window (ISO 8601); default: midnight UTC 91 days before now.
    #[arg(long, value_name = "T")]
    since: Option<String>,
    /// End of the window (ISO 8601); default: now.
    #[arg(long, value_name = "T")]
    until: Option<String>,
    /// What "now" is, for reproducible reports; default: the clock.
    #[arg(long, value_name = "T")]
    now: Option<String>,
    /// Environment of the state; default: the config's defaultEnvironment.
    #[arg(long = "env", value_name = "NAME")]
    env: Option<String>,
}

/// The metrics verbs.
#[derive(Debug, clap::Subcommand)]
pub enum MetricsCommand {
    /// The DORA metrics over production deployments (dora.dev's definitions), or with
    /// `--fourkeys` Four Keys' own formulas.
    #[command(after_help = "Examples:
  platformctl metrics dora
  platformctl metrics dora --service component:default/shop --since 2026-09-01T00:00:00Z -o json
  platformctl metrics dora --fourkeys --now 2026-11-30T18:00:00Z")]
    Dora {
        #[command(flatten)]
        window: WindowArgs,
        /// Only this service (a catalog reference).
        #[arg(long, value_name = "REF")]
        service: Option<String>,
        /// The environment whose deployments count.
        #[arg(long = "deploy-env", default_value = "production", value_name = "NAME")]
        deploy_env: String,
        /// Four Keys' formulas and buckets instead of dora.dev's definitions.
        #[arg(long)]
        fourkeys: bool,
        /// Output format; `prometheus` writes OpenMetrics text, per service and for all.
        #[arg(short = 'o', long = "output", value_enum, default_value = "table")]
        output: MetricsFormat,
    },
    /// Whether the platform is adopted and helps: adoption, time to first deploy, escape
    /// hatches, drift repairs, templates behind, tickets, satisfaction, toil saved, and the
    /// anti-metrics (thresholds in the config's `metrics.platform`).
    #[command(after_help = "Examples:
  platformctl metrics platform
  platformctl metrics platform --since 2026-09-01T00:00:00Z -o json
  platformctl metrics platform -o prometheus")]
    Platform {
        #[command(flatten)]
        window: WindowArgs,
        /// Output format; `prometheus` writes OpenMetrics text.
        #[arg(short = 'o', long = "output", value_enum, default_value = "table")]
        output: MetricsFormat,
    },
}

/// How `metrics` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum MetricsFormat {
    /// Readable rows.
    Table,
    /// YAML.
    Yaml,
    /// JSON.
    Json,
    /// OpenMetrics (Prometheus) text.
    Prometheus,
}

fn time_arg(flag: &str, text: &str) -> Result<i64, CliError> {
    parse_time(text).map_err(|message| CliError::Usage {
        message: format!("{flag}: {message}"),
        hint: None,
    })
}

/// Runs `events import`.
pub async fn import(config: &Config, command: EventsCommand) -> Result<ExitCode, CliError> {
    let EventsCommand::Import { files, env } = command;
    let mut entries = Vec::new();
    let mut bad = 0;
    for file in &files {
        let name = file.display().to_string();
        let bytes = match read_input_file(file, MAX_IMPORT_BYTES) {
            Ok(bytes) => bytes,
            Err(e) => {
                eprintln!("{name}: {e}");
                bad += 1;
                continue;
            }
        };
        let text = String::from_utf8_lossy(&bytes);
        match parse(&name, &text) {
            Ok(parsed) => entries.extend(parsed),
            Err(errors) => {
                for e in &errors {
                    eprintln!("{e}");
                }
                bad += errors.len();
            }
        }
    }
    if bad > 0 {
        eprintln!("{bad} bad lines or files; nothing was imported");
        return Ok(ExitCode::FAILURE);
    }
    let workspace = Workspace::open(config, env.as_deref())?;
    let read = entries.len();
    let added = workspace.catalog.journal_append(entries).await?;
    // What the retention no longer keeps goes, as when the engine records.
    if let Some(retention) = config.metrics.retention {
        let before = jiff::Timestamp::now().as_millisecond() - retention.as_millis() as i64;
        workspace.catalog.journal_prune(before).await?;
    }
    outln!(
        "Imported {added} events ({} already in the journal).",
        read - added
    );
    Ok(ExitCode::SUCCESS)
}

/// "Now" and the window of a report.
fn window(args: &WindowArgs) -> Result<(i64, Scope), CliError> {
    let now_ms = match &args.now {
        Some(t) => time_arg("--now", t)?,
        None => jiff::Timestamp::now().as_millisecond(),
    };
    let mut scope = Scope::default_window(now_ms);
    if let Some(t) = &args.since {
        scope.since_ms = time_arg("--since", t)?;
    }
    if let Some(t) = &args.until {
        scope.until_ms = time_arg("--until", t)?;
    }
    Ok((now_ms, scope))
}

/// Runs `metrics dora` or `metrics platform`.
pub async fn run(config: &Config, command: MetricsCommand) -> Result<ExitCode, CliError> {
    let (window_args, service, deploy_env, four_keys, output) = match command {
        MetricsCommand::Dora {
            window,
            service,
            deploy_env,
            fourkeys,
            output,
        } => (window, service, deploy_env, fourkeys, output),
        MetricsCommand::Platform { window, output } => {
            return platform(config, &window, output).await;
        }
    };
    let (now_ms, mut scope) = window(&window_args)?;
    scope.env = deploy_env;
    scope.service = service;
    let env = window_args.env;
    let workspace = Workspace::open_read_only(config, env.as_deref())?;
    // Changes and incidents before the window matter (lead times, root causes): everything
    // up to the window's end is read.
    let entries = workspace
        .catalog
        .journal(&Timeline::query(Some(
            scope.until_ms.max(now_ms).saturating_add(1),
        )))
        .await?;
    let timeline = Timeline::from_journal(entries);
    let format = match output {
        MetricsFormat::Table => Format::Table,
        MetricsFormat::Yaml => Format::Yaml,
        MetricsFormat::Json => Format::Json,
        MetricsFormat::Prometheus => {
            if four_keys {
                let text = exposition::fourkeys_text(&fourkeys(&timeline, now_ms))
                    .map_err(|e| CliError::Output(e.to_string()))?;
                output::out!("{text}");
                return Ok(ExitCode::SUCCESS);
            }
            let scopes = match &scope.service {
                Some(service) => vec![(Some(service.clone()), dora(&timeline, &scope))],
                None => dora_by_service(&timeline, &scope),
            };
            let text =
                exposition::dora_text(&scopes).map_err(|e| CliError::Output(e.to_string()))?;
            output::out!("{text}");
            return Ok(ExitCode::SUCCESS);
        }
    };
    if four_keys {
        let figures = fourkeys(&timeline, now_ms);
        return match format {
            Format::Table => {
                let rows = [
                    ("deployments", figures.deployments.to_string()),
                    ("deployment frequency", figures.deployment_frequency.into()),
                    (
                        "median lead time",
                        format!(
                            "{} min ({})",
                            figures.median_lead_time_minutes, figures.lead_time_bucket
                        ),
                    ),
                    (
                        "median time to restore",
                        format!(
                            "{} h ({})",
                            figures.median_time_to_restore_hours, figures.time_to_restore_bucket
                        ),
                    ),
                    (
                        "change fail rate",
                        format!(
                            "{} ({})",
                            figures.change_fail_rate, figures.change_fail_rate_bucket
                        ),
                    ),
                ];
                print_rows(&rows);
                Ok(ExitCode::SUCCESS)
            }
            format => {
                output::print_value(&output::to_value(&figures)?, format)?;
                Ok(ExitCode::SUCCESS)
            }
        };
    }
    let figures = dora(&timeline, &scope);
    match format {
        Format::Table => print_dora(&figures),
        format => output::print_value(&output::to_value(&figures)?, format)?,
    }
    Ok(ExitCode::SUCCESS)
}

fn print_rows(rows: &[(&str, String)]) {
    let rows: Vec<Vec<String>> = rows
        .iter()
        .map(|(k, v)| vec![(*k).to_owned(), v.clone()])
        .collect();
    output::print_table(&["METRIC", "VALUE"], &rows);
}

fn print_dora(m: &Dora) {
    let minutes = |v: Option<f64>| v.map_or("-".to_owned(), |m| format!("{m} min"));
    let cluster = |c: Option<&str>| c.map_or(String::new(), |c| format!(" ({c})"));
    let rows = [
        ("deployments", m.deployments.to_string()),
        (
            "deployment frequency",
            format!(
                "{}/day, {}/week{}",
                m.deployments_per_day,
                m.deployments_per_week,
                cluster(m.cluster.deployment_frequency)
            ),
        ),
        (
            "change lead time (median)",
            format!(
                "{}{}",
                minutes(m.change_lead_time_median_minutes),
                cluster(m.cluster.change_lead_time)
            ),
        ),
        (
            "change fail rate",
            format!(
                "{}{}",
                m.change_fail_rate,
                cluster(m.cluster.change_fail_rate)
            ),
        ),
        (
            "failed deployment recovery (median)",
            format!(
                "{}{}",
                minutes(m.failed_deployment_recovery_median_minutes),
                cluster(m.cluster.failed_deployment_recovery)
            ),
        ),
        (
            "deployment rework rate",
            m.deployment_rework_rate.to_string(),
        ),
    ];
    print_rows(&rows);
}

/// The annotation Backstage's scaffolder (and `platformctl new`) puts on what a template made.
/// Runs `metrics platform`.
async fn platform(
    config: &Config,
    args: &WindowArgs,
    output: MetricsFormat,
) -> Result<ExitCode, CliError> {
    let (_, scope) = window(args)?;
    let workspace = Workspace::open_read_only(config, args.env.as_deref())?;
    let entries = workspace
        .catalog
        .journal(&platform_query(Some(scope.until_ms.saturating_add(1))))
        .await?;
    let timeline = Timeline::from_entries(&entries);
    let dora_figures = dora(&timeline, &scope);
    let change_fail_rate = (dora_figures.deployments > 0).then_some(dora_figures.change_fail_rate);
    let figures = platform_metrics::platform::platform(
        &entries,
        &components(&workspace.catalog).await?,
        &config.metrics.platform,
        Window {
            since_ms: scope.since_ms,
            until_ms: scope.until_ms,
        },
        change_fail_rate,
    );
    match output {
        MetricsFormat::Table => print_platform(&figures),
        MetricsFormat::Prometheus => {
            let text =
                exposition::platform_text(&figures).map_err(|e| CliError::Output(e.to_string()))?;
            output::out!("{text}");
        }
        MetricsFormat::Json => output::print_value(&output::to_value(&figures)?, Format::Json)?,
        MetricsFormat::Yaml => output::print_value(&output::to_value(&figures)?, Format::Yaml)?,
    }
    Ok(ExitCode::SUCCESS)
}

fn print_platform(m: &PlatformMetrics) {
    let or_dash = |v: Option<f64>, unit: &str| v.map_or("-".to_owned(), |v| format!("{v}{unit}"));
    let per_team = |map: &std::collections::BTreeMap<String, f64>, unit: &str| {
        map.iter()
            .map(|(team, v)| format!("{team} {v}{unit}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut rows = vec![
        (
            "adoption",
            format!(
                "{} ({} of {} components)",
                or_dash(m.adoption.rate, ""),
                m.adoption.golden,
                m.adoption.components
            ),
        ),
        (
            "time to first deploy (median)",
            format!(
                "{} over {} services",
                or_dash(m.time_to_first_deploy.median_minutes, " min"),
                m.time_to_first_deploy.services
            ),
        ),
        (
            "escape hatches",
            format!(
                "{}/week ({} exceptions, {} claims outside templates)",
                m.escape_hatches.per_week,
                m.escape_hatches.exceptions,
                m.escape_hatches.claims_outside_templates
            ),
        ),
        (
            "drift repairs",
            format!(
                "{} manual, {} by the controller, {} unrepaired",
                m.drift_repairs.manual, m.drift_repairs.automated, m.drift_repairs.unrepaired
            ),
        ),
        (
            "templates behind",
            format!(
                "{} of {} repositories",
                m.templates_behind.behind, m.templates_behind.repositories
            ),
        ),
        (
            "tickets",
            format!("{} ({}/week)", m.tickets.opened, m.tickets.per_week),
        ),
        (
            "satisfaction (NPS)",
            format!(
                "{} from {} answers",
                or_dash(m.satisfaction.nps, ""),
                m.satisfaction.responses
            ),
        ),
        (
            "toil saved",
            format!(
                "{} min ({} repairs, {} scaffolds)",
                m.toil_saved.minutes, m.toil_saved.automated_repairs, m.toil_saved.scaffolds
            ),
        ),
    ];
    if !m.time_to_first_deploy.by_team.is_empty() {
        rows.push((
            "time to first deploy by team",
            per_team(&m.time_to_first_deploy.by_team, " min"),
        ));
    }
    if !m.escape_hatches.by_team.is_empty() {
        rows.push((
            "escape hatches by team",
            per_team(&m.escape_hatches.by_team, "/week"),
        ));
    }
    print_rows(&rows);
    for behind in &m.templates_behind.items {
        outln!(
            "behind: {} is at {} of {} ({} versions, {} days behind {})",
            behind.repository,
            behind.version.as_deref().unwrap_or("(no version)"),
            behind.template,
            behind.versions_behind,
            behind.days_behind,
            behind.latest.as_deref().unwrap_or("(no version)")
        );
    }
    for warning in &m.warnings {
        eprintln!("warning: {}: {}", warning.name, warning.message);
    }
}
