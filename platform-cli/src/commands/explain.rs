//! `platformctl explain KIND NAME` and `explain -f PATH...`: for each claim with an intent,
//! every candidate offering with pass or fail per need, its price, and why the pick won.

use std::path::PathBuf;
use std::process::ExitCode;

use platform_core::admit::intent::{IntentResolver, explain_item, explain_text, intent_needs};
use platform_core::model::{DynamicObject, Resource};
use serde_json::{Value, json};

use crate::config::Config;
use crate::error::CliError;
use crate::output::Format;
use crate::workspace::{Workspace, load_claims};

/// Arguments of `explain`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Claim kind, such as DatabaseClaim (with NAME: a stored claim).
    pub kind: Option<String>,
    /// Claim name.
    pub name: Option<String>,
    /// Files or folders of claims (and Offerings) to explain without a store.
    #[arg(short = 'f', long = "filename", num_args = 1.., value_name = "PATH", conflicts_with_all = ["kind", "name"])]
    pub paths: Vec<PathBuf>,
    /// Namespace; default: the config's defaultNamespace (`default` without one).
    #[arg(short = 'n', long = "namespace")]
    pub namespace: Option<String>,
    /// Environment; default: the config's defaultEnvironment.
    #[arg(long = "env", value_name = "NAME")]
    pub env: Option<String>,
    /// Output format: table (readable lines) or json.
    #[arg(short = 'o', long = "output", value_enum, default_value = "table")]
    pub output: Format,
}

/// Explains the choice of offering for each claim with an intent.
pub async fn run(config: &Config, args: Args) -> Result<ExitCode, CliError> {
    let (environment, _) = config.environment(args.env.as_deref())?;
    // Each claim with the claim it was stored as (its offering is kept while it satisfies).
    let (claims, offering_documents): (Vec<(DynamicObject, Option<DynamicObject>)>, _) =
        if args.paths.is_empty() {
            let (Some(kind), Some(name)) = (&args.kind, &args.name) else {
                return Err(CliError::Usage {
                    message: "expected KIND NAME or -f PATH...".into(),
                    hint: Some("platformctl explain DatabaseClaim orders-db".into()),
                });
            };
            let workspace = Workspace::open_read_only(config, args.env.as_deref())?;
            let namespace = config.namespace(args.namespace.as_deref());
            let key = workspace.reference(kind, &namespace, name)?;
            let view = match workspace.engine.status(&key).await {
                Ok(view) => view,
                Err(e) => return Err(workspace.explain(e).await),
            };
            (vec![(view.object.clone(), Some(view.object))], Vec::new())
        } else {
            let registry = config.registry()?;
            let (checked, offerings) = load_claims(&registry, &config.score_types, &args.paths)?;
            (
                checked
                    .into_iter()
                    .map(|c| (c.into_object(), None))
                    .collect(),
                offerings,
            )
        };
    let offerings = crate::intent::offerings(config, &offering_documents)?;
    let resolver = IntentResolver::new(&offerings, &environment, false);
    let mut items = Vec::new();
    let mut text = String::new();
    let mut infeasible = false;
    for (object, stored) in &claims {
        let Some(decided) = resolver.decide(object, stored.as_ref()) else {
            continue;
        };
        let choice = decided.map_err(|message| CliError::Usage {
            message,
            hint: None,
        })?;
        let key = object.object_ref();
        let claim = format!("{}/{}/{}", object.kind, key.namespace, key.name);
        infeasible |= choice.chosen.is_none();
        items.push(explain_item(&claim, &choice));
        let needs = intent_needs(object)
            .and_then(Result::ok)
            .unwrap_or_default();
        text.push_str(&explain_text(&claim, &needs, &choice));
    }
    match args.output {
        Format::Json => println!(
            "{}",
            serde_json::to_string_pretty(&json!({ "items": Value::Array(items) }))
                .map_err(|e| CliError::Output(e.to_string()))?
        ),
        Format::Yaml | Format::Table if items.is_empty() => {
            println!("no claim states an intent");
        }
        _ => print!("{text}"),
    }
    Ok(if infeasible {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}
