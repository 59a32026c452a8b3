//! One question of `copier.yml`.

use serde_json::Value;

use crate::TemplateError;

/// The `type` of a question: how a typed answer is cast.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuestionType {
    /// Text.
    Str,
    /// A whole number.
    Int,
    /// A number.
    Float,
    /// Yes or no (`y`, `yes`, `true`, `on`, `1` and their opposites).
    Bool,
    /// Any YAML value.
    Yaml,
    /// Any JSON value.
    Json,
}

impl QuestionType {
    /// Copier's name of the type.
    pub fn name(self) -> &'static str {
        match self {
            Self::Str => "str",
            Self::Int => "int",
            Self::Float => "float",
            Self::Bool => "bool",
            Self::Yaml => "yaml",
            Self::Json => "json",
        }
    }

    fn parse(name: &str) -> Option<Self> {
        Some(match name {
            "str" => Self::Str,
            "int" => Self::Int,
            "float" => Self::Float,
            "bool" => Self::Bool,
            "yaml" => Self::Yaml,
            "json" => Self::Json,
            _ => return None,
        })
    }

    /// The type copier infers from a default when `type` is not given: the default's own
    /// type, else `yaml`.
    fn inferred(default: Option<&Value>) -> Self {
        match default {
            Some(Value::Bool(_)) => Self::Bool,
            Some(Value::String(_)) => Self::Str,
            Some(Value::Number(n)) if n.is_f64() => Self::Float,
            Some(Value::Number(_)) => Self::Int,
            _ => Self::Yaml,
        }
    }
}

/// One allowed answer of a question with `choices`.
#[derive(Debug, Clone, PartialEq)]
pub struct Choice {
    /// What the prompt shows.
    pub label: String,
    /// The answer it stands for.
    pub value: Value,
    /// A template rendering to a non-empty reason when the choice is disabled.
    pub validator: Option<String>,
}

/// A question as `copier.yml` declares it.
#[derive(Debug, Clone, PartialEq)]
pub struct Question {
    /// The variable the answer is stored in.
    pub name: String,
    /// How answers are cast.
    pub kind: QuestionType,
    /// The default (may contain Jinja that sees earlier answers).
    pub default: Option<Value>,
    /// The help text shown when asking.
    pub help: Option<String>,
    /// The allowed answers, when restricted (labels and string values may be templates).
    pub choices: Vec<Choice>,
    /// `choices` given as one template, rendering to a YAML list or mapping of choices.
    pub choices_template: Option<String>,
    /// Whether the question is asked: a boolean or a template rendering to one.
    pub when: Option<Value>,
    /// A template rendering to a non-empty error message when the answer is wrong.
    pub validator: Option<String>,
    /// Several choices may be picked; the answer is a list.
    pub multiselect: bool,
    /// The answer is never recorded nor echoed.
    pub secret: bool,
    /// An example shown in an empty prompt.
    pub placeholder: Option<String>,
}

impl Question {
    /// Reads the question `name` from its value in `copier.yml` (a mapping, or a bare default).
    pub fn parse(name: &str, value: Value) -> Result<Self, TemplateError> {
        let error = |message: String| TemplateError::Question {
            question: name.to_owned(),
            message,
        };
        let Value::Object(map) = value else {
            // `port: 8080` declares a question whose default is 8080.
            let default = (!value.is_null()).then_some(value);
            return Ok(Self::bare(name, default));
        };
        let default = map.get("default").cloned().filter(|v| !v.is_null());
        let kind = match map.get("type") {
            None | Some(Value::Null) => QuestionType::inferred(default.as_ref()),
            Some(Value::String(text)) => QuestionType::parse(text).ok_or_else(|| {
                error(format!(
                    "type: expected one of str, int, float, bool, yaml, json, found `{text}`"
                ))
            })?,
            Some(other) => return Err(error(format!("type: expected a string, found {other}"))),
        };
        let text = |key: &str| -> Result<Option<String>, TemplateError> {
            match map.get(key) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(text)) => Ok(Some(text.clone())),
                Some(other) => Err(error(format!("{key}: expected a string, found {other}"))),
            }
        };
        let flag = |key: &str| -> Result<bool, TemplateError> {
            match map.get(key) {
                None | Some(Value::Null) => Ok(false),
                Some(Value::Bool(flag)) => Ok(*flag),
                Some(other) => Err(error(format!(
                    "{key}: expected true or false, found {other}"
                ))),
            }
        };
        let question = Self {
            name: name.to_owned(),
            kind,
            help: text("help")?,
            choices: match map.get("choices") {
                Some(Value::String(_)) => Vec::new(),
                other => parse_choices(other).map_err(error)?,
            },
            choices_template: map
                .get("choices")
                .and_then(Value::as_str)
                .map(str::to_owned),
            when: map.get("when").cloned().filter(|v| !v.is_null()),
            validator: text("validator")?,
            multiselect: flag("multiselect")?,
            secret: flag("secret")?,
            placeholder: text("placeholder")?,
            default,
        };
        if question.secret && question.default.is_none() {
            return Err(error("a secret question needs a default".into()));
        }
        Ok(question)
    }

    fn bare(name: &str, default: Option<Value>) -> Self {
        Self {
            name: name.to_owned(),
            kind: QuestionType::inferred(default.as_ref()),
            default,
            help: None,
            choices: Vec::new(),
            choices_template: None,
            when: None,
            validator: None,
            multiselect: false,
            secret: false,
            placeholder: None,
        }
    }
}

/// Reads `choices`: a list (of values or label-value pairs) or a mapping of labels to values.
pub(crate) fn parse_choices(value: Option<&Value>) -> Result<Vec<Choice>, String> {
    let choice = |label: String, value: &Value| match value {
        Value::Object(settings) if settings.contains_key("value") => Choice {
            label,
            value: settings["value"].clone(),
            validator: settings
                .get("validator")
                .and_then(Value::as_str)
                .map(str::to_owned),
        },
        other => Choice {
            label,
            value: other.clone(),
            validator: None,
        },
    };
    match value {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Object(map)) => Ok(map
            .iter()
            .map(|(label, value)| choice(label.clone(), value))
            .collect()),
        Some(Value::Array(items)) => Ok(items
            .iter()
            .map(|item| match item {
                Value::Array(pair) if pair.len() == 2 => choice(label_of(&pair[0]), &pair[1]),
                other => choice(label_of(other), other),
            })
            .collect()),
        Some(other) => Err(format!(
            "choices: expected a list or a mapping, found {other}"
        )),
    }
}

fn label_of(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn choices_as_list_pairs_and_map() {
        let list = Question::parse("db", json!({"choices": ["none", "postgresql"]})).unwrap();
        assert_eq!(list.choices[1].label, "postgresql");
        assert_eq!(list.choices[1].value, json!("postgresql"));
        let pairs = Question::parse("n", json!({"type": "int", "choices": [["one", 1]]})).unwrap();
        assert_eq!(pairs.choices[0].value, json!(1));
        let map = Question::parse(
            "n",
            json!({"choices": {"Two": 2, "Three": {"value": 3, "validator": "no"}}}),
        )
        .unwrap();
        assert_eq!(map.choices[0].label, "Two");
        assert_eq!(map.choices[1].value, json!(3));
        assert_eq!(map.choices[1].validator.as_deref(), Some("no"));
    }

    #[test]
    fn an_unknown_type_names_the_question() {
        let err = Question::parse("port", json!({"type": "integer"})).unwrap_err();
        assert!(err.to_string().contains("`port`"), "{err}");
        assert!(err.to_string().contains("integer"), "{err}");
    }
}
