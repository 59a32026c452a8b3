//! Rewrites generated schemas into forms that validate with clearer messages.

use serde_json::{Map, Value};

/// Turns `oneOf` alternatives that are all documented constants (how `schemars` writes documented
/// enum variants) into one `enum`, keeping each variant's description in the parent's description.
pub fn simplify_enums(schema: &mut Value) {
    match schema {
        Value::Object(obj) => {
            if let Some(Value::Array(variants)) = obj.get("oneOf") {
                let constants: Option<Vec<(Value, Option<String>)>> = variants
                    .iter()
                    .map(|v| {
                        let c = v.get("const")?.clone();
                        let d = v
                            .get("description")
                            .and_then(Value::as_str)
                            .map(str::to_owned);
                        Some((c, d))
                    })
                    .collect();
                if let Some(constants) = constants
                    && !constants.is_empty()
                {
                    rewrite(obj, constants);
                }
            }
            for value in obj.values_mut() {
                simplify_enums(value);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(simplify_enums),
        _ => {}
    }
}

fn rewrite(obj: &mut Map<String, Value>, constants: Vec<(Value, Option<String>)>) {
    obj.remove("oneOf");
    let ty = match &constants[0].0 {
        Value::String(_) => "string",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::Bool(_) => "boolean",
        _ => "string",
    };
    let mut lines = Vec::new();
    if let Some(Value::String(d)) = obj.get("description") {
        lines.push(d.clone());
    }
    for (value, doc) in &constants {
        if let Some(doc) = doc {
            let name = value
                .as_str()
                .map_or_else(|| value.to_string(), str::to_owned);
            lines.push(format!("- {name}: {doc}"));
        }
    }
    obj.insert("type".into(), Value::String(ty.into()));
    obj.insert(
        "enum".into(),
        Value::Array(constants.into_iter().map(|(v, _)| v).collect()),
    );
    if !lines.is_empty() {
        obj.insert("description".into(), Value::String(lines.join("\n")));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn documented_constants_become_an_enum() {
        let mut schema = json!({"description": "Size.", "oneOf": [
            {"const": "small", "description": "Tiny."},
            {"const": "large", "description": "Big."}
        ]});
        simplify_enums(&mut schema);
        assert_eq!(
            schema,
            json!({"description": "Size.\n- small: Tiny.\n- large: Big.", "type": "string", "enum": ["small", "large"]})
        );
    }
}
