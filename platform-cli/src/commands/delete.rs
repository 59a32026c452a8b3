//! `platformctl delete KIND NAME` and `platformctl delete -f PATH...`

use crate::output::outln;
use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use platform_core::engine::DeleteReport;
use platform_core::model::{ObjectRef, Resource};

use crate::config::Config;
use crate::error::CliError;
use crate::output::progress::Progress;
use crate::output::{self, Format};
use crate::workspace::{Workspace, load_objects};

/// Arguments of `delete`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Claim kind, such as DatabaseClaim.
    #[arg(requires = "name", conflicts_with = "paths")]
    pub kind: Option<String>,
    /// Claim name.
    pub name: Option<String>,
    /// Namespace; default: the config's defaultNamespace (`default` without one).
    #[arg(short = 'n', long = "namespace")]
    pub namespace: Option<String>,
    /// Files or folders naming the claims to delete.
    #[arg(short = 'f', long = "filename", num_args = 1.., value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Delete without asking; without a terminal on stdin nothing is ever asked.
    #[arg(short = 'y', long)]
    pub yes: bool,
    /// Environment; default: the config's defaultEnvironment.
    #[arg(long = "env", value_name = "NAME")]
    pub env: Option<String>,
    /// Output format.
    #[arg(short = 'o', long = "output", value_enum, default_value = "table")]
    pub output: Format,
}

/// Deletes claims with their resources, respecting deletion policies and references; on a
/// terminal, only once the user confirms.
pub async fn run(config: &Config, args: Args) -> Result<ExitCode, CliError> {
    let workspace = Workspace::open(config, args.env.as_deref())?;
    let namespace = config.namespace(args.namespace.as_deref());
    let keys: Vec<ObjectRef> = match (&args.kind, &args.name) {
        (Some(kind), Some(name)) => vec![workspace.reference(kind, &namespace, name)?],
        _ if !args.paths.is_empty() => {
            // Later documents may use earlier ones (an Application its claims): delete users first.
            let mut keys: Vec<ObjectRef> =
                load_objects(&workspace.registry, &workspace.score_types, &args.paths)?
                    .iter()
                    .map(|o| o.object_ref())
                    .collect();
            keys.reverse();
            keys
        }
        _ => {
            return Err(CliError::Usage {
                message: "nothing to delete".into(),
                hint: Some("give KIND NAME or -f PATH...".into()),
            });
        }
    };
    // Scripts and CI have no terminal: they are never asked (kubectl never asks at all).
    if !args.yes && std::io::stdin().is_terminal() && !confirm(&keys)? {
        return Err(CliError::Cancelled);
    }
    let mut total = DeleteReport::default();
    let progress = Progress::start("deleting");
    for key in &keys {
        progress.message(format!("deleting {key}"));
        let report = match workspace.engine.delete(key).await {
            Ok(report) => report,
            Err(platform_core::engine::EngineError::NotFound(_)) if !args.paths.is_empty() => {
                progress.line(&format!("{key} not found; nothing to delete"));
                continue;
            }
            Err(e) => {
                progress.finish();
                return Err(workspace.explain(e).await);
            }
        };
        if args.output == Format::Table {
            for deleted in &report.deleted {
                progress.line(&format!(
                    "{} {deleted}",
                    output::progress::mark("-", Some(false))
                ));
            }
            for kept in &report.orphaned {
                progress.line(&format!("  kept {kept} (deletion policy)"));
            }
        }
        total.deleted.extend(report.deleted);
        total.orphaned.extend(report.orphaned);
    }
    progress.finish();
    match args.output {
        Format::Table => outln!(
            "Delete complete: {} deleted, {} kept.",
            total.deleted.len(),
            total.orphaned.len()
        ),
        format => output::print_value(&output::to_value(&total)?, format)?,
    }
    Ok(ExitCode::SUCCESS)
}

/// Asks on stderr whether to delete these claims; only `y` or `yes` confirms.
fn confirm(keys: &[ObjectRef]) -> Result<bool, CliError> {
    let what = match keys {
        [key] => key.to_string(),
        keys => format!(
            "{} claims ({})",
            keys.len(),
            keys.iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    let mut stderr = std::io::stderr();
    write!(
        stderr,
        "Delete {what}? What it owns goes too (claims, real resources). [y/N] "
    )
    .and_then(|()| stderr.flush())
    .map_err(|e| CliError::Output(e.to_string()))?;
    let mut answer = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut answer)
        .map_err(|e| CliError::Output(e.to_string()))?;
    Ok(matches!(
        answer.trim().to_ascii_lowercase().as_str(),
        "y" | "yes"
    ))
}
