//! YAML written as PyYAML's `yaml.dump(..., default_flow_style=False, sort_keys=True)` writes
//! it, which is what copier's `to_nice_yaml` (and so every answers file) produces.

use std::fmt::Write;
use std::sync::LazyLock;

use regex::Regex;
use serde_json::Value;

/// `value` as block YAML with `indent` spaces per level and keys sorted, ending in a newline.
pub fn to_block_yaml(value: &Value, indent: usize) -> String {
    let mut out = String::new();
    match value {
        Value::Object(map) if !map.is_empty() => write_mapping(&mut out, map, 0, indent),
        Value::Array(items) if !items.is_empty() => write_sequence(&mut out, items, 0, indent),
        scalar => {
            out.push_str(&scalar_text(scalar));
            // PyYAML ends a document holding one plain scalar with an explicit end marker.
            out.push_str(if scalar_is_plain(scalar) {
                "\n...\n"
            } else {
                "\n"
            });
        }
    }
    out
}

fn write_mapping(
    out: &mut String,
    map: &serde_json::Map<String, Value>,
    column: usize,
    indent: usize,
) {
    let mut keys: Vec<&String> = map.keys().collect();
    keys.sort();
    for (index, key) in keys.into_iter().enumerate() {
        if index > 0 {
            pad(out, column);
        }
        out.push_str(&string_text(key));
        out.push(':');
        write_value(out, &map[key.as_str()], column, indent, true);
    }
}

fn write_sequence(out: &mut String, items: &[Value], column: usize, indent: usize) {
    for (index, item) in items.iter().enumerate() {
        if index > 0 {
            pad(out, column);
        }
        out.push('-');
        match item {
            Value::Object(map) if !map.is_empty() => {
                // The mapping starts on the dash's line, aligned to the next indentation level.
                pad_to(out, indent.max(2) - 1);
                write_mapping(out, map, column + indent, indent);
            }
            Value::Array(inner) if !inner.is_empty() => {
                pad_to(out, indent.max(2) - 1);
                write_sequence(out, inner, column + indent, indent);
            }
            scalar => {
                out.push(' ');
                out.push_str(&scalar_text(scalar));
                out.push('\n');
            }
        }
    }
}

fn write_value(out: &mut String, value: &Value, column: usize, indent: usize, in_mapping: bool) {
    match value {
        Value::Object(map) if !map.is_empty() => {
            out.push('\n');
            pad(out, column + indent);
            write_mapping(out, map, column + indent, indent);
        }
        Value::Array(items) if !items.is_empty() => {
            out.push('\n');
            // Sequences inside a mapping are not indented (PyYAML's "indentless" sequences).
            let at = if in_mapping { column } else { column + indent };
            pad(out, at);
            write_sequence(out, items, at, indent);
        }
        scalar => {
            out.push(' ');
            out.push_str(&scalar_text(scalar));
            out.push('\n');
        }
    }
}

fn pad(out: &mut String, column: usize) {
    out.extend(std::iter::repeat_n(' ', column));
}

fn pad_to(out: &mut String, spaces: usize) {
    pad(out, spaces);
}

fn scalar_is_plain(value: &Value) -> bool {
    match value {
        Value::String(text) => plain_allowed(text),
        _ => true,
    }
}

/// One scalar as PyYAML writes it.
pub fn scalar_text(value: &Value) -> String {
    match value {
        Value::Null => "null".into(),
        Value::Bool(flag) => flag.to_string(),
        Value::Number(number) => match number.as_f64() {
            Some(float) if number.is_f64() => python_float(float),
            _ => number.to_string(),
        },
        Value::String(text) => string_text(text),
        Value::Array(_) => "[]".into(),
        Value::Object(_) => "{}".into(),
    }
}

fn python_float(float: f64) -> String {
    if float.is_nan() {
        ".nan".into()
    } else if float.is_infinite() {
        if float > 0.0 { ".inf" } else { "-.inf" }.into()
    } else if float.fract() == 0.0 && float.abs() < 1e16 {
        format!("{float:.1}")
    } else {
        float.to_string()
    }
}

fn string_text(text: &str) -> String {
    if plain_allowed(text) {
        text.to_owned()
    } else if text.chars().any(|c| c == '\n' || c.is_control()) {
        double_quoted(text)
    } else {
        format!("'{}'", text.replace('\'', "''"))
    }
}

fn double_quoted(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => {
                let _ = write!(out, "\\x{:02X}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Strings PyYAML would read back as something other than a string (YAML 1.1 resolvers).
static IMPLICIT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"^(?:",
        r"yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF",
        r"|~|null|Null|NULL",
        r"|[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+",
        r"|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+",
        r"|[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9_]+(?:[eE][-+][0-9]+)?",
        r"|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)",
        r"|[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?(?:(?:[Tt]|[ \t]+)[0-9][0-9]?:[0-9][0-9]:[0-9][0-9](?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)?",
        r"|=|<<",
        r")$"
    ))
    .expect("the resolver pattern is valid")
});

fn plain_allowed(text: &str) -> bool {
    if text.is_empty() || IMPLICIT.is_match(text) {
        return false;
    }
    if text.starts_with("---") || text.starts_with("...") {
        return false;
    }
    if text.starts_with(' ') || text.ends_with(' ') {
        return false;
    }
    let first = text.chars().next().unwrap_or(' ');
    if "#,[]{}&*!|>'\"%@`".contains(first) {
        return false;
    }
    let second = text.chars().nth(1);
    if "?:-".contains(first) && matches!(second, None | Some(' ')) {
        return false;
    }
    if text.contains(": ") || text.contains(" #") || text.ends_with(':') {
        return false;
    }
    !text
        .chars()
        .any(|c| c == '\n' || c == '\t' || c.is_control())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn answers_as_copier_writes_them() {
        let answers = json!({
            "name": "payments",
            "_src_path": "gh:acme/service",
            "_commit": "v1.2.0",
            "cache": true,
            "port": 8080,
            "ratio": 1.0,
            "version": "1.0",
            "enabled": "yes",
            "description": "Pays: things",
            "empty": "",
            "tags": ["a", "b"],
            "nested": {"b": 1, "a": [{"x": 1, "y": 2}]},
        });
        assert_eq!(
            to_block_yaml(&answers, 4),
            "_commit: v1.2.0\n_src_path: gh:acme/service\ncache: true\n\
             description: 'Pays: things'\nempty: ''\nenabled: 'yes'\nname: payments\n\
             nested:\n    a:\n    -   x: 1\n        y: 2\n    b: 1\nport: 8080\nratio: 1.0\n\
             tags:\n- a\n- b\nversion: '1.0'\n"
        );
    }

    #[test]
    fn a_lone_plain_scalar_ends_the_document() {
        assert_eq!(to_block_yaml(&json!("x"), 4), "x\n...\n");
        assert_eq!(to_block_yaml(&json!("a\nb"), 4), "\"a\\nb\"\n");
    }
}
