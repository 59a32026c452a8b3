//! Turns JSON Schema validation errors into messages that say what was expected and what was found.

use jsonschema::error::{TypeKind, ValidationErrorKind};
use serde_json::Value;

use super::{FieldIssue, schema_at};
use crate::load::{PathSegment, pointer_segments};

/// A short, quoted rendering of a found value for messages.
pub(crate) fn found(value: &Value) -> String {
    let text = match value {
        Value::Object(_) => return "a mapping".to_owned(),
        Value::Array(_) => return "a sequence".to_owned(),
        other => other.to_string(),
    };
    if text.chars().count() > 60 {
        let cut: String = text.chars().take(57).collect();
        format!("{cut}...")
    } else {
        text
    }
}

fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "an integer",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a sequence",
        Value::Object(_) => "a mapping",
    }
}

fn list(options: &Value) -> String {
    match options.as_array() {
        Some(items) => items
            .iter()
            .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned))
            .collect::<Vec<_>>()
            .join(", "),
        None => options.to_string(),
    }
}

fn known_fields(schema_root: &Value, path: &[PathSegment]) -> Option<String> {
    let schema = schema_at(schema_root, path)?;
    let props = schema.get("properties")?.as_object()?;
    Some(props.keys().cloned().collect::<Vec<_>>().join(", "))
}

/// Every validation error of an instance as a located issue.
pub(crate) fn issues(
    validator: &jsonschema::Validator,
    schema_root: &Value,
    instance: &Value,
) -> Vec<FieldIssue> {
    let mut out = Vec::new();
    for error in validator.iter_errors(instance) {
        let path = pointer_segments(error.instance_path().as_str());
        let value = error.instance();
        let value: &Value = value.as_ref();
        match error.kind() {
            ValidationErrorKind::AdditionalProperties { unexpected }
            | ValidationErrorKind::UnevaluatedProperties { unexpected } => {
                let known = known_fields(schema_root, &path);
                for field in unexpected {
                    let mut p = path.clone();
                    p.push(PathSegment::Key(field.clone()));
                    let message = match &known {
                        Some(known) if !known.is_empty() => {
                            format!("unknown field {field:?}; expected one of: {known}")
                        }
                        _ => format!("unknown field {field:?}; no fields are allowed here"),
                    };
                    out.push(FieldIssue {
                        path: p,
                        at_key: true,
                        message,
                    });
                }
            }
            ValidationErrorKind::Required { property } => {
                let name = property
                    .as_str()
                    .map_or_else(|| property.to_string(), str::to_owned);
                let mut p = path.clone();
                p.push(PathSegment::Key(name.clone()));
                let expected = schema_at(schema_root, &p)
                    .and_then(|s| s.get("description"))
                    .and_then(Value::as_str)
                    .map(|d| format!(" ({})", d.trim_end_matches('.')))
                    .unwrap_or_default();
                out.push(FieldIssue::at(
                    p,
                    format!("required field {name:?} is missing{expected}"),
                ));
            }
            kind => {
                let message = match kind {
                    ValidationErrorKind::Enum { options } => {
                        format!("expected one of {}; found {}", list(options), found(value))
                    }
                    ValidationErrorKind::Constant { expected_value } => {
                        format!("expected {}, found {}", found(expected_value), found(value))
                    }
                    ValidationErrorKind::Type { kind } => {
                        let expected = match kind {
                            TypeKind::Single(t) => t.to_string(),
                            TypeKind::Multiple(set) => set
                                .iter()
                                .map(|t| t.to_string())
                                .collect::<Vec<_>>()
                                .join(" or "),
                        };
                        format!(
                            "expected {expected}, found {}: {}",
                            type_name(value),
                            found(value)
                        )
                    }
                    ValidationErrorKind::Minimum { limit } => {
                        format!("expected at least {limit}, found {}", found(value))
                    }
                    ValidationErrorKind::Maximum { limit } => {
                        format!("expected at most {limit}, found {}", found(value))
                    }
                    ValidationErrorKind::ExclusiveMinimum { limit } => {
                        format!("expected more than {limit}, found {}", found(value))
                    }
                    ValidationErrorKind::ExclusiveMaximum { limit } => {
                        format!("expected less than {limit}, found {}", found(value))
                    }
                    ValidationErrorKind::MinLength { limit } => format!(
                        "expected at least {limit} characters, found {} in {}",
                        value.as_str().map_or(0, |s| s.chars().count()),
                        found(value)
                    ),
                    ValidationErrorKind::MaxLength { limit } => format!(
                        "expected at most {limit} characters, found {}",
                        value.as_str().map_or(0, |s| s.chars().count())
                    ),
                    ValidationErrorKind::MinItems { limit } => format!(
                        "expected at least {limit} items, found {}",
                        value.as_array().map_or(0, Vec::len)
                    ),
                    ValidationErrorKind::MaxItems { limit } => format!(
                        "expected at most {limit} items, found {}",
                        value.as_array().map_or(0, Vec::len)
                    ),
                    ValidationErrorKind::Pattern { pattern } => {
                        format!(
                            "expected a string matching {pattern}, found {}",
                            found(value)
                        )
                    }
                    _ => error.to_string(),
                };
                out.push(FieldIssue::at(path, message));
            }
        }
    }
    out
}
