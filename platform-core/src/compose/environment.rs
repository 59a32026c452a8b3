//! Per-environment values: Crossplane's `EnvironmentConfig`, whose `data` is the root of
//! environment field paths.

use serde_json::Value;
use std::collections::BTreeMap;

use crate::load::{Diagnostic, Document};

/// An environment config: a name, labels and free-form data.
#[derive(Debug, Clone, PartialEq)]
pub struct EnvironmentConfig {
    /// `metadata.name`.
    pub name: String,
    /// `metadata.labels`.
    pub labels: BTreeMap<String, String>,
    /// `data`: the root of environment field paths.
    pub data: Value,
}

impl EnvironmentConfig {
    /// Whether a document is an EnvironmentConfig (any apiextensions.crossplane.io version).
    pub fn is_environment_config(doc: &Document) -> bool {
        doc.top_str("kind") == Some("EnvironmentConfig")
            && doc
                .top_str("apiVersion")
                .is_some_and(|v| v.starts_with("apiextensions.crossplane.io/"))
    }

    /// Reads an EnvironmentConfig document.
    pub fn from_document(doc: &Document) -> Result<Self, Diagnostic> {
        let json = doc.root.to_json();
        let name = json["metadata"]["name"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let labels = json["metadata"]["labels"]
            .as_object()
            .map(|m| {
                m.iter()
                    .filter_map(|(k, v)| v.as_str().map(|s| (k.clone(), s.to_owned())))
                    .collect()
            })
            .unwrap_or_default();
        let data = json
            .get("data")
            .cloned()
            .unwrap_or(Value::Object(Default::default()));
        if !data.is_object() {
            let location = doc
                .root
                .get("data")
                .map_or(doc.root.location, |n| n.location);
            return Err(Diagnostic::new(
                doc.file.clone(),
                location,
                "data",
                format!(
                    "expected a mapping, found {}",
                    crate::schema::describe_found(&data)
                ),
            ));
        }
        Ok(EnvironmentConfig { name, labels, data })
    }
}
