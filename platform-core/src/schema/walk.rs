//! Following a schema along an instance path, through `$ref`, `properties`, `items` and `additionalProperties`.

use serde_json::Value;

use crate::load::PathSegment;

/// Resolves a local `$ref` (`#/$defs/Name`) against the root; other schemas are returned as they are.
pub fn resolve_ref<'a>(root: &'a Value, mut schema: &'a Value) -> &'a Value {
    for _ in 0..32 {
        let Some(reference) = schema.get("$ref").and_then(Value::as_str) else {
            return schema;
        };
        let Some(pointer) = reference.strip_prefix('#') else {
            return schema;
        };
        match root.pointer(pointer) {
            Some(target) => schema = target,
            None => return schema,
        }
    }
    schema
}

/// The subschema that describes the value at an instance path, when it can be found.
pub fn schema_at<'a>(root: &'a Value, path: &[PathSegment]) -> Option<&'a Value> {
    let mut schema = resolve_ref(root, root);
    for segment in path {
        schema = resolve_ref(root, schema);
        let next = match segment {
            PathSegment::Key(k) => schema
                .get("properties")
                .and_then(|p| p.get(k))
                .or_else(|| schema.get("additionalProperties").filter(|a| a.is_object())),
            PathSegment::Index(_) => schema.get("items").filter(|i| i.is_object()),
        };
        // `Option<T>` fields are `anyOf: [T, null]` in some generators: look inside.
        schema = next?;
        schema = resolve_ref(root, schema);
        if let Some(variants) = schema.get("anyOf").and_then(Value::as_array)
            && let Some(non_null) = variants
                .iter()
                .find(|v| v.get("type").and_then(Value::as_str) != Some("null"))
        {
            schema = resolve_ref(root, non_null);
        }
    }
    Some(schema)
}
