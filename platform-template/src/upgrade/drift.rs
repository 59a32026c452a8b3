//! Local drift: how a repository differs from what its recorded version and answers render.

use std::path::Path;

use crate::answers::{AnswersFile, ResolveOptions};
use crate::scaffold::{Generation, generate_as};
use crate::{RenderedTree, TemplateConfig, TemplateError, TemplateFiles};

/// Files of a repository that differ from their rendering.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Drift {
    /// Rendered files whose contents were changed locally.
    pub modified: Vec<String>,
    /// Rendered files deleted locally.
    pub deleted: Vec<String>,
}

impl Drift {
    /// How many files drifted.
    pub fn len(&self) -> usize {
        self.modified.len() + self.deleted.len()
    }

    /// Whether the repository is exactly what the template renders.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The recorded version (`template`, read at the repository's `_commit`) rendered with the
/// answers recorded in `dest`'s answers file.
pub fn rerender_recorded(
    template: &TemplateFiles,
    dest: &Path,
) -> Result<Generation, TemplateError> {
    let config = TemplateConfig::from_template(template)?;
    let recorded = AnswersFile::read(dest, &config.answers_file)?;
    let options = ResolveOptions {
        use_defaults: true,
        prompt: None,
    };
    // Tasks never run here: trust only matters to what runs commands.
    generate_as(
        template,
        &recorded.src_path,
        dest,
        &recorded.answers,
        options,
        true,
    )
}

/// Compares `tree` with the files under `dest`.
pub fn local_drift(tree: &RenderedTree, dest: &Path) -> Result<Drift, TemplateError> {
    let mut drift = Drift::default();
    for (path, contents) in &tree.files {
        let target = dest.join(path);
        match std::fs::read(&target) {
            Ok(bytes) if &bytes == contents => {}
            Ok(_) => drift.modified.push(path.clone()),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
                drift.deleted.push(path.clone())
            }
            Err(err) => return Err(TemplateError::io(&target)(err)),
        }
    }
    Ok(drift)
}
