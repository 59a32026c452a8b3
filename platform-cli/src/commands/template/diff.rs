//! `platformctl template diff`.

use std::process::ExitCode;

use platform_template::upgrade::{FileAction, file_patch};

use super::Target;
use crate::error::CliError;

/// Arguments of `template diff`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    target: Target,
    /// Show each file's change as a unified diff.
    #[arg(short = 'p', long)]
    patch: bool,
}

/// Prints the plan; exit 0 when current, 2 when behind.
pub fn run(args: Args) -> Result<ExitCode, CliError> {
    let plan = args.target.plan()?;
    let from = plan.from.as_deref().unwrap_or("(unversioned)");
    let to = plan.to.as_deref().unwrap_or("(unversioned)");
    if plan.is_current() {
        println!("{} is current ({from}).", args.target.dest.display());
        return Ok(ExitCode::SUCCESS);
    }
    println!("{}: {from} -> {to}", args.target.dest.display());
    for file in &plan.files {
        let detail = match &file.action {
            FileAction::Conflict { conflicts } => {
                format!(" ({conflicts} conflicts with local edits)")
            }
            FileAction::KeepEdited => " (removed by the template, edited locally: kept)".into(),
            FileAction::KeepDeleted => {
                " (changed by the template, deleted locally: stays deleted)".into()
            }
            FileAction::BinaryConflict => {
                " (binary, changed locally and by the template: the local file is kept)".into()
            }
            _ => String::new(),
        };
        println!("  {:<9}{}{detail}", file.action.word(), file.path);
    }
    if args.patch {
        for file in &plan.files {
            print!("{}", file_patch(&args.target.dest, file)?);
        }
    }
    Ok(ExitCode::from(2))
}
