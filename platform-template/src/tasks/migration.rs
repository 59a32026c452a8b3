//! `_migrations`: commands of the new template version run on an upgrade that crosses their
//! version, before the merge, after it, or both, as copier runs them.

use serde_json::Value;

use super::task::{Task, items};
use crate::TemplateError;
use crate::source::compare_versions;

/// When a migration's command runs in an upgrade.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Before the template's change is merged into the repository.
    Before,
    /// After the merge (the default of copier's `when`).
    After,
}

impl Stage {
    /// `before` or `after`, as templates see it in `_stage`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Before => "before",
            Self::After => "after",
        }
    }
}

/// One migration: a command for upgrades that cross `version`.
#[derive(Debug, Clone, PartialEq)]
pub struct Migration {
    /// The version introducing it: it runs when upgrading from below it to it or above.
    pub version: String,
    /// The command; its `when` sees `_stage` (default: `{{ _stage == 'after' }}`).
    pub task: Task,
}

/// Copier's default condition of a migration: after the merge.
const AFTER: &str = "{{ _stage == 'after' }}";
const BEFORE: &str = "{{ _stage == 'before' }}";

/// Reads `_migrations`: items with `version` and `command` (and `when`,
/// `working_directory`), or copier's older form with `version` and `before` / `after` lists.
pub fn parse_migrations(value: &Value) -> Result<Vec<Migration>, TemplateError> {
    let mut migrations = Vec::new();
    for (index, item) in items(value).into_iter().enumerate() {
        let error = |message: &str| TemplateError::Config {
            path: "copier.yml".into(),
            message: format!("_migrations[{index}]: {message}"),
        };
        let Value::Object(map) = item else {
            return Err(error("expected a mapping with `version` and `command`"));
        };
        let version = match map.get("version") {
            Some(Value::String(text)) => text.clone(),
            Some(Value::Number(number)) => number.to_string(),
            _ => return Err(error("expected a `version` (the version introducing it)")),
        };
        if map.contains_key("command") {
            let task = Task::parse("_migrations", index, item)?.with_default_when(AFTER);
            migrations.push(Migration { version, task });
            continue;
        }
        if !map.contains_key("before") && !map.contains_key("after") {
            return Err(error("expected a `command` (or `before` / `after` lists)"));
        }
        for (key, when) in [("before", BEFORE), ("after", AFTER)] {
            for command in map.get(key).map(items).unwrap_or_default() {
                let task = Task::parse("_migrations", index, command)?;
                migrations.push(Migration {
                    version: version.clone(),
                    task: Task {
                        when: Some(Value::String(when.to_owned())),
                        ..task
                    },
                });
            }
        }
    }
    Ok(migrations)
}

impl Migration {
    /// Whether an upgrade from `from` to `to` crosses this migration's version
    /// (`from < version <= to`).
    pub fn crossed(&self, from: &str, to: &str) -> bool {
        compare_versions(from, &self.version).is_lt() && compare_versions(&self.version, to).is_le()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn both_forms_and_the_versions_they_cross() {
        let migrations = parse_migrations(&json!([
            {"version": "v2.0.0", "command": "mv a b"},
            {"version": "v3.0.0", "before": ["echo one"], "after": [["echo", "two"]]},
        ]))
        .unwrap();
        assert_eq!(migrations.len(), 3);
        assert_eq!(migrations[0].task.when, Some(json!(AFTER)));
        assert_eq!(migrations[1].task.when, Some(json!(BEFORE)));
        assert!(migrations[0].crossed("v1.0.0", "v2.0.0"));
        assert!(migrations[0].crossed("v1.9.0", "v3.0.0"));
        assert!(
            !migrations[0].crossed("v2.0.0", "v3.0.0"),
            "already past it"
        );
        assert!(!migrations[1].crossed("v1.0.0", "v2.0.0"), "not reached");
    }

    #[test]
    fn a_migration_without_version_is_located() {
        let err = parse_migrations(&json!([{"command": "true"}])).unwrap_err();
        assert_eq!(
            err.to_string(),
            "copier.yml: _migrations[0]: expected a `version` (the version introducing it)"
        );
    }
}
