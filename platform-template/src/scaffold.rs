//! Scaffolding: answers resolved, the template rendered, and the tree written into a new
//! destination.

use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use crate::answers::{ResolveOptions, resolve_answers};
use crate::render::{ExternalDataSpec, PathRules, Renderer, render_context, render_tree};
use crate::tasks::Commands;
use crate::{Answers, RenderedTree, TemplateConfig, TemplateError, TemplateFiles};

/// One version of a template rendered with one set of answers.
#[derive(Debug, Clone)]
pub struct Generation {
    /// The template's configuration.
    pub config: TemplateConfig,
    /// The answers used.
    pub answers: Answers,
    /// What the answers file records.
    pub recorded: Map<String, Value>,
    /// The files rendered.
    pub tree: RenderedTree,
    /// The render context (answers and copier's variables), which `_tasks` see too.
    pub context: minijinja::Value,
}

impl Generation {
    /// The template's `_tasks` and `_migrations`, rendered with these answers when run.
    pub fn commands(&self) -> Commands {
        Commands {
            tasks: self.config.tasks.clone(),
            migrations: self.config.migrations.clone(),
            envops: self.config.envops.clone(),
            external_data: self.config.external_data.clone(),
            context: self.context.clone(),
        }
    }
}

/// Renders `template` for `dest` with answers from `given`, defaults and `options`' prompt.
/// `_tasks` and `_migrations` are refused unless `trust`.
pub fn generate(
    template: &TemplateFiles,
    dest: &Path,
    given: &Map<String, Value>,
    options: ResolveOptions<'_>,
    trust: bool,
) -> Result<Generation, TemplateError> {
    generate_as(template, &template.src_path, dest, given, options, trust)
}

/// [`generate`] recording `src_path` as `_src_path`: a re-render for an upgrade keeps what the
/// repository recorded (copier records the path as it was given, often relative).
pub(crate) fn generate_as(
    template: &TemplateFiles,
    src_path: &str,
    dest: &Path,
    given: &Map<String, Value>,
    options: ResolveOptions<'_>,
    trust: bool,
) -> Result<Generation, TemplateError> {
    let config = TemplateConfig::from_template(template)?;
    config.check_trust(trust)?;
    let renderer = Renderer::new(&config.envops)?.with_external_data(ExternalDataSpec {
        dest: dest.to_owned(),
        paths: config.external_data.clone(),
    });
    let answers = resolve_answers(&config, &renderer, given, options)?;
    let recorded = answers.recorded(src_path, template.commit.as_deref());
    let context = render_context(
        &answers,
        &recorded,
        &config.answers_file,
        &dest.to_string_lossy(),
    );
    let tree = render_tree(template, &config, &renderer, &context, &recorded)?;
    Ok(Generation {
        config,
        answers,
        recorded,
        tree,
        context,
    })
}

/// What a scaffold wrote.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScaffoldReport {
    /// Files written (or, in a dry run, that would be), by relative path.
    pub written: Vec<String>,
    /// Existing files kept because of `_skip_if_exists`.
    pub kept: Vec<String>,
}

/// Writes `generation` into `dest`, refusing a destination that exists and is not empty
/// unless `overwrite`. With `dry_run` nothing is written and the report says what would be.
pub fn write_generation(
    generation: &Generation,
    dest: &Path,
    overwrite: bool,
    dry_run: bool,
) -> Result<ScaffoldReport, TemplateError> {
    if !overwrite && !is_empty_or_missing(dest)? {
        return Err(TemplateError::DestinationNotEmpty(dest.to_owned()));
    }
    let rules = PathRules::new(
        &generation.config.exclude,
        &generation.config.skip_if_exists,
    )?;
    let mut report = ScaffoldReport::default();
    for (path, contents) in &generation.tree.files {
        let target: PathBuf = dest.join(path);
        if target.exists() && rules.is_skipped_if_exists(path) {
            report.kept.push(path.clone());
            continue;
        }
        if !dry_run {
            write_file(&target, contents)?;
        }
        report.written.push(path.clone());
    }
    Ok(report)
}

/// Writes `contents` to `path`, creating its folders.
pub(crate) fn write_file(path: &Path, contents: &[u8]) -> Result<(), TemplateError> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(TemplateError::io(parent))?;
    }
    std::fs::write(path, contents).map_err(TemplateError::io(path))
}

fn is_empty_or_missing(dest: &Path) -> Result<bool, TemplateError> {
    match std::fs::read_dir(dest) {
        Ok(mut entries) => Ok(entries.next().is_none()),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(true),
        Err(err) => Err(TemplateError::io(dest)(err)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn template() -> TemplateFiles {
        TemplateFiles::from_texts(
            "gh:acme/tiny",
            Some("v1.0.0"),
            [
                (
                    "copier.yml",
                    "name:\n  type: str\n_skip_if_exists: [local.cfg]\n",
                ),
                ("{{ name }}.txt.jinja", "hello {{ name }}\n"),
                ("local.cfg", "template default\n"),
                (
                    "{{ _copier_conf.answers_file }}.jinja",
                    "# Changes here will be overwritten by Copier; NEVER EDIT MANUALLY\n{{ _copier_answers|to_nice_yaml -}}\n",
                ),
            ],
        )
    }

    #[test]
    fn writes_the_tree_and_the_answers_file_copier_writes() {
        let dest = tempfile::tempdir().unwrap();
        let given = json!({"name": "svc"}).as_object().unwrap().clone();
        let generation = generate(
            &template(),
            dest.path(),
            &given,
            ResolveOptions::default(),
            false,
        )
        .unwrap();
        let report = write_generation(&generation, dest.path(), false, false).unwrap();
        assert_eq!(
            report.written,
            [".copier-answers.yml", "local.cfg", "svc.txt"]
        );
        assert_eq!(
            std::fs::read_to_string(dest.path().join("svc.txt")).unwrap(),
            "hello svc\n"
        );
        assert_eq!(
            std::fs::read_to_string(dest.path().join(".copier-answers.yml")).unwrap(),
            "# Changes here will be overwritten by Copier; NEVER EDIT MANUALLY\n\
             _commit: v1.0.0\n_src_path: gh:acme/tiny\nname: svc\n"
        );
    }

    #[test]
    fn a_non_empty_destination_needs_overwrite_and_keeps_skip_if_exists() {
        let dest = tempfile::tempdir().unwrap();
        std::fs::write(dest.path().join("local.cfg"), "mine\n").unwrap();
        let given = json!({"name": "svc"}).as_object().unwrap().clone();
        let generation = generate(
            &template(),
            dest.path(),
            &given,
            ResolveOptions::default(),
            false,
        )
        .unwrap();
        let err = write_generation(&generation, dest.path(), false, false).unwrap_err();
        assert!(
            matches!(err, TemplateError::DestinationNotEmpty(_)),
            "{err}"
        );
        let report = write_generation(&generation, dest.path(), true, false).unwrap();
        assert_eq!(report.kept, ["local.cfg"]);
        assert_eq!(
            std::fs::read_to_string(dest.path().join("local.cfg")).unwrap(),
            "mine\n"
        );
    }

    #[test]
    fn a_dry_run_writes_nothing() {
        let dest = tempfile::tempdir().unwrap();
        let target = dest.path().join("new");
        let given = json!({"name": "svc"}).as_object().unwrap().clone();
        let generation = generate(
            &template(),
            &target,
            &given,
            ResolveOptions::default(),
            false,
        )
        .unwrap();
        let report = write_generation(&generation, &target, false, true).unwrap();
        assert_eq!(report.written.len(), 3);
        assert!(!target.exists());
    }
}
