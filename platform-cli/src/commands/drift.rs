//! `platformctl drift [--fix]`: observe every managed resource and report what differs.

use std::process::ExitCode;

use platform_core::engine::{DriftKind, DriftReport};

use crate::config::Config;
use crate::error::CliError;
use crate::output::progress::Progress;
use crate::output::{self, Format};
use crate::workspace::{Access, Workspace};

/// Arguments of `drift`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Correct drift by reconciling the claims that own drifted resources.
    #[arg(long)]
    pub fix: bool,
    /// Environment; default: the config's defaultEnvironment.
    #[arg(long = "env", value_name = "NAME")]
    pub env: Option<String>,
    /// Output format.
    #[arg(short = 'o', long = "output", value_enum, default_value = "table")]
    pub output: Format,
}

/// Exit 2 when drift is found and not fixed, 1 when something could not be observed.
pub async fn run(config: &Config, args: Args) -> Result<ExitCode, CliError> {
    let progress = Progress::start(if args.fix {
        "observing and correcting managed resources"
    } else {
        "observing managed resources"
    });
    // Without --fix drift only observes: it reads the state read-only.
    let access = if args.fix {
        Access::ReadWrite
    } else {
        Access::ReadOnly
    };
    let workspace =
        match Workspace::open_for(config, args.env.as_deref(), progress.listener(), access) {
            Ok(w) => w,
            Err(e) => {
                progress.finish();
                return Err(e);
            }
        };
    let swept = if args.fix {
        workspace.engine.reconcile_once().await
    } else {
        workspace.engine.detect_drift().await
    };
    progress.finish();
    let report = swept?;
    match args.output {
        Format::Table => print_report(&report, args.fix),
        format => output::print_value(&output::to_value(&report)?, format)?,
    }
    if !report.errors.is_empty() {
        return Ok(ExitCode::FAILURE);
    }
    let unfixed = report.drifted.len() - report.corrected.min(report.drifted.len());
    Ok(if report.drifted.is_empty() || (args.fix && unfixed == 0) {
        ExitCode::SUCCESS
    } else if args.fix {
        ExitCode::FAILURE
    } else {
        ExitCode::from(2)
    })
}

fn print_report(report: &DriftReport, fix: bool) {
    for item in &report.drifted {
        let owner = item
            .claim
            .as_ref()
            .map(|c| format!(" of {c}"))
            .unwrap_or_default();
        let what = format!(
            "{} {} ({}){owner}",
            item.resource.kind, item.resource.name, item.external_name
        );
        match &item.kind {
            DriftKind::Missing => println!(
                "{} {what}: missing",
                output::progress::mark("!", Some(false))
            ),
            DriftKind::Changed(diff) => {
                println!("{} {what}: changed", output::progress::mark("~", None));
                for field in diff {
                    println!(
                        "    {}: {} (expected {})",
                        field.path,
                        output::short(&field.actual),
                        output::short(&field.desired)
                    );
                }
            }
        }
    }
    for (resource, error) in &report.errors {
        eprintln!("cannot observe {resource}: {error}");
    }
    // Resources that could not be observed were not checked: never "No drift" then.
    if !report.errors.is_empty() {
        println!(
            "Drift unknown: {} of {} resources could not be observed, {} drifted{}.",
            report.errors.len(),
            report.checked,
            report.drifted.len(),
            if fix {
                format!(", {} corrected", report.corrected)
            } else {
                String::new()
            }
        );
    } else if report.drifted.is_empty() {
        println!("No drift: {} resources checked.", report.checked);
    } else if fix {
        println!(
            "Drift: {} of {} resources drifted, {} corrected.",
            report.drifted.len(),
            report.checked,
            report.corrected
        );
    } else {
        println!(
            "Drift: {} of {} resources drifted; `platformctl drift --fix` or `platformctl apply` corrects it.",
            report.drifted.len(),
            report.checked
        );
    }
}
