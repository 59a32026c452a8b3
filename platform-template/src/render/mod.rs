//! Rendering: the Jinja environment copier templates expect, and a template's files rendered
//! into a tree in memory.

mod context;
mod external;
mod filters;
pub mod json;
mod paths;
mod tree;
pub mod yaml;

use minijinja::syntax::SyntaxConfig;
use minijinja::{Environment, UndefinedBehavior, Value};

pub use context::render_context;
pub use external::ExternalDataSpec;
pub use paths::{PathRules, safe_relative};
pub use tree::{RenderedTree, render_tree};

use crate::TemplateError;
use crate::config::Envops;

/// The first line copier's answers file template writes.
pub const ANSWERS_HEADER: &str =
    "# Changes here will be overwritten by Copier; NEVER EDIT MANUALLY\n";

/// A Jinja environment configured by a template's `_envops`, with copier's filters.
#[derive(Debug, Clone)]
pub struct Renderer {
    env: std::sync::Arc<Environment<'static>>,
    external: Option<std::sync::Arc<ExternalDataSpec>>,
}

impl Renderer {
    /// The environment for `envops`.
    pub fn new(envops: &Envops) -> Result<Self, TemplateError> {
        let mut env = Environment::new();
        let mut syntax = SyntaxConfig::builder();
        syntax
            .block_delimiters(envops.block.0.clone(), envops.block.1.clone())
            .variable_delimiters(envops.variable.0.clone(), envops.variable.1.clone())
            .comment_delimiters(envops.comment.0.clone(), envops.comment.1.clone())
            .keep_trailing_newline(envops.keep_trailing_newline)
            .trim_blocks(envops.trim_blocks)
            .lstrip_blocks(envops.lstrip_blocks);
        if let Some(prefix) = &envops.line_statement_prefix {
            syntax.line_statement_prefix(prefix.clone());
        }
        if let Some(prefix) = &envops.line_comment_prefix {
            syntax.line_comment_prefix(prefix.clone());
        }
        let syntax = syntax
            .build()
            .map_err(|source| TemplateError::jinja("copier.yml (_envops)", source))?;
        env.set_syntax(syntax);
        // Jinja's default: an undefined variable prints as nothing.
        env.set_undefined_behavior(UndefinedBehavior::Lenient);
        // Copier never escapes: a `.html` template writes what it says.
        env.set_auto_escape_callback(|_| minijinja::AutoEscape::None);
        env.set_formatter(python_formatter);
        filters::add_filters(&mut env);
        Ok(Self {
            env: std::sync::Arc::new(env),
            external: None,
        })
    }

    /// This renderer with `_external_data` (when `spec` names any file): every render sees it.
    pub fn with_external_data(mut self, spec: ExternalDataSpec) -> Self {
        self.external = (!spec.paths.is_empty()).then(|| std::sync::Arc::new(spec));
        self
    }

    /// Renders `source`; errors name `file` and the line.
    pub fn render(
        &self,
        file: &str,
        source: &str,
        context: &Value,
    ) -> Result<String, TemplateError> {
        let rendered = match &self.external {
            None => self.env.render_named_str(file, source, context),
            Some(spec) => {
                let external =
                    external::ExternalData::value(spec.clone(), self.env.clone(), context.clone());
                let context = minijinja::context! { _external_data => external, ..context.clone() };
                self.env.render_named_str(file, source, context)
            }
        };
        rendered.map_err(|err| TemplateError::jinja(file, err))
    }
}

/// Prints booleans and none as Python does (`True`, `False`, `None`), as copier's Jinja does.
fn python_formatter(
    out: &mut minijinja::Output,
    state: &mut minijinja::State,
    value: &Value,
) -> Result<(), minijinja::Error> {
    match value.kind() {
        minijinja::value::ValueKind::Bool => {
            let text = if value.is_true() { "True" } else { "False" };
            out.write_str(text).map_err(minijinja::Error::from)
        }
        minijinja::value::ValueKind::None => out.write_str("None").map_err(minijinja::Error::from),
        _ => minijinja::escape_formatter(out, state, value),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_syntax_error_names_file_line_and_message() {
        let renderer = Renderer::new(&Envops::default()).unwrap();
        let err = renderer
            .render(
                "src/main.rs.jinja",
                "line one\n{% if name %}\nno end",
                &Value::from(()),
            )
            .unwrap_err();
        let text = err.to_string();
        assert!(text.starts_with("src/main.rs.jinja:"), "{text}");
        match err {
            TemplateError::Jinja { line, message, .. } => {
                assert!(line >= 2, "line {line}");
                assert!(message.contains("syntax error"), "{message}");
            }
            other => panic!("expected a Jinja error, got {other}"),
        }
    }

    #[test]
    fn raw_blocks_keep_helm_templates_and_newlines_are_kept() {
        let renderer = Renderer::new(&Envops::default()).unwrap();
        let text = renderer
            .render(
                "t",
                "{% raw %}{{ .Values.image }}{% endraw %} {{ flag }}\n",
                &minijinja::context! { flag => true },
            )
            .unwrap();
        assert_eq!(text, "{{ .Values.image }} True\n");
    }

    #[test]
    fn custom_delimiters_from_envops() {
        let envops = Envops {
            variable: ("[[".into(), "]]".into()),
            block: ("[%".into(), "%]".into()),
            ..Envops::default()
        };
        let renderer = Renderer::new(&envops).unwrap();
        let text = renderer
            .render(
                "t",
                "[[ name ]] {{ kept }}",
                &minijinja::context! { name => "x" },
            )
            .unwrap();
        assert_eq!(text, "x {{ kept }}");
    }
}
