//! A template kept in a git repository: its tags are its versions, read in process with gix.

use std::collections::BTreeMap;
use std::path::Path;

use super::{TemplateFiles, latest_version, sort_versions};
use crate::TemplateError;

/// A local git repository holding a template.
pub struct GitTemplate {
    repo: gix::Repository,
    src_path: String,
}

impl std::fmt::Debug for GitTemplate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GitTemplate")
            .field("src_path", &self.src_path)
            .finish()
    }
}

fn git<E: std::error::Error + Send + Sync + 'static>(err: E) -> TemplateError {
    TemplateError::Git(Box::new(err))
}

impl GitTemplate {
    /// Opens the repository at `path`; `src_path` is what answers files record.
    pub fn open(path: &Path, src_path: &str) -> Result<Self, TemplateError> {
        let repo = gix::open(path).map_err(git)?;
        Ok(Self {
            repo,
            src_path: src_path.to_owned(),
        })
    }

    /// Clones the repository at `url` (`https://`, `ssh://`, `git@host:path`, `file://`) into
    /// `cache` as a bare repository with every tag, replacing an earlier clone there, and opens
    /// it; `src_path` is what answers files record (the URL as given).
    ///
    /// The clone runs in process (gix); `ssh` and `file://` URLs start `ssh` or
    /// `git-upload-pack` as git itself does, `https://` needs the `git-https` feature.
    pub fn clone_url(url: &str, cache: &Path, src_path: &str) -> Result<Self, TemplateError> {
        let parent = cache.parent().unwrap_or(cache);
        std::fs::create_dir_all(parent).map_err(TemplateError::io(parent))?;
        let name = cache
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        // A fresh clone beside the old one, swapped in when complete: a failed fetch leaves
        // the earlier clone as it was.
        let partial = parent.join(format!("{name}.partial-{}", std::process::id()));
        if partial.exists() {
            std::fs::remove_dir_all(&partial).map_err(TemplateError::io(&partial))?;
        }
        let cloned = (|| -> Result<(), gix::Error> {
            let mut prepare = gix::prepare_clone_bare(url, &partial)?;
            let interrupt = std::sync::atomic::AtomicBool::new(false);
            prepare.fetch_only(gix::progress::Discard, &interrupt)?;
            Ok(())
        })();
        if let Err(err) = cloned {
            let _ = std::fs::remove_dir_all(&partial);
            return Err(TemplateError::Clone {
                url: url.to_owned(),
                source: Box::new(err),
            });
        }
        if cache.exists() {
            std::fs::remove_dir_all(cache).map_err(TemplateError::io(cache))?;
        }
        std::fs::rename(&partial, cache).map_err(TemplateError::io(cache))?;
        Self::open(cache, src_path)
    }

    /// Whether `path` is a git repository (a work tree with `.git`, or a bare one).
    pub fn is_repository(path: &Path) -> bool {
        path.join(".git").exists() || (path.join("HEAD").is_file() && path.join("objects").is_dir())
    }

    /// What answers files record as `_src_path`.
    pub fn src_path(&self) -> &str {
        &self.src_path
    }

    /// The version tags, oldest first.
    pub fn versions(&self) -> Result<Vec<String>, TemplateError> {
        let references = self.repo.references().map_err(git)?;
        let tags = references.tags().map_err(git)?;
        let mut names = Vec::new();
        for tag in tags {
            let tag = tag.map_err(git)?;
            names.push(tag.name().shorten().to_string());
        }
        Ok(sort_versions(names))
    }

    /// The newest version tag.
    pub fn latest(&self) -> Result<Option<String>, TemplateError> {
        Ok(latest_version(self.versions()?))
    }

    /// The template at `reference` (a tag, a branch or a full commit id); without one, the
    /// latest version tag, or `HEAD` when there is no tag.
    pub fn read(&self, reference: Option<&str>) -> Result<TemplateFiles, TemplateError> {
        let reference = match reference {
            Some(reference) => Some(reference.to_owned()),
            None => self.latest()?,
        };
        let commit = match &reference {
            Some(name) => self.find_commit(name)?,
            None => self.repo.head_commit().map_err(git)?,
        };
        let tree = commit.tree().map_err(git)?;
        let mut files = BTreeMap::new();
        walk(&self.repo, tree, "", &mut files)?;
        Ok(TemplateFiles {
            src_path: self.src_path.clone(),
            commit: Some(reference.unwrap_or_else(|| commit.id.to_string())),
            files,
        })
    }

    fn find_commit(&self, name: &str) -> Result<gix::Commit<'_>, TemplateError> {
        for prefix in ["refs/tags/", "refs/heads/", "refs/remotes/origin/"] {
            if let Ok(mut found) = self.repo.find_reference(format!("{prefix}{name}").as_str()) {
                return found.peel_to_commit().map_err(git);
            }
        }
        if let Ok(id) = gix::ObjectId::from_hex(name.as_bytes())
            && let Ok(commit) = self.repo.find_commit(id)
        {
            return Ok(commit);
        }
        Err(TemplateError::UnknownVersion {
            template: self.src_path.clone(),
            reference: name.to_owned(),
        })
    }
}

fn walk(
    repo: &gix::Repository,
    tree: gix::Tree<'_>,
    prefix: &str,
    files: &mut BTreeMap<String, Vec<u8>>,
) -> Result<(), TemplateError> {
    for entry in tree.iter() {
        let entry = entry.map_err(git)?;
        let name = entry.filename().to_string();
        let path = if prefix.is_empty() {
            name
        } else {
            format!("{prefix}/{name}")
        };
        let mode = entry.mode();
        let id = entry.oid().to_owned();
        if mode.is_tree() {
            let subtree = repo.find_tree(id).map_err(git)?;
            walk(repo, subtree, &path, files)?;
        } else if mode.is_blob_or_symlink() {
            let blob = repo.find_blob(id).map_err(git)?;
            files.insert(path, blob.data.clone());
        }
        // Submodules (commits) are not part of a template's files.
    }
    Ok(())
}
