//! Doing what an upgrade plan says.

use std::path::Path;

use super::plan::{FileAction, UpgradePlan};
use crate::TemplateError;
use crate::scaffold::write_file;

/// What an upgrade did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UpgradeReport {
    /// Files written (added, updated or merged).
    pub written: Vec<String>,
    /// Files deleted.
    pub deleted: Vec<String>,
    /// Files with conflicts and their number: written with markers, or binary files kept.
    pub conflicts: Vec<(String, usize)>,
    /// Files the template removed or changed that were kept as they are locally.
    pub kept: Vec<String>,
}

/// Writes and deletes what `plan` says under `dest`.
pub fn apply_upgrade(plan: &UpgradePlan, dest: &Path) -> Result<UpgradeReport, TemplateError> {
    let mut report = UpgradeReport::default();
    for file in &plan.files {
        let target = dest.join(&file.path);
        match (&file.action, &file.contents) {
            (FileAction::Delete, _) => {
                std::fs::remove_file(&target).map_err(TemplateError::io(&target))?;
                report.deleted.push(file.path.clone());
            }
            (FileAction::KeepEdited | FileAction::KeepDeleted, _) => {
                report.kept.push(file.path.clone())
            }
            (FileAction::BinaryConflict, _) => {
                report.kept.push(file.path.clone());
                report.conflicts.push((file.path.clone(), 1));
            }
            (action, Some(contents)) => {
                write_file(&target, contents)?;
                report.written.push(file.path.clone());
                if let FileAction::Conflict { conflicts } = action {
                    report.conflicts.push((file.path.clone(), *conflicts));
                }
            }
            (_, None) => {}
        }
    }
    Ok(report)
}
