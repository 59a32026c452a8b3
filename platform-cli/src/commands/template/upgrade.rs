//! `platformctl template upgrade`.

use std::process::ExitCode;

use platform_template::tasks::{Operation, Stage};
use platform_template::upgrade::apply_upgrade;

use platform_template::answers::AnswersFile;

use super::Target;
use super::journal::{self, Owner, UpgradeRecord, now_ms, upgrade_entry};
use super::register::{catalog_refs, record_event};
use crate::config::Config;
use crate::error::CliError;

/// Arguments of `template upgrade`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    target: Target,
    /// Environment whose state store records the upgrade (an event and a journal entry).
    #[arg(long = "env", value_name = "NAME")]
    env: Option<String>,
}

/// Applies the plan; exit 1 when conflicts were marked (the files list them).
pub async fn run(config: &Config, args: Args) -> Result<ExitCode, CliError> {
    let plan = args.target.plan()?;
    let dest = &args.target.dest;
    let from = plan.from.clone().unwrap_or_else(|| "(unversioned)".into());
    let to = plan.to.clone().unwrap_or_else(|| "(unversioned)".into());
    if plan.is_current() {
        println!("{} is current ({from}).", dest.display());
        return Ok(ExitCode::SUCCESS);
    }
    // The entities as the repository declares them before the upgrade changes its files.
    let refs = catalog_refs(dest);
    let recorded = AnswersFile::read(dest, &args.target.answers_file)?;
    let owner = Owner::of(dest, &recorded.answers);
    let crossing = plan.from.as_deref().zip(plan.to.as_deref());
    if let Some((from, to)) = crossing {
        plan.commands
            .run_migrations(dest, Stage::Before, from, to)?;
    }
    let report = apply_upgrade(&plan, dest)?;
    if let Some((from, to)) = crossing {
        plan.commands.run_migrations(dest, Stage::After, from, to)?;
    }
    plan.commands.run_tasks(dest, Operation::Update)?;
    for path in &report.written {
        println!("wrote   {path}");
    }
    for path in &report.deleted {
        println!("deleted {path}");
    }
    for path in &report.kept {
        println!("kept    {path} (edited or deleted locally, or a binary conflict)");
    }
    record_event(
        config,
        args.env.as_deref(),
        &refs,
        "TemplateUpgraded",
        &format!("{from} -> {to}, {} conflicts", report.conflicts.len()),
    )
    .await?;
    let record = UpgradeRecord {
        template: &recorded.src_path,
        from: plan.from.as_deref(),
        to: plan.to.as_deref(),
        conflicts: report.conflicts.len(),
    };
    let entry = upgrade_entry(&owner, dest, &record, now_ms());
    journal::append(config, args.env.as_deref(), entry).await?;
    if report.conflicts.is_empty() {
        println!("Upgraded {} from {from} to {to}.", dest.display());
        return Ok(ExitCode::SUCCESS);
    }
    eprintln!(
        "Upgraded {} from {from} to {to} with conflicts; resolve the marked lines in:",
        dest.display()
    );
    for (path, count) in &report.conflicts {
        eprintln!("  {path} ({count})");
    }
    Ok(ExitCode::FAILURE)
}
