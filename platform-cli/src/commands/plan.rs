//! `platformctl plan -f PATH... [--env E] [--detailed-exitcode]`

use crate::output::outln;
use std::path::PathBuf;
use std::process::ExitCode;

use platform_core::engine::{Action, Plan};

use crate::config::Config;
use crate::error::CliError;
use crate::output::{self, Format};
use crate::workspace::{Workspace, load_claims};

/// Arguments of `plan`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Files or folders of claims.
    #[arg(short = 'f', long = "filename", required = true, num_args = 1.., value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Environment; default: the config's defaultEnvironment.
    #[arg(long = "env", value_name = "NAME")]
    pub env: Option<String>,
    /// Exit 0 when nothing would change and 2 when something would.
    #[arg(long)]
    pub detailed_exitcode: bool,
    /// Output format.
    #[arg(short = 'o', long = "output", value_enum, default_value = "table")]
    pub output: Format,
}

/// Plans the claims and prints what an apply would do.
pub async fn run(config: &Config, args: Args) -> Result<ExitCode, CliError> {
    let workspace = Workspace::open_read_only(config, args.env.as_deref())?;
    let (checked, offering_documents) =
        load_claims(&workspace.registry, &workspace.score_types, &args.paths)?;
    let objects: Vec<platform_core::model::DynamicObject> =
        checked.iter().map(|c| c.object().clone()).collect();
    let before = workspace.stored_versions(&objects).await?;
    let (environment, _) = config.environment(args.env.as_deref())?;
    let offerings = crate::intent::offerings(config, &offering_documents)?;
    let checked = crate::intent::resolve(&offerings, &environment, false, checked, &before)?;
    let objects: Vec<platform_core::model::DynamicObject> =
        checked.iter().map(|c| c.object().clone()).collect();
    let plan = workspace.engine.plan_checked(checked).await?;
    for warning in &plan.warnings {
        eprintln!("warning: {warning}");
    }
    let (estimate, estimate_data) = super::cost::estimate_summary(config, &objects, &before)?;
    match args.output {
        Format::Table => print_plan(&plan, &estimate),
        format => {
            let mut value = output::to_value(&plan)?;
            value["monthlyEstimate"] = estimate_data;
            output::print_value(&value, format)?;
        }
    }
    Ok(if args.detailed_exitcode && plan.has_changes() {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    })
}

fn print_plan(plan: &Plan, estimate: &str) {
    if !plan.has_changes() {
        // The price can change without any resource changing (a size a composition ignores).
        outln!("{estimate}");
        outln!(
            "No changes: {} resources are up to date.",
            plan.actions.len()
        );
        return;
    }
    for item in &plan.actions {
        let symbol = match item.action {
            Action::Create => output::progress::mark("+", Some(true)),
            Action::Update { .. } => output::progress::mark("~", None),
            Action::Delete => output::progress::mark("-", Some(false)),
            Action::NoChange => continue,
        };
        outln!(
            "{symbol} {} {} (external name {}) of {}",
            item.resource.kind,
            item.resource.name,
            item.external_name,
            item.claim
        );
        if let Action::Update { diff } = &item.action {
            for field in diff {
                outln!(
                    "    {}: {} -> {}",
                    field.path,
                    output::short(&field.actual),
                    output::short(&field.desired)
                );
            }
        }
        if let Some(note) = &item.note {
            outln!("    note: {note}");
        }
    }
    outln!("{estimate}");
    outln!("{}", plan.summary());
}
