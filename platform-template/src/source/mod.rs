//! Where a template's files come from: a folder, bundled text, or (feature `git`) a git tag.

mod folder;
#[cfg(feature = "git")]
#[cfg_attr(docsrs, doc(cfg(feature = "git")))]
pub mod git;
mod version;

use std::collections::BTreeMap;

pub use folder::read_folder;
pub use version::{compare_versions, latest_version, sort_versions};

/// One version of a template, read into memory: every file by its `/`-separated path.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TemplateFiles {
    /// Where the template comes from, as recorded in `_src_path`.
    pub src_path: String,
    /// The version (tag or commit) recorded in `_commit`, when the source has versions.
    pub commit: Option<String>,
    /// Each file's contents by its path relative to the template root.
    pub files: BTreeMap<String, Vec<u8>>,
}

impl TemplateFiles {
    /// A template from `(path, text)` pairs, such as templates compiled into a binary.
    pub fn from_texts<'a>(
        src_path: &str,
        commit: Option<&str>,
        texts: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Self {
        Self {
            src_path: src_path.to_owned(),
            commit: commit.map(str::to_owned),
            files: texts
                .into_iter()
                .map(|(path, text)| (path.to_owned(), text.as_bytes().to_vec()))
                .collect(),
        }
    }
}
