//! The answers file (`.copier-answers.yml`), read and written as copier does.

use std::path::Path;

use serde_json::{Map, Value};

use crate::TemplateError;
use crate::render::ANSWERS_HEADER;
use crate::render::yaml::to_block_yaml;

/// An answers file read from a repository.
#[derive(Debug, Clone, PartialEq)]
pub struct AnswersFile {
    /// `_src_path`: where the template comes from.
    pub src_path: String,
    /// `_commit`: the version the repository was rendered from.
    pub commit: Option<String>,
    /// The recorded answers (keys without a leading `_`).
    pub answers: Map<String, Value>,
}

impl AnswersFile {
    /// Reads `dest/answers_file`.
    pub fn read(dest: &Path, answers_file: &str) -> Result<Self, TemplateError> {
        let path = dest.join(answers_file);
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
                return Err(TemplateError::NoAnswersFile {
                    dest: dest.to_owned(),
                    answers_file: answers_file.to_owned(),
                });
            }
            Err(err) => return Err(TemplateError::io(&path)(err)),
        };
        Self::parse(&text).map_err(|message| TemplateError::AnswersFile { path, message })
    }

    /// Parses the text of an answers file.
    pub fn parse(text: &str) -> Result<Self, String> {
        // Booleans as copier's YAML reader (PyYAML) knows them: an answer written `n` or `y`
        // is that text, not `false` or `true` (serde-saphyr's YAML 1.1 default reads it as a
        // boolean, and the answer `n` came back as `false`). Copier writes booleans as
        // `true` / `false`.
        let options = serde_saphyr::options! { strict_booleans: true };
        let value: Value =
            serde_saphyr::from_str_with_options(text, options).map_err(|err| err.to_string())?;
        let Value::Object(map) = value else {
            return Err("expected a mapping of answers".into());
        };
        let src_path = match map.get("_src_path") {
            Some(Value::String(path)) => path.clone(),
            _ => return Err("expected `_src_path`, the template's source".into()),
        };
        let commit = match map.get("_commit") {
            Some(Value::String(commit)) => Some(commit.clone()),
            Some(Value::Number(number)) => Some(number.to_string()),
            _ => None,
        };
        let answers = map
            .into_iter()
            .filter(|(key, _)| !key.starts_with('_'))
            .collect();
        Ok(Self {
            src_path,
            commit,
            answers,
        })
    }
}

/// The text copier's answers file template writes for `recorded`
/// (`{{ _copier_answers|to_nice_yaml }}` under copier's header).
pub fn answers_file_text(recorded: &Map<String, Value>) -> String {
    format!(
        "{ANSWERS_HEADER}{}",
        to_block_yaml(&Value::Object(recorded.clone()), 4)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn written_text_reads_back() {
        let recorded =
            json!({"_src_path": "gh:acme/t", "_commit": "v1.0.0", "name": "x", "port": 80});
        let text = answers_file_text(recorded.as_object().unwrap());
        assert_eq!(
            text,
            "# Changes here will be overwritten by Copier; NEVER EDIT MANUALLY\n\
             _commit: v1.0.0\n_src_path: gh:acme/t\nname: x\nport: 80\n"
        );
        let read = AnswersFile::parse(&text).unwrap();
        assert_eq!(read.src_path, "gh:acme/t");
        assert_eq!(read.commit.as_deref(), Some("v1.0.0"));
        assert_eq!(
            Value::Object(read.answers),
            json!({"name": "x", "port": 80})
        );
    }

    #[test]
    fn an_answer_n_or_y_is_text_and_booleans_stay_booleans() {
        let read = AnswersFile::parse("_src_path: t\nname: n\nshort: y\ncache: true\n").unwrap();
        assert_eq!(
            Value::Object(read.answers),
            json!({"name": "n", "short": "y", "cache": true})
        );
    }
}
