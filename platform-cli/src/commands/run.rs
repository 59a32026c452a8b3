//! `platformctl run`: the controller loop until SIGINT or SIGTERM.

use std::process::ExitCode;

use crate::config::Config;
use crate::error::CliError;
use crate::workspace::Workspace;

/// Arguments of `run`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Environment; default: the config's defaultEnvironment.
    #[arg(long = "env", value_name = "NAME")]
    pub env: Option<String>,
}

/// Reconciles until a signal arrives, then finishes in-flight work and exits 0.
pub async fn run(config: &Config, args: Args) -> Result<ExitCode, CliError> {
    let workspace = Workspace::open(config, args.env.as_deref())?;
    eprintln!(
        "controller running in environment {:?}; stop with Ctrl-C or SIGTERM",
        workspace.engine.environment()
    );
    workspace.engine.run(shutdown_signal()).await?;
    eprintln!("controller stopped");
    Ok(ExitCode::SUCCESS)
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
