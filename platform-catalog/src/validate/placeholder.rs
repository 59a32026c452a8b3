//! `$text`, `$json` and `$yaml` placeholders: a mapping with one of these keys stands for the
//! content of a file, substituted by Backstage's placeholder processor when it ingests an
//! entity. At rest the mapping is not a string, so `spec.definition: {$text: ...}` fails
//! the API kind's rules, as it does in Backstage; `--resolve-placeholders` substitutes it.

use std::path::Path;

use platform_core::load::{Format, Loader, Node, NodeValue, PathSegment, read_input_file};

use super::Check;

/// Largest file a placeholder may read.
const MAX_PLACEHOLDER_BYTES: usize = 16 * 1024 * 1024;

/// A copy of the document with placeholders replaced by their files' content; a placeholder
/// that cannot be read is reported and left as it is.
pub(crate) fn resolve(root: &Node, file: &str, check: &mut Check<'_>) -> Node {
    let base = Path::new(file).parent().unwrap_or(Path::new("."));
    let mut path = Vec::new();
    walk(root, base, &mut path, check)
}

fn walk(node: &Node, base: &Path, path: &mut Vec<PathSegment>, check: &mut Check<'_>) -> Node {
    match &node.value {
        NodeValue::Map(entries) => {
            if entries.len() == 1
                && let Some((key, value)) = entries.first()
                && matches!(key.name.as_str(), "$text" | "$json" | "$yaml")
            {
                return match substitute(&key.name, value, base, node) {
                    Ok(n) => n,
                    Err(message) => {
                        path.push(PathSegment::key(&key.name));
                        check.error(path, message);
                        path.pop();
                        node.clone()
                    }
                };
            }
            let entries = entries
                .iter()
                .map(|(k, v)| {
                    path.push(PathSegment::key(&k.name));
                    let v = walk(v, base, path, check);
                    path.pop();
                    (k.clone(), v)
                })
                .collect();
            Node {
                location: node.location,
                value: NodeValue::Map(entries),
            }
        }
        NodeValue::Seq(items) => {
            let items = items
                .iter()
                .enumerate()
                .map(|(i, v)| {
                    path.push(PathSegment::Index(i));
                    let v = walk(v, base, path, check);
                    path.pop();
                    v
                })
                .collect();
            Node {
                location: node.location,
                value: NodeValue::Seq(items),
            }
        }
        _ => node.clone(),
    }
}

fn substitute(key: &str, target: &Node, base: &Path, at: &Node) -> Result<Node, String> {
    let Some(target) = target.as_str() else {
        return Err(format!(
            "expected a relative file path, found {}",
            target.type_name()
        ));
    };
    if target.contains("://") || Path::new(target).is_absolute() {
        return Err(format!(
            "expected a file path relative to this file, found {target:?}; only local files are read"
        ));
    }
    let file = base.join(target);
    let bytes = read_input_file(&file, MAX_PLACEHOLDER_BYTES)
        .map_err(|e| format!("cannot read {}: {e}", file.display()))?;
    let text = String::from_utf8(bytes)
        .map_err(|_| format!("expected UTF-8 text in {}", file.display()))?;
    match key {
        "$text" => Ok(Node {
            location: at.location,
            value: NodeValue::String(text),
        }),
        _ => {
            let format = if key == "$json" {
                Format::Json
            } else {
                Format::Yaml
            };
            let loaded = Loader::new().load_str(file.display().to_string().into(), &text, format);
            if let Some(d) = loaded.diagnostics.first() {
                return Err(format!("cannot parse {}: {}", file.display(), d.message));
            }
            let value = loaded
                .documents
                .into_iter()
                .next()
                .map(|d| d.root.to_json())
                .unwrap_or(serde_json::Value::Null);
            Ok(Node::from_json(&value, at.location))
        }
    }
}
