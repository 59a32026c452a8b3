//! Filling placeholders such as `${resources.db.outputs.host}` from the outputs of other resources.

use serde_json::Value;
use std::collections::{BTreeMap, HashMap};

use crate::kinds::placeholders;

/// Outputs of resources by name.
pub(crate) type OutputsByName = HashMap<String, BTreeMap<String, Value>>;

/// Replaces placeholders in a value. A string that is exactly one placeholder takes the output's
/// value with its type (an integer stays an integer); others are interpolated as text.
/// Returns the names of the outputs that are not available yet.
pub(crate) fn resolve(value: &Value, outputs: &OutputsByName) -> Result<Value, Vec<String>> {
    let mut missing = Vec::new();
    let resolved = walk(value, outputs, &mut missing);
    if missing.is_empty() {
        Ok(resolved)
    } else {
        Err(missing)
    }
}

fn lookup<'a>(outputs: &'a OutputsByName, resource: &str, key: &str) -> Option<&'a Value> {
    outputs.get(resource).and_then(|o| o.get(key))
}

fn walk(value: &Value, outputs: &OutputsByName, missing: &mut Vec<String>) -> Value {
    match value {
        Value::String(s) if s.contains("${") => {
            let Ok(found) = placeholders(s) else {
                return value.clone();
            };
            if let [only] = found.as_slice()
                && only.span.start == 0
                && only.span.end == s.len()
            {
                return match lookup(outputs, &only.resource, &only.key) {
                    Some(v) => v.clone(),
                    None => {
                        missing.push(format!("{}.{}", only.resource, only.key));
                        value.clone()
                    }
                };
            }
            let mut out = String::with_capacity(s.len());
            let mut last = 0;
            for p in &found {
                out.push_str(&s[last..p.span.start]);
                match lookup(outputs, &p.resource, &p.key) {
                    Some(Value::String(text)) => out.push_str(text),
                    Some(other) => out.push_str(&other.to_string()),
                    None => {
                        missing.push(format!("{}.{}", p.resource, p.key));
                        out.push_str(&s[p.span.clone()]);
                    }
                }
                last = p.span.end;
            }
            out.push_str(&s[last..]);
            Value::String(out.replace("$${", "${"))
        }
        Value::Array(items) => {
            Value::Array(items.iter().map(|v| walk(v, outputs, missing)).collect())
        }
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), walk(v, outputs, missing)))
                .collect(),
        ),
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn whole_placeholders_keep_their_type_and_others_interpolate() {
        let mut outputs = OutputsByName::new();
        outputs.insert(
            "db".into(),
            [
                ("host".to_owned(), json!("10.0.0.5")),
                ("port".to_owned(), json!(5432)),
            ]
            .into(),
        );
        let spec = json!({"port": "${resources.db.outputs.port}", "url": "pg://${resources.db.outputs.host}:${resources.db.outputs.port}/x"});
        assert_eq!(
            resolve(&spec, &outputs).unwrap(),
            json!({"port": 5432, "url": "pg://10.0.0.5:5432/x"})
        );
        let missing =
            resolve(&json!({"a": "${resources.cache.outputs.host}"}), &outputs).unwrap_err();
        assert_eq!(missing, ["cache.host"]);
    }
}
