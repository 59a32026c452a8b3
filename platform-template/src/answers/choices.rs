//! Templated choices, as copier renders them: `choices` given as one template rendering to a
//! YAML list or mapping, and labels and string values that are templates, each rendered with
//! the answers given before the question.

use std::borrow::Cow;

use minijinja::Value as JinjaValue;
use serde_json::Value;

use super::Answers;
use super::cast::cast_one;
use crate::TemplateError;
use crate::config::{Question, parse_choices};
use crate::render::Renderer;

fn templated(text: &str) -> bool {
    text.contains("{{") || text.contains("{%")
}

/// `question` with its choices rendered against `answers` (borrowed when none is a template).
pub(crate) fn rendered_choices<'q>(
    renderer: &Renderer,
    question: &'q Question,
    answers: &Answers,
) -> Result<Cow<'q, Question>, TemplateError> {
    let values_templated = question
        .choices
        .iter()
        .any(|c| templated(&c.label) || c.value.as_str().is_some_and(templated));
    if question.choices_template.is_none() && !values_templated {
        return Ok(Cow::Borrowed(question));
    }
    let context = JinjaValue::from(minijinja::value::Serde(&answers.values));
    let file = format!("copier.yml ({}.choices)", question.name);
    let invalid = |message: String| TemplateError::Question {
        question: question.name.clone(),
        message,
    };
    let mut rendered = question.clone();
    if let Some(template) = &question.choices_template {
        let text = renderer.render(&file, template, &context)?;
        let parsed: Value = if text.trim().is_empty() {
            Value::Array(Vec::new())
        } else {
            serde_saphyr::from_str(&text).map_err(|err| {
                invalid(format!(
                    "choices: `{template}` rendered to `{}`, which is not YAML: {err}",
                    text.trim()
                ))
            })?
        };
        rendered.choices = parse_choices(Some(&parsed))
            .map_err(|message| invalid(format!("{message} (rendered from `{template}`)")))?;
    }
    for choice in &mut rendered.choices {
        if templated(&choice.label) {
            choice.label = renderer.render(&file, &choice.label, &context)?;
        }
        if let Value::String(text) = &choice.value
            && templated(text)
        {
            let text = renderer.render(&file, text, &context)?;
            choice.value = cast_one(question.kind, Value::String(text))
                .map_err(|message| invalid(format!("choices: {message}")))?;
        }
    }
    Ok(Cow::Owned(rendered))
}
