//! JSON written as Python's `json.dumps` writes it (copier's `to_json` and `to_nice_json`).

use serde_json::Value;

/// `json.dumps(value)` (separators `, ` and `: `, ASCII only) or, with `indent`,
/// `json.dumps(value, indent=indent, sort_keys=True, separators=(',', ': '))`.
pub fn python_json(value: &Value, indent: Option<usize>) -> String {
    let mut out = String::new();
    write(&mut out, value, indent, 0);
    out
}

fn write(out: &mut String, value: &Value, indent: Option<usize>, depth: usize) {
    match value {
        Value::Array(items) if !items.is_empty() => {
            out.push('[');
            for (index, item) in items.iter().enumerate() {
                separator(out, index, indent, depth + 1);
                write(out, item, indent, depth + 1);
            }
            close(out, indent, depth);
            out.push(']');
        }
        Value::Object(map) if !map.is_empty() => {
            out.push('{');
            let mut keys: Vec<&String> = map.keys().collect();
            if indent.is_some() {
                keys.sort();
            }
            for (index, key) in keys.into_iter().enumerate() {
                separator(out, index, indent, depth + 1);
                string(out, key);
                out.push_str(": ");
                write(out, &map[key.as_str()], indent, depth + 1);
            }
            close(out, indent, depth);
            out.push('}');
        }
        Value::Array(_) => out.push_str("[]"),
        Value::Object(_) => out.push_str("{}"),
        Value::String(text) => string(out, text),
        Value::Number(number) if number.is_f64() => {
            let float = number.as_f64().unwrap_or(0.0);
            if float.fract() == 0.0 && float.abs() < 1e16 {
                out.push_str(&format!("{float:.1}"));
            } else {
                out.push_str(&number.to_string());
            }
        }
        other => out.push_str(&other.to_string()),
    }
}

fn separator(out: &mut String, index: usize, indent: Option<usize>, depth: usize) {
    match indent {
        Some(width) => {
            if index > 0 {
                out.push(',');
            }
            out.push('\n');
            out.extend(std::iter::repeat_n(' ', width * depth));
        }
        None if index > 0 => out.push_str(", "),
        None => {}
    }
}

fn close(out: &mut String, indent: Option<usize>, depth: usize) {
    if let Some(width) = indent {
        out.push('\n');
        out.extend(std::iter::repeat_n(' ', width * depth));
    }
}

fn string(out: &mut String, text: &str) {
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 || (c as u32) > 0x7e => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    out.push_str(&format!("\\u{unit:04x}"));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn compact_and_nice_as_python_writes_them() {
        let value = json!({"b": [1, 2.0], "a": "é"});
        assert_eq!(
            python_json(&value, None),
            r#"{"b": [1, 2.0], "a": "\u00e9"}"#
        );
        assert_eq!(
            python_json(&value, Some(4)),
            "{\n    \"a\": \"\\u00e9\",\n    \"b\": [\n        1,\n        2.0\n    ]\n}"
        );
    }
}
