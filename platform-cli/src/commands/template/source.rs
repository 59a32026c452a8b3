//! Where `TEMPLATE` and a repository's `_src_path` point: a bundled template, a folder, or a
//! local git repository whose tags are versions.

use std::path::{Path, PathBuf};

use platform_template::TemplateFiles;
use platform_template::source::git::GitTemplate;
use platform_template::source::read_folder;

use super::remote;
use crate::bundled;
use crate::error::CliError;

/// The prefix of a bundled template's `_src_path`.
pub const BUNDLED_PREFIX: &str = "platformctl:";

/// A template's source.
#[derive(Debug)]
pub enum TemplateSource {
    /// Compiled into platformctl; its one version is platformctl's.
    Bundled(&'static str, &'static [(&'static str, &'static str)]),
    /// A folder without versions.
    Folder(PathBuf),
    /// A git repository: tags are versions.
    Git(Box<GitTemplate>),
}

impl TemplateSource {
    /// Resolves `spec`: a bundled template's name (or `platformctl:NAME`), a git URL
    /// (`https://`, `git@`, `file://`, copier's `gh:` and `gl:`), else a path.
    pub fn open(spec: &str) -> Result<Self, CliError> {
        let name = spec.strip_prefix(BUNDLED_PREFIX).unwrap_or(spec);
        if let Some((name, files)) = bundled::TEMPLATES.iter().find(|(n, _)| *n == name) {
            return Ok(Self::Bundled(name, files));
        }
        if remote::is_url(spec) {
            return Ok(Self::Git(Box::new(remote::open_url(spec)?)));
        }
        let path = Path::new(spec);
        if !path.is_dir() {
            let names: Vec<&str> = bundled::TEMPLATES.iter().map(|(n, _)| *n).collect();
            return Err(CliError::Usage {
                message: format!("{spec}: no bundled template of that name and no such folder"),
                hint: Some(format!("bundled templates: {}", names.join(", "))),
            });
        }
        let absolute = std::fs::canonicalize(path).map_err(|e| CliError::Usage {
            message: format!("{spec}: {e}"),
            hint: None,
        })?;
        if GitTemplate::is_repository(&absolute) {
            let src = absolute.to_string_lossy().into_owned();
            return Ok(Self::Git(Box::new(GitTemplate::open(&absolute, &src)?)));
        }
        Ok(Self::Folder(absolute))
    }

    /// Resolves a repository's recorded `_src_path`: a relative path is tried from the current
    /// folder (where copier was run), then from the repository.
    pub fn open_recorded(src_path: &str, repository: &Path) -> Result<Self, CliError> {
        let relative = Path::new(src_path);
        if relative.is_relative() && !relative.exists() {
            let beside = repository.join(relative);
            if beside.is_dir() {
                return Self::open(&beside.to_string_lossy());
            }
        }
        Self::open(src_path)
    }

    /// The name that identifies the template (for the catalog's `backstage.io/source-template`).
    pub fn name(&self) -> String {
        match self {
            Self::Bundled(name, _) => (*name).to_owned(),
            Self::Folder(path) => base_name(path),
            Self::Git(_) => base_name(Path::new(&self.src_path())),
        }
    }

    /// What answers files record as `_src_path`.
    pub fn src_path(&self) -> String {
        match self {
            Self::Bundled(name, _) => format!("{BUNDLED_PREFIX}{name}"),
            Self::Folder(path) => path.to_string_lossy().into_owned(),
            Self::Git(git) => git.src_path().to_owned(),
        }
    }

    /// The versions, oldest first (a bundled template has platformctl's; a folder none).
    pub fn versions(&self) -> Result<Vec<String>, CliError> {
        Ok(match self {
            Self::Bundled(..) => vec![bundled_version()],
            Self::Folder(_) => Vec::new(),
            Self::Git(git) => git.versions()?,
        })
    }

    /// The template at `version` (default: the latest).
    pub fn read(&self, version: Option<&str>) -> Result<TemplateFiles, CliError> {
        match self {
            Self::Bundled(name, files) => {
                let current = bundled_version();
                if let Some(asked) = version
                    && asked != current
                {
                    return Err(platform_template::TemplateError::UnknownVersion {
                        template: format!("{BUNDLED_PREFIX}{name}"),
                        reference: format!(
                            "{asked} (this platformctl bundles version {current} only)"
                        ),
                    }
                    .into());
                }
                Ok(TemplateFiles::from_texts(
                    &format!("{BUNDLED_PREFIX}{name}"),
                    Some(&current),
                    files.iter().copied(),
                ))
            }
            Self::Folder(path) => {
                if let Some(asked) = version {
                    return Err(CliError::Usage {
                        message: format!(
                            "{}: a folder has no versions; cannot read {asked}",
                            path.display()
                        ),
                        hint: Some("make the template a git repository with version tags".into()),
                    });
                }
                Ok(read_folder(path, &path.to_string_lossy())?)
            }
            Self::Git(git) => Ok(git.read(version)?),
        }
    }
}

/// The version of the bundled templates: platformctl's own.
pub fn bundled_version() -> String {
    format!("v{}", env!("CARGO_PKG_VERSION"))
}

fn base_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().trim_end_matches(".git").to_owned())
        .unwrap_or_else(|| "template".into())
}
