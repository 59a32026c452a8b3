//! Resolving every question in order: given data, then the prompt, then the default.

use minijinja::Value as JinjaValue;
use serde_json::{Map, Value};

use super::choices::rendered_choices;
use super::{Answers, cast_answer, cast_to_bool};
use crate::TemplateError;
use crate::config::{Question, TemplateConfig};
use crate::render::Renderer;

/// Asks a person for answers (a terminal prompt, a form).
pub trait AnswerSource {
    /// The answer to `question`, whose rendered default is `default`.
    fn ask(&mut self, question: &Question, default: Option<&Value>)
    -> Result<Value, TemplateError>;

    /// Tells the person their answer was refused and why; `ask` is called again.
    fn rejected(&mut self, question: &Question, message: &str);
}

/// How questions without given data are answered.
#[derive(Default)]
pub struct ResolveOptions<'a> {
    /// Take every default without asking (`--defaults`).
    pub use_defaults: bool,
    /// Who to ask; `None` when nobody can be asked (no terminal): questions without a default
    /// are then missing.
    pub prompt: Option<&'a mut dyn AnswerSource>,
}

/// How many refused answers a prompt gets before the last refusal is returned.
const ATTEMPTS: usize = 5;

/// Answers every question of `config` in order. Given data (`given`) wins; a question whose
/// `when` is false takes its default and is not recorded. All questions left without an answer
/// are reported together.
pub fn resolve_answers(
    config: &TemplateConfig,
    renderer: &Renderer,
    given: &Map<String, Value>,
    mut options: ResolveOptions<'_>,
) -> Result<Answers, TemplateError> {
    let mut answers = Answers::default();
    let mut missing = Vec::new();
    for question in &config.questions {
        // Rendered only when used: a given answer never needs its default (which may read
        // `_external_data` or fail).
        let default = |answers: &Answers| match &question.default {
            Some(default) => render_value(renderer, question, default, answers).map(Some),
            None => Ok(None),
        };
        if !is_asked(renderer, question, &answers)? {
            answers.hidden.insert(question.name.clone());
            if let Some(default) = default(&answers)? {
                let value = cast(question, default)?;
                answers.values.insert(question.name.clone(), value);
            }
            continue;
        }
        let rendered = rendered_choices(renderer, question, &answers)?;
        let question: &Question = &rendered;
        if question.secret {
            answers.hidden.insert(question.name.clone());
        }
        let value = if let Some(value) = given.get(&question.name) {
            let value = cast(question, value.clone())?;
            check(renderer, question, &value, &answers)?;
            value
        } else if let (false, Some(prompt)) = (options.use_defaults, options.prompt.as_mut()) {
            ask(
                renderer,
                question,
                default(&answers)?.as_ref(),
                &answers,
                &mut **prompt,
            )?
        } else if let Some(default) = default(&answers)? {
            let value = cast(question, default)?;
            check(renderer, question, &value, &answers)?;
            value
        } else {
            missing.push(question.name.clone());
            continue;
        };
        answers.values.insert(question.name.clone(), value);
    }
    if missing.is_empty() {
        Ok(answers)
    } else {
        Err(TemplateError::MissingAnswers(missing))
    }
}

fn ask(
    renderer: &Renderer,
    question: &Question,
    default: Option<&Value>,
    answers: &Answers,
    prompt: &mut dyn AnswerSource,
) -> Result<Value, TemplateError> {
    let mut attempt = 0;
    loop {
        attempt += 1;
        let raw = prompt.ask(question, default)?;
        let checked = cast(question, raw)
            .and_then(|value| check(renderer, question, &value, answers).map(|()| value));
        match checked {
            Ok(value) => return Ok(value),
            Err(err) if attempt >= ATTEMPTS => return Err(err),
            Err(TemplateError::InvalidAnswer { message, .. }) => {
                prompt.rejected(question, &message)
            }
            Err(err) => return Err(err),
        }
    }
}

fn cast(question: &Question, value: Value) -> Result<Value, TemplateError> {
    cast_answer(question, value).map_err(|message| TemplateError::InvalidAnswer {
        question: question.name.clone(),
        message,
    })
}

/// The choices and the validator of `question` accept `value`.
fn check(
    renderer: &Renderer,
    question: &Question,
    value: &Value,
    answers: &Answers,
) -> Result<(), TemplateError> {
    let invalid = |message: String| TemplateError::InvalidAnswer {
        question: question.name.clone(),
        message,
    };
    if !question.choices.is_empty() {
        let picked: Vec<&Value> = match (question.multiselect, value) {
            (true, Value::Array(items)) => items.iter().collect(),
            _ => vec![value],
        };
        for item in picked {
            if !question.choices.iter().any(|choice| &choice.value == item) {
                let allowed: Vec<String> = question
                    .choices
                    .iter()
                    .map(|choice| match &choice.value {
                        Value::String(text) => text.clone(),
                        other => other.to_string(),
                    })
                    .collect();
                return Err(invalid(format!(
                    "expected one of {}, found {}",
                    allowed.join(", "),
                    match item {
                        Value::String(text) => text.clone(),
                        other => other.to_string(),
                    }
                )));
            }
        }
    }
    if let Some(validator) = &question.validator {
        let mut context = answers.values.clone();
        context.insert(question.name.clone(), value.clone());
        let file = format!("copier.yml ({}.validator)", question.name);
        let message = renderer.render(
            &file,
            validator,
            &JinjaValue::from(minijinja::value::Serde(&context)),
        )?;
        let message = message.trim();
        if !message.is_empty() {
            return Err(invalid(message.to_owned()));
        }
    }
    Ok(())
}

fn is_asked(
    renderer: &Renderer,
    question: &Question,
    answers: &Answers,
) -> Result<bool, TemplateError> {
    match &question.when {
        None => Ok(true),
        Some(Value::String(template)) => {
            let file = format!("copier.yml ({}.when)", question.name);
            let context = JinjaValue::from(minijinja::value::Serde(&answers.values));
            let text = renderer.render(&file, template, &context)?;
            Ok(cast_to_bool(&Value::String(text)))
        }
        Some(other) => Ok(cast_to_bool(other)),
    }
}

/// A default with its strings rendered against the answers so far.
fn render_value(
    renderer: &Renderer,
    question: &Question,
    value: &Value,
    answers: &Answers,
) -> Result<Value, TemplateError> {
    Ok(match value {
        Value::String(template) if template.contains(['{', '[', '%', '#']) => {
            let file = format!("copier.yml ({}.default)", question.name);
            let context = JinjaValue::from(minijinja::value::Serde(&answers.values));
            Value::String(renderer.render(&file, template, &context)?)
        }
        Value::Array(items) => Value::Array(
            items
                .iter()
                .map(|item| render_value(renderer, question, item, answers))
                .collect::<Result<_, _>>()?,
        ),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(key, item)| {
                    Ok((
                        key.clone(),
                        render_value(renderer, question, item, answers)?,
                    ))
                })
                .collect::<Result<_, TemplateError>>()?,
        ),
        other => other.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Envops;
    use serde_json::json;

    fn config() -> TemplateConfig {
        TemplateConfig::parse(
            "copier.yml",
            "name:\n  type: str\n  validator: \"{% if not (name | regex_search('^[a-z][a-z0-9-]*$')) %}lowercase letters, digits and dashes{% endif %}\"\n\
             slug:\n  default: \"{{ name | upper }}\"\n\
             database:\n  choices: [none, postgresql]\n  default: none\n\
             db_size:\n  type: int\n  default: 10\n  when: \"{{ database != 'none' }}\"\n\
             token:\n  secret: true\n  default: s3cret\n",
        )
        .unwrap()
    }

    fn resolve(given: Value) -> Result<Answers, TemplateError> {
        let renderer = Renderer::new(&Envops::default()).unwrap();
        let given = given.as_object().unwrap().clone();
        resolve_answers(&config(), &renderer, &given, ResolveOptions::default())
    }

    #[test]
    fn defaults_see_earlier_answers_and_hidden_ones_are_not_recorded() {
        let answers = resolve(json!({"name": "payments"})).unwrap();
        assert_eq!(answers.values["slug"], json!("PAYMENTS"));
        assert_eq!(answers.values["db_size"], json!(10));
        assert!(answers.hidden.contains("db_size"), "when is false");
        assert!(answers.hidden.contains("token"), "secret");
        let recorded = answers.recorded("gh:acme/t", Some("v1"));
        assert!(!recorded.contains_key("token"));
        assert!(!recorded.contains_key("db_size"));
        assert_eq!(recorded["_commit"], json!("v1"));
    }

    #[test]
    fn the_validator_and_choices_name_the_question() {
        let err = resolve(json!({"name": "Bad Name"})).unwrap_err();
        assert_eq!(
            err.to_string(),
            "question `name`: lowercase letters, digits and dashes"
        );
        let err = resolve(json!({"name": "ok", "database": "oracle"})).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("question `database`: expected one of none, postgresql"),
            "{err}"
        );
    }

    #[test]
    fn questions_without_default_are_listed_as_missing() {
        let err = resolve(json!({})).unwrap_err();
        assert!(
            matches!(&err, TemplateError::MissingAnswers(names) if names == &["name"]),
            "{err}"
        );
    }

    struct Scripted(Vec<&'static str>, Vec<String>);

    impl AnswerSource for Scripted {
        fn ask(&mut self, _: &Question, _: Option<&Value>) -> Result<Value, TemplateError> {
            Ok(Value::String(self.0.remove(0).to_owned()))
        }
        fn rejected(&mut self, question: &Question, message: &str) {
            self.1.push(format!("{}: {message}", question.name));
        }
    }

    #[test]
    fn a_prompt_is_asked_again_after_a_refusal() {
        let renderer = Renderer::new(&Envops::default()).unwrap();
        let mut prompt = Scripted(
            vec!["Nope", "good", "", "postgresql", "20", "tok"],
            Vec::new(),
        );
        let answers = resolve_answers(
            &config(),
            &renderer,
            &Map::new(),
            ResolveOptions {
                use_defaults: false,
                prompt: Some(&mut prompt),
            },
        )
        .unwrap();
        assert_eq!(answers.values["name"], json!("good"));
        assert_eq!(answers.values["db_size"], json!(20));
        assert_eq!(prompt.1, ["name: lowercase letters, digits and dashes"]);
    }
}
