//! `platformctl events import` and `platformctl metrics dora`: what happened goes into the
//! state store's journal, and the DORA metrics come out of it.

use std::path::PathBuf;
use std::process::ExitCode;

use platform_core::engine::ApplyReport;
use platform_core::kinds::ApplicationSpec;
use platform_core::load::read_input_file;
use platform_core::model::{DynamicObject, Resource, TypedKind};
use platform_core::store::{JournalEntry, JournalQuery, StateStore};
use platform_metrics::dora::{Dora, Scope, dora};
use platform_metrics::exposition;
use platform_metrics::fourkeys::fourkeys;
use platform_metrics::import::parse;
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
        /// Start of the window (ISO 8601); default: midnight UTC 91 days before now.
        #[arg(long, value_name = "T")]
        since: Option<String>,
        /// End of the window (ISO 8601); default: now.
        #[arg(long, value_name = "T")]
        until: Option<String>,
        /// What "now" is, for reproducible reports; default: the clock.
        #[arg(long, value_name = "T")]
        now: Option<String>,
        /// Only this service (a catalog reference).
        #[arg(long, value_name = "REF")]
        service: Option<String>,
        /// The environment whose deployments count.
        #[arg(long = "deploy-env", default_value = "production", value_name = "NAME")]
        deploy_env: String,
        /// Four Keys' formulas and buckets instead of dora.dev's definitions.
        #[arg(long)]
        fourkeys: bool,
        /// Environment of the state; default: the config's defaultEnvironment.
        #[arg(long = "env", value_name = "NAME")]
        env: Option<String>,
        /// Output format; `prometheus` writes OpenMetrics text, per service and for all.
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
    outln!(
        "Imported {added} events ({} already in the journal).",
        read - added
    );
    Ok(ExitCode::SUCCESS)
}

/// Runs `metrics dora`.
pub async fn run(config: &Config, command: MetricsCommand) -> Result<ExitCode, CliError> {
    let MetricsCommand::Dora {
        since,
        until,
        now,
        service,
        deploy_env,
        fourkeys: four_keys,
        env,
        output,
    } = command;
    let now_ms = match &now {
        Some(t) => time_arg("--now", t)?,
        None => jiff::Timestamp::now().as_millisecond(),
    };
    let mut scope = Scope::default_window(now_ms);
    if let Some(t) = &since {
        scope.since_ms = time_arg("--since", t)?;
    }
    if let Some(t) = &until {
        scope.until_ms = time_arg("--until", t)?;
    }
    scope.env = deploy_env;
    scope.service = service;
    let workspace = Workspace::open_read_only(config, env.as_deref())?;
    // Changes and incidents before the window matter (lead times, root causes): everything
    // up to the window's end is read.
    let entries = workspace
        .catalog
        .journal(&JournalQuery {
            until_ms: Some(scope.until_ms.max(now_ms).saturating_add(1)),
            kinds: vec!["change".into(), "deploy".into(), "incident".into()],
            ..JournalQuery::default()
        })
        .await?;
    let timeline = Timeline::from_entries(&entries);
    let format = match output {
        MetricsFormat::Table => Format::Table,
        MetricsFormat::Yaml => Format::Yaml,
        MetricsFormat::Json => Format::Json,
        MetricsFormat::Prometheus => {
            if four_keys {
                return Err(CliError::Usage {
                    message: "--fourkeys gives buckets, not metrics: it has no Prometheus form"
                        .into(),
                    hint: Some("use -o json with --fourkeys, or drop --fourkeys".into()),
                });
            }
            let mut scopes = vec![(scope.service.clone(), dora(&timeline, &scope))];
            if scope.service.is_none() {
                let services: std::collections::BTreeSet<&String> = timeline
                    .deploys
                    .iter()
                    .filter_map(|d| d.service.as_ref())
                    .collect();
                for service in services {
                    let mut one = scope.clone();
                    one.service = Some(service.clone());
                    scopes.push((Some(service.clone()), dora(&timeline, &one)));
                }
            }
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

/// The deployments an apply in the production environment `environment` made: each
/// Application whose spec it changed (or created), a success when its reconcile succeeded,
/// with the commits and the unplanned mark from the flags or the Application's annotations.
pub fn deployments(
    objects: &[DynamicObject],
    before: &[DynamicObject],
    report: &ApplyReport,
    args: &super::apply::Args,
    environment: &str,
) -> Vec<JournalEntry> {
    let now = jiff::Timestamp::now();
    let mut entries = Vec::new();
    for app in objects.iter().filter(|o| o.kind == ApplicationSpec::KIND) {
        let key = app.object_ref();
        let unchanged = before
            .iter()
            .any(|b| b.object_ref() == key && b.spec == app.spec);
        if unchanged {
            continue;
        }
        let synced = report
            .claims
            .iter()
            .find(|c| c.claim == key)
            .is_some_and(|c| c.synced);
        let annotations = &app.metadata.annotations;
        let mut commits = args.commits.clone();
        if let Some(listed) = annotations.get(COMMITS_ANNOTATION) {
            commits.extend(
                listed
                    .split(',')
                    .map(str::trim)
                    .filter(|c| !c.is_empty())
                    .map(str::to_owned),
            );
        }
        let unplanned = args.unplanned
            || annotations.get(UNPLANNED_ANNOTATION).map(String::as_str) == Some("true");
        let service = format!("component:{}/{}", key.namespace, key.name);
        let id = format!("{}/{}@{}", key.namespace, key.name, now.as_millisecond());
        entries.push(JournalEntry::new(
            "deploy",
            id.clone(),
            now.as_millisecond(),
            Some(service.clone()),
            Some("production".into()),
            &serde_json::json!({
                "kind": "deploy",
                "id": id,
                "time": now.to_string(),
                "changes": commits,
                "status": if synced { "success" } else { "failure" },
                "env": "production",
                "environment": environment,
                "unplanned": unplanned,
                "service": service,
            }),
        ));
    }
    entries
}

/// The annotation listing the commits an Application's apply deploys, comma-separated.
pub const COMMITS_ANNOTATION: &str = "platform.dev/commits";
/// The annotation marking an Application's apply as unplanned (rework).
pub const UNPLANNED_ANNOTATION: &str = "platform.dev/unplanned";
