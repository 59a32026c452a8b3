//! `platformctl run`: the controller loop until SIGINT or SIGTERM.

use std::io::IsTerminal;
use std::process::ExitCode;
use std::time::Duration;

use tracing_subscriber::EnvFilter;

use crate::config::Config;
use crate::error::CliError;
use crate::workspace::{Access, Workspace};

/// Arguments of `run`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Environment; default: the config's defaultEnvironment.
    #[arg(long = "env", value_name = "NAME")]
    pub env: Option<String>,
    /// How often every claim is observed for drift, such as 30s or 5m; default: the config's
    /// `controller.pollInterval`, else 60s.
    #[arg(long, value_name = "DURATION", value_parser = super::apply::parse_duration)]
    pub poll_interval: Option<Duration>,
    /// How many provider calls run at once; default: the config's `controller.concurrency`,
    /// else 16.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub concurrency: Option<u16>,
    /// This worker's name in the leases it holds (other workers and operators see it), such
    /// as the host's name; default: host, pid and start time only.
    #[arg(long, value_name = "NAME")]
    pub id: Option<String>,
    /// How long a claim lease lasts unless renewed, such as 15s: after a worker on another
    /// host dies, its claims are taken over once its leases expire. Default 15s.
    #[arg(long, value_name = "DURATION", value_parser = super::apply::parse_duration)]
    pub lease_duration: Option<Duration>,
    /// How often held claim leases are renewed, such as 5s; at most half the lease
    /// duration. Default 5s.
    #[arg(long, value_name = "DURATION", value_parser = super::apply::parse_duration)]
    pub lease_renewal: Option<Duration>,
    /// Log lines for people, or one JSON object per line for a log collector.
    #[arg(long, value_enum, default_value = "text")]
    pub log_format: LogFormat,
    /// Least important level logged (error, warn, info, debug, trace); `RUST_LOG` wins when set.
    #[arg(long, value_name = "LEVEL", default_value = "info")]
    pub log_level: String,
}

/// How `run` writes its log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    /// A line per action, coloured on a terminal.
    Text,
    /// One JSON object per line.
    Json,
}

/// Reconciles until a signal arrives, logging every action, then finishes in-flight work and
/// exits 0.
pub async fn run(config: &Config, args: Args) -> Result<ExitCode, CliError> {
    init_log(args.log_format, &args.log_level)?;
    let poll = args
        .poll_interval
        .or(config.controller.poll_interval)
        .unwrap_or(Duration::from_secs(60));
    let concurrency = args
        .concurrency
        .map(usize::from)
        .or(config.controller.concurrency)
        .unwrap_or(16);
    let workspace =
        Workspace::open_tuned(config, args.env.as_deref(), None, Access::ReadWrite, |b| {
            let mut b = b.poll_interval(poll).concurrency(concurrency);
            if let Some(id) = &args.id {
                b = b.worker_id(id.clone());
            }
            if let Some(duration) = args.lease_duration {
                b = b.lease_duration(duration);
            }
            if let Some(every) = args.lease_renewal {
                b = b.lease_renewal(every);
            }
            b
        })?;
    tracing::info!(
        target: "platform::controller",
        environment = workspace.engine.environment(),
        pollInterval = ?poll,
        concurrency,
        id = args.id.as_deref().unwrap_or(""),
        "controller running; stop with Ctrl-C or SIGTERM"
    );
    workspace.engine.run(shutdown_signal()).await?;
    tracing::info!(target: "platform::controller", "controller stopped");
    Ok(ExitCode::SUCCESS)
}

/// Logs to stderr at `level` (or as `RUST_LOG` says), as text or JSON lines.
fn init_log(format: LogFormat, level: &str) -> Result<(), CliError> {
    let filter = match std::env::var("RUST_LOG") {
        Ok(spec) if !spec.is_empty() => EnvFilter::try_new(&spec),
        _ => EnvFilter::try_new(level),
    }
    .map_err(|e| CliError::Usage {
        message: format!("expected a log level such as info or debug, found {level:?}: {e}"),
        hint: Some("levels: error, warn, info, debug, trace".into()),
    })?;
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let result = match format {
        LogFormat::Json => builder.json().try_init(),
        LogFormat::Text => builder
            .with_ansi(std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none())
            .try_init(),
    };
    result.map_err(|e| CliError::Usage {
        message: format!("cannot start the log: {e}"),
        hint: None,
    })
}

/// Completes on SIGINT or (on Unix) SIGTERM.
async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
