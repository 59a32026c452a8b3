//! `platformctl graph -f PATH... -o dot|mermaid`: the dependency map of claims and resources.

use crate::output::outln;
use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::ExitCode;

use platform_core::kinds::ApplicationSpec;
use platform_core::model::{DynamicObject, Resource, TypedKind};

use crate::config::Config;
use crate::error::CliError;
use crate::workspace::{Workspace, load_checked};

/// How the graph is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum GraphFormat {
    /// Graphviz DOT.
    Dot,
    /// A Mermaid flowchart.
    Mermaid,
}

/// Arguments of `graph`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Files or folders of claims.
    #[arg(short = 'f', long = "filename", required = true, num_args = 1.., value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Environment; default: the config's defaultEnvironment.
    #[arg(long = "env", value_name = "NAME")]
    pub env: Option<String>,
    /// Output format.
    #[arg(short = 'o', long = "output", value_enum, default_value = "dot")]
    pub output: GraphFormat,
}

/// Prints claims, the claims an Application requests, the managed resources of each, and
/// which resources wait for which (dashed `after` edges).
pub async fn run(config: &Config, args: Args) -> Result<ExitCode, CliError> {
    let workspace = Workspace::open_read_only(config, args.env.as_deref())?;
    let checked = load_checked(&workspace.registry, &workspace.score_types, &args.paths)?;
    let objects: Vec<DynamicObject> = checked.iter().map(|c| c.object().clone()).collect();
    let plan = workspace.engine.plan_checked(checked).await?;
    let mut nodes: BTreeSet<(String, &'static str)> = BTreeSet::new();
    let mut edges: BTreeSet<(String, String)> = BTreeSet::new();
    for object in &objects {
        let id = label(&object.kind, object.name());
        nodes.insert((id.clone(), "claim"));
        for (child_kind, child_name) in requested(object) {
            let child = label(&child_kind, &child_name);
            nodes.insert((child.clone(), "claim"));
            edges.insert((id.clone(), child));
        }
    }
    // Within a claim: each resource waits for those it depends on (drawn dashed).
    let mut waits: BTreeSet<(String, String)> = BTreeSet::new();
    for action in &plan.actions {
        let claim = label(&action.claim.kind, &action.claim.name);
        let resource = label(&action.resource.kind, &action.resource.name);
        nodes.insert((claim.clone(), "claim"));
        nodes.insert((resource.clone(), "resource"));
        edges.insert((claim, resource.clone()));
        for dependency in &action.depends_on {
            if let Some(target) = plan
                .actions
                .iter()
                .find(|a| a.claim == action.claim && &a.name == dependency)
            {
                waits.insert((
                    resource.clone(),
                    label(&target.resource.kind, &target.resource.name),
                ));
            }
        }
    }
    match args.output {
        GraphFormat::Dot => {
            outln!("digraph platform {{");
            outln!("  rankdir=LR;");
            for (id, role) in &nodes {
                let shape = if *role == "claim" { "box" } else { "ellipse" };
                outln!("  \"{id}\" [shape={shape}];");
            }
            for (from, to) in &edges {
                outln!("  \"{from}\" -> \"{to}\";");
            }
            for (from, to) in &waits {
                outln!("  \"{from}\" -> \"{to}\" [style=dashed, label=\"after\"];");
            }
            outln!("}}");
        }
        GraphFormat::Mermaid => {
            outln!("flowchart LR");
            let ids: Vec<&String> = nodes.iter().map(|(id, _)| id).collect();
            let key = |id: &String| ids.iter().position(|i| *i == id).unwrap_or(0);
            for (i, (id, role)) in nodes.iter().enumerate() {
                if *role == "claim" {
                    outln!("  n{i}[\"{id}\"]");
                } else {
                    outln!("  n{i}([\"{id}\"])");
                }
            }
            for (from, to) in &edges {
                outln!("  n{} --> n{}", key(from), key(to));
            }
            for (from, to) in &waits {
                outln!("  n{} -. after .-> n{}", key(from), key(to));
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn label(kind: &str, name: &str) -> String {
    format!("{kind}/{name}")
}

/// The claims an Application requests in `spec.resources`, named `<application>-<key>`.
fn requested(object: &DynamicObject) -> Vec<(String, String)> {
    if object.kind != ApplicationSpec::KIND {
        return Vec::new();
    }
    let Ok(spec) = object.spec_as::<ApplicationSpec>() else {
        return Vec::new();
    };
    spec.resources
        .into_iter()
        .map(|(key, request)| (request.kind, format!("{}-{key}", object.name())))
        .collect()
}
