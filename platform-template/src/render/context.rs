//! The variables every template sees besides the answers (`_copier_conf`, `_copier_answers`,
//! `_folder_name`).

use minijinja::Value;
use serde_json::{Map, json};

use crate::Answers;

/// The render context: the answers, the recorded answers as `_copier_answers`, and
/// `_copier_conf` (`answers_file`, `src_path`, `dst_path`, `vcs_ref`, `sep`).
pub fn render_context(
    answers: &Answers,
    recorded: &Map<String, serde_json::Value>,
    answers_file: &str,
    dst_path: &str,
) -> Value {
    let mut context = answers.values.clone();
    context.insert(
        "_copier_answers".into(),
        serde_json::Value::Object(recorded.clone()),
    );
    context.insert(
        "_copier_conf".into(),
        json!({
            "answers_file": answers_file,
            "src_path": recorded.get("_src_path"),
            "dst_path": dst_path,
            "vcs_ref": recorded.get("_commit"),
            "sep": "/",
        }),
    );
    let folder = dst_path
        .rsplit(['/', '\\'])
        .find(|s| !s.is_empty())
        .unwrap_or_default();
    context.insert("_folder_name".into(), json!(folder));
    Value::from(minijinja::value::Serde(&context))
}
