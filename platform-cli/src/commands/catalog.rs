//! `platformctl catalog ...`: the service catalog, from the state store or, with `-f`, from
//! catalog files only.

use crate::output::{out, outln};
use std::path::PathBuf;
use std::process::ExitCode;

use platform_catalog::entity::EntityRef;
use platform_catalog::import::{check, merge};
use platform_catalog::query::{self, subgraph};
use platform_catalog::validate::{Options, validate_paths};
use platform_catalog::{Catalog, Entity};
use serde_json::{Value, json};

use crate::config::Config;
use crate::error::CliError;
use crate::output::{self, Format};
use crate::workspace::Workspace;

/// Where a query reads the catalog from.
#[derive(Debug, Clone, clap::Args)]
pub struct Source {
    /// Read only these catalog files and folders, without any store (for CI checks).
    #[arg(short = 'f', long = "filename", num_args = 1.., value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Substitute `$text`, `$json` and `$yaml` placeholders from files relative to each file.
    #[arg(long)]
    pub resolve_placeholders: bool,
    /// Environment; default: the config's defaultEnvironment.
    #[arg(long = "env", value_name = "NAME")]
    pub env: Option<String>,
}

/// Output of queries.
#[derive(Debug, Clone, clap::Args)]
pub struct Output {
    /// Output format; JSON and YAML are `{"items": [...]}`, each item with its `ref`.
    #[arg(short = 'o', long = "output", value_enum, default_value = "table")]
    pub output: Format,
}

/// The format of `catalog graph`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum GraphFormat {
    /// Graphviz DOT.
    Dot,
    /// A Mermaid flowchart.
    Mermaid,
    /// `{"nodes": [...], "edges": [...]}`.
    Json,
}

/// The catalog verbs.
#[derive(Debug, clap::Subcommand)]
pub enum CatalogCommand {
    /// Check catalog files as Backstage does; exit 1 on any invalid document, every error listed.
    #[command(after_help = "Examples:
  platformctl catalog validate catalog-info.yaml
  platformctl catalog validate catalog/ --resolve-placeholders")]
    Validate {
        /// Files or folders (.yaml, .yml, .json; folders recursively).
        #[arg(required = true, num_args = 1.., value_name = "PATH")]
        paths: Vec<PathBuf>,
        /// Substitute `$text`, `$json` and `$yaml` placeholders from relative files first.
        #[arg(long)]
        resolve_placeholders: bool,
    },
    /// List entities, optionally of one kind or one direct owner.
    #[command(after_help = "Examples:
  platformctl catalog list
  platformctl catalog list --kind Component --owner group:default/team-orders -o json
  platformctl catalog list -f catalog/")]
    List {
        /// Only this kind (case-insensitive).
        #[arg(long)]
        kind: Option<String>,
        /// Only entities owned directly by this entity (`group:team-a`, `user:default/jane`).
        #[arg(long, value_name = "REF")]
        owner: Option<String>,
        #[command(flatten)]
        source: Source,
        #[command(flatten)]
        output: Output,
    },
    /// Show one entity with its relations.
    #[command(after_help = "Examples:
  platformctl catalog get component:default/storefront
  platformctl catalog get resource:orders-db.databaseclaim -o yaml")]
    Get {
        /// The entity, `kind:[namespace/]name`.
        #[arg(value_name = "REF")]
        entity: String,
        #[command(flatten)]
        source: Source,
        #[command(flatten)]
        output: Output,
    },
    /// Entities owned by a group or user, directly and through the group's child groups.
    #[command(
        name = "owned-by",
        after_help = "Examples:
  platformctl catalog owned-by group:default/team-orders
  platformctl catalog owned-by group:infrastructure -f catalog/ -o json"
    )]
    OwnedBy {
        /// The owner, `kind:[namespace/]name`.
        #[arg(value_name = "REF")]
        owner: String,
        #[command(flatten)]
        source: Source,
        #[command(flatten)]
        output: Output,
    },
    /// What a change to an entity affects: its transitive dependents, with the path to each.
    #[command(after_help = "Examples:
  platformctl catalog impact resource:default/orders-db.databaseclaim
  platformctl catalog impact api:petstore -f catalog/ -o json")]
    Impact {
        /// The changed entity, `kind:[namespace/]name`.
        #[arg(value_name = "REF")]
        entity: String,
        #[command(flatten)]
        source: Source,
        #[command(flatten)]
        output: Output,
    },
    /// Entities whose owner is missing, unknown or not given.
    #[command(after_help = "Examples:
  platformctl catalog orphans
  platformctl catalog orphans -f catalog/ -o json")]
    Orphans {
        #[command(flatten)]
        source: Source,
        #[command(flatten)]
        output: Output,
    },
    /// Every relation, one `SOURCE TYPE TARGET` line each, sorted.
    #[command(after_help = "Examples:
  platformctl catalog relations
  platformctl catalog relations -f catalog/ | grep dependsOn")]
    Relations {
        #[command(flatten)]
        source: Source,
        #[command(flatten)]
        output: Output,
    },
    /// The relation graph around an entity (or all of it) as DOT, Mermaid or JSON.
    #[command(after_help = "Examples:
  platformctl catalog graph component:storefront --depth 2 | dot -Tsvg > storefront.svg
  platformctl catalog graph -f catalog/ -o mermaid")]
    Graph {
        /// The entity at the centre; default: the whole catalog.
        #[arg(value_name = "REF")]
        entity: Option<String>,
        /// How many relations away from the centre to go; default: no limit.
        #[arg(long)]
        depth: Option<usize>,
        #[command(flatten)]
        source: Source,
        /// Output format.
        #[arg(short = 'o', long = "output", value_enum, default_value = "dot")]
        output: GraphFormat,
    },
    /// Import catalog files into the store, merged with the platform's entities.
    #[command(after_help = "Examples:
  platformctl catalog import catalog-info.yaml
  platformctl catalog import services/ --resolve-placeholders")]
    Import {
        /// Files or folders.
        #[arg(required = true, num_args = 1.., value_name = "PATH")]
        paths: Vec<PathBuf>,
        /// Substitute `$text`, `$json` and `$yaml` placeholders from relative files first.
        #[arg(long)]
        resolve_placeholders: bool,
        /// Environment; default: the config's defaultEnvironment.
        #[arg(long = "env", value_name = "NAME")]
        env: Option<String>,
    },
    /// Remove imported entities from the store (entities the platform derived follow their claims).
    #[command(after_help = "Examples:
  platformctl catalog unregister component:default/legacy-billing
  platformctl catalog unregister api:petstore group:old-team")]
    Unregister {
        /// The imported entities, `kind:[namespace/]name`.
        #[arg(required = true, num_args = 1.., value_name = "REF")]
        entities: Vec<String>,
        /// Environment; default: the config's defaultEnvironment.
        #[arg(long = "env", value_name = "NAME")]
        env: Option<String>,
    },
    /// Write one catalog-info.yaml per component (with its resources) under DIR.
    #[command(after_help = "Examples:
  platformctl catalog export catalog-out/
  platformctl catalog export out/ -f catalog/")]
    Export {
        /// The folder to write.
        #[arg(value_name = "DIR")]
        dir: PathBuf,
        #[command(flatten)]
        source: Source,
    },
    /// Compare the dependsOn declared in catalog files with the platform's graph; exit 2 on any difference.
    #[command(after_help = "Examples:
  platformctl catalog check -f catalog-info.yaml
  platformctl catalog check")]
    Check {
        #[command(flatten)]
        source: Source,
        #[command(flatten)]
        output: Output,
    },
}

/// Runs a catalog verb.
pub async fn run(config: &Config, command: CatalogCommand) -> Result<ExitCode, CliError> {
    match command {
        CatalogCommand::Validate {
            paths,
            resolve_placeholders,
        } => validate(&paths, resolve_placeholders),
        CatalogCommand::List {
            kind,
            owner,
            source,
            output,
        } => {
            let catalog = load(config, &source).await?;
            let owner = owner.as_deref().map(parse_ref).transpose()?;
            let items: Vec<Value> = query::list(&catalog, kind.as_deref(), owner.as_ref())
                .into_iter()
                .map(entity_item)
                .collect();
            let headers = ["REF", "OWNER", "TYPE", "LIFECYCLE"];
            answer(output.output, &headers, &items, |e| {
                let spec = &e["spec"];
                let fields = [&e["ref"], &spec["owner"], &spec["type"], &spec["lifecycle"]];
                fields.into_iter().map(text).collect()
            })
        }
        CatalogCommand::Get {
            entity,
            source,
            output,
        } => {
            let catalog = load(config, &source).await?;
            let key = parse_ref(&entity)?;
            let Some(found) = catalog.get(&key) else {
                return Err(not_in_catalog(&key));
            };
            let mut item = entity_item(found);
            item["relations"] = catalog
                .outgoing(&key)
                .map(|(t, target)| json!({"type": t.as_str(), "targetRef": target.to_string()}))
                .collect();
            match output.output {
                Format::Table => {
                    let mut doc = found.to_json();
                    doc["relations"] = item["relations"].clone();
                    output::print_documents(&[doc], output::OutputFormat::Yaml)?;
                    Ok(ExitCode::SUCCESS)
                }
                format => print_items(vec![item], format),
            }
        }
        CatalogCommand::OwnedBy {
            owner,
            source,
            output,
        } => {
            let catalog = load(config, &source).await?;
            let owner = parse_ref(&owner)?;
            let owned = query::owned_by(&catalog, &owner);
            let owned: Vec<Value> = owned
                .iter()
                .map(|(e, o)| json!({"ref": e.to_string(), "owner": o.to_string()}))
                .collect();
            answer(output.output, &["REF", "OWNER"], &owned, |o| {
                vec![text(&o["ref"]), text(&o["owner"])]
            })
        }
        CatalogCommand::Impact {
            entity,
            source,
            output,
        } => {
            let catalog = load(config, &source).await?;
            let key = parse_ref(&entity)?;
            if !catalog.contains(&key) {
                return Err(not_in_catalog(&key));
            }
            let impacts = query::impact(&catalog, &key);
            answer(output.output, &["REF", "DISTANCE", "PATH"], &impacts, |i| {
                let path: Vec<String> = i.path.iter().map(ToString::to_string).collect();
                vec![
                    i.entity.to_string(),
                    i.distance.to_string(),
                    path.join(" -> "),
                ]
            })
        }
        CatalogCommand::Orphans { source, output } => {
            let catalog = load(config, &source).await?;
            let orphans = query::orphans(&catalog);
            answer(output.output, &["REF", "REASON"], &orphans, |o| {
                let reason = match &o.reason {
                    query::OrphanReason::NoOwner => "no owner".to_owned(),
                    query::OrphanReason::OwnerMissing { owner } => {
                        format!("owner {owner} is not in the catalog")
                    }
                    query::OrphanReason::OwnerUnknown { owner, message } => {
                        format!("owner {owner:?}: {message}")
                    }
                };
                vec![o.entity.clone(), reason]
            })
        }
        CatalogCommand::Relations { source, output } => {
            let catalog = load(config, &source).await?;
            for missing in catalog.missing() {
                eprintln!(
                    "warning: {}: {} is not in the catalog",
                    missing.relation, missing.absent
                );
            }
            let relations = catalog.relations();
            match output.output {
                Format::Table => {
                    for relation in &relations {
                        outln!("{relation}");
                    }
                    Ok(ExitCode::SUCCESS)
                }
                format => print_items(relations.iter().map(|r| json!({
                    "ref": r.source.to_string(), "type": r.type_.as_str(), "target": r.target.to_string()
                })).collect(), format),
            }
        }
        CatalogCommand::Graph {
            entity,
            depth,
            source,
            output,
        } => {
            let catalog = load(config, &source).await?;
            let root = entity.as_deref().map(parse_ref).transpose()?;
            if let Some(root) = &root
                && !catalog.contains(root)
            {
                return Err(not_in_catalog(root));
            }
            let graph = subgraph(&catalog, root.as_ref(), depth);
            match output {
                GraphFormat::Dot => out!("{}", graph.to_dot()),
                GraphFormat::Mermaid => out!("{}", graph.to_mermaid()),
                GraphFormat::Json => output::print_value(&graph.to_json(), Format::Json)?,
            }
            Ok(ExitCode::SUCCESS)
        }
        CatalogCommand::Import {
            paths,
            resolve_placeholders,
            env,
        } => {
            let declared = read_files(&paths, resolve_placeholders)?;
            let workspace = Workspace::open(config, env.as_deref())?;
            let platform = workspace.catalog.platform_entities().await?;
            let merged = merge(platform, declared.clone());
            for conflict in &merged.conflicts {
                eprintln!("conflict: {conflict}");
            }
            workspace.catalog.import(&declared).await?;
            outln!(
                "Imported {} entities ({} conflicts with the platform's entities reported).",
                declared.len(),
                merged.conflicts.len()
            );
            Ok(ExitCode::SUCCESS)
        }
        CatalogCommand::Unregister { entities, env } => {
            let refs = entities
                .iter()
                .map(|e| parse_ref(e))
                .collect::<Result<Vec<_>, _>>()?;
            let workspace = Workspace::open(config, env.as_deref())?;
            let absent = workspace.catalog.unregister(&refs).await?;
            if !absent.is_empty() {
                let platform = workspace.catalog.platform_entities().await?;
                let lines = absent
                    .iter()
                    .map(|r| {
                        let why = if platform.iter().any(|e| &e.entity_ref() == r) {
                            "the platform derives it from a claim; delete the claim instead"
                        } else {
                            "no imported entity has this reference"
                        };
                        format!("{r}: {why}")
                    })
                    .collect::<Vec<_>>()
                    .join("\n");
                return Err(CliError::Usage {
                    message: format!("expected imported entities, nothing was removed:\n{lines}"),
                    hint: Some("platformctl catalog list shows every entity".into()),
                });
            }
            outln!("Unregistered {} entities.", refs.len());
            Ok(ExitCode::SUCCESS)
        }
        CatalogCommand::Export { dir, source } => {
            let catalog = load(config, &source).await?;
            let written = platform_catalog::export::export(&catalog, &dir)
                .map_err(|e| CliError::Output(e.to_string()))?;
            for path in &written {
                outln!("{}", path.display());
            }
            Ok(ExitCode::SUCCESS)
        }
        CatalogCommand::Check { source, output } => {
            let workspace = Workspace::open_read_only(config, source.env.as_deref())?;
            let platform = workspace.catalog.platform_entities().await?;
            let declared = if source.paths.is_empty() {
                workspace.catalog.imported_entities().await?
            } else {
                read_files(&source.paths, source.resolve_placeholders)?
            };
            let differences = check(&platform, &declared);
            match output.output {
                Format::Table => {
                    for d in &differences {
                        outln!("{d}");
                    }
                    if differences.is_empty() {
                        outln!("Declared and actual dependencies agree.");
                    }
                }
                format => {
                    print_items(
                        differences
                            .iter()
                            .map(output::to_value)
                            .collect::<Result<_, _>>()?,
                        format,
                    )?;
                }
            }
            Ok(if differences.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(2)
            })
        }
    }
}

/// `catalog validate`: every problem of every document on stderr, as `validate` prints them,
/// then a count on stdout; exit 1 on any.
fn validate(paths: &[PathBuf], resolve_placeholders: bool) -> Result<ExitCode, CliError> {
    let validated = validate_paths(
        paths,
        &Options {
            resolve_placeholders,
            ..Options::default()
        },
    );
    let diagnostics = validated.diagnostics();
    for d in &diagnostics {
        eprintln!("{d}");
    }
    let documents = validated.documents.len();
    let invalid = validated
        .documents
        .iter()
        .filter(|(_, o)| !o.is_valid())
        .count();
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    outln!(
        "{}, {} invalid, {}",
        plural(documents, "document"),
        invalid,
        plural(diagnostics.len(), "error")
    );
    Ok(if diagnostics.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// The valid entities of files; any problem is invalid input (exit 1), every one listed.
fn read_files(paths: &[PathBuf], resolve_placeholders: bool) -> Result<Vec<Entity>, CliError> {
    let validated = validate_paths(
        paths,
        &Options {
            resolve_placeholders,
            ..Options::default()
        },
    );
    let diagnostics = validated.diagnostics();
    if !diagnostics.is_empty() {
        return Err(CliError::Input(diagnostics));
    }
    Ok(validated.into_valid_entities())
}

/// The catalog a query reads: the files given with `-f`, else the store's (the platform's
/// entities merged with imported ones; conflicts are warned about).
async fn load(config: &Config, source: &Source) -> Result<Catalog, CliError> {
    if !source.paths.is_empty() {
        return Ok(Catalog::from_entities(read_files(
            &source.paths,
            source.resolve_placeholders,
        )?));
    }
    let workspace = Workspace::open_read_only(config, source.env.as_deref())?;
    let merged = workspace.catalog.merged().await?;
    for conflict in &merged.conflicts {
        eprintln!("conflict: {conflict}");
    }
    Ok(Catalog::from_entities(merged.entities))
}

fn parse_ref(text: &str) -> Result<EntityRef, CliError> {
    EntityRef::parse_user(text).map_err(|e| CliError::Usage {
        message: format!("entity reference {text:?}: {e}"),
        hint: Some("write kind:[namespace/]name, such as component:default/storefront".into()),
    })
}

fn entity_item(entity: &Entity) -> Value {
    let mut item = json!({"ref": entity.entity_ref().to_string()});
    if let (Value::Object(out), Value::Object(fields)) = (&mut item, entity.to_json()) {
        out.extend(fields);
    }
    item
}

/// A query's answer: a table with a row per item, or `{"items": [...]}` in JSON or YAML.
fn answer<T: serde::Serialize>(
    format: Format,
    headers: &[&str],
    items: &[T],
    row: impl Fn(&T) -> Vec<String>,
) -> Result<ExitCode, CliError> {
    match format {
        Format::Table => {
            let rows: Vec<Vec<String>> = items.iter().map(row).collect();
            output::print_table(headers, &rows);
            Ok(ExitCode::SUCCESS)
        }
        format => print_items(
            items
                .iter()
                .map(output::to_value)
                .collect::<Result<_, _>>()?,
            format,
        ),
    }
}

/// The error for an entity the catalog does not hold.
fn not_in_catalog(key: &EntityRef) -> CliError {
    CliError::Usage {
        message: format!("{key} is not in the catalog"),
        hint: Some("`platformctl catalog list` lists the entities".into()),
    }
}

/// A JSON string's text; empty for anything else.
fn text(value: &Value) -> String {
    value.as_str().unwrap_or_default().to_owned()
}

fn print_items(items: Vec<Value>, format: Format) -> Result<ExitCode, CliError> {
    output::print_value(&json!({ "items": items }), format)?;
    Ok(ExitCode::SUCCESS)
}
