//! What an upgrade does to each file: decided once, shown by `template diff`, done by
//! `template upgrade`.

use std::collections::BTreeSet;
use std::path::Path;

use serde_json::{Map, Value};

use super::merge::merge_file;
use crate::answers::{AnswersFile, ResolveOptions};
use crate::render::PathRules;
use crate::scaffold::{Generation, generate_as};
use crate::tasks::Commands;
use crate::{RenderedTree, TemplateConfig, TemplateError, TemplateFiles};

/// What happens to one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileAction {
    /// A new template file, written.
    Add,
    /// The template's change, merged without conflict.
    Update,
    /// The template's change overlaps local edits: written with inline conflict markers.
    Conflict {
        /// How many conflicts the file holds.
        conflicts: usize,
    },
    /// Removed from the template and unchanged locally: deleted.
    Delete,
    /// Removed from the template but edited locally: kept as it is.
    KeepEdited,
    /// Changed by the template but deleted locally: stays deleted.
    KeepDeleted,
    /// A binary file changed both locally and by the template: the local one is kept and the
    /// file is listed, since bytes cannot carry conflict markers.
    BinaryConflict,
}

impl FileAction {
    /// A short word for listings (`add`, `update`, `conflict`, `delete`, `keep`, `gone`).
    pub fn word(&self) -> &'static str {
        match self {
            Self::Add => "add",
            Self::Update => "update",
            Self::Conflict { .. } => "conflict",
            Self::Delete => "delete",
            Self::KeepEdited => "keep",
            Self::KeepDeleted => "gone",
            Self::BinaryConflict => "binary",
        }
    }
}

/// One file's part of an upgrade.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilePlan {
    /// The path relative to the repository.
    pub path: String,
    /// What happens to it.
    pub action: FileAction,
    /// The contents written (for `Add`, `Update` and `Conflict`).
    pub contents: Option<Vec<u8>>,
}

/// Everything an upgrade would change.
#[derive(Debug, Clone)]
pub struct UpgradePlan {
    /// The recorded version.
    pub from: Option<String>,
    /// The version upgraded to.
    pub to: Option<String>,
    /// The files touched, by path.
    pub files: Vec<FilePlan>,
    /// The new version's `_tasks` and `_migrations`, with the answers that render them.
    pub commands: Commands,
}

impl UpgradePlan {
    /// The files with conflicts: written with markers, or binary files kept as they are.
    pub fn conflicts(&self) -> Vec<&str> {
        self.files
            .iter()
            .filter(|file| {
                matches!(
                    file.action,
                    FileAction::Conflict { .. } | FileAction::BinaryConflict
                )
            })
            .map(|file| file.path.as_str())
            .collect()
    }

    /// Whether the repository already is at the version asked for with nothing to change.
    pub fn is_current(&self) -> bool {
        self.from == self.to && self.files.is_empty()
    }
}

/// Plans upgrading the repository at `dest` from the version it records (`old`, rendered
/// with its recorded answers and `data` on top) to `new`. `_migrations` of the new version
/// are refused unless `trust`.
pub fn plan_upgrade(
    old: &TemplateFiles,
    new: &TemplateFiles,
    dest: &Path,
    data: &Map<String, Value>,
    trust: bool,
) -> Result<UpgradePlan, TemplateError> {
    let old_config = TemplateConfig::from_template(old)?;
    let recorded = AnswersFile::read(dest, &old_config.answers_file)?;
    let mut given = recorded.answers.clone();
    given.extend(data.iter().map(|(key, value)| (key.clone(), value.clone())));
    let render = |template: &TemplateFiles| -> Result<Generation, TemplateError> {
        let options = ResolveOptions {
            use_defaults: true,
            prompt: None,
        };
        generate_as(template, &recorded.src_path, dest, &given, options, trust)
    };
    let before = render(old)?;
    let after = render(new)?;
    let rules = PathRules::new(&after.config.exclude, &after.config.skip_if_exists)?;
    let mut files = plan_trees(&before.tree, &after.tree, dest, &rules)?;
    // The answers file is the template's record, never merged: copier rewrites it whole.
    for file in &mut files {
        if file.path == after.config.answers_file
            && let Some(contents) = after.tree.files.get(&file.path)
        {
            file.action = FileAction::Update;
            file.contents = Some(contents.clone());
        }
    }
    Ok(UpgradePlan {
        from: recorded.commit,
        to: new.commit.clone(),
        files,
        commands: after.commands(),
    })
}

/// The decision for every file: the template's change from `before` to `after` merged into
/// the files under `dest`. Existing files matching `_skip_if_exists` are left alone.
pub fn plan_trees(
    before: &RenderedTree,
    after: &RenderedTree,
    dest: &Path,
    rules: &PathRules,
) -> Result<Vec<FilePlan>, TemplateError> {
    let paths: BTreeSet<&String> = before.files.keys().chain(after.files.keys()).collect();
    let mut plans = Vec::new();
    for path in paths {
        let base = before.files.get(path);
        let theirs = after.files.get(path);
        if base == theirs {
            continue;
        }
        let ours = read_optional(&dest.join(path))?;
        if ours.is_some() && rules.is_skipped_if_exists(path) {
            continue;
        }
        let plan = |action, contents| FilePlan {
            path: path.clone(),
            action,
            contents,
        };
        let decided = match (base, ours.as_ref(), theirs) {
            (_, Some(ours), Some(theirs)) if ours == theirs => None,
            (None, None, Some(theirs)) => Some(plan(FileAction::Add, Some(theirs.clone()))),
            (Some(_), None, Some(_)) => Some(plan(FileAction::KeepDeleted, None)),
            (Some(base), Some(ours), None) if ours == base => Some(plan(FileAction::Delete, None)),
            (Some(_), Some(_), None) => Some(plan(FileAction::KeepEdited, None)),
            (Some(base), Some(ours), Some(theirs)) if ours == base => {
                Some(plan(FileAction::Update, Some(theirs.clone())))
            }
            (base, Some(ours), Some(theirs)) => {
                // A file the template adds that already exists locally merges against nothing.
                let empty = Vec::new();
                let text = |bytes: &[u8]| std::str::from_utf8(bytes).is_ok();
                if !(text(base.unwrap_or(&empty)) && text(ours) && text(theirs)) {
                    plans.push(plan(FileAction::BinaryConflict, None));
                    continue;
                }
                let merged = merge_file(base.unwrap_or(&empty), ours, theirs);
                let action = match merged.conflicts {
                    0 => FileAction::Update,
                    conflicts => FileAction::Conflict { conflicts },
                };
                Some(plan(action, Some(merged.contents)))
            }
            // Neither version has the file (skipped above) or both lack it.
            (_, None, None) | (None, Some(_), None) => None,
        };
        plans.extend(decided);
    }
    Ok(plans)
}

fn read_optional(path: &Path) -> Result<Option<Vec<u8>>, TemplateError> {
    match std::fs::read(path) {
        Ok(bytes) => Ok(Some(bytes)),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(err) => Err(TemplateError::io(path)(err)),
    }
}
