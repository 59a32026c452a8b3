//! Templates named by URL: `file://` opened in place, others cloned (in process, gix) into a
//! cache folder, one per URL.

use std::path::{Path, PathBuf};

use platform_template::source::git::GitTemplate;

use crate::error::CliError;

/// Whether `spec` names a git repository by URL rather than a path or a bundled name.
pub fn is_url(spec: &str) -> bool {
    spec.contains("://")
        || spec.starts_with("git@")
        || spec.starts_with("gh:")
        || spec.starts_with("gl:")
}

/// Opens the template repository at `url`; answers files record `url` as given.
pub fn open_url(url: &str) -> Result<GitTemplate, CliError> {
    if let Some(path) = url.strip_prefix("file://") {
        // A local repository is read where it is: no clone, no `git-upload-pack`.
        let path = Path::new(path);
        if !GitTemplate::is_repository(path) {
            return Err(CliError::Usage {
                message: format!("{url}: not a git repository"),
                hint: Some("a file:// URL names a local git repository (its folder)".into()),
            });
        }
        return Ok(GitTemplate::open(path, url)?);
    }
    let expanded = expand_shortcut(url);
    if expanded.starts_with("http") && !cfg!(feature = "template-https") {
        return Err(CliError::Usage {
            message: format!("{url}: this platformctl was built without HTTPS template support"),
            hint: Some(
                "build it with `--features template-https` (part of `full`), or clone the \
                 repository and pass its path or file:// URL"
                    .into(),
            ),
        });
    }
    let cache = cache_root().join(cache_name(url));
    Ok(GitTemplate::clone_url(&expanded, &cache, url)?)
}

/// Copier's shortcuts: `gh:owner/repo` and `gl:owner/repo`.
fn expand_shortcut(url: &str) -> String {
    for (prefix, host) in [("gh:", "github.com"), ("gl:", "gitlab.com")] {
        if let Some(rest) = url.strip_prefix(prefix) {
            let rest = rest.trim_end_matches(".git");
            return format!("https://{host}/{rest}.git");
        }
    }
    url.to_owned()
}

/// Where clones are kept: `$XDG_CACHE_HOME/platformctl/templates`, else
/// `~/.cache/platformctl/templates`, else `.platform/templates-cache`.
fn cache_root() -> PathBuf {
    let base = std::env::var_os("XDG_CACHE_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cache")));
    match base {
        Some(base) => base.join("platformctl/templates"),
        None => PathBuf::from(".platform/templates-cache"),
    }
}

/// A folder name for `url`, distinct for distinct URLs: letters, digits, `-` and `.` kept,
/// every other byte written `_XX` (hex), `_` included.
fn cache_name(url: &str) -> String {
    let mut name = String::new();
    for byte in url.bytes() {
        if byte.is_ascii_alphanumeric() || byte == b'-' || byte == b'.' {
            name.push(byte as char);
        } else {
            name.push_str(&format!("_{byte:02X}"));
        }
    }
    name
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cache_names_keep_urls_apart() {
        assert_eq!(
            cache_name("https://x.org/a_b"),
            "https_3A_2F_2Fx.org_2Fa_5Fb"
        );
        assert_ne!(cache_name("a/b"), cache_name("a_b"));
        assert_eq!(
            expand_shortcut("gh:acme/service"),
            "https://github.com/acme/service.git"
        );
    }
}
