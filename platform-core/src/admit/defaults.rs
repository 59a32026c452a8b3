//! Mutating defaults: a value written at a field path only where the field is absent (or null).

use serde_json::{Map, Value};
use std::fmt;

use crate::model::DynamicObject;

/// Where a default may write.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Target {
    /// A path under `spec` (the keys after `spec`).
    Spec(Vec<String>),
    /// One label.
    Label(String),
    /// One annotation.
    Annotation(String),
}

/// A value set at a path when the object does not have it.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldDefault {
    path: String,
    target: Target,
    value: Value,
}

/// Splits `spec.a.b` or `metadata.labels['platform.dev/owner']` into keys.
pub(crate) fn parse_path(path: &str) -> Result<Vec<String>, String> {
    let mut keys = Vec::new();
    let mut rest = path;
    while !rest.is_empty() {
        if let Some(inner) = rest.strip_prefix('[') {
            let quote = inner
                .chars()
                .next()
                .filter(|c| *c == '\'' || *c == '"')
                .ok_or_else(|| format!("expected a quoted key after '[' in {path:?}"))?;
            let body = &inner[1..];
            let end = body
                .find(quote)
                .ok_or_else(|| format!("expected a closing {quote} in {path:?}"))?;
            keys.push(body[..end].to_owned());
            rest = body[end + 1..]
                .strip_prefix(']')
                .ok_or_else(|| format!("expected ']' after the quoted key in {path:?}"))?;
            rest = rest.strip_prefix('.').unwrap_or(rest);
        } else {
            let end = rest.find(['.', '[']).unwrap_or(rest.len());
            let key = &rest[..end];
            if key.is_empty() {
                return Err(format!(
                    "expected a field name, found an empty segment in {path:?}"
                ));
            }
            keys.push(key.to_owned());
            rest = &rest[end..];
            rest = rest.strip_prefix('.').unwrap_or(rest);
        }
    }
    Ok(keys)
}

impl FieldDefault {
    /// A default at a path under `spec`, or for one label or annotation
    /// (`metadata.labels['platform.dev/owner']`); labels and annotations take strings.
    pub fn new(path: &str, value: Value) -> Result<Self, String> {
        let keys = parse_path(path)?;
        let target = match keys.first().map(String::as_str) {
            Some("spec") if keys.len() > 1 => Target::Spec(keys[1..].to_vec()),
            Some("metadata")
                if keys.len() == 3 && (keys[1] == "labels" || keys[1] == "annotations") =>
            {
                if !value.is_string() {
                    return Err(format!(
                        "expected a string value for {path}, found {}",
                        crate::schema::describe_found(&value)
                    ));
                }
                if keys[1] == "labels" {
                    Target::Label(keys[2].clone())
                } else {
                    Target::Annotation(keys[2].clone())
                }
            }
            _ => {
                return Err(format!(
                    "expected a path under spec (spec.backup) or one label or annotation (metadata.labels.team), found {path:?}"
                ));
            }
        };
        if value.is_null() {
            return Err(format!("expected a value for {path}, found null"));
        }
        Ok(FieldDefault {
            path: path.to_owned(),
            target,
            value,
        })
    }

    /// The path as written.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The value set.
    pub fn value(&self) -> &Value {
        &self.value
    }

    /// Whether the object lacks the field, so applying would change it.
    pub fn applies_to(&self, object: &DynamicObject) -> bool {
        match &self.target {
            Target::Label(k) => !object.metadata.labels.contains_key(k),
            Target::Annotation(k) => !object.metadata.annotations.contains_key(k),
            Target::Spec(keys) => {
                let mut node = &object.spec;
                for key in keys {
                    match node {
                        Value::Null => return true,
                        Value::Object(map) => match map.get(key) {
                            Some(next) => node = next,
                            None => return true,
                        },
                        // A scalar or list on the way: the object is malformed, validation says so.
                        _ => return false,
                    }
                }
                node.is_null()
            }
        }
    }

    /// Sets the field when absent; returns whether the object changed.
    pub fn apply(&self, object: &mut DynamicObject) -> bool {
        if !self.applies_to(object) {
            return false;
        }
        match &self.target {
            Target::Label(k) => {
                object.metadata.labels.insert(
                    k.clone(),
                    self.value.as_str().unwrap_or_default().to_owned(),
                );
            }
            Target::Annotation(k) => {
                object.metadata.annotations.insert(
                    k.clone(),
                    self.value.as_str().unwrap_or_default().to_owned(),
                );
            }
            Target::Spec(keys) => {
                let mut node = &mut object.spec;
                for key in keys {
                    if node.is_null() {
                        *node = Value::Object(Map::new());
                    }
                    let Value::Object(map) = node else {
                        return false;
                    };
                    node = map.entry(key.clone()).or_insert(Value::Null);
                }
                *node = self.value.clone();
            }
        }
        true
    }
}

impl fmt::Display for FieldDefault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} = {}", self.path, self.value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn claim(spec: Value) -> DynamicObject {
        serde_json::from_value(json!({
            "apiVersion": "platform.dev/v1alpha1", "kind": "DatabaseClaim",
            "metadata": {"name": "orders"}, "spec": spec
        }))
        .unwrap()
    }

    #[test]
    fn a_default_fills_an_absent_field_and_keeps_a_written_one() {
        let backup = FieldDefault::new("spec.backup", json!("daily")).unwrap();
        let mut absent = claim(json!({"engine": "postgresql"}));
        assert!(backup.apply(&mut absent));
        assert_eq!(absent.spec["backup"], "daily");

        let mut written = claim(json!({"engine": "postgresql", "backup": "hourly"}));
        assert!(!backup.apply(&mut written));
        assert_eq!(written.spec["backup"], "hourly");

        let mut null = claim(json!({"engine": "postgresql", "backup": null}));
        assert!(backup.apply(&mut null));
        assert_eq!(null.spec["backup"], "daily");
    }

    #[test]
    fn nested_defaults_create_their_parents_and_labels_take_quoted_keys() {
        let nested = FieldDefault::new("spec.network.private", json!(true)).unwrap();
        let mut object = claim(json!({}));
        assert!(nested.apply(&mut object));
        assert_eq!(object.spec, json!({"network": {"private": true}}));

        let owner =
            FieldDefault::new("metadata.labels['platform.dev/owner']", json!("platform")).unwrap();
        assert!(owner.apply(&mut object));
        assert_eq!(object.metadata.labels["platform.dev/owner"], "platform");
    }

    #[test]
    fn a_default_never_overwrites_a_malformed_parent() {
        let nested = FieldDefault::new("spec.network.private", json!(true)).unwrap();
        let mut object = claim(json!({"network": "public"}));
        assert!(!nested.apply(&mut object));
        assert_eq!(object.spec["network"], "public");
    }

    #[test]
    fn paths_outside_spec_labels_and_annotations_are_refused_with_the_reason() {
        let err = FieldDefault::new("status.ready", json!(true)).unwrap_err();
        assert!(err.contains("expected a path under spec"), "{err}");
        let err = FieldDefault::new("metadata.labels.team", json!(3)).unwrap_err();
        assert!(err.contains("expected a string value"), "{err}");
        let err = FieldDefault::new("spec..size", json!("small")).unwrap_err();
        assert!(err.contains("empty segment"), "{err}");
    }
}
