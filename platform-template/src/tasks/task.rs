//! One shell command of `_tasks` or `_migrations`, as copier declares it: a string run by the
//! shell, a list run as argv, or a mapping with `command`, `when` and `working_directory`.

use serde_json::Value;

use crate::TemplateError;

/// How a command runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CommandLine {
    /// A string, run by `sh -c` after rendering.
    Shell(String),
    /// A list, each item rendered, run as a program and its arguments without a shell.
    Argv(Vec<String>),
}

impl CommandLine {
    /// The command as `copier.yml` writes it (unrendered: answers, secrets among them, are
    /// never shown in messages).
    pub fn source_text(&self) -> String {
        match self {
            Self::Shell(text) => text.clone(),
            Self::Argv(items) => items.join(" "),
        }
    }
}

/// A command with its condition and working folder, unrendered.
#[derive(Debug, Clone, PartialEq)]
pub struct Task {
    /// What runs.
    pub command: CommandLine,
    /// Whether it runs: a boolean, or a template rendering to one (copier casts the text).
    pub when: Option<Value>,
    /// The folder it runs in, relative to the destination (a template); `.` by default.
    pub working_directory: String,
}

impl Task {
    /// Reads item `index` (0-based) of `setting` (`_tasks` or `_migrations`); `value` is a
    /// string, a list or a mapping with `command`.
    pub fn parse(setting: &str, index: usize, value: &Value) -> Result<Self, TemplateError> {
        let error = |message: String| TemplateError::Config {
            path: "copier.yml".into(),
            message: format!("{setting}[{index}]: {message}"),
        };
        match value {
            Value::Object(map) => {
                let command = map
                    .get("command")
                    .ok_or_else(|| error("expected a `command`".into()))?;
                let command = command_line(command).map_err(error)?;
                let working_directory = match map.get("working_directory") {
                    None | Some(Value::Null) => ".".to_owned(),
                    Some(Value::String(text)) => text.clone(),
                    Some(other) => {
                        return Err(error(format!(
                            "working_directory: expected a string, found {other}"
                        )));
                    }
                };
                Ok(Self {
                    command,
                    when: map.get("when").cloned().filter(|v| !v.is_null()),
                    working_directory,
                })
            }
            other => Ok(Self {
                command: command_line(other).map_err(error)?,
                when: None,
                working_directory: ".".to_owned(),
            }),
        }
    }

    /// This task with `when` as given when the task sets none.
    pub(crate) fn with_default_when(mut self, when: &str) -> Self {
        if self.when.is_none() {
            self.when = Some(Value::String(when.to_owned()));
        }
        self
    }
}

fn command_line(value: &Value) -> Result<CommandLine, String> {
    match value {
        Value::String(text) => Ok(CommandLine::Shell(text.clone())),
        Value::Array(items) if !items.is_empty() => Ok(CommandLine::Argv(
            items
                .iter()
                .map(|item| match item {
                    Value::String(text) => text.clone(),
                    other => other.to_string(),
                })
                .collect(),
        )),
        other => Err(format!(
            "expected a command: a string or a non-empty list, found {other}"
        )),
    }
}

/// The items of a `_tasks`-like setting (a single item is a list of one).
pub(crate) fn items(value: &Value) -> Vec<&Value> {
    match value {
        Value::Array(items) => items.iter().collect(),
        Value::Null => Vec::new(),
        single => vec![single],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn strings_lists_and_mappings() {
        let shell = Task::parse("_tasks", 0, &json!("echo hi > x")).unwrap();
        assert_eq!(shell.command, CommandLine::Shell("echo hi > x".into()));
        assert_eq!(shell.working_directory, ".");
        let argv = Task::parse("_tasks", 1, &json!(["touch", "{{ name }}"])).unwrap();
        assert_eq!(
            argv.command,
            CommandLine::Argv(vec!["touch".into(), "{{ name }}".into()])
        );
        let full = Task::parse(
            "_tasks",
            2,
            &json!({"command": "make", "when": "{{ build }}", "working_directory": "src"}),
        )
        .unwrap();
        assert_eq!(full.when, Some(json!("{{ build }}")));
        assert_eq!(full.working_directory, "src");
    }

    #[test]
    fn a_mapping_without_command_is_located() {
        let err = Task::parse("_tasks", 3, &json!({"when": true})).unwrap_err();
        assert_eq!(
            err.to_string(),
            "copier.yml: _tasks[3]: expected a `command`"
        );
    }
}
