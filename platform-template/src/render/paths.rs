//! Which template paths are copied, which are kept when they exist, and that none leaves the
//! destination.

use globset::{Glob, GlobSet, GlobSetBuilder};

use crate::TemplateError;

/// `_exclude` and `_skip_if_exists`, compiled: patterns match as gitignore's do (a pattern
/// without `/` matches a name at any depth; a folder's pattern matches everything in it).
#[derive(Debug, Clone)]
pub struct PathRules {
    exclude: GlobSet,
    skip_if_exists: GlobSet,
}

impl PathRules {
    /// Compiles the patterns.
    pub fn new(exclude: &[String], skip_if_exists: &[String]) -> Result<Self, TemplateError> {
        Ok(Self {
            exclude: compile("_exclude", exclude)?,
            skip_if_exists: compile("_skip_if_exists", skip_if_exists)?,
        })
    }

    /// Whether `path` (`/`-separated, relative) or a folder holding it is excluded.
    pub fn is_excluded(&self, path: &str) -> bool {
        matches(&self.exclude, path)
    }

    /// Whether an existing `path` must be left as it is.
    pub fn is_skipped_if_exists(&self, path: &str) -> bool {
        matches(&self.skip_if_exists, path)
    }
}

fn compile(setting: &str, patterns: &[String]) -> Result<GlobSet, TemplateError> {
    let mut builder = GlobSetBuilder::new();
    for pattern in patterns {
        let (negated, body) = match pattern.strip_prefix('!') {
            Some(rest) => (true, rest),
            None => (false, pattern.as_str()),
        };
        if negated {
            // Negations re-include paths; rare in templates and not supported yet: say so.
            return Err(TemplateError::Config {
                path: "copier.yml".into(),
                message: format!("{setting}: negated pattern `{pattern}` is not supported"),
            });
        }
        let body = body.trim_start_matches('/').trim_end_matches('/');
        let anchored = pattern.trim_end_matches('/').contains('/');
        let glob = if anchored {
            body.to_owned()
        } else {
            format!("**/{body}")
        };
        let glob = Glob::new(&glob).map_err(|err| TemplateError::Config {
            path: "copier.yml".into(),
            message: format!("{setting}: `{pattern}`: {err}"),
        })?;
        builder.add(glob);
    }
    builder.build().map_err(|err| TemplateError::Config {
        path: "copier.yml".into(),
        message: format!("{setting}: {err}"),
    })
}

fn matches(set: &GlobSet, path: &str) -> bool {
    if set.is_empty() {
        return false;
    }
    // A pattern naming a folder excludes everything below it.
    let mut end = 0;
    for segment in path.split('/') {
        end += segment.len();
        if set.is_match(&path[..end]) {
            return true;
        }
        end += 1;
    }
    false
}

/// `path` cleaned to `a/b/c`, or an error when it is absolute or climbs out with `..`.
pub fn safe_relative(path: &str) -> Result<String, TemplateError> {
    let escapes = || TemplateError::PathEscapes {
        path: path.to_owned(),
    };
    if path.starts_with('/') || path.starts_with('\\') || path.contains(':') && cfg!(windows) {
        return Err(escapes());
    }
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split(['/', '\\']) {
        match part {
            "" | "." => {}
            ".." => return Err(escapes()),
            part => parts.push(part),
        }
    }
    if parts.is_empty() {
        return Err(escapes());
    }
    Ok(parts.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gitignore_like_matching() {
        let rules = PathRules::new(
            &["*.pyc".into(), "docs/".into(), "src/gen/*.rs".into()],
            &["config/local.yaml".into()],
        )
        .unwrap();
        assert!(rules.is_excluded("a/b/c.pyc"));
        assert!(rules.is_excluded("docs/index.md"));
        assert!(rules.is_excluded("src/gen/x.rs"));
        assert!(!rules.is_excluded("src/main.rs"));
        assert!(rules.is_skipped_if_exists("config/local.yaml"));
        assert!(!rules.is_skipped_if_exists("config/other.yaml"));
    }

    #[test]
    fn paths_that_leave_the_destination_are_refused() {
        assert_eq!(safe_relative("a/./b//c").unwrap(), "a/b/c");
        assert!(matches!(
            safe_relative("a/../../etc/passwd"),
            Err(TemplateError::PathEscapes { .. })
        ));
        assert!(safe_relative("/etc/passwd").is_err());
    }
}
