//! A template version rendered into the files it writes, in memory.

use std::collections::BTreeMap;

use minijinja::Value;
use serde_json::Map;

use super::{PathRules, Renderer, safe_relative};
use crate::answers::answers_file_text;
use crate::{TemplateConfig, TemplateError, TemplateFiles};

/// The files a template renders to, by `/`-separated path relative to the destination.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RenderedTree {
    /// Each file's contents by path.
    pub files: BTreeMap<String, Vec<u8>>,
}

/// Renders every file of `template` under `_subdirectory`: templated names (a name rendering
/// to nothing skips the file or folder), `_templates_suffix` files rendered and stripped of
/// it, others copied as they are; `_exclude` applied; the answers file added when the
/// template does not write it.
pub fn render_tree(
    template: &TemplateFiles,
    config: &TemplateConfig,
    renderer: &Renderer,
    context: &Value,
    recorded: &Map<String, serde_json::Value>,
) -> Result<RenderedTree, TemplateError> {
    let rules = PathRules::new(&config.exclude, &config.skip_if_exists)?;
    let prefix = if config.subdirectory.is_empty() {
        String::new()
    } else {
        format!("{}/", config.subdirectory)
    };
    let suffix = config.templates_suffix.as_str();
    let mut tree = RenderedTree::default();
    for (path, bytes) in &template.files {
        let Some(relative) = path.strip_prefix(&prefix) else {
            continue;
        };
        let templated = suffix.is_empty() || relative.ends_with(suffix);
        let source_name = if suffix.is_empty() {
            relative
        } else {
            relative.strip_suffix(suffix).unwrap_or(relative)
        };
        let Some(target) = render_path(renderer, path, source_name, context)? else {
            continue;
        };
        // Copier matches `_exclude` against the rendered path.
        if rules.is_excluded(&target) {
            continue;
        }
        let contents = if templated {
            let text = std::str::from_utf8(bytes).map_err(|_| TemplateError::Config {
                path: path.clone(),
                message: format!("a `{suffix}` template must be UTF-8 text"),
            })?;
            renderer.render(path, text, context)?.into_bytes()
        } else {
            bytes.clone()
        };
        tree.files.insert(target, contents);
    }
    if !tree.files.contains_key(&config.answers_file) {
        let answers_file = safe_relative(&config.answers_file)?;
        tree.files
            .insert(answers_file, answers_file_text(recorded).into_bytes());
    }
    Ok(tree)
}

/// The rendered destination path of `name`, or `None` when a part renders to nothing.
fn render_path(
    renderer: &Renderer,
    file: &str,
    name: &str,
    context: &Value,
) -> Result<Option<String>, TemplateError> {
    let mut parts = Vec::new();
    for part in name.split('/') {
        let rendered = if part.contains(['{', '[', '%']) {
            renderer.render(file, part, context)?
        } else {
            part.to_owned()
        };
        if rendered.trim().is_empty() {
            return Ok(None);
        }
        parts.push(rendered);
    }
    safe_relative(&parts.join("/")).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Answers;
    use crate::render::render_context;
    use serde_json::json;

    fn render(
        files: &[(&str, &str)],
        answers: serde_json::Value,
    ) -> Result<RenderedTree, TemplateError> {
        let template = TemplateFiles::from_texts("t", None, files.iter().copied());
        let config = TemplateConfig::from_template(&template)?;
        let renderer = Renderer::new(&config.envops)?;
        let answers = Answers {
            values: answers.as_object().unwrap().clone(),
            ..Answers::default()
        };
        let recorded = answers.recorded("t", None);
        let context = render_context(&answers, &recorded, &config.answers_file, "/tmp/dest");
        render_tree(&template, &config, &renderer, &context, &recorded)
    }

    #[test]
    fn names_suffixes_subdirectory_and_skips() {
        let tree = render(
            &[
                (
                    "copier.yml",
                    "_subdirectory: project\n_exclude: ['*.bak']\nname: x\n",
                ),
                ("README.md", "outside the subdirectory"),
                ("project/{{ name }}/main.py.jinja", "print('{{ name }}')\n"),
                ("project/plain.txt", "{{ name }} stays\n"),
                (
                    "project/{% if docker %}Dockerfile{% endif %}.jinja",
                    "FROM x\n",
                ),
                ("project/old.bak", "excluded"),
            ],
            json!({"name": "svc", "docker": false}),
        )
        .unwrap();
        let paths: Vec<&str> = tree.files.keys().map(String::as_str).collect();
        assert_eq!(paths, [".copier-answers.yml", "plain.txt", "svc/main.py"]);
        assert_eq!(tree.files["svc/main.py"], b"print('svc')\n");
        assert_eq!(tree.files["plain.txt"], b"{{ name }} stays\n");
    }

    #[test]
    fn a_name_leaving_the_destination_is_refused() {
        let err = render(
            &[("{{ name }}.jinja", "x")],
            json!({"name": "../../etc/cron"}),
        )
        .unwrap_err();
        assert!(matches!(err, TemplateError::PathEscapes { .. }), "{err}");
    }

    #[test]
    fn a_syntax_error_in_a_file_names_it() {
        let err = render(
            &[("ok.txt.jinja", "fine\n{{ name }\n")],
            json!({"name": "x"}),
        )
        .unwrap_err();
        let text = err.to_string();
        assert!(text.starts_with("ok.txt.jinja:2: syntax error"), "{text}");
    }
}
