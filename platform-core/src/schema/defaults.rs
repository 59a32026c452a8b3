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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kinds::KindRegistry;
    use serde_json::json;

    #[test]
    fn absent_fields_take_their_defaults_and_present_ones_stay() {
        let registry = KindRegistry::builtin();
        let schema = registry.json_schema("DatabaseClaim").unwrap();
        let mut object = json!({"apiVersion": "platform.dev/v1alpha1", "kind": "DatabaseClaim",
                                "metadata": {"name": "db"}, "spec": {"engine": "postgresql", "backup": "none"}});
        apply_defaults(&schema, &schema, &mut object);
        assert_eq!(object["spec"]["size"], "small");
        assert_eq!(object["spec"]["storageGiB"], 20);
        assert_eq!(object["spec"]["backup"], "none");
        assert_eq!(object["spec"]["deletionPolicy"], "Delete");
        assert!(
            object["spec"].get("version").is_none(),
            "optional fields without a default stay absent"
        );
        let schema = registry.json_schema("Application").unwrap();
        let mut app = json!({"spec": {"containers": [{"name": "api", "image": "x", "ports": [{"port": 80}]}]}});
        apply_defaults(&schema, &schema, &mut app);
        assert_eq!(app["spec"]["replicas"], 1);
        assert_eq!(app["spec"]["containers"][0]["ports"][0]["protocol"], "TCP");
    }
}
