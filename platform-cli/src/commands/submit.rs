//! `platformctl apply --async`: store the admitted claims and return, leaving the work to
//! the running reconcilers of a shared PostgreSQL state.

use std::process::ExitCode;

use platform_core::validate::Checked;

use crate::error::CliError;
use crate::output::{self, Format, outln};
use crate::workspace::Workspace;

/// A worker silent for longer than this is not counted as running.
const ALIVE_WITHIN_MS: u64 = 60_000;

/// Stores the claims (all or none admitted), says how many workers will take them.
pub async fn run(
    workspace: &Workspace,
    checked: Vec<Checked>,
    format: Format,
) -> Result<ExitCode, CliError> {
    // Refused before anything is stored when no reconciler can share the state.
    let workers = super::workers::shared_workers(workspace, "apply --async", ALIVE_WITHIN_MS)
        .await?
        .len();
    let report = workspace.engine.submit_checked(checked).await?;
    for warning in &report.warnings {
        eprintln!("warning: {warning}");
    }
    if workers == 0 {
        eprintln!(
            "warning: no worker sent a heartbeat in the last minute; the claims wait until `platformctl run` starts"
        );
    }
    match format {
        Format::Table => {
            outln!(
                "Stored {} claims ({} new or changed); {workers} running workers reconcile them.",
                report.claims.len(),
                report.changed
            );
            outln!("Follow with `platformctl wait --all` or `platformctl get`.");
        }
        format => {
            let mut value = output::to_value(&report)?;
            value["workers"] = workers.into();
            output::print_value(&value, format)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
