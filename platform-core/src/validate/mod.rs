//! Validation of loaded documents: kind and apiVersion, JSON Schema, metadata rules, semantic rules
//! of each kind, and duplicates across inputs. Every problem of a run is reported, located.

mod checked;
mod metadata;
mod report;

pub use checked::Checked;
pub use report::ValidationReport;

use std::collections::HashMap;

use crate::kinds::{KindDefinition, KindRegistry, RegistryError};
use crate::load::{Diagnostic, Document, NodeValue, PathSegment, field_path};
use crate::model::{ApiVersion, DynamicObject};
use crate::schema::FieldIssue;

/// (group, kind, namespace, name) of an object.
type Identity = (String, String, String, String);

/// Where an object came from: a document, or an Application's request (described).
enum Seen {
    Defined(String),
    Requested(String),
}

/// The kind whose requested claims are named after it.
const APPLICATION: &str = "Application";

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

    /// Validates documents, reporting every problem, including the same object defined twice
    /// and two Applications whose requested claims get the same name.
    pub fn validate(&self, documents: &[Document]) -> ValidationReport {
        let mut diagnostics = Vec::new();
        // Each object (or claim an Application requests) with where it is defined.
        let mut seen: HashMap<Identity, Seen> = HashMap::with_capacity(documents.len());
        for doc in documents {
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
            let path = [PathSegment::key("metadata"), PathSegment::key("name")];
            let message = match seen.get(&identity) {
                Some(Seen::Defined(first)) => Some(format!(
                    "{kind} {}/{name} is defined twice; first at {first}",
                    identity.2,
                )),
                Some(Seen::Requested(by)) => Some(format!(
                    "{kind} {}/{name} is also the claim {by}; rename one of them",
                    identity.2,
                )),
                None => None,
            };
            match message {
                Some(message) => diagnostics.push(Diagnostic::new(
                    doc.file.clone(),
                    doc.location_of(&path),
                    field_path(&path),
                    message,
                )),
                None => {
                    seen.insert(identity, Seen::Defined(doc.origin()));
                }
            }
            if kind == APPLICATION {
                self.requested_claims(doc, name, &mut seen, &mut diagnostics);
            }
        }
        ValidationReport {
            documents: documents.len(),
            diagnostics,
        }
    }

    /// Records the claims an Application requests (named `<application>-<resource>`), and
    /// reports one that another document already defines or requests: the engine could keep
    /// only one of them.
    fn requested_claims(
        &self,
        doc: &Document,
        app: &str,
        seen: &mut HashMap<Identity, Seen>,
        diagnostics: &mut Vec<Diagnostic>,
    ) {
        let object = doc.root.to_json();
        let Some(resources) = object
            .pointer("/spec/resources")
            .and_then(serde_json::Value::as_object)
        else {
            return;
        };
        for (local, request) in resources {
            let Some(def) = request
                .get("kind")
                .and_then(serde_json::Value::as_str)
                .and_then(|k| self.registry.find_kind(k).ok())
            else {
                continue; // reported by the Application's own checks
            };
            let child = format!("{app}-{local}");
            let identity = (
                def.gvk.group.clone(),
                def.gvk.kind.clone(),
                doc.namespace().to_owned(),
                child.clone(),
            );
            let path = [
                PathSegment::key("spec"),
                PathSegment::key("resources"),
                PathSegment::key(local),
            ];
            let here = format!(
                "{}/{app}'s spec.resources.{local} at {}:{}",
                doc.namespace(),
                doc.file,
                doc.location_of(&path)
            );
            let first = match seen.get(&identity) {
                Some(Seen::Defined(at)) => format!("defined at {at}"),
                Some(Seen::Requested(by)) => by.clone(),
                None => {
                    seen.insert(
                        identity,
                        Seen::Requested(format!("requested by Application {here}")),
                    );
                    continue;
                }
            };
            diagnostics.push(Diagnostic::new(
                doc.file.clone(),
                doc.location_of(&path),
                field_path(&path),
                format!(
                    "Application {}/{app} requests {} {}/{child}, which is also {first}; rename the resource or the Application",
                    identity.2, identity.1, identity.2,
                ),
            ));
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
            diagnostics.push(locate(doc, issue));
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
                    vec![PathSegment::key(name)],
                    format!("required field {name:?} is missing"),
                )),
                Some(node) => match node.as_str() {
                    Some(s) if !s.is_empty() => *slot = Some(s),
                    _ => issues.push(FieldIssue::at(
                        vec![PathSegment::key(name)],
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
                issues.push(FieldIssue::at(
                    vec![PathSegment::key("apiVersion")],
                    err.to_string(),
                ));
                None
            }
            Err(err) => {
                issues.push(FieldIssue::at(
                    vec![PathSegment::key("kind")],
                    err.to_string(),
                ));
                None
            }
        }
    }

    /// Validates documents into checked objects, with their kinds' defaults filled in and the
    /// file and line each came from; all problems when any document is invalid.
    pub fn checked(&self, documents: &[Document]) -> Result<Vec<Checked>, ValidationReport> {
        let objects = self.objects(documents)?;
        Ok(objects
            .into_iter()
            .zip(documents)
            .map(|(mut object, doc)| {
                // Every object here resolved to its kind, or validation would have failed.
                if let Ok(def) = self.registry.resolve(&object.api_version, &object.kind) {
                    def.schema().apply_spec_defaults(&mut object.spec);
                }
                Checked::new(object, Some(doc.origin()))
            })
            .collect())
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

/// A problem of a document's field as a diagnostic at that field's line and column.
pub fn locate(doc: &Document, issue: &FieldIssue) -> Diagnostic {
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
