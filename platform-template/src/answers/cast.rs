//! Casting an answer to its question's type as copier does.

use serde_json::{Number, Value};

use crate::config::{Question, QuestionType};

/// Copier's `cast_to_bool`: `y`/`yes`/`t`/`true`/`on` and `n`/`no`/`f`/`false`/`off`/`~`/
/// `null`/`none` (any case), else a number's truth, else non-emptiness.
pub fn cast_to_bool(value: &Value) -> bool {
    match value {
        Value::Bool(flag) => *flag,
        Value::Null => false,
        Value::Number(number) => number.as_f64().is_some_and(|n| n != 0.0),
        Value::String(text) => {
            let lower = text.trim().to_lowercase();
            match lower.as_str() {
                "y" | "yes" | "t" | "true" | "on" => true,
                "n" | "no" | "f" | "false" | "off" | "~" | "null" | "none" | "" => false,
                other => other.parse::<f64>().map(|n| n != 0.0).unwrap_or(true),
            }
        }
        Value::Array(items) => !items.is_empty(),
        Value::Object(map) => !map.is_empty(),
    }
}

/// `value` cast to `question`'s type (each item for a multiselect), or why it cannot be.
pub fn cast_answer(question: &Question, value: Value) -> Result<Value, String> {
    if question.multiselect {
        let items = match value {
            Value::String(text) => match parse_yaml(&text)? {
                Value::Array(items) => items,
                Value::Null => Vec::new(),
                _ => text
                    .split(',')
                    .map(|s| Value::String(s.trim().into()))
                    .collect(),
            },
            Value::Array(items) => items,
            other => vec![other],
        };
        return items
            .into_iter()
            .map(|item| cast_one(question.kind, item))
            .collect::<Result<Vec<_>, _>>()
            .map(Value::Array);
    }
    cast_one(question.kind, value)
}

/// One value cast to `kind` (a single item of a multiselect answer).
pub(crate) fn cast_one(kind: QuestionType, value: Value) -> Result<Value, String> {
    match (kind, value) {
        (QuestionType::Str, Value::String(text)) => Ok(Value::String(text)),
        (QuestionType::Str, Value::Null) => Ok(Value::String(String::new())),
        (QuestionType::Str, other) => Ok(Value::String(other.to_string())),
        (QuestionType::Int, Value::Number(n)) if n.is_i64() || n.is_u64() => Ok(Value::Number(n)),
        (QuestionType::Int, Value::String(text)) => text
            .trim()
            .parse::<i64>()
            .map(Value::from)
            .map_err(|_| format!("expected a whole number, found `{text}`")),
        (QuestionType::Float, Value::Number(n)) => Ok(n
            .as_f64()
            .and_then(Number::from_f64)
            .map_or(Value::Number(n), Value::Number)),
        (QuestionType::Float, Value::String(text)) => text
            .trim()
            .parse::<f64>()
            .ok()
            .and_then(Number::from_f64)
            .map(Value::Number)
            .ok_or_else(|| format!("expected a number, found `{text}`")),
        (QuestionType::Bool, value) => Ok(Value::Bool(cast_to_bool(&value))),
        (QuestionType::Yaml, Value::String(text)) => parse_yaml(&text),
        (QuestionType::Json, Value::String(text)) => {
            serde_json::from_str(&text).map_err(|err| format!("expected JSON: {err}"))
        }
        (QuestionType::Yaml | QuestionType::Json, other) => Ok(other),
        (kind, other) => Err(format!("expected {}, found {other}", kind.name())),
    }
}

fn parse_yaml(text: &str) -> Result<Value, String> {
    if text.trim().is_empty() {
        return Ok(Value::Null);
    }
    serde_saphyr::from_str(text).map_err(|err| format!("expected YAML: {err}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn question(kind: &str, multiselect: bool) -> Question {
        Question::parse("q", json!({"type": kind, "multiselect": multiselect})).unwrap()
    }

    #[test]
    fn strings_from_the_command_line_are_cast() {
        assert_eq!(
            cast_answer(&question("int", false), json!("42")),
            Ok(json!(42))
        );
        assert_eq!(
            cast_answer(&question("float", false), json!("1.5")),
            Ok(json!(1.5))
        );
        assert_eq!(
            cast_answer(&question("bool", false), json!("yes")),
            Ok(json!(true))
        );
        assert_eq!(
            cast_answer(&question("bool", false), json!("Off")),
            Ok(json!(false))
        );
        assert_eq!(
            cast_answer(&question("yaml", false), json!("[1, a]")),
            Ok(json!([1, "a"]))
        );
        assert_eq!(
            cast_answer(&question("json", false), json!("{\"a\": 1}")),
            Ok(json!({"a": 1}))
        );
        assert_eq!(
            cast_answer(&question("str", true), json!("[redis, nats]")),
            Ok(json!(["redis", "nats"]))
        );
        let err = cast_answer(&question("int", false), json!("forty")).unwrap_err();
        assert!(err.contains("forty"), "{err}");
    }
}
