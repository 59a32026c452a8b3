//! Validation of loaded documents: kind and apiVersion, JSON Schema, metadata rules, semantic rules
//! of each kind, and duplicates across inputs. Every problem of a run is reported, located.

mod metadata;
mod report;

pub use report::ValidationReport;

use std::collections::HashMap;

use crate::kinds::{KindDefinition, KindRegistry, RegistryError};
use crate::load::{Diagnostic, Document, NodeValue, PathSegment, field_path};
use crate::model::{ApiVersion, DynamicObject};
use crate::schema::FieldIssue;

fn key(k: &str) -> PathSegment {
    PathSegment::Key(k.to_owned())
}

/// Checks documents against the kinds of a registry.
#[derive(Debug, Clone, Copy)]
pub struct Validator<'r> {
    registry: &'r KindRegistry,
}

impl<'r> Validator<'r> {
    /// A validator for the kinds of a registry.
    pub fn new(registry: &'r KindRegistry) -> Self {
        Validator { registry }
    }

    /// Validates documents, reporting every problem, including the same object defined twice.
    pub fn validate(&self, documents: &[Document]) -> ValidationReport {
        let mut diagnostics = Vec::new();
        let mut seen: HashMap<(String, String, String, String), usize> =
            HashMap::with_capacity(documents.len());
        for (index, doc) in documents.iter().enumerate() {
            diagnostics.extend(self.validate_document(doc));
            let (Some(api_version), Some(kind), Some(name)) =
                (doc.top_str("apiVersion"), doc.top_str("kind"), doc.name())
            else {
                continue;
            };
            let identity = (
                ApiVersion::parse(api_version).group,
                kind.to_owned(),
                doc.namespace().to_owned(),
                name.to_owned(),
            );
            if let Some(&first) = seen.get(&identity) {
                let first = &documents[first];
                let path = [key("metadata"), key("name")];
                diagnostics.push(Diagnostic::new(
                    doc.file.clone(),
                    doc.location_of(&path),
                    field_path(&path),
                    format!(
                        "{kind} {}/{name} is defined twice; first at {}",
                        identity.2,
                        first.origin()
                    ),
                ));
            } else {
                seen.insert(identity, index);
            }
        }
        ValidationReport {
            documents: documents.len(),
            diagnostics,
        }
    }

    /// Every problem of one document, sorted by location.
    pub fn validate_document(&self, doc: &Document) -> Vec<Diagnostic> {
        let mut issues = Vec::new();
        if let Some(def) = self.identify(doc, &mut issues) {
            let object = doc.root.to_json();
            issues.extend(def.schema().object_issues(&object));
            metadata::check(&object, &mut issues);
            for check in def.checks() {
                check(&object, self.registry, &mut issues);
            }
        }
        let mut diagnostics = Vec::with_capacity(issues.len());
        let mut reported: Vec<&[PathSegment]> = Vec::new();
        for issue in &issues {
            // A value reported by the schema is not reported again by a rule about the same value.
            if reported.contains(&issue.path.as_slice()) {
                continue;
            }
            reported.push(&issue.path);
            diagnostics.push(to_diagnostic(doc, issue));
        }
        diagnostics.sort_by_key(|d| d.location);
        diagnostics
    }

    /// Resolves a document's kind, or records why it cannot be resolved.
    fn identify(&self, doc: &Document, issues: &mut Vec<FieldIssue>) -> Option<&'r KindDefinition> {
        if !matches!(doc.root.value, NodeValue::Map(_)) {
            issues.push(FieldIssue::at(
                Vec::new(),
                format!(
                    "expected a mapping with apiVersion, kind, metadata and spec, found {}",
                    doc.root.type_name()
                ),
            ));
            return None;
        }
        let mut fields = [None, None];
        for (slot, name) in fields.iter_mut().zip(["apiVersion", "kind"]) {
            match doc.root.get(name) {
                None => issues.push(FieldIssue::at(
                    vec![key(name)],
                    format!("required field {name:?} is missing"),
                )),
                Some(node) => match node.as_str() {
                    Some(s) if !s.is_empty() => *slot = Some(s),
                    _ => issues.push(FieldIssue::at(
                        vec![key(name)],
                        format!("expected a non-empty string, found {}", node.type_name()),
                    )),
                },
            }
        }
        let [Some(api_version), Some(kind)] = fields else {
            return None;
        };
        match self.registry.resolve(api_version, kind) {
            Ok(def) => Some(def),
            Err(err @ RegistryError::UnknownApiVersion { .. }) => {
                issues.push(FieldIssue::at(vec![key("apiVersion")], err.to_string()));
                None
            }
            Err(err) => {
                issues.push(FieldIssue::at(vec![key("kind")], err.to_string()));
                None
            }
        }
    }

    /// Validates documents and converts them to objects; all problems when any document is invalid.
    pub fn objects(&self, documents: &[Document]) -> Result<Vec<DynamicObject>, ValidationReport> {
        let report = self.validate(documents);
        if !report.is_ok() {
            return Err(report);
        }
        let mut objects = Vec::with_capacity(documents.len());
        let mut failures = Vec::new();
        for doc in documents {
            match serde_json::from_value::<DynamicObject>(doc.root.to_json()) {
                Ok(object) => objects.push(object),
                Err(e) => failures.push(Diagnostic::new(
                    doc.file.clone(),
                    doc.root.location,
                    "",
                    e.to_string(),
                )),
            }
        }
        if failures.is_empty() {
            Ok(objects)
        } else {
            Err(ValidationReport {
                documents: documents.len(),
                diagnostics: failures,
            })
        }
    }
}

fn to_diagnostic(doc: &Document, issue: &FieldIssue) -> Diagnostic {
    let location = match (issue.at_key, issue.path.split_last()) {
        (true, Some((PathSegment::Key(last), parent))) => doc.root.locate_key(parent, last),
        _ => doc.location_of(&issue.path),
    };
    Diagnostic::new(
        doc.file.clone(),
        location,
        field_path(&issue.path),
        issue.message.clone(),
    )
}

#[cfg(test)]
mod tests;
