//! Reading the SDK's own documents (Policy, PriceList, Budget) from located nodes, so every
//! problem names its file, line, column and field path.

use std::sync::Arc;

use crate::load::{Diagnostic, Document, Key, Location, Node, NodeValue, PathSegment, field_path};

/// API version of the guardrail kinds; fixed, unlike the configurable group of claims.
pub const GUARDRAILS_API_VERSION: &str = "platform.dev/v1alpha1";

/// A path extended by one key.
pub(crate) fn child(path: &[PathSegment], key: &str) -> Vec<PathSegment> {
    let mut p = path.to_vec();
    p.push(PathSegment::Key(key.to_owned()));
    p
}

/// A path extended by one index.
pub(crate) fn item(path: &[PathSegment], index: usize) -> Vec<PathSegment> {
    let mut p = path.to_vec();
    p.push(PathSegment::Index(index));
    p
}

/// Collects located problems while reading one document.
pub(crate) struct Reader {
    file: Arc<str>,
    /// Problems found so far.
    pub(crate) problems: Vec<Diagnostic>,
}

impl Reader {
    pub(crate) fn new(doc: &Document) -> Self {
        Reader {
            file: doc.file.clone(),
            problems: Vec::new(),
        }
    }

    pub(crate) fn fail(
        &mut self,
        location: Location,
        path: &[PathSegment],
        message: impl Into<String>,
    ) {
        self.problems.push(Diagnostic::new(
            self.file.clone(),
            location,
            field_path(path),
            message,
        ));
    }

    /// The entries of a mapping; unknown keys are reported with the keys that are accepted.
    pub(crate) fn mapping<'n>(
        &mut self,
        node: &'n Node,
        path: &[PathSegment],
        known: &[&str],
    ) -> Option<&'n [(Key, Node)]> {
        match &node.value {
            NodeValue::Map(entries) => {
                for (key, _) in entries {
                    if !known.contains(&key.name.as_str()) {
                        self.fail(
                            key.location,
                            &child(path, &key.name),
                            format!(
                                "unknown field {:?}: expected one of {}",
                                key.name,
                                known.join(", ")
                            ),
                        );
                    }
                }
                Some(entries)
            }
            _ => {
                self.fail(
                    node.location,
                    path,
                    format!("expected a mapping, found {}", node.type_name()),
                );
                None
            }
        }
    }

    /// The entries of a mapping whose keys are free (such as prices by size).
    pub(crate) fn entries<'n>(
        &mut self,
        node: &'n Node,
        path: &[PathSegment],
    ) -> Option<&'n [(Key, Node)]> {
        match &node.value {
            NodeValue::Map(entries) => Some(entries),
            _ => {
                self.fail(
                    node.location,
                    path,
                    format!("expected a mapping, found {}", node.type_name()),
                );
                None
            }
        }
    }

    /// A field that must be present.
    pub(crate) fn required<'n>(
        &mut self,
        parent: &'n Node,
        path: &[PathSegment],
        key: &str,
        what: &str,
    ) -> Option<&'n Node> {
        let found = parent.get(key);
        if found.is_none() {
            self.fail(
                parent.location,
                &child(path, key),
                format!("required field {key:?} is missing: expected {what}"),
            );
        }
        found
    }

    /// A non-empty string.
    pub(crate) fn string(&mut self, node: &Node, path: &[PathSegment]) -> Option<String> {
        match &node.value {
            NodeValue::String(s) if !s.trim().is_empty() => Some(s.clone()),
            _ => {
                self.fail(
                    node.location,
                    path,
                    format!("expected a non-empty string, found {}", describe(node)),
                );
                None
            }
        }
    }

    /// `true` or `false`.
    pub(crate) fn boolean(&mut self, node: &Node, path: &[PathSegment]) -> Option<bool> {
        match node.value {
            NodeValue::Bool(b) => Some(b),
            _ => {
                self.fail(
                    node.location,
                    path,
                    format!("expected true or false, found {}", describe(node)),
                );
                None
            }
        }
    }

    /// A finite number, zero or more.
    pub(crate) fn amount(&mut self, node: &Node, path: &[PathSegment]) -> Option<f64> {
        let n = match node.value {
            NodeValue::Int(i) => Some(i as f64),
            NodeValue::UInt(u) => Some(u as f64),
            NodeValue::Float(f) => Some(f),
            _ => None,
        };
        match n {
            Some(n) if n.is_finite() && n >= 0.0 => Some(n),
            _ => {
                self.fail(
                    node.location,
                    path,
                    format!(
                        "expected a number of zero or more, found {}",
                        describe(node)
                    ),
                );
                None
            }
        }
    }

    /// The items of a sequence.
    pub(crate) fn sequence<'n>(
        &mut self,
        node: &'n Node,
        path: &[PathSegment],
    ) -> Option<&'n [Node]> {
        match &node.value {
            NodeValue::Seq(items) => Some(items),
            _ => {
                self.fail(
                    node.location,
                    path,
                    format!("expected a sequence, found {}", node.type_name()),
                );
                None
            }
        }
    }

    /// A sequence of non-empty strings.
    pub(crate) fn strings(&mut self, node: &Node, path: &[PathSegment]) -> Vec<String> {
        let Some(items) = self.sequence(node, path) else {
            return Vec::new();
        };
        items
            .iter()
            .enumerate()
            .filter_map(|(i, n)| self.string(n, &item(path, i)))
            .collect()
    }

    /// Checks `apiVersion` and reads `metadata.name` (a DNS-1123 label of at most `max_name` characters).
    pub(crate) fn header(&mut self, doc: &Document, max_name: usize) -> Option<String> {
        let root = &doc.root;
        if doc.top_str("apiVersion") != Some(GUARDRAILS_API_VERSION) {
            let location = root.get("apiVersion").map_or(root.location, |n| n.location);
            self.fail(
                location,
                &[PathSegment::Key("apiVersion".into())],
                format!(
                    "expected {GUARDRAILS_API_VERSION:?}, found {}",
                    root.get("apiVersion")
                        .map_or("nothing".to_owned(), describe)
                ),
            );
        }
        let meta_path = [PathSegment::Key("metadata".into())];
        let metadata = self.required(root, &[], "metadata", "a mapping with a name")?;
        self.mapping(metadata, &meta_path, &["name", "labels", "annotations"])?;
        let name_path = child(&meta_path, "name");
        let name_node = self.required(metadata, &meta_path, "name", "a name")?;
        let name = self.string(name_node, &name_path)?;
        if let Err(message) = crate::model::names::check_dns1123_label(&name) {
            self.fail(name_node.location, &name_path, message);
            return None;
        }
        if name.len() > max_name {
            self.fail(
                name_node.location,
                &name_path,
                format!(
                    "expected at most {max_name} characters (the name is part of an annotation key), found {}",
                    name.len()
                ),
            );
            return None;
        }
        Some(name)
    }
}

/// A short description of a node's value for messages: the value itself when it is a scalar.
pub(crate) fn describe(node: &Node) -> String {
    match &node.value {
        NodeValue::String(s) => format!("{s:?}"),
        NodeValue::Int(i) => i.to_string(),
        NodeValue::UInt(u) => u.to_string(),
        NodeValue::Float(f) => f.to_string(),
        NodeValue::Bool(b) => b.to_string(),
        _ => node.type_name().to_owned(),
    }
}
