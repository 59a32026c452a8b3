//! One document read from an input, with its origin.

use std::sync::Arc;

use super::{Location, Node, PathSegment};

/// One YAML or JSON document and where it came from.
#[derive(Debug, Clone)]
pub struct Document {
    /// The file it was read from.
    pub file: Arc<str>,
    /// Position of the document in its file, from 0.
    pub index: usize,
    /// The located value.
    pub root: Node,
}

impl Document {
    /// A document from its parts.
    pub fn new(file: Arc<str>, index: usize, root: Node) -> Self {
        Document { file, index, root }
    }

    /// A top-level string field such as `kind` or `apiVersion`.
    pub fn top_str(&self, key: &str) -> Option<&str> {
        self.root.get(key).and_then(Node::as_str)
    }

    /// `metadata.name`, if it is a string.
    pub fn name(&self) -> Option<&str> {
        self.root
            .get("metadata")
            .and_then(|m| m.get("name"))
            .and_then(Node::as_str)
    }

    /// `metadata.namespace`, `default` when absent.
    pub fn namespace(&self) -> &str {
        self.root
            .get("metadata")
            .and_then(|m| m.get("namespace"))
            .and_then(Node::as_str)
            .unwrap_or(crate::model::DEFAULT_NAMESPACE)
    }

    /// The location of the node at a path (or the nearest existing parent).
    pub fn location_of(&self, path: &[PathSegment]) -> Location {
        self.root.locate(path).location
    }

    /// `FILE:LINE:COL` of the document's start.
    pub fn origin(&self) -> String {
        format!("{}:{}", self.file, self.root.location)
    }
}
