use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;

use crate::secret::SecretMap;

/// One field that differs between the desired and the actual resource.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FieldDiff {
    /// Field path, such as `spec.connectionLimit`.
    pub path: String,
    /// The desired value (null when the field should be absent).
    pub desired: Value,
    /// The actual value (null when the field is absent).
    pub actual: Value,
}

/// What a provider saw of a real resource.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Observation {
    /// Whether the real resource exists.
    pub exists: bool,
    /// Whether it matches the desired spec (meaningless when it does not exist).
    pub up_to_date: bool,
    /// Whether it is available for use.
    pub ready: bool,
    /// The fields that differ.
    pub diff: Vec<FieldDiff>,
    /// Non-secret outputs, such as `host` and `port`.
    pub outputs: BTreeMap<String, Value>,
    /// Secret connection details the provider can read back (often none).
    pub secrets: SecretMap,
}

impl Observation {
    /// The resource does not exist.
    pub fn absent() -> Self {
        Observation::default()
    }
}

/// What a create or update produced: outputs and secrets (a generated password is only known here).
///
/// The engine trusts a successful create or update as ready unless `pending` says the resource
/// exists but is not available yet; a later observe then decides.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Applied {
    /// The resource exists but is not available yet (an instance still booting).
    pub pending: bool,
    /// Non-secret outputs.
    pub outputs: BTreeMap<String, Value>,
    /// Secret connection details.
    pub secrets: SecretMap,
}

/// Field-level differences between desired and actual specs, with paths under `prefix`.
///
/// Only fields present in `desired` are compared: fields the provider adds (defaults, ids)
/// are not drift.
pub fn diff_fields(prefix: &str, desired: &Value, actual: &Value) -> Vec<FieldDiff> {
    let mut out = Vec::new();
    walk(prefix, desired, actual, &mut out);
    out
}

fn walk(path: &str, desired: &Value, actual: &Value, out: &mut Vec<FieldDiff>) {
    match (desired, actual) {
        (Value::Object(d), Value::Object(a)) => {
            for (k, dv) in d {
                let child = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                walk(&child, dv, a.get(k).unwrap_or(&Value::Null), out);
            }
        }
        (Value::Number(d), Value::Number(a)) if d.as_f64() == a.as_f64() => {}
        (d, a) if d == a => {}
        (d, a) => out.push(FieldDiff {
            path: path.to_owned(),
            desired: d.clone(),
            actual: a.clone(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn diffs_only_desired_fields() {
        let desired = json!({"limit": 50, "owner": "a", "nested": {"x": 1}});
        let actual = json!({"limit": 20, "owner": "a", "nested": {"x": 1.0}, "oid": 16384});
        let diff = diff_fields("spec", &desired, &actual);
        assert_eq!(
            diff,
            vec![FieldDiff {
                path: "spec.limit".into(),
                desired: json!(50),
                actual: json!(20)
            }]
        );
    }
}
