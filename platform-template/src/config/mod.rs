//! `copier.yml` read as copier reads it: questions in file order and the `_` settings.

mod envops;
mod question;

use serde_json::{Map, Value};

pub use envops::Envops;
pub(crate) use question::parse_choices;
pub use question::{Choice, Question, QuestionType};

use crate::tasks::{Migration, Task, parse_migrations};
use crate::{TemplateError, TemplateFiles};

/// The names copier looks for, in its order.
pub const CONFIG_FILES: [&str; 2] = ["copier.yml", "copier.yaml"];

/// What copier excludes when the template does not set `_exclude`.
pub const DEFAULT_EXCLUDE: [&str; 8] = [
    "copier.yaml",
    "copier.yml",
    "~*",
    "*.py[co]",
    "__pycache__",
    ".git",
    ".DS_Store",
    ".svn",
];

/// A template's configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct TemplateConfig {
    /// The questions, in the order the file declares them.
    pub questions: Vec<Question>,
    /// `_subdirectory`: the folder of the template holding the project, `""` for the root.
    pub subdirectory: String,
    /// `_templates_suffix`: files ending with it are rendered and lose it (`.jinja`); when empty,
    /// every file is rendered.
    pub templates_suffix: String,
    /// `_answers_file`: where answers are recorded (`.copier-answers.yml`).
    pub answers_file: String,
    /// `_skip_if_exists`: paths (globs) an existing file of which is kept as it is.
    pub skip_if_exists: Vec<String>,
    /// `_exclude`: rendered paths (gitignore patterns) never written; copier's defaults when
    /// unset and there is no `_subdirectory`.
    pub exclude: Vec<String>,
    /// `_envops`: the Jinja environment's options.
    pub envops: Envops,
    /// `_tasks`: shell commands run after copying (refused unless trusted).
    pub tasks: Vec<Task>,
    /// `_migrations`: shell commands run on upgrade (refused unless trusted).
    pub migrations: Vec<Migration>,
    /// `_external_data`: each name's YAML file, a path template relative to the destination.
    pub external_data: Vec<(String, String)>,
}

impl Default for TemplateConfig {
    fn default() -> Self {
        Self {
            questions: Vec::new(),
            subdirectory: String::new(),
            templates_suffix: ".jinja".into(),
            answers_file: ".copier-answers.yml".into(),
            skip_if_exists: Vec::new(),
            exclude: DEFAULT_EXCLUDE.iter().map(|s| s.to_string()).collect(),
            envops: Envops::default(),
            tasks: Vec::new(),
            migrations: Vec::new(),
            external_data: Vec::new(),
        }
    }
}

impl TemplateConfig {
    /// Reads the configuration of `template` (copier's defaults when it has no `copier.yml`).
    pub fn from_template(template: &TemplateFiles) -> Result<Self, TemplateError> {
        for name in CONFIG_FILES {
            if let Some(bytes) = template.files.get(name) {
                let text = String::from_utf8_lossy(bytes);
                return Self::parse(name, &text);
            }
        }
        Ok(Self::default())
    }

    /// Parses the text of a `copier.yml`; `file` names it in errors.
    pub fn parse(file: &str, text: &str) -> Result<Self, TemplateError> {
        let value: Value = if text.trim().is_empty() {
            Value::Object(Map::new())
        } else {
            serde_saphyr::from_str(text).map_err(|err| TemplateError::Config {
                path: file.to_owned(),
                message: err.to_string(),
            })?
        };
        let Value::Object(map) = value else {
            return Err(TemplateError::Config {
                path: file.to_owned(),
                message: "expected a mapping of questions and `_` settings".into(),
            });
        };
        let mut config = Self::default();
        let mut excluded = false;
        let config_error = |message: String| TemplateError::Config {
            path: file.to_owned(),
            message,
        };
        for (key, value) in map {
            match key.as_str() {
                "_subdirectory" => config.subdirectory = string_setting(&key, &value, file)?,
                "_templates_suffix" => {
                    config.templates_suffix = string_setting(&key, &value, file)?
                }
                "_answers_file" => config.answers_file = string_setting(&key, &value, file)?,
                "_skip_if_exists" => config.skip_if_exists = list_setting(&key, value, file)?,
                "_exclude" => {
                    config.exclude = list_setting(&key, value, file)?;
                    excluded = true;
                }
                "_envops" => {
                    config.envops = Envops::from_value(&value)
                        .map_err(|message| config_error(format!("_envops: {message}")))?
                }
                "_tasks" => {
                    config.tasks = list_values(value)
                        .iter()
                        .enumerate()
                        .map(|(index, item)| Task::parse("_tasks", index, item))
                        .collect::<Result<_, _>>()?
                }
                "_migrations" => config.migrations = parse_migrations(&value)?,
                "_external_data" => {
                    config.external_data = external_data(&value).map_err(config_error)?
                }
                "_jinja_extensions" => {
                    if !list_values(value).is_empty() {
                        return Err(config_error(
                            "_jinja_extensions: Python Jinja extensions cannot run here; \
                             remove them or use the built-in filters"
                                .into(),
                        ));
                    }
                }
                // Settings with no effect on the rendered files (messages, symlinks, version
                // floors) are accepted and ignored.
                other if other.starts_with('_') => {}
                _ => config.questions.push(Question::parse(&key, value)?),
            }
        }
        config.subdirectory = config.subdirectory.trim_matches('/').to_owned();
        // As copier: the default exclusions apply only to a template without `_subdirectory`
        // (its `copier.yml` sits among the project's files); `_exclude` replaces them.
        if !excluded && !config.subdirectory.is_empty() {
            config.exclude.clear();
        }
        Ok(config)
    }

    /// Refuses `_tasks` and `_migrations` unless `trust` is given.
    pub fn check_trust(&self, trust: bool) -> Result<(), TemplateError> {
        if trust {
            return Ok(());
        }
        if !self.tasks.is_empty() {
            return Err(TemplateError::Untrusted { setting: "_tasks" });
        }
        if !self.migrations.is_empty() {
            return Err(TemplateError::Untrusted {
                setting: "_migrations",
            });
        }
        Ok(())
    }

    /// The question named `name`.
    pub fn question(&self, name: &str) -> Option<&Question> {
        self.questions.iter().find(|q| q.name == name)
    }
}

fn string_setting(key: &str, value: &Value, file: &str) -> Result<String, TemplateError> {
    match value {
        Value::String(text) => Ok(text.clone()),
        Value::Null => Ok(String::new()),
        other => Err(TemplateError::Config {
            path: file.to_owned(),
            message: format!("{key}: expected a string, found {other}"),
        }),
    }
}

fn list_setting(key: &str, value: Value, file: &str) -> Result<Vec<String>, TemplateError> {
    list_values(value)
        .into_iter()
        .map(|item| match item {
            Value::String(text) => Ok(text),
            other => Err(TemplateError::Config {
                path: file.to_owned(),
                message: format!("{key}: expected a list of strings, found {other}"),
            }),
        })
        .collect()
}

fn external_data(value: &Value) -> Result<Vec<(String, String)>, String> {
    match value {
        Value::Null => Ok(Vec::new()),
        Value::Object(map) => map
            .iter()
            .map(|(name, path)| match path {
                Value::String(path) => Ok((name.clone(), path.clone())),
                other => Err(format!(
                    "_external_data.{name}: expected a path (a string), found {other}"
                )),
            })
            .collect(),
        other => Err(format!(
            "_external_data: expected a mapping of names to YAML file paths, found {other}"
        )),
    }
}

fn list_values(value: Value) -> Vec<Value> {
    match value {
        Value::Array(items) => items,
        Value::Null => Vec::new(),
        single => vec![single],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_and_questions_in_file_order() {
        let config = TemplateConfig::parse(
            "copier.yml",
            "_subdirectory: template/\n_answers_file: .answers.yml\n_exclude: ['*.md']\n\
             name:\n  type: str\n  help: The name\nport: 8080\nlanguage:\n  choices: [rust, python]\n",
        )
        .unwrap();
        assert_eq!(config.subdirectory, "template");
        assert_eq!(config.answers_file, ".answers.yml");
        assert_eq!(config.exclude, ["*.md"]);
        assert_eq!(config.templates_suffix, ".jinja");
        let names: Vec<_> = config.questions.iter().map(|q| q.name.as_str()).collect();
        assert_eq!(names, ["name", "port", "language"]);
        assert_eq!(config.questions[1].kind, QuestionType::Int);
        assert_eq!(config.questions[2].kind, QuestionType::Yaml);
    }

    #[test]
    fn default_exclusions_apply_only_without_a_subdirectory() {
        let root = TemplateConfig::parse("copier.yml", "name: x\n").unwrap();
        assert!(root.exclude.iter().any(|p| p == "copier.yml"));
        let sub = TemplateConfig::parse("copier.yml", "_subdirectory: project\n").unwrap();
        assert!(sub.exclude.is_empty(), "{:?}", sub.exclude);
    }

    #[test]
    fn tasks_are_refused_without_trust() {
        let config = TemplateConfig::parse("copier.yml", "_tasks: ['rm -rf /']\n").unwrap();
        let err = config.check_trust(false).unwrap_err();
        assert!(err.to_string().contains("_tasks"), "{err}");
        assert!(err.to_string().contains("--trust"), "{err}");
        config.check_trust(true).unwrap();
    }
}
