//! The JSON Schema of a whole object: apiVersion, kind, metadata, spec and status around a spec schema.

use serde_json::{Map, Value, json};

use crate::model::{GroupVersionKind, ObjectMeta};

/// Builds the draft 2020-12 schema of whole objects of a kind from the schema of its spec.
pub fn object_schema(gvk: &GroupVersionKind, spec_schema: &Value) -> Value {
    let mut defs = Map::new();
    let mut spec = spec_schema.clone();
    if let Some(obj) = spec.as_object_mut() {
        obj.remove("$schema");
        obj.remove("title");
        if let Some(Value::Object(spec_defs)) = obj.remove("$defs") {
            defs.extend(spec_defs);
        }
    }
    let mut metadata = schemars::schema_for!(ObjectMeta).to_value();
    if let Some(obj) = metadata.as_object_mut() {
        obj.remove("$schema");
        obj.remove("title");
        if let Some(Value::Object(meta_defs)) = obj.remove("$defs") {
            defs.extend(meta_defs);
        }
        obj.insert("required".into(), json!(["name"]));
    }
    let description = spec
        .get("description")
        .cloned()
        .unwrap_or_else(|| Value::String(format!("A {} object.", gvk.kind)));
    let mut schema = json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": gvk.kind,
        "description": description,
        "type": "object",
        "required": ["apiVersion", "kind", "metadata", "spec"],
        "additionalProperties": false,
        "properties": {
            "apiVersion": {"description": "Group and version of the kind.", "const": gvk.api_version()},
            "kind": {"description": "Kind name.", "const": gvk.kind},
            "metadata": metadata,
            "spec": spec,
            "status": {"description": "Observed state, written by the engine.", "type": "object"}
        }
    });
    if !defs.is_empty() {
        schema["$defs"] = Value::Object(defs);
    }
    schema
}
