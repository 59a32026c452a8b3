//! `platformctl workers [-o table|yaml|json]`: the reconcilers sharing a PostgreSQL state,
//! from their heartbeats.

use std::process::ExitCode;

use platform_core::store::{WorkerInfo, now_ms};

use crate::config::Config;
use crate::error::CliError;
use crate::output::{self, Format, outln};
use crate::workspace::Workspace;

/// Workers silent for longer than this are not listed.
const LISTED_WITHIN_MS: u64 = 60 * 60 * 1000;

/// Arguments of `workers`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Environment; default: the config's defaultEnvironment.
    #[arg(long = "env", value_name = "NAME")]
    pub env: Option<String>,
    /// Output format.
    #[arg(short = 'o', long = "output", value_enum, default_value = "table")]
    pub output: Format,
}

/// Lists the workers heard from in the last hour.
pub async fn run(config: &Config, args: Args) -> Result<ExitCode, CliError> {
    let workspace = Workspace::open_read_only(config, args.env.as_deref())?;
    let workers = shared_workers(&workspace, "workers", LISTED_WITHIN_MS).await?;
    match args.output {
        Format::Table if workers.is_empty() => {
            outln!("No workers: none sent a heartbeat in the last hour.");
        }
        Format::Table => print_table(&workers),
        format => {
            let value = serde_json::json!({ "items": output::to_value(&workers)? });
            output::print_value(&value, format)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The workers of a shared state heard from within `within_ms`, or a clear error naming
/// `command` when the state keeps no workers (a SQLite file).
pub async fn shared_workers(
    workspace: &Workspace,
    command: &str,
    within_ms: u64,
) -> Result<Vec<WorkerInfo>, CliError> {
    let store = workspace.engine.store();
    match store
        .workers(within_ms)
        .await
        .map_err(|e| CliError::Engine(e.into()))?
    {
        Some(workers) => Ok(workers),
        None => Err(CliError::Usage {
            message: format!(
                "`{command}` needs a state shared by reconcilers, expected `state: postgres://...` in the config, found a SQLite state file"
            ),
            hint: Some(
                "with a SQLite state, `platformctl apply` does the work itself; share a PostgreSQL state between `platformctl run` workers to split it (README, \"PostgreSQL state\")"
                    .into(),
            ),
        }),
    }
}

fn print_table(workers: &[WorkerInfo]) {
    let now = now_ms();
    let rows: Vec<[String; 7]> = workers
        .iter()
        .map(|w| {
            [
                w.beat.id.clone().unwrap_or_else(|| "-".into()),
                w.beat.host.clone(),
                w.beat.pid.to_string(),
                w.leases_held.to_string(),
                format!(
                    "{:.1}s ago",
                    now.saturating_sub(w.heartbeat_ms) as f64 / 1000.0
                ),
                w.beat.reconciled.to_string(),
                format!("{:.1}", w.beat.per_second),
            ]
        })
        .collect();
    let header = [
        "ID",
        "HOST",
        "PID",
        "LEASES",
        "HEARTBEAT",
        "RECONCILED",
        "PER-SECOND",
    ];
    let mut widths = header.map(str::len);
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.len());
        }
    }
    let line = |cells: Vec<&str>| {
        cells
            .iter()
            .zip(widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect::<Vec<_>>()
            .join("  ")
            .trim_end()
            .to_owned()
    };
    outln!("{}", line(header.to_vec()));
    for row in &rows {
        outln!("{}", line(row.iter().map(String::as_str).collect()));
    }
}
