//! `platformctl policy test -f PATH...` and `platformctl policy exceptions`.

use crate::output::outln;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use platform_core::admit::{AdmissionOutcome, Guardrails, exception_counts};
use platform_core::engine::Engine;
use platform_core::kinds::KindRegistry;
use platform_core::load::{Document, Loader};
use platform_core::model::Resource;
use platform_core::validate::{Checked, Validator};
use serde_json::{Value, json};

use crate::config::Config;
use crate::error::CliError;
use crate::output::{self, Format};
use crate::workspace::Workspace;

/// Kinds that are guardrail documents rather than claims.
const GUARDRAIL_KINDS: &[&str] = &["Policy", "PriceList", "Budget"];

/// The `policy` subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum PolicyCommand {
    /// Evaluate policies against claims without a store; Policy, PriceList and Budget
    /// documents among the inputs are added to the config's.
    #[command(after_help = "Examples:
  platformctl policy test -f policies/ claims/
  platformctl policy test -f claims/ --env production")]
    Test {
        /// Files or folders of policies and of claims.
        #[arg(short = 'f', long = "filename", required = true, num_args = 1.., value_name = "PATH")]
        paths: Vec<PathBuf>,
        /// Environment the claims are evaluated for; default: the config's defaultEnvironment.
        #[arg(long = "env", value_name = "NAME")]
        env: Option<String>,
    },
    /// List recorded policy exceptions with their counts per policy and owner.
    #[command(after_help = "Examples:
  platformctl policy exceptions
  platformctl policy exceptions --env production -o json")]
    Exceptions {
        /// Environment; default: the config's defaultEnvironment.
        #[arg(long = "env", value_name = "NAME")]
        env: Option<String>,
        /// Output format.
        #[arg(short = 'o', long = "output", value_enum, default_value = "table")]
        output: Format,
    },
}

/// Runs a `policy` subcommand.
pub async fn run(config: &Config, command: PolicyCommand) -> Result<ExitCode, CliError> {
    match command {
        PolicyCommand::Test { paths, env } => test(config, &paths, env.as_deref()).await,
        PolicyCommand::Exceptions { env, output } => {
            exceptions(config, env.as_deref(), output).await
        }
    }
}

async fn test(config: &Config, paths: &[PathBuf], env: Option<&str>) -> Result<ExitCode, CliError> {
    let registry = config.registry()?;
    let loaded = Loader::new().load_paths(paths);
    if !loaded.diagnostics.is_empty() {
        return Err(CliError::Input(loaded.diagnostics));
    }
    let (guardrails, claims): (Vec<Document>, Vec<Document>) =
        loaded.documents.into_iter().partition(|d| {
            d.top_str("kind")
                .is_some_and(|k| GUARDRAIL_KINDS.contains(&k))
        });
    let mut engine = config.policy_engine()?.unwrap_or_default();
    engine.add_documents(&guardrails).map_err(|e| match e {
        platform_core::admit::GuardrailError::Invalid(problems) => CliError::Input(problems),
        other => CliError::Usage {
            message: other.to_string(),
            hint: None,
        },
    })?;
    let (env, settings) = config.environment(env)?;
    let checked = Validator::new(&registry)
        .checked(&claims)
        .map_err(|report| CliError::Input(report.diagnostics))?;
    let outcome = admit_offline(&engine, &registry, checked, &env, settings.config).await?;
    report(&outcome, claims.len(), engine.policies().len())
}

/// Admits checked claims with no state: the engine's own [`Engine::review`] on an empty
/// in-memory store, with the environment's data, so a policy test passes exactly when applying
/// the same claims to an empty state would be admitted (schema defaults, and the claims each
/// Application requests, included). Checked objects know their file and line, so a denial
/// names them.
pub async fn admit_offline(
    engine: &Guardrails,
    registry: &KindRegistry,
    objects: Vec<Checked>,
    environment: &str,
    environment_data: Option<Value>,
) -> Result<AdmissionOutcome, CliError> {
    let mut builder = Engine::builder()
        .registry(registry.clone())
        .environment(environment)
        .admission(Arc::new(engine.clone()));
    if let Some(data) = environment_data {
        builder = builder.environment_data(data);
    }
    Ok(builder.build().review(objects).await?)
}

/// Prints warnings and denials; exit 1 when anything is denied.
pub fn report(
    outcome: &AdmissionOutcome,
    objects: usize,
    policies: usize,
) -> Result<ExitCode, CliError> {
    for warning in &outcome.warnings {
        eprintln!("warning: {warning}");
    }
    if outcome.denials.is_empty() {
        outln!("{objects} objects admitted by {policies} policies");
        return Ok(ExitCode::SUCCESS);
    }
    for denial in &outcome.denials {
        eprintln!("{denial}");
    }
    eprintln!(
        "{objects} objects, {} denied by policy",
        outcome.denials.len()
    );
    Ok(ExitCode::FAILURE)
}

async fn exceptions(
    config: &Config,
    env: Option<&str>,
    format: Format,
) -> Result<ExitCode, CliError> {
    let workspace = Workspace::open_read_only(config, env)?;
    let mut events = Vec::new();
    for claim in workspace.engine.claims().await? {
        events.extend(workspace.engine.store().events(&claim.object_ref()).await?);
    }
    let counts = exception_counts(&events);
    match format {
        Format::Table if counts.is_empty() => outln!("No policy exceptions recorded."),
        Format::Table => {
            let rows: Vec<Vec<String>> = counts
                .iter()
                .map(|c| vec![c.policy.clone(), c.owner.clone(), c.count.to_string()])
                .collect();
            output::print_table(&["POLICY", "OWNER", "COUNT"], &rows);
        }
        format => {
            let items: Vec<Value> = counts
                .iter()
                .map(|c| json!({"policy": c.policy, "owner": c.owner, "count": c.count}))
                .collect();
            output::print_value(&Value::Array(items), format)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
