//! `platformctl describe KIND NAME [-n NAMESPACE]`: conditions, outputs, resources, events.

use crate::output::outln;
use std::process::ExitCode;

use platform_core::engine::StatusView;
use platform_core::model::Resource;
use platform_core::store::Event;
use serde_json::{Value, json};

use crate::commands::get::condition;
use crate::config::Config;
use crate::error::CliError;
use crate::output::{self, Format};
use crate::workspace::Workspace;

/// Arguments of `describe`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Claim kind, such as DatabaseClaim.
    pub kind: String,
    /// Claim name.
    pub name: String,
    /// Namespace; default: the config's defaultNamespace (`default` without one).
    #[arg(short = 'n', long = "namespace")]
    pub namespace: Option<String>,
    /// Environment; default: the config's defaultEnvironment.
    #[arg(long = "env", value_name = "NAME")]
    pub env: Option<String>,
    /// Output format.
    #[arg(short = 'o', long = "output", value_enum, default_value = "table")]
    pub output: Format,
}

/// Shows one claim in detail; secret values are never shown, only their keys.
pub async fn run(config: &Config, args: Args) -> Result<ExitCode, CliError> {
    let workspace = Workspace::open_read_only(config, args.env.as_deref())?;
    let namespace = config.namespace(args.namespace.as_deref());
    let key = workspace.reference(&args.kind, &namespace, &args.name)?;
    let view = match workspace.engine.status(&key).await {
        Ok(view) => view,
        Err(e) => return Err(workspace.explain(e).await),
    };
    let mut resource_events = Vec::new();
    for r in all_resources(&view) {
        resource_events.extend(workspace.engine.store().events(&r.object_ref()).await?);
    }
    resource_events.sort_by(|a, b| a.time.cmp(&b.time));
    let secrets = workspace.engine.store().secrets(&key).await?;
    let secret_keys: Vec<String> = secrets.keys().cloned().collect();
    match args.output {
        Format::Table => print_view(&view, &resource_events, &secret_keys),
        format => {
            let value = json!({
                "object": output::to_value(&view.object)?,
                "resources": output::to_value(&view.resources)?,
                "claims": view.children.iter().map(|c| output::to_value(&c.object)).collect::<Result<Vec<Value>, _>>()?,
                "events": output::to_value(&view.events)?,
                "resourceEvents": output::to_value(&resource_events)?,
                "secretKeys": secret_keys,
            });
            output::print_value(&value, format)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn all_resources(view: &StatusView) -> Vec<&platform_core::model::DynamicObject> {
    let mut out: Vec<_> = view.resources.iter().collect();
    for child in &view.children {
        out.extend(all_resources(child));
    }
    out
}

fn print_view(view: &StatusView, resource_events: &[Event], secret_keys: &[String]) {
    let object = &view.object;
    outln!("Name:       {}", object.metadata.name);
    outln!("Namespace:  {}", object.namespace());
    outln!("Kind:       {}", object.kind);
    outln!("APIVersion: {}", object.api_version);
    if !object.metadata.labels.is_empty() {
        outln!("Labels:");
        for (k, v) in &object.metadata.labels {
            outln!("  {k}={v}");
        }
    }
    outln!("Conditions:");
    let conditions = object
        .status
        .as_ref()
        .and_then(|s| s.get("conditions"))
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let rows: Vec<Vec<String>> = conditions
        .iter()
        .map(|c| {
            ["type", "status", "reason", "lastTransitionTime", "message"]
                .iter()
                .map(|f| c[*f].as_str().unwrap_or("").to_owned())
                .collect()
        })
        .collect();
    indent_table(&["TYPE", "STATUS", "REASON", "SINCE", "MESSAGE"], &rows);
    outln!("Outputs:");
    if let Some(outputs) = object
        .status
        .as_ref()
        .and_then(|s| s.get("outputs"))
        .and_then(Value::as_object)
    {
        for (k, v) in outputs {
            outln!("  {k}: {}", output::short(v));
        }
    }
    if !secret_keys.is_empty() {
        outln!(
            "Secrets:    {} (values hidden; `platformctl outputs {} {} --reveal`)",
            secret_keys.join(", "),
            object.kind,
            object.metadata.name
        );
    }
    outln!("Resources:");
    let mut rows = Vec::new();
    collect_rows(view, &mut rows);
    indent_table(&["KIND", "NAME", "READY", "SYNCED", "MESSAGE"], &rows);
    if let Some(last) = resource_events
        .iter()
        .rev()
        .find(|e| e.reason != "Ready" && e.reason != "Created")
    {
        outln!(
            "Last change: {} {} {}: {}",
            last.time,
            last.object,
            last.reason,
            last.message
        );
    }
    outln!("Events:");
    let rows: Vec<Vec<String>> = view
        .events
        .iter()
        .chain(resource_events)
        .map(|e| {
            vec![
                e.time.clone(),
                format!("{:?}", e.type_),
                e.reason.clone(),
                format!("{}/{}", e.object.kind, e.object.name),
                e.message.clone(),
            ]
        })
        .collect();
    indent_table(&["TIME", "TYPE", "REASON", "OBJECT", "MESSAGE"], &rows);
}

fn collect_rows(view: &StatusView, rows: &mut Vec<Vec<String>>) {
    for r in &view.resources {
        let (ready, why) = condition(r, "Ready");
        let (synced, error) = condition(r, "Synced");
        let message = if error.is_empty() { why } else { error };
        rows.push(vec![
            r.kind.clone(),
            r.metadata.name.clone(),
            ready,
            synced,
            message,
        ]);
    }
    for child in &view.children {
        collect_rows(child, rows);
    }
}

fn indent_table(header: &[&str], rows: &[Vec<String>]) {
    if rows.is_empty() {
        outln!("  (none)");
        return;
    }
    output::print_table_indented("  ", header, rows);
}
