//! A template read from a folder on disk.

use std::path::Path;

use super::TemplateFiles;
use crate::TemplateError;

/// Reads every file under `root` (skipping `.git`) into memory; `src_path` is recorded as
/// given.
pub fn read_folder(root: &Path, src_path: &str) -> Result<TemplateFiles, TemplateError> {
    let mut template = TemplateFiles {
        src_path: src_path.to_owned(),
        commit: None,
        files: Default::default(),
    };
    walk(root, "", &mut template)?;
    if template.files.is_empty() {
        return Err(TemplateError::Config {
            path: root.display().to_string(),
            message: "expected a template folder, found no files".into(),
        });
    }
    Ok(template)
}

fn walk(dir: &Path, prefix: &str, template: &mut TemplateFiles) -> Result<(), TemplateError> {
    let entries = std::fs::read_dir(dir).map_err(TemplateError::io(dir))?;
    for entry in entries {
        let entry = entry.map_err(TemplateError::io(dir))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if name == ".git" {
            continue;
        }
        let path = entry.path();
        let relative = if prefix.is_empty() {
            name
        } else {
            format!("{prefix}/{name}")
        };
        if path.is_dir() {
            walk(&path, &relative, template)?;
        } else {
            let bytes = std::fs::read(&path).map_err(TemplateError::io(&path))?;
            template.files.insert(relative, bytes);
        }
    }
    Ok(())
}
