//! `platformctl drift [--fix [--delete-orphans]]`: observe every managed resource and report
//! what differs, and the real resources no stored claim owns (leaks).

use crate::output::outln;
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
    /// With --fix, also delete leaked real resources: those carrying the platform's marker
    /// whose owning claim is no longer stored.
    #[arg(long, requires = "fix")]
    pub delete_orphans: bool,
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
    let swept = match swept {
        Ok(mut report) => {
            let leaks = match workspace.engine.find_orphans(&mut report).await {
                Ok(()) if args.delete_orphans => workspace.engine.delete_orphans(&mut report).await,
                other => other,
            };
            leaks.map(|()| report)
        }
        Err(e) => Err(e),
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
    // Leaks left are reported like drift: exit 2, or 1 when --fix could not remove them.
    if report.leaks_left() > 0 {
        return Ok(if args.delete_orphans {
            ExitCode::FAILURE
        } else {
            ExitCode::from(2)
        });
    }
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
            DriftKind::Missing => outln!(
                "{} {what}: missing",
                output::progress::mark("!", Some(false))
            ),
            DriftKind::Changed(diff) => {
                outln!("{} {what}: changed", output::progress::mark("~", None));
                for field in diff {
                    outln!(
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
    for orphan in &report.orphans {
        outln!(
            "{} {} {}: leaked, owned by {} which is not stored{}",
            output::progress::mark("?", Some(false)),
            orphan.kind,
            orphan.external_name,
            orphan.owner,
            if report.orphans_deleted > 0 {
                ""
            } else {
                "; `platformctl drift --fix --delete-orphans` deletes it"
            }
        );
    }
    if report.orphans_deleted > 0 {
        outln!("Deleted {} leaked resources.", report.orphans_deleted);
    }
    // Resources that could not be observed were not checked: never "No drift" then.
    if !report.errors.is_empty() {
        outln!(
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
        let leaks_left = report.leaks_left();
        if leaks_left > 0 {
            outln!(
                "No drift: {} resources checked; {leaks_left} leaked resources found.",
                report.checked
            );
        } else {
            outln!("No drift: {} resources checked.", report.checked);
        }
    } else if fix {
        outln!(
            "Drift: {} of {} resources drifted, {} corrected.",
            report.drifted.len(),
            report.checked,
            report.corrected
        );
    } else {
        outln!(
            "Drift: {} of {} resources drifted; `platformctl drift --fix` or `platformctl apply` corrects it.",
            report.drifted.len(),
            report.checked
        );
    }
}
