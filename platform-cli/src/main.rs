//! `platformctl`: plan, apply, inspect, delete and watch claims; validate, export schemas and CRDs,
//! list kinds, render compositions.

mod bundled;
mod commands;
mod config;
mod error;
mod exit;
mod intent;
mod interrupt;
mod output;
mod workspace;

use clap::{CommandFactory, Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

use config::Config;
use error::CliError;

/// The reference command-line tool of the platform SDK.
#[derive(Debug, Parser)]
#[command(
    name = "platformctl",
    version,
    about,
    propagate_version = true,
    after_help = exit::CODES
)]
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
    #[command(after_help = "Examples:
  platformctl validate -f claims/
  platformctl validate -f orders-db.yaml storefront-app.yaml
  platformctl validate -f claims/ --env production")]
    Validate {
        /// Files or folders (.yaml, .yml, .json; folders recursively).
        #[arg(short = 'f', long = "filename", required = true, num_args = 1.., value_name = "PATH")]
        paths: Vec<PathBuf>,
        /// Environment the config's policies are run for; default: the config's defaultEnvironment.
        #[arg(long = "env", value_name = "NAME")]
        env: Option<String>,
    },
    /// Print a kind's JSON Schema (draft 2020-12).
    #[command(after_help = "Examples:
  platformctl schema DatabaseClaim
  platformctl schema Application > application.schema.json")]
    Schema {
        /// Kind name, such as DatabaseClaim.
        kind: String,
    },
    /// Print a kind's Kubernetes CustomResourceDefinition as YAML.
    #[command(after_help = "Examples:
  platformctl crd DatabaseClaim
  platformctl crd BucketClaim > bucketclaims.yaml")]
    Crd {
        /// Kind name, such as DatabaseClaim.
        kind: String,
    },
    /// List the registered kinds with their apiVersion.
    #[command(after_help = "Examples:
  platformctl kinds
  platformctl --config platform.yaml kinds")]
    Kinds,
    /// Write a starter platform.yaml and example claims into the current folder.
    #[command(after_help = "Examples:
  platformctl init
  platformctl init && platformctl apply -f claims/")]
    Init,
    /// Show what apply would create (+), update (~) and delete (-).
    #[command(after_help = "Examples:
  platformctl plan -f claims/
  platformctl plan -f claims/ --env production --detailed-exitcode
  platformctl plan -f orders-db.yaml -o json")]
    Plan(commands::plan::Args),
    /// Admit, compose and provision claims.
    #[command(after_help = "Examples:
  platformctl apply -f claims/
  platformctl apply -f orders-db.yaml --wait --timeout 10m
  platformctl apply -f claims/ --async
  platformctl apply -f claims/ --env production -o json")]
    Apply(commands::apply::Args),
    /// List applied claims with their readiness, team and application.
    #[command(after_help = "Examples:
  platformctl get
  platformctl get DatabaseClaim -A
  platformctl get DatabaseClaim orders-db -n team-a -o yaml")]
    Get(commands::get::Args),
    /// Show a claim's conditions, outputs, resources and events.
    #[command(after_help = "Examples:
  platformctl describe DatabaseClaim orders-db
  platformctl describe Application storefront -n team-a
  platformctl describe DatabaseClaim orders-db -o json")]
    Describe(commands::describe::Args),
    /// Show a claim's outputs; secret values are masked unless --reveal.
    #[command(after_help = "Examples:
  platformctl outputs DatabaseClaim orders-db
  platformctl outputs DatabaseClaim orders-db -n team-a --reveal
  platformctl outputs CacheClaim sessions -o json")]
    Outputs(commands::outputs::Args),
    /// Print a container's variables with placeholders resolved; secrets masked unless --reveal.
    #[command(after_help = "Examples:
  platformctl env Application orders -o dotenv --reveal > .env
  platformctl env Workload my-workload --container main -o json")]
    Env(commands::env::Args),
    /// Explain which offering serves each claim's intent: every candidate, need by need.
    #[command(after_help = "Examples:
  platformctl explain DatabaseClaim orders-db
  platformctl explain -f claims/ offerings/ -o json")]
    Explain(commands::explain::Args),
    /// Delete claims and their resources, respecting deletion policies and references.
    #[command(after_help = "Examples:
  platformctl delete DatabaseClaim orders-db
  platformctl delete Application storefront -n team-a --yes
  platformctl delete -f claims/ --yes")]
    Delete(commands::delete::Args),
    /// Observe every managed resource and report drift and leaked resources; exit 2 when found.
    #[command(after_help = "Examples:
  platformctl drift
  platformctl drift --fix
  platformctl drift --fix --delete-orphans --env production")]
    Drift(commands::drift::Args),
    /// Run the controller loop until SIGINT or SIGTERM.
    #[command(after_help = "Examples:
  platformctl run
  platformctl run --env production")]
    Run(commands::run::Args),
    /// Wait until claims are Ready (reconciled by running workers or another apply).
    #[command(after_help = "Examples:
  platformctl wait DatabaseClaim orders-db --timeout 5m
  platformctl apply -f claims/ --async && platformctl wait --all --for Ready")]
    Wait(commands::wait::Args),
    /// List the reconcilers sharing a PostgreSQL state: leases held, heartbeat, throughput.
    #[command(after_help = "Examples:
  platformctl workers
  platformctl workers -o json")]
    Workers(commands::workers::Args),
    /// Evaluate policies offline, or list recorded policy exceptions.
    #[command(
        subcommand,
        after_help = "Examples:
  platformctl policy test -f policies/ claims/
  platformctl policy exceptions -o json"
    )]
    Policy(commands::policy::PolicyCommand),
    /// Monthly cost estimates per claim and per owner.
    #[command(after_help = "Examples:
  platformctl cost -f claims/
  platformctl cost -f claims/ -o json")]
    Cost(commands::cost::Args),
    /// Print the dependency map of claims and managed resources as DOT or Mermaid.
    #[command(after_help = "Examples:
  platformctl graph -f claims/
  platformctl graph -f claims/ | dot -Tsvg > graph.svg
  platformctl graph -f claims/ -o mermaid")]
    Graph(commands::graph::Args),
    /// The service catalog: Backstage entities from the platform and catalog files.
    #[command(
        subcommand,
        after_help = "Examples:
  platformctl catalog validate catalog-info.yaml
  platformctl catalog list --kind Component
  platformctl catalog impact resource:default/orders-db.databaseclaim
  platformctl catalog relations -f catalog/"
    )]
    Catalog(commands::catalog::CatalogCommand),
    /// The journal of what happened: import changes, deploys and incidents from elsewhere.
    #[command(
        subcommand,
        after_help = "Examples:
  platformctl events import deploys.jsonl incidents.jsonl"
    )]
    Events(commands::metrics::EventsCommand),
    /// Measure the platform: DORA metrics from the journal.
    #[command(
        subcommand,
        after_help = "Examples:
  platformctl metrics dora
  platformctl metrics dora --fourkeys -o json"
    )]
    Metrics(commands::metrics::MetricsCommand),
    /// Scaffold a repository from a template (bundled, folder or git) and register it in the
    /// catalog.
    #[command(
        disable_version_flag = true,
        after_help = "Examples:
  platformctl new service payments --data name=payments --data owner=team-pay
  platformctl new ../templates/api services/orders --version v2.1.0 --data-file answers.yml
  platformctl new service demo --defaults --data name=demo --dry-run
  platformctl new https://github.com/acme/api-template.git services/orders --trust"
    )]
    New(commands::new::Args),
    /// Keep scaffolded repositories current with their template: diff, upgrade, status.
    #[command(
        subcommand,
        after_help = "Examples:
  platformctl template diff services/payments
  platformctl template upgrade services/payments --to v2.0.0
  platformctl template status ~/src -o json"
    )]
    Template(commands::template::TemplateCommand),
    /// Serve the portal: catalog, dependency map, claims, golden paths and metrics as web pages.
    #[cfg(feature = "portal")]
    #[command(after_help = "Examples:
  platformctl serve
  PLATFORM_PORTAL_TOKEN=... platformctl serve --listen 127.0.0.1:9000
  platformctl serve --env production")]
    Serve(commands::serve::Args),
    /// Print a shell completion script (bash, zsh, fish, elvish or powershell).
    #[command(after_help = "Examples:
  platformctl completion bash > ~/.local/share/bash-completion/completions/platformctl
  platformctl completion zsh > \"${fpath[1]}/_platformctl\"
  platformctl completion fish > ~/.config/fish/completions/platformctl.fish")]
    Completion {
        /// The shell the script is for.
        shell: clap_complete::Shell,
    },
    /// Render a composite through a Composition offline: no store, no provider.
    #[command(after_help = "Examples:
  platformctl render orders-db.yaml compositions/production/database-postgresql.yaml
  platformctl render orders-db.yaml composition.yaml --observed-resources observed/ -o json
  platformctl render orders-db.yaml composition.yaml --environment-config environment.yaml")]
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
    if let Command::Init = cli.command {
        return commands::init::run(std::path::Path::new("."));
    }
    // Completion needs no config: it is set up once per shell, from any folder.
    if let Command::Completion { shell } = cli.command {
        clap_complete::generate(
            shell,
            &mut Cli::command(),
            "platformctl",
            &mut std::io::stdout(),
        );
        return Ok(ExitCode::SUCCESS);
    }
    let config = Config::discover(cli.config.as_deref())?;
    // `changes`: the command that resumes a command that changes things, for its Ctrl-C
    // messages; commands that only read keep Ctrl-C's default (stop at once, nothing to lose).
    let stateful =
        |changes: Option<&'static str>,
         future: std::pin::Pin<Box<dyn Future<Output = Result<ExitCode, CliError>> + '_>>| {
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .map_err(|e| CliError::Usage {
                    message: format!("cannot start the async runtime: {e}"),
                    hint: None,
                })?
                .block_on(async move {
                    if let Some(resume) = changes {
                        interrupt::install(resume);
                    }
                    future.await
                })
        };
    match cli.command {
        Command::Plan(args) => {
            return stateful(None, Box::pin(commands::plan::run(&config, args)));
        }
        Command::Apply(args) => {
            return stateful(
                Some("platformctl apply"),
                Box::pin(commands::apply::run(&config, args)),
            );
        }
        Command::Get(args) => return stateful(None, Box::pin(commands::get::run(&config, args))),
        Command::Describe(args) => {
            return stateful(None, Box::pin(commands::describe::run(&config, args)));
        }
        Command::Outputs(args) => {
            return stateful(None, Box::pin(commands::outputs::run(&config, args)));
        }
        Command::Env(args) => {
            return stateful(None, Box::pin(commands::env::run(&config, args)));
        }
        Command::Explain(args) => {
            return stateful(None, Box::pin(commands::explain::run(&config, args)));
        }
        Command::Delete(args) => {
            return stateful(
                Some("platformctl delete"),
                Box::pin(commands::delete::run(&config, args)),
            );
        }
        Command::Drift(args) => {
            let changes = args.fix.then_some("platformctl drift --fix");
            return stateful(changes, Box::pin(commands::drift::run(&config, args)));
        }
        Command::Run(args) => {
            return stateful(
                Some("platformctl run"),
                Box::pin(commands::run::run(&config, args)),
            );
        }
        Command::Wait(args) => {
            return stateful(None, Box::pin(commands::wait::run(&config, args)));
        }
        Command::Workers(args) => {
            return stateful(None, Box::pin(commands::workers::run(&config, args)));
        }
        Command::Graph(args) => {
            return stateful(None, Box::pin(commands::graph::run(&config, args)));
        }
        Command::Policy(command) => {
            return stateful(None, Box::pin(commands::policy::run(&config, command)));
        }
        Command::Cost(args) => return commands::cost::run(&config, args),
        Command::Catalog(command) => {
            let changes = matches!(command, commands::catalog::CatalogCommand::Import { .. })
                .then_some("platformctl catalog import");
            return stateful(changes, Box::pin(commands::catalog::run(&config, command)));
        }
        Command::Events(command) => {
            return stateful(
                Some("platformctl events import"),
                Box::pin(commands::metrics::import(&config, command)),
            );
        }
        Command::Metrics(command) => {
            return stateful(None, Box::pin(commands::metrics::run(&config, command)));
        }
        Command::New(args) => {
            return stateful(
                Some("platformctl new"),
                Box::pin(commands::new::run(&config, args)),
            );
        }
        Command::Template(command) => {
            return stateful(None, Box::pin(commands::template::run(&config, command)));
        }
        #[cfg(feature = "portal")]
        Command::Serve(args) => {
            return stateful(None, Box::pin(commands::serve::run(&config, args)));
        }
        _ => {}
    }
    let registry = config.registry()?;
    match cli.command {
        Command::Validate { paths, env } => {
            let policies = config.policy_engine()?;
            let (environment, data) = match &policies {
                Some(_) => {
                    let (name, settings) = config.environment(env.as_deref())?;
                    (name, settings.config)
                }
                None => (String::new(), None),
            };
            let engine = workspace::offline_engine(&config, env.as_deref())?;
            commands::validate::run(
                &registry,
                &config.score_types,
                &engine,
                &paths,
                policies.as_ref().map(|p| (p, environment.as_str(), data)),
            )
        }
        Command::Schema { kind } => commands::schema::run(&registry, &kind),
        Command::Crd { kind } => commands::crd::run(&registry, &kind),
        Command::Kinds => commands::kinds::run(&registry),
        Command::Init
        | Command::Completion { .. }
        | Command::Plan(_)
        | Command::Apply(_)
        | Command::Get(_)
        | Command::Describe(_)
        | Command::Outputs(_)
        | Command::Env(_)
        | Command::Explain(_)
        | Command::Delete(_)
        | Command::Drift(_)
        | Command::Run(_)
        | Command::Wait(_)
        | Command::Workers(_)
        | Command::Graph(_)
        | Command::Policy(_)
        | Command::Cost(_)
        | Command::Catalog(_)
        | Command::Events(_)
        | Command::Metrics(_)
        | Command::New(_)
        | Command::Template(_) => unreachable!("handled above"),
        #[cfg(feature = "portal")]
        Command::Serve(_) => unreachable!("handled above"),
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
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => return exit::parse_error(&err),
    };
    match run(cli) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {}", error::paragraph(&err));
            ExitCode::FAILURE
        }
    }
}
