//! `platformctl serve`: the portal on a local address (loopback unless `--listen` says
//! otherwise), over the environment's state store, the bundled golden paths and the config's
//! metrics settings.

use std::net::SocketAddr;
use std::process::ExitCode;

use platform_portal::{GoldenPath, Handles, PortalSettings, TOKEN_ENV, portal};
use platform_template::TemplateFiles;
use secrecy::SecretString;

use crate::bundled;
use crate::commands::template::source::{BUNDLED_PREFIX, bundled_version};
use crate::config::Config;
use crate::error::CliError;
use crate::workspace::Workspace;

/// Arguments of `platformctl serve`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The address to listen on; anything but loopback exposes the portal to the network.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// Environment whose state the portal shows; default: the config's defaultEnvironment.
    #[arg(long = "env", value_name = "NAME")]
    pub env: Option<String>,
}

/// The golden paths compiled into platformctl.
fn bundled_paths() -> Vec<GoldenPath> {
    bundled::TEMPLATES
        .iter()
        .map(|(name, files)| GoldenPath {
            name: (*name).to_owned(),
            files: TemplateFiles::from_texts(
                &format!("{BUNDLED_PREFIX}{name}"),
                Some(&bundled_version()),
                files.iter().copied(),
            ),
            latest: Some(bundled_version()),
        })
        .collect()
}

/// Serves the portal until Ctrl-C.
pub async fn run(config: &Config, args: Args) -> Result<ExitCode, CliError> {
    let workspace = Workspace::open(config, args.env.as_deref())?;
    let token = std::env::var(TOKEN_ENV)
        .ok()
        .filter(|t| !t.is_empty())
        .map(SecretString::from);
    if token.is_none() {
        eprintln!(
            "note: {TOKEN_ENV} is not set: the portal accepts no changes{}",
            if config.portal.public_read {
                ""
            } else {
                " and nobody can sign in to read it (set portal.publicRead: true to open reads)"
            }
        );
    }
    let handles = Handles {
        store: workspace.catalog.clone(),
        templates: bundled_paths(),
        metrics: config.metrics.platform.clone(),
    };
    let settings = PortalSettings {
        token,
        public_read: config.portal.public_read,
        scaffold_root: config.portal.scaffold_dir.clone(),
        ..PortalSettings::default()
    };
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .map_err(|e| CliError::Usage {
            message: format!("cannot listen on {}: {e}", args.listen),
            hint: Some("give another address with --listen, such as 127.0.0.1:8081".into()),
        })?;
    let bound = listener.local_addr().unwrap_or(args.listen);
    if !bound.ip().is_loopback() {
        eprintln!("warning: the portal listens on {bound}, reachable from the network");
    }
    println!("Portal on http://{bound}/ (Ctrl-C stops it)");
    axum::serve(listener, portal(handles, settings))
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
        .map_err(|e| CliError::Usage {
            message: format!("the portal stopped: {e}"),
            hint: None,
        })?;
    Ok(ExitCode::SUCCESS)
}
