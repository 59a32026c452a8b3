//! `platformctl env KIND NAME [--container C] [--reveal] [-o dotenv|json]`: a container's
//! variables with every placeholder resolved, so a developer runs the service locally against
//! what the platform provisioned; secrets masked unless `--reveal`.

use std::collections::BTreeMap;
use std::process::ExitCode;

use platform_core::kinds::ApplicationSpec;
use serde_json::Value;

use super::outputs::MASK;
use crate::config::Config;
use crate::error::CliError;
use crate::workspace::Workspace;

/// How `env` prints the variables.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum EnvFormat {
    /// `NAME=value` lines, quoted where a shell or dotenv reader needs it.
    Dotenv,
    /// One JSON object of names and values.
    Json,
}

/// Arguments of `env`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// `Application`, or `Workload` for an applied Score workload (the same object).
    pub kind: String,
    /// The Application's (or Score workload's `metadata.name`) name.
    pub name: String,
    /// The container; may be left out when there is only one.
    #[arg(long = "container", short = 'c')]
    pub container: Option<String>,
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
    #[arg(short = 'o', long = "output", value_enum, default_value = "dotenv")]
    pub output: EnvFormat,
}

/// Prints the container's resolved variables.
pub async fn run(config: &Config, args: Args) -> Result<ExitCode, CliError> {
    let kind = match args.kind.as_str() {
        "Workload" | "workload" | "score" => "Application",
        other => other,
    };
    let workspace = Workspace::open_read_only(config, args.env.as_deref())?;
    let namespace = config.namespace(args.namespace.as_deref());
    let key = workspace.reference(kind, &namespace, &args.name)?;
    if key.kind != "Application" {
        return Err(CliError::Usage {
            message: format!("expected an Application or a Score workload, found kind {kind:?}"),
            hint: Some("`platformctl outputs` shows the outputs of a claim".into()),
        });
    }
    let view = match workspace.engine.status(&key).await {
        Ok(view) => view,
        Err(e) => return Err(workspace.explain(e).await),
    };
    let spec: ApplicationSpec = view.object.spec_as().map_err(|e| CliError::Usage {
        message: format!(
            "the stored Application {namespace}/{} is unreadable: {e}",
            args.name
        ),
        hint: None,
    })?;
    let names: Vec<&str> = spec.containers.iter().map(|c| c.name.as_str()).collect();
    let container = match (&args.container, spec.containers.as_slice()) {
        (Some(wanted), _) => spec
            .containers
            .iter()
            .find(|c| &c.name == wanted)
            .ok_or_else(|| CliError::Usage {
                message: format!(
                    "Application {namespace}/{} has no container {wanted:?}",
                    args.name
                ),
                hint: Some(format!("its containers: {}", names.join(", "))),
            })?,
        (None, [only]) => only,
        (None, _) => {
            return Err(CliError::Usage {
                message: format!(
                    "Application {namespace}/{} has {} containers; name one with --container",
                    args.name,
                    names.len()
                ),
                hint: Some(format!("its containers: {}", names.join(", "))),
            });
        }
    };
    let outputs = view
        .object
        .status
        .as_ref()
        .and_then(|s| s.get("outputs"))
        .and_then(Value::as_object);
    let secrets = workspace.engine.store().secrets(&key).await?;
    let mut resolved = BTreeMap::new();
    let mut pending = Vec::new();
    for var in container.env.keys() {
        // The reconcile stores each resolved variable as `<container>.<VAR>`: an output, or a
        // secret when its value uses one.
        let stored = format!("{}.{var}", container.name);
        if let Some(secret) = secrets.get(&stored) {
            let shown = if args.reveal { secret.expose() } else { MASK };
            resolved.insert(var.clone(), shown.to_owned());
        } else if let Some(value) = outputs.and_then(|o| o.get(&stored)) {
            let text = match value {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            resolved.insert(var.clone(), text);
        } else {
            pending.push(var.clone());
        }
    }
    if !pending.is_empty() {
        eprintln!(
            "warning: not resolved yet (their resources are not Ready): {}",
            pending.join(", ")
        );
    }
    match args.output {
        EnvFormat::Dotenv => {
            for (name, value) in &resolved {
                println!("{name}={}", dotenv_value(value));
            }
        }
        EnvFormat::Json => {
            let object: serde_json::Map<String, Value> = resolved
                .into_iter()
                .map(|(k, v)| (k, Value::String(v)))
                .collect();
            println!(
                "{}",
                serde_json::to_string_pretty(&Value::Object(object)).map_err(|e| {
                    CliError::Usage {
                        message: format!("cannot print JSON: {e}"),
                        hint: None,
                    }
                })?
            );
        }
    }
    Ok(if pending.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// A value as dotenv files and `sh` read it: bare when plain, else double-quoted with `\`,
/// `"`, `$` and newlines escaped.
pub fn dotenv_value(value: &str) -> String {
    let plain = !value.is_empty()
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_-./:@,+%".contains(c));
    if plain {
        return value.to_owned();
    }
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        match c {
            '\\' | '"' | '$' | '`' => {
                out.push('\\');
                out.push(c);
            }
            '\n' => out.push_str("\\n"),
            _ => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::dotenv_value;

    #[test]
    fn values_are_quoted_only_when_needed() {
        assert_eq!(dotenv_value("localhost"), "localhost");
        assert_eq!(
            dotenv_value("postgres://u:p@h:5432/db"),
            "postgres://u:p@h:5432/db"
        );
        assert_eq!(dotenv_value(""), "\"\"");
        assert_eq!(dotenv_value("a b"), "\"a b\"");
        assert_eq!(dotenv_value("${x} \"q\"\n"), "\"\\${x} \\\"q\\\"\\n\"");
    }
}
