//! OpenAPI v3 schemas (as in CRDs and Crossplane XRDs) turned into JSON Schema 2020-12 that rejects unknown fields.

use serde_json::{Map, Value};

/// Converts an OpenAPI v3 schema: `nullable`, `x-kubernetes-int-or-string`, boolean exclusive bounds,
/// and objects with `properties` reject fields they do not list unless they preserve unknown fields.
pub fn openapi_to_json_schema(schema: &Value) -> Value {
    let Some(obj) = schema.as_object() else {
        return schema.clone();
    };
    let mut out = Map::new();
    for (key, value) in obj {
        match key.as_str() {
            "properties" | "patternProperties" => {
                let converted = value
                    .as_object()
                    .map(|props| {
                        props
                            .iter()
                            .map(|(k, v)| (k.clone(), openapi_to_json_schema(v)))
                            .collect::<Map<_, _>>()
                    })
                    .map(Value::Object)
                    .unwrap_or_else(|| value.clone());
                out.insert(key.clone(), converted);
            }
            "items" | "additionalProperties" | "not" => {
                out.insert(key.clone(), openapi_to_json_schema(value));
            }
            "allOf" | "anyOf" | "oneOf" => {
                let converted = value
                    .as_array()
                    .map(|items| items.iter().map(openapi_to_json_schema).collect())
                    .map(Value::Array)
                    .unwrap_or_else(|| value.clone());
                out.insert(key.clone(), converted);
            }
            "nullable" | "exclusiveMinimum" | "exclusiveMaximum" | "x-kubernetes-int-or-string" => {
            }
            _ => {
                out.insert(key.clone(), value.clone());
            }
        }
    }
    for (flag, bound) in [
        ("exclusiveMinimum", "minimum"),
        ("exclusiveMaximum", "maximum"),
    ] {
        match obj.get(flag) {
            Some(Value::Bool(true)) => {
                if let Some(limit) = out.remove(bound) {
                    out.insert(flag.into(), limit);
                }
            }
            Some(n @ Value::Number(_)) => {
                out.insert(flag.into(), n.clone());
            }
            _ => {}
        }
    }
    if obj.get("x-kubernetes-int-or-string") == Some(&Value::Bool(true)) {
        out.insert("type".into(), serde_json::json!(["integer", "string"]));
    }
    if obj.get("nullable") == Some(&Value::Bool(true))
        && let Some(Value::String(t)) = out.get("type").cloned()
    {
        out.insert("type".into(), serde_json::json!([t, "null"]));
    }
    let preserves = obj.get("x-kubernetes-preserve-unknown-fields") == Some(&Value::Bool(true));
    if obj.contains_key("properties") && !obj.contains_key("additionalProperties") && !preserves {
        out.insert("additionalProperties".into(), Value::Bool(false));
    }
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn converts_openapi_idioms() {
        let converted = openapi_to_json_schema(&json!({
            "type": "object",
            "properties": {
                "a": {"type": "string", "nullable": true},
                "b": {"type": "integer", "minimum": 0, "exclusiveMinimum": true},
                "c": {"type": "object", "x-kubernetes-preserve-unknown-fields": true, "properties": {"x": {"type": "string"}}},
                "d": {"x-kubernetes-int-or-string": true}
            }
        }));
        assert_eq!(converted["additionalProperties"], false);
        assert_eq!(
            converted["properties"]["a"]["type"],
            json!(["string", "null"])
        );
        assert_eq!(converted["properties"]["b"]["exclusiveMinimum"], 0);
        assert!(
            converted["properties"]["c"]
                .get("additionalProperties")
                .is_none()
        );
        assert_eq!(
            converted["properties"]["d"]["type"],
            json!(["integer", "string"])
        );
    }
}
