//! `platformctl new`: scaffold a repository from a template and register it in the catalog.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use platform_template::answers::ResolveOptions;
use platform_template::scaffold::{generate, write_generation};
use platform_template::tasks::Operation;

use crate::commands::template::data::given_answers;
use crate::commands::template::journal::{self, Owner, now_ms, scaffold_entry};
use crate::commands::template::prompt::TerminalPrompt;
use crate::commands::template::register::register;
use crate::commands::template::source::TemplateSource;
use crate::config::Config;
use crate::error::CliError;

/// Arguments of `platformctl new`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// A bundled template's name (`service`), a template folder, a local git repository, or a
    /// git repository's URL (`https://`, `git@host:path`, `file://`, `gh:owner/repo`).
    pub template: String,
    /// The folder to create.
    pub dest: PathBuf,
    /// The template version: a tag, branch or commit; default: the latest version tag.
    #[arg(long = "version", value_name = "REF")]
    pub version: Option<String>,
    /// An answer; repeat for each question.
    #[arg(long = "data", value_name = "KEY=VALUE")]
    pub data: Vec<String>,
    /// A YAML file of answers (question name to answer).
    #[arg(long = "data-file", value_name = "FILE")]
    pub data_file: Option<PathBuf>,
    /// Take every default without asking.
    #[arg(long)]
    pub defaults: bool,
    /// Show what would be written; write and register nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Write into a destination that exists and is not empty.
    #[arg(long)]
    pub overwrite: bool,
    /// Allow the template's `_tasks` and `_migrations` (shell commands) and run its `_tasks` in
    /// DEST after writing it.
    #[arg(long)]
    pub trust: bool,
    /// Do not register the component in the catalog nor record the scaffold in the journal (no
    /// state store is opened).
    #[arg(long)]
    pub no_register: bool,
    /// Environment whose state store the catalog entry goes to.
    #[arg(long = "env", value_name = "NAME")]
    pub env: Option<String>,
}

/// Runs `platformctl new`.
pub async fn run(config: &Config, args: Args) -> Result<ExitCode, CliError> {
    let source = TemplateSource::open(&args.template)?;
    let template = source.read(args.version.as_deref())?;
    let given = given_answers(&args.data, args.data_file.as_deref())?;
    let mut prompt = TerminalPrompt;
    let interactive = std::io::stdin().is_terminal();
    let options = ResolveOptions {
        use_defaults: args.defaults,
        prompt: if interactive { Some(&mut prompt) } else { None },
    };
    let generation = generate(&template, &args.dest, &given, options, args.trust)?;
    let report = write_generation(&generation, &args.dest, args.overwrite, args.dry_run)?;
    let verb = if args.dry_run { "would write" } else { "wrote" };
    for path in &report.written {
        println!("{verb} {}", args.dest.join(path).display());
    }
    for path in &report.kept {
        println!("kept {} (_skip_if_exists)", args.dest.join(path).display());
    }
    if args.dry_run {
        if !generation.config.tasks.is_empty() {
            println!("would run {} _tasks", generation.config.tasks.len());
        }
        return Ok(ExitCode::SUCCESS);
    }
    let ran = generation
        .commands()
        .run_tasks(&args.dest, Operation::Copy)?;
    if ran > 0 {
        println!("ran {ran} _tasks in {}", args.dest.display());
    }
    let registered = if args.no_register {
        Vec::new()
    } else {
        register(
            config,
            args.env.as_deref(),
            &args.dest,
            &source.name(),
            &generation.recorded,
        )
        .await?
    };
    for entity in &registered {
        println!("registered {entity} in the catalog");
    }
    if !args.no_register {
        let owner = Owner::of(&args.dest, &generation.recorded);
        let entry = scaffold_entry(&owner, &args.dest, &generation.recorded, now_ms());
        journal::append(config, args.env.as_deref(), entry).await?;
    }
    let version = template.commit.as_deref().unwrap_or("(unversioned)");
    println!(
        "\nScaffolded {} from {} {version}. Next steps:\n  cd {}\n  git init && git add -A && git commit -m \"Scaffold from {}\"\n  platformctl validate -f platform/\n  platformctl template diff .   # later: what a newer template version changes",
        args.dest.display(),
        source.name(),
        args.dest.display(),
        source.name()
    );
    Ok(ExitCode::SUCCESS)
}
