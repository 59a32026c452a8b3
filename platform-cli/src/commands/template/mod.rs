//! `platformctl template`: what a template upgrade changes, the upgrade itself, and the fleet's
//! status.

pub mod data;
mod diff;
pub mod journal;
pub mod prompt;
pub mod register;
mod remote;
pub mod source;
mod status;
mod upgrade;

use std::path::PathBuf;
use std::process::ExitCode;

use crate::config::Config;
use crate::error::CliError;

/// The `template` subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum TemplateCommand {
    /// What upgrading DEST would change, file by file; touches nothing. Exit 0 when current,
    /// 2 when behind.
    #[command(after_help = "Examples:
  platformctl template diff services/payments
  platformctl template diff . --to v2.0.0 --patch")]
    Diff(diff::Args),
    /// Merge the template's change since DEST's recorded version into DEST (three-way; local
    /// edits kept, overlaps marked inline and listed).
    #[command(after_help = "Examples:
  platformctl template upgrade services/payments
  platformctl template upgrade . --to v2.0.0")]
    Upgrade(upgrade::Args),
    /// Every scaffolded repository under the roots: template, version, versions behind and
    /// local drift.
    #[command(after_help = "Examples:
  platformctl template status ~/src
  platformctl template status services/ -o json
  platformctl template status ~/src --record   # from a daily job, for the platform's metrics")]
    Status(status::Args),
}

/// Runs a `template` subcommand.
pub async fn run(config: &Config, command: TemplateCommand) -> Result<ExitCode, CliError> {
    match command {
        TemplateCommand::Diff(args) => diff::run(args),
        TemplateCommand::Upgrade(args) => upgrade::run(config, args).await,
        TemplateCommand::Status(args) => status::run(config, args).await,
    }
}

/// Arguments shared by `diff` and `upgrade`.
#[derive(Debug, clap::Args)]
pub struct Target {
    /// The scaffolded repository.
    pub dest: PathBuf,
    /// The version to upgrade to; default: the latest version tag.
    #[arg(long = "to", value_name = "REF")]
    pub to: Option<String>,
    /// The answers file, when the template names another one.
    #[arg(long, value_name = "FILE", default_value = ".copier-answers.yml")]
    pub answers_file: String,
    /// An answer to add or change (a new question of the new version); repeatable.
    #[arg(long = "data", value_name = "KEY=VALUE")]
    pub data: Vec<String>,
    /// Allow the new version's `_migrations` and `_tasks` (shell commands): `upgrade` runs the
    /// migrations whose version it crosses, before and after the merge, then the tasks.
    #[arg(long)]
    pub trust: bool,
}

impl Target {
    /// The plan: the recorded version and the target version of the recorded template.
    pub fn plan(&self) -> Result<platform_template::upgrade::UpgradePlan, CliError> {
        let recorded =
            platform_template::answers::AnswersFile::read(&self.dest, &self.answers_file)?;
        let source = source::TemplateSource::open_recorded(&recorded.src_path, &self.dest)?;
        if let source::TemplateSource::Bundled(name, _) = &source {
            bundled_version_check(name, recorded.commit.as_deref(), &self.dest)?;
        }
        let old = source.read(recorded.commit.as_deref())?;
        let new = source.read(self.to.as_deref())?;
        let given = data::given_answers(&self.data, None)?;
        Ok(platform_template::upgrade::plan_upgrade(
            &old, &new, &self.dest, &given, self.trust,
        )?)
    }
}

/// A repository scaffolded from a bundled template by another platformctl: the files of the
/// version it records are not in this binary, so no three-way merge can be computed; say so
/// and what can be done instead of failing on a missing version.
fn bundled_version_check(
    name: &str,
    recorded: Option<&str>,
    dest: &std::path::Path,
) -> Result<(), CliError> {
    let bundled = source::bundled_version();
    let Some(recorded) = recorded else {
        return Ok(());
    };
    if recorded == bundled {
        return Ok(());
    }
    let answers = dest.join(".copier-answers.yml");
    Err(CliError::Usage {
        message: format!(
            "{}: scaffolded from the bundled template `{name}` {recorded}, but this platformctl \
             bundles only {bundled}; without the files of {recorded} the template's change \
             cannot be merged",
            dest.display()
        ),
        hint: Some(format!(
            "run `template diff`/`upgrade` with platformctl {recorded}, or render {bundled} \
             beside it with `platformctl new {name} NEW --data-file {} --no-register` and \
             compare",
            answers.display()
        )),
    })
}
