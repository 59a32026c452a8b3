//! `platformctl`: validate claims, export schemas and CRDs, list kinds, render compositions.

mod commands;
mod config;
mod error;
mod output;

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

use config::Config;
use error::CliError;

/// The reference command-line tool of the platform SDK.
#[derive(Debug, Parser)]
#[command(name = "platformctl", version, about, propagate_version = true)]
struct Cli {
    /// Config file; defaults to ./platform.yaml when present.
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Check claim files against their kinds' schemas and rules; exit 1 on any error.
    Validate {
        /// Files or folders (.yaml, .yml, .json; folders recursively).
        #[arg(short = 'f', long = "filename", required = true, num_args = 1.., value_name = "PATH")]
        paths: Vec<PathBuf>,
    },
    /// Print a kind's JSON Schema (draft 2020-12).
    Schema {
        /// Kind name, such as DatabaseClaim.
        kind: String,
    },
    /// Print a kind's Kubernetes CustomResourceDefinition as YAML.
    Crd {
        /// Kind name, such as DatabaseClaim.
        kind: String,
    },
    /// List the registered kinds with their apiVersion.
    Kinds,
    /// Render a composite through a Composition offline: no store, no provider.
    Render {
        /// The composite (claim) file.
        composite: PathBuf,
        /// The Composition file.
        composition: PathBuf,
        /// Observed composed resources (file or folder), matched by crossplane.io/composition-resource-name.
        #[arg(long, value_name = "FILE_OR_DIR")]
        observed_resources: Option<PathBuf>,
        /// An EnvironmentConfig whose data is the root of environment field paths.
        #[arg(long, value_name = "FILE")]
        environment_config: Option<PathBuf>,
        /// Output format.
        #[arg(short = 'o', long = "output", value_enum, default_value = "yaml")]
        output: output::OutputFormat,
    },
}

fn run(cli: Cli) -> Result<ExitCode, CliError> {
    let config = Config::discover(cli.config.as_deref())?;
    let registry = config.registry()?;
    match cli.command {
        Command::Validate { paths } => commands::validate::run(&registry, &paths),
        Command::Schema { kind } => commands::schema::run(&registry, &kind),
        Command::Crd { kind } => commands::crd::run(&registry, &kind),
        Command::Kinds => commands::kinds::run(&registry),
        Command::Render {
            composite,
            composition,
            observed_resources,
            environment_config,
            output,
        } => commands::render::run(
            &registry,
            commands::render::RenderArgs {
                composite,
                composition,
                observed: observed_resources,
                environment: environment_config,
                output,
            },
        ),
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::FAILURE
        }
    }
}
