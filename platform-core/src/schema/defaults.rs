//! Filling in the defaults a schema declares, so every consumer sees the same complete object.

use serde_json::Value;

use super::resolve_ref;

/// Inserts the `default` of every absent property the schema declares, recursively through
/// present objects and arrays. Present values, even null, are kept.
pub fn apply_defaults(root: &Value, schema: &Value, value: &mut Value) {
    let resolved = resolve_ref(root, schema);
    match value {
        Value::Object(map) => {
            let Some(properties) = resolved.get("properties").and_then(Value::as_object) else {
                return;
            };
            for (key, property) in properties {
                match map.get_mut(key) {
                    Some(present) => apply_defaults(root, property, present),
                    None => {
                        let default = property
                            .get("default")
                            .or_else(|| resolve_ref(root, property).get("default"));
                        if let Some(default) = default {
                            map.insert(key.clone(), default.clone());
                        }
                    }
                }
            }
        }
        Value::Array(items) => {
            if let Some(item_schema) = resolved.get("items") {
                for item in items {
                    apply_defaults(root, item_schema, item);
                }
            }
        }
        _ => {}
    }
}
