//! `platformctl get [KIND [NAME]] [-n NAMESPACE] [-o table|yaml|json]`

use std::process::ExitCode;

use platform_core::engine::EngineError;
use platform_core::model::{DynamicObject, Resource};
use serde_json::{Value, json};

use crate::config::Config;
use crate::error::CliError;
use crate::output::{self, Format};
use crate::workspace::Workspace;

/// Arguments of `get`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Claim kind, such as DatabaseClaim; default: every kind.
    pub kind: Option<String>,
    /// Claim name.
    pub name: Option<String>,
    /// Namespace; default: every namespace (`default` when a name is given).
    #[arg(short = 'n', long = "namespace")]
    pub namespace: Option<String>,
    /// Environment; default: the config's defaultEnvironment.
    #[arg(long = "env", value_name = "NAME")]
    pub env: Option<String>,
    /// Output format.
    #[arg(short = 'o', long = "output", value_enum, default_value = "table")]
    pub output: Format,
}

/// Lists stored claims with their readiness.
pub async fn run(config: &Config, args: Args) -> Result<ExitCode, CliError> {
    let workspace = Workspace::open_read_only(config, args.env.as_deref())?;
    let kind = match &args.kind {
        Some(kind) => Some(workspace.registry.find_kind(kind)?.gvk.kind.clone()),
        None => None,
    };
    let namespace = match (&args.namespace, &args.name) {
        (Some(ns), _) => Some(ns.clone()),
        (None, Some(_)) => Some("default".to_owned()),
        (None, None) => None,
    };
    let claims: Vec<DynamicObject> = workspace
        .engine
        .claims()
        .await?
        .into_iter()
        .filter(|c| kind.as_ref().is_none_or(|k| &c.kind == k))
        .filter(|c| namespace.as_ref().is_none_or(|n| c.namespace() == n))
        .filter(|c| args.name.as_ref().is_none_or(|n| &c.metadata.name == n))
        .collect();
    if let (Some(kind), Some(name), true) = (&kind, &args.name, claims.is_empty()) {
        let key = workspace.reference(kind, namespace.as_deref().unwrap_or("default"), name)?;
        return Err(EngineError::NotFound(Box::new(key)).into());
    }
    match args.output {
        Format::Table => print_claims(&claims),
        format => {
            let items = claims
                .iter()
                .map(output::to_value)
                .collect::<Result<Vec<Value>, _>>()?;
            let list = json!({"apiVersion": "v1", "kind": "List", "items": items});
            output::print_value(&list, format)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The status of a condition of an object (`True`, `False`, `Unknown`), and its message.
pub fn condition(object: &DynamicObject, type_: &str) -> (String, String) {
    let found = object
        .status
        .as_ref()
        .and_then(|s| s.get("conditions"))
        .and_then(Value::as_array)
        .and_then(|cs| cs.iter().find(|c| c["type"] == type_));
    match found {
        Some(c) => (
            c["status"].as_str().unwrap_or("Unknown").to_owned(),
            c["message"].as_str().unwrap_or("").to_owned(),
        ),
        None => ("Unknown".to_owned(), String::new()),
    }
}

fn print_claims(claims: &[DynamicObject]) {
    if claims.is_empty() {
        println!("No claims found.");
        return;
    }
    let rows: Vec<Vec<String>> = claims
        .iter()
        .map(|c| {
            let (ready, why) = condition(c, "Ready");
            let (synced, error) = condition(c, "Synced");
            let owner = c
                .metadata
                .owner_references
                .first()
                .map(|o| format!("{}/{}", o.kind, o.name))
                .unwrap_or_default();
            let message = if error.is_empty() { why } else { error };
            vec![
                c.namespace().to_owned(),
                c.kind.clone(),
                c.metadata.name.clone(),
                ready,
                synced,
                owner,
                message,
            ]
        })
        .collect();
    output::print_table(
        &[
            "NAMESPACE",
            "KIND",
            "NAME",
            "READY",
            "SYNCED",
            "OWNER",
            "MESSAGE",
        ],
        &rows,
    );
}
