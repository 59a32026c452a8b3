//! `platformctl get [KIND [NAME]] [-n NAMESPACE] [-o table|yaml|json]`

use crate::output::outln;
use std::process::ExitCode;

use platform_core::kinds::ApplicationSpec;
use platform_core::model::{DynamicObject, Resource, TypedKind};
use serde_json::{Value, json};

use crate::config::Config;
use crate::error::CliError;
use crate::output::{self, Format};
use crate::workspace::{Workspace, not_found};

/// The kind whose claims request other claims.
const APPLICATION: &str = ApplicationSpec::KIND;

/// Arguments of `get`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Claim kind, such as DatabaseClaim; default: every kind.
    pub kind: Option<String>,
    /// Claim name.
    pub name: Option<String>,
    /// Namespace; default: the config's defaultNamespace (`default` without one).
    #[arg(short = 'n', long = "namespace")]
    pub namespace: Option<String>,
    /// List the claims of every namespace.
    #[arg(
        short = 'A',
        long = "all-namespaces",
        conflicts_with_all = ["namespace", "name"]
    )]
    pub all_namespaces: bool,
    /// Environment; default: the config's defaultEnvironment.
    #[arg(long = "env", value_name = "NAME")]
    pub env: Option<String>,
    /// Output format.
    #[arg(short = 'o', long = "output", value_enum, default_value = "table")]
    pub output: Format,
    /// After the list, print each listed claim again whenever it changes, until Ctrl-C.
    #[arg(short = 'w', long)]
    pub watch: bool,
}

/// Lists stored claims of a namespace (or every namespace) with their readiness.
pub async fn run(config: &Config, args: Args) -> Result<ExitCode, CliError> {
    let workspace = Workspace::open_read_only(config, args.env.as_deref())?;
    let kind = match &args.kind {
        Some(kind) => Some(workspace.registry.find_kind(kind)?.gvk.kind.clone()),
        None => None,
    };
    let namespace = (!args.all_namespaces).then(|| config.namespace(args.namespace.as_deref()));
    let stored = workspace.engine.claims().await?;
    // Of the asked kind and name in every namespace: what the namespace hides is worth a hint.
    let matching: Vec<&DynamicObject> = stored
        .iter()
        .filter(|c| kind.as_ref().is_none_or(|k| &c.kind == k))
        .filter(|c| args.name.as_ref().is_none_or(|n| &c.metadata.name == n))
        .collect();
    let claims: Vec<&DynamicObject> = matching
        .iter()
        .copied()
        .filter(|c| namespace.as_ref().is_none_or(|n| c.namespace() == n))
        .collect();
    if let (Some(kind), Some(name), Some(namespace), true) =
        (&kind, &args.name, &namespace, claims.is_empty())
    {
        let key = workspace.reference(kind, namespace, name)?;
        return Err(not_found(key, &stored));
    }
    if args.watch {
        print_list(&claims, &stored, config, args.output)?;
        return watch(
            config,
            &workspace,
            &args,
            kind.as_deref(),
            namespace.as_deref(),
        )
        .await;
    }
    match args.output {
        Format::Table if claims.is_empty() => match &namespace {
            Some(namespace) if !matching.is_empty() => outln!(
                "No claims found in namespace {namespace}; `platformctl get -A` lists {} in other namespaces.",
                matching.len()
            ),
            _ => outln!("No claims found."),
        },
        Format::Table => print_claims(&claims, &stored, &super::cost::price_list(config)?.1),
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

/// Prints claims as the output format asks: a table, or a `List` of objects.
fn print_list(
    claims: &[&DynamicObject],
    stored: &[DynamicObject],
    config: &Config,
    format: Format,
) -> Result<(), CliError> {
    match format {
        Format::Table => print_claims(claims, stored, &super::cost::price_list(config)?.1),
        format => {
            let items = claims
                .iter()
                .map(output::to_value)
                .collect::<Result<Vec<Value>, _>>()?;
            let list = json!({"apiVersion": "v1", "kind": "List", "items": items});
            output::print_value(&list, format)?;
        }
    }
    Ok(())
}

/// Follows the store's change feed and prints every listed claim again when it changes,
/// until Ctrl-C (exit 0).
async fn watch(
    config: &Config,
    workspace: &Workspace,
    args: &Args,
    kind: Option<&str>,
    namespace: Option<&str>,
) -> Result<ExitCode, CliError> {
    use std::io::Write as _;
    let store = workspace.engine.store();
    let mut cursor = 0;
    loop {
        let page = store.changes(cursor, 10_000).await?;
        match page.last() {
            Some(last) => cursor = last.seq,
            None => break,
        }
    }
    let listed = |key: &platform_core::model::ObjectRef| {
        workspace.registry.find_kind(&key.kind).is_ok()
            && kind.is_none_or(|k| key.kind == k)
            && args.name.as_ref().is_none_or(|n| &key.name == n)
            && namespace.is_none_or(|n| key.namespace == n)
    };
    let interrupted = tokio::signal::ctrl_c();
    tokio::pin!(interrupted);
    loop {
        tokio::select! {
            _ = &mut interrupted => return Ok(ExitCode::SUCCESS),
            _ = tokio::time::sleep(std::time::Duration::from_millis(500)) => {}
        }
        let changes = store.changes(cursor, 10_000).await?;
        let Some(last) = changes.last() else { continue };
        cursor = last.seq;
        let mut keys: Vec<&platform_core::model::ObjectRef> = changes
            .iter()
            .map(|c| &c.key)
            .filter(|k| listed(k))
            .collect();
        keys.dedup();
        if keys.is_empty() {
            continue;
        }
        let stored = workspace.engine.claims().await?;
        let changed: Vec<&DynamicObject> = stored
            .iter()
            .filter(|c| {
                keys.iter().any(|k| {
                    k.kind == c.kind && k.name == c.metadata.name && k.namespace == c.namespace()
                })
            })
            .collect();
        if !changed.is_empty() {
            print_list(&changed, &stored, config, args.output)?;
            let _ = std::io::stdout().flush();
        }
    }
}

/// What `get` says of a claim that is stored but was never reconciled.
pub const PENDING: &str = "pending: stored but not reconciled yet (an apply was stopped?); `platformctl apply` or `platformctl run` finishes it";

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

/// Claims as a table; TEAM is the owner label (inherited from the owning claim when the
/// claim has none), APPLICATION the Application that requested the claim.
fn print_claims(claims: &[&DynamicObject], stored: &[DynamicObject], owner_label: &str) {
    let team = |c: &DynamicObject| -> String {
        if let Some(team) = c.metadata.labels.get(owner_label) {
            return team.clone();
        }
        c.metadata
            .owner_references
            .iter()
            .filter_map(|o| {
                stored.iter().find(|s| {
                    s.kind == o.kind && s.metadata.name == o.name && s.namespace() == c.namespace()
                })
            })
            .find_map(|owner| owner.metadata.labels.get(owner_label).cloned())
            .unwrap_or_default()
    };
    let rows: Vec<Vec<String>> = claims
        .iter()
        .map(|c| {
            let (ready, why) = condition(c, "Ready");
            let (synced, error) = condition(c, "Synced");
            let application = c
                .metadata
                .owner_references
                .iter()
                .map(|o| {
                    if o.kind == APPLICATION {
                        o.name.clone()
                    } else {
                        format!("{}/{}", o.kind, o.name)
                    }
                })
                .collect::<Vec<_>>()
                .join(",");
            let message = if c.status.is_none() {
                // Stored, never reconciled: an apply stopped between storing and reconciling.
                PENDING.to_owned()
            } else if error.is_empty() {
                why
            } else {
                error
            };
            vec![
                c.namespace().to_owned(),
                c.kind.clone(),
                c.metadata.name.clone(),
                ready,
                synced,
                team(c),
                application,
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
            "TEAM",
            "APPLICATION",
            "MESSAGE",
        ],
        &rows,
    );
}
