//! Export of a kind as a Kubernetes `CustomResourceDefinition` with a structural schema.
//!
//! A structural schema has a `type` on every node and no `$ref`, `$defs`, `oneOf` or `anyOf`
//! inside properties; generated schemas are rewritten into that shape here.

use serde_json::{Map, Value, json};

use super::{CompiledSchema, SchemaError, resolve_ref};
use crate::model::GroupVersionKind;

const FORMATS: &[&str] = &[
    "int32",
    "int64",
    "float",
    "double",
    "byte",
    "date",
    "date-time",
    "password",
    "uri",
    "email",
    "uuid",
    "hostname",
    "ipv4",
    "ipv6",
];

/// The `apiextensions.k8s.io/v1` CRD of a kind: its group, version and kind, lowercase plural,
/// description (left out when empty) and compiled schema.
pub fn crd_for(
    gvk: &GroupVersionKind,
    plural: &str,
    description: &str,
    schema: &CompiledSchema,
) -> Result<Value, SchemaError> {
    let spec_schema = schema.spec_schema();
    let spec = structural(spec_schema, spec_schema, "#/properties/spec")?;
    let kind = &gvk.kind;
    let mut open_api = json!({
        "type": "object",
        "required": ["spec"],
        "properties": {
            "apiVersion": {"type": "string", "description": "Group and version of the kind."},
            "kind": {"type": "string", "description": "Kind name."},
            "metadata": {"type": "object"},
            "spec": spec,
            "status": {
                "type": "object",
                "description": "Observed state, written by the engine.",
                "x-kubernetes-preserve-unknown-fields": true
            }
        }
    });
    if !description.is_empty() {
        open_api["description"] = Value::String(description.to_owned());
    }
    Ok(json!({
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": format!("{plural}.{}", gvk.group)},
        "spec": {
            "group": gvk.group,
            "names": {
                "kind": kind,
                "listKind": format!("{kind}List"),
                "plural": plural,
                "singular": kind.to_ascii_lowercase(),
            },
            "scope": "Namespaced",
            "versions": [{
                "name": gvk.version,
                "served": true,
                "storage": true,
                "subresources": {"status": {}},
                "schema": {"openAPIV3Schema": open_api}
            }]
        }
    }))
}

fn not_structural(path: &str, reason: impl Into<String>) -> SchemaError {
    SchemaError::NotStructural {
        path: path.to_owned(),
        reason: reason.into(),
    }
}

fn json_type_of(value: &Value) -> &'static str {
    match value {
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        _ => "object",
    }
}

/// Rewrites one schema node (and its children) into structural form.
fn structural(root: &Value, schema: &Value, path: &str) -> Result<Value, SchemaError> {
    let outer = schema;
    let schema = resolve_ref(root, schema);
    if !std::ptr::eq(outer, schema) {
        // Keywords beside a `$ref` (description, default) refine the referenced schema.
        let mut node = structural(root, schema, path)?;
        if let (Some(node_obj), Some(outer_obj)) = (node.as_object_mut(), outer.as_object()) {
            for (k, v) in outer_obj {
                if k != "$ref" {
                    node_obj.insert(k.clone(), v.clone());
                }
            }
        }
        return Ok(node);
    }
    let Some(obj) = schema.as_object() else {
        return match schema {
            Value::Bool(true) => {
                Ok(json!({"type": "object", "x-kubernetes-preserve-unknown-fields": true}))
            }
            _ => Err(not_structural(path, "expected a schema object")),
        };
    };
    let mut out = Map::new();
    if let Some(d) = obj.get("description") {
        out.insert("description".into(), d.clone());
    }

    // `anyOf`/`oneOf`: a nullable type, or alternatives that are all constants (an enum).
    for combinator in ["anyOf", "oneOf"] {
        let Some(variants) = obj.get(combinator).and_then(Value::as_array) else {
            continue;
        };
        let variants: Vec<&Value> = variants.iter().map(|v| resolve_ref(root, v)).collect();
        let non_null: Vec<&Value> = variants
            .iter()
            .copied()
            .filter(|v| v.get("type").and_then(Value::as_str) != Some("null"))
            .collect();
        let nullable = non_null.len() < variants.len();
        let constants: Option<Vec<Value>> = non_null
            .iter()
            .map(|v| {
                v.get("const")
                    .map(|c| vec![c.clone()])
                    .or_else(|| v.get("enum").and_then(Value::as_array).cloned())
            })
            .collect::<Option<Vec<_>>>()
            .map(|lists| lists.into_iter().flatten().collect());
        let mut node = match (constants, non_null.as_slice()) {
            (Some(values), _) if !values.is_empty() => {
                let ty = json_type_of(&values[0]);
                let mut m = Map::new();
                m.insert("type".into(), Value::String(ty.into()));
                m.insert("enum".into(), Value::Array(values));
                Value::Object(m)
            }
            (_, [single]) => structural(root, single, &format!("{path}/{combinator}"))?,
            _ => {
                return Err(not_structural(
                    path,
                    format!(
                        "{combinator} with several non-constant alternatives has no structural form"
                    ),
                ));
            }
        };
        if let Some(node_obj) = node.as_object_mut() {
            if nullable {
                node_obj.insert("nullable".into(), Value::Bool(true));
            }
            for (k, v) in &out {
                node_obj.entry(k.clone()).or_insert(v.clone());
            }
            if let Some(default) = obj.get("default") {
                node_obj.insert("default".into(), default.clone());
            }
        }
        return Ok(node);
    }
    if let Some(all) = obj.get("allOf").and_then(Value::as_array) {
        if let [single] = all.as_slice() {
            let mut node = structural(root, single, &format!("{path}/allOf/0"))?;
            if let Some(node_obj) = node.as_object_mut() {
                for (k, v) in &out {
                    node_obj.insert(k.clone(), v.clone());
                }
            }
            return Ok(node);
        }
        return Err(not_structural(
            path,
            "allOf with several schemas has no structural form",
        ));
    }

    // type: a single type; `["string", "null"]` becomes nullable.
    let ty = match obj.get("type") {
        Some(Value::String(t)) => Some(t.clone()),
        Some(Value::Array(types)) => {
            let names: Vec<&str> = types
                .iter()
                .filter_map(Value::as_str)
                .filter(|t| *t != "null")
                .collect();
            if names.len() != types.len() {
                out.insert("nullable".into(), Value::Bool(true));
            }
            match names.as_slice() {
                [one] => Some((*one).to_owned()),
                _ => {
                    return Err(not_structural(
                        path,
                        format!("several types {names:?} have no structural form"),
                    ));
                }
            }
        }
        _ => None,
    };
    let ty = match ty {
        Some(t) => t,
        None if obj.contains_key("properties") || obj.contains_key("additionalProperties") => {
            "object".into()
        }
        None if obj.contains_key("items") => "array".into(),
        None => match obj
            .get("const")
            .or_else(|| obj.get("enum").and_then(|e| e.get(0)))
        {
            Some(v) => json_type_of(v).into(),
            None => {
                out.insert("type".into(), Value::String("object".into()));
                out.insert(
                    "x-kubernetes-preserve-unknown-fields".into(),
                    Value::Bool(true),
                );
                return Ok(Value::Object(out));
            }
        },
    };
    out.insert("type".into(), Value::String(ty.clone()));

    for key in [
        "default",
        "enum",
        "minimum",
        "maximum",
        "minLength",
        "maxLength",
        "pattern",
        "minItems",
        "maxItems",
        "uniqueItems",
        "required",
        "minProperties",
        "maxProperties",
        "multipleOf",
        "nullable",
    ] {
        if let Some(v) = obj.get(key) {
            out.insert(key.into(), v.clone());
        }
    }
    if let Some(c) = obj.get("const") {
        out.insert("enum".into(), Value::Array(vec![c.clone()]));
    }
    if let Some(f) = obj.get("format").and_then(Value::as_str)
        && FORMATS.contains(&f)
    {
        out.insert("format".into(), Value::String(f.into()));
    }
    for (keyword, bound) in [
        ("exclusiveMinimum", "minimum"),
        ("exclusiveMaximum", "maximum"),
    ] {
        match obj.get(keyword) {
            Some(Value::Number(n)) => {
                out.insert(bound.into(), Value::Number(n.clone()));
                out.insert(keyword.into(), Value::Bool(true));
            }
            Some(Value::Bool(b)) => {
                out.insert(keyword.into(), Value::Bool(*b));
            }
            _ => {}
        }
    }
    if let Some(props) = obj.get("properties").and_then(Value::as_object) {
        let mut converted = Map::new();
        for (name, prop) in props {
            converted.insert(
                name.clone(),
                structural(root, prop, &format!("{path}/properties/{name}"))?,
            );
        }
        out.insert("properties".into(), Value::Object(converted));
    }
    match obj.get("additionalProperties") {
        Some(Value::Bool(true)) => {
            out.insert(
                "x-kubernetes-preserve-unknown-fields".into(),
                Value::Bool(true),
            );
        }
        Some(extra @ Value::Object(_)) => {
            out.insert(
                "additionalProperties".into(),
                structural(root, extra, &format!("{path}/additionalProperties"))?,
            );
        }
        _ if ty == "object" && !obj.contains_key("properties") => {
            out.insert(
                "x-kubernetes-preserve-unknown-fields".into(),
                Value::Bool(true),
            );
        }
        _ => {}
    }
    if let Some(items) = obj.get("items") {
        out.insert(
            "items".into(),
            structural(root, items, &format!("{path}/items"))?,
        );
    } else if ty == "array" {
        return Err(not_structural(
            path,
            "an array without an items schema has no structural form",
        ));
    }
    Ok(Value::Object(out))
}
