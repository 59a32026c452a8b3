//! `platformctl template status`: the fleet view.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use platform_template::answers::AnswersFile;
use platform_template::upgrade::{local_drift, rerender_recorded};
use serde_json::{Value, json};

use super::register::{catalog_refs, record_event};
use super::source::TemplateSource;
use crate::config::Config;
use crate::error::CliError;
use crate::output::{self, Format};

/// Arguments of `template status`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Folders searched (recursively) for scaffolded repositories.
    #[arg(required = true, value_name = "ROOT")]
    roots: Vec<PathBuf>,
    /// The answers file that marks a scaffolded repository.
    #[arg(long, value_name = "FILE", default_value = ".copier-answers.yml")]
    answers_file: String,
    /// Output format.
    #[arg(short = 'o', long = "output", value_enum, default_value = "table")]
    output: StatusFormat,
    /// Record each repository behind its template as a `TemplateBehind` event on its catalog
    /// entity (the platform's metrics count repositories left behind).
    #[arg(long)]
    record: bool,
    /// Environment whose state store `--record` writes to.
    #[arg(long = "env", value_name = "NAME")]
    env: Option<String>,
}

/// How the fleet is printed.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum StatusFormat {
    /// Aligned columns.
    Table,
    /// A JSON array.
    Json,
}

/// Folders never searched: version control, dependencies, build output.
const SKIPPED: [&str; 5] = [".git", "node_modules", "target", ".venv", "__pycache__"];

/// Prints one row per repository; exit 2 when any is behind or drifted.
pub async fn run(config: &Config, args: Args) -> Result<ExitCode, CliError> {
    let mut repositories = Vec::new();
    for root in &args.roots {
        find(root, &args.answers_file, &mut repositories)?;
    }
    repositories.sort();
    let mut sources: HashMap<String, Result<TemplateSource, String>> = HashMap::new();
    let mut rows = Vec::new();
    let mut attention = false;
    for repository in &repositories {
        let row = status_of(repository, &args.answers_file, &mut sources);
        if row["behind"].as_u64().unwrap_or(0) > 0
            || row["drift"].as_u64().unwrap_or(0) > 0
            || row.get("error").is_some()
        {
            attention = true;
        }
        rows.push(row);
    }
    if args.record {
        for row in &rows {
            let behind = row["behind"].as_u64().unwrap_or(0);
            if behind == 0 {
                continue;
            }
            let repository = Path::new(row["repository"].as_str().unwrap_or_default());
            let message = format!(
                "{behind} versions behind: {} at {}, latest {}",
                row["template"].as_str().unwrap_or_default(),
                row["version"].as_str().unwrap_or("-"),
                row["latest"].as_str().unwrap_or("-"),
            );
            let refs = catalog_refs(repository);
            record_event(
                config,
                args.env.as_deref(),
                &refs,
                "TemplateBehind",
                &message,
            )
            .await?;
        }
    }
    match args.output {
        StatusFormat::Json => output::print_value(&Value::Array(rows), Format::Json)?,
        StatusFormat::Table => {
            let table: Vec<Vec<String>> = rows
                .iter()
                .map(|row| {
                    let cell = |key: &str| match &row[key] {
                        Value::String(text) => text.clone(),
                        Value::Null => "-".into(),
                        other => other.to_string(),
                    };
                    let drift = match row.get("error") {
                        Some(Value::String(error)) => format!("error: {error}"),
                        _ => cell("drift"),
                    };
                    vec![
                        cell("repository"),
                        cell("template"),
                        cell("version"),
                        cell("latest"),
                        cell("behind"),
                        drift,
                    ]
                })
                .collect();
            output::print_table(
                &[
                    "REPOSITORY",
                    "TEMPLATE",
                    "VERSION",
                    "LATEST",
                    "BEHIND",
                    "DRIFT",
                ],
                &table,
            );
        }
    }
    Ok(if attention {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    })
}

fn find(dir: &Path, answers_file: &str, found: &mut Vec<PathBuf>) -> Result<(), CliError> {
    if dir.join(answers_file).is_file() {
        found.push(dir.to_owned());
    }
    let entries = std::fs::read_dir(dir).map_err(|e| CliError::Usage {
        message: format!("{}: {e}", dir.display()),
        hint: None,
    })?;
    for entry in entries.flatten() {
        let name = entry.file_name();
        if SKIPPED.iter().any(|s| name == *s) {
            continue;
        }
        if entry.file_type().is_ok_and(|t| t.is_dir()) {
            find(&entry.path(), answers_file, found)?;
        }
    }
    Ok(())
}

fn status_of(
    repository: &Path,
    answers_file: &str,
    sources: &mut HashMap<String, Result<TemplateSource, String>>,
) -> Value {
    let mut row = json!({
        "repository": repository.display().to_string(),
        "template": null, "version": null, "latest": null, "behind": null, "drift": null,
    });
    let recorded = match AnswersFile::read(repository, answers_file) {
        Ok(recorded) => recorded,
        Err(err) => {
            row["error"] = json!(err.to_string());
            return row;
        }
    };
    row["template"] = json!(recorded.src_path);
    row["version"] = json!(recorded.commit);
    let source = sources.entry(recorded.src_path.clone()).or_insert_with(|| {
        TemplateSource::open_recorded(&recorded.src_path, repository).map_err(|e| e.to_string())
    });
    let source = match source {
        Ok(source) => source,
        Err(err) => {
            row["error"] = json!(err.clone());
            return row;
        }
    };
    let versions = source.versions().unwrap_or_default();
    if let Some(latest) = versions.last() {
        row["latest"] = json!(latest);
        let position = recorded
            .commit
            .as_ref()
            .and_then(|commit| versions.iter().position(|v| v == commit));
        row["behind"] = json!(match position {
            Some(index) => versions.len() - 1 - index,
            None => versions.len(),
        });
    } else {
        row["behind"] = json!(0);
    }
    let drift = source
        .read(recorded.commit.as_deref())
        .map_err(|e| e.to_string())
        .and_then(|template| rerender_recorded(&template, repository).map_err(|e| e.to_string()))
        .and_then(|generation| {
            local_drift(&generation.tree, repository).map_err(|e| e.to_string())
        });
    match drift {
        Ok(drift) => {
            row["drift"] = json!(drift.len());
            row["drifted"] = json!(
                drift
                    .modified
                    .iter()
                    .chain(&drift.deleted)
                    .collect::<Vec<_>>()
            );
        }
        Err(err) => row["error"] = json!(err),
    }
    row
}
