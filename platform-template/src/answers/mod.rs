//! Answers: resolved from given data, defaults and a prompt in question order, cast to each
//! question's type and checked by its choices and validator; and the answers file.

mod cast;
mod choices;
mod file;
mod resolve;

use std::collections::BTreeSet;

use serde_json::{Map, Value};

pub use cast::{cast_answer, cast_to_bool};
pub use file::{AnswersFile, answers_file_text};
pub use resolve::{AnswerSource, ResolveOptions, resolve_answers};

/// Every answer of one scaffold.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Answers {
    /// Each question's answer as templates see it (secrets and skipped questions' defaults too).
    pub values: Map<String, Value>,
    /// Questions whose answers are not recorded: secrets and questions whose `when` is false.
    pub hidden: BTreeSet<String>,
}

impl Answers {
    /// What the answers file records: `_commit`, `_src_path` and every answer not hidden.
    pub fn recorded(&self, src_path: &str, commit: Option<&str>) -> Map<String, Value> {
        let mut recorded = Map::new();
        if let Some(commit) = commit {
            recorded.insert("_commit".into(), Value::String(commit.to_owned()));
        }
        recorded.insert("_src_path".into(), Value::String(src_path.to_owned()));
        for (name, value) in &self.values {
            if !self.hidden.contains(name) {
                recorded.insert(name.clone(), value.clone());
            }
        }
        recorded
    }
}
