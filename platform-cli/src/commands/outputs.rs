//! `platformctl outputs KIND NAME [--reveal]`: a claim's outputs in clear, then its secrets
//! (what the provider handed out as secret), masked unless `--reveal`.

use std::process::ExitCode;

use serde_json::{Map, Value};

use crate::config::Config;
use crate::error::CliError;
use crate::output::{self, Format};
use crate::workspace::Workspace;

/// What a secret value is shown as without `--reveal`.
pub const MASK: &str = "********";

/// Arguments of `outputs`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Claim kind, such as DatabaseClaim.
    pub kind: String,
    /// Claim name.
    pub name: String,
    /// Namespace; default: the config's defaultNamespace (`default` without one).
    #[arg(short = 'n', long = "namespace")]
    pub namespace: Option<String>,
    /// Show secret values instead of masking them.
    #[arg(long)]
    pub reveal: bool,
    /// Environment; default: the config's defaultEnvironment.
    #[arg(long = "env", value_name = "NAME")]
    pub env: Option<String>,
    /// Output format.
    #[arg(short = 'o', long = "output", value_enum, default_value = "table")]
    pub output: Format,
}

/// Prints outputs, then secrets (masked unless `--reveal`).
pub async fn run(config: &Config, args: Args) -> Result<ExitCode, CliError> {
    let workspace = Workspace::open_read_only(config, args.env.as_deref())?;
    let namespace = config.namespace(args.namespace.as_deref());
    let key = workspace.reference(&args.kind, &namespace, &args.name)?;
    let view = match workspace.engine.status(&key).await {
        Ok(view) => view,
        Err(e) => return Err(workspace.explain(e).await),
    };
    let secrets = workspace.engine.store().secrets(&key).await?;
    let mut all = Map::new();
    if let Some(outputs) = view
        .object
        .status
        .as_ref()
        .and_then(|s| s.get("outputs"))
        .and_then(Value::as_object)
    {
        all.extend(outputs.clone());
    }
    // Secrets are what the provider handed out as secret. A name that is also an output was
    // shown in clear by apply (claims composed before connection details read from fields
    // became outputs still hold those in their secrets), so the output is what is shown.
    let mut shown_secrets = std::collections::BTreeSet::new();
    for (name, value) in secrets.iter() {
        if all.contains_key(name) {
            continue;
        }
        let shown = if args.reveal { value.expose() } else { MASK };
        all.insert(name.clone(), Value::String(shown.to_owned()));
        shown_secrets.insert(name.clone());
    }
    match args.output {
        Format::Table => {
            let rows: Vec<Vec<String>> = all
                .iter()
                .map(|(k, v)| {
                    let secret = shown_secrets.contains(k);
                    vec![
                        k.clone(),
                        output::short(v),
                        if secret { "yes" } else { "" }.into(),
                    ]
                })
                .collect();
            output::print_table(&["NAME", "VALUE", "SECRET"], &rows);
        }
        format => output::print_value(&Value::Object(all), format)?,
    }
    Ok(ExitCode::SUCCESS)
}
