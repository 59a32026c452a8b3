//! Validation with Backstage's verdicts: its entity policies in their order (default
//! namespace, no foreign root fields, field formats, the envelope schema), then the kind's
//! validator. Unlike Backstage, which stops at the first problem, every problem of a document
//! is reported, each as `FILE:LINE:COL: FIELD_PATH: message`.

mod envelope;
pub mod format;
mod kind;
pub mod placeholder;

use std::path::Path;
use std::sync::Arc;

use rayon::prelude::*;

use platform_core::load::{
    Diagnostic, Document, Loader, Node, PathSegment, field_path, input_files,
};

use crate::entity::{DEFAULT_NAMESPACE, Entity, Origin};

/// How documents are validated.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Substitute `$text`, `$json` and `$yaml` placeholders from files relative to the
    /// document's file before validating, as Backstage's processors do when they ingest it.
    pub resolve_placeholders: bool,
    /// Kinds accepted beyond the built-in ones (`apiVersion`, `kind`), with any spec.
    pub extra_kinds: Vec<(String, String)>,
}

/// What validating one document gave.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The entity, when it passed Backstage's entity policies (its envelope); it may still
    /// have failed its kind's rules, which `diagnostics` then lists.
    pub entity: Option<Entity>,
    /// Every problem found; empty when the document is valid.
    pub diagnostics: Vec<Diagnostic>,
}

impl Outcome {
    /// Whether the document is valid (Backstage accepts it).
    pub fn is_valid(&self) -> bool {
        self.diagnostics.is_empty()
    }
}

/// Where a validated document was: its file and its position in the file, from 0.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    /// The file.
    pub file: Arc<str>,
    /// The document's position in its file, from 0.
    pub index: usize,
}

/// What validating files gave: one outcome per document, and problems reading files.
#[derive(Debug, Default)]
pub struct Validated {
    /// One per document, in input order, with the document's file and index.
    pub documents: Vec<(Source, Outcome)>,
    /// Files that could not be read or parsed.
    pub unreadable: Vec<Diagnostic>,
}

impl Validated {
    /// Every problem, files first, then documents in input order.
    pub fn diagnostics(&self) -> Vec<Diagnostic> {
        let mut all = self.unreadable.clone();
        for (_, outcome) in &self.documents {
            all.extend(outcome.diagnostics.iter().cloned());
        }
        all
    }

    /// The valid entities.
    pub fn valid_entities(&self) -> Vec<Entity> {
        self.documents
            .iter()
            .filter(|(_, o)| o.is_valid())
            .filter_map(|(_, o)| o.entity.clone())
            .collect()
    }

    /// The valid entities, taken out.
    pub fn into_valid_entities(self) -> Vec<Entity> {
        self.documents
            .into_iter()
            .filter(|(_, o)| o.is_valid())
            .filter_map(|(_, o)| o.entity)
            .collect()
    }
}

/// Reads and validates files and folders (`.yaml`, `.yml`, `.json`, folders recursively),
/// file by file on every core: a file's located documents are dropped once validated, so only
/// the files in flight are held. Outcomes keep the input order.
pub fn validate_paths<P: AsRef<Path>>(paths: &[P], options: &Options) -> Validated {
    let loader = Loader::new();
    let parts: Vec<Validated> = input_files(paths)
        .into_par_iter()
        .map(|input| match input {
            Ok(file) => {
                let loaded = loader.load_file(&file);
                Validated {
                    documents: loaded
                        .documents
                        .iter()
                        .map(|document| {
                            let source = Source {
                                file: document.file.clone(),
                                index: document.index,
                            };
                            (source, validate_document(document, options))
                        })
                        .collect(),
                    unreadable: loaded.diagnostics,
                }
            }
            Err(diagnostic) => Validated {
                documents: Vec::new(),
                unreadable: vec![diagnostic],
            },
        })
        .collect();
    let mut validated = Validated::default();
    for part in parts {
        validated.documents.extend(part.documents);
        validated.unreadable.extend(part.unreadable);
    }
    validated
}

/// Validates one located document.
pub fn validate_document(document: &Document, options: &Options) -> Outcome {
    let mut check = Check::new(document);
    let resolved;
    let root = if options.resolve_placeholders {
        resolved = placeholder::resolve(&document.root, &document.file, &mut check);
        &resolved
    } else {
        &document.root
    };
    let passed_policies = envelope::check(root, &mut check);
    if !passed_policies {
        return check.finish(None);
    }
    kind::check(root, options, &mut check);
    let mut json = root.to_json();
    if let Some(metadata) = json.get_mut("metadata").and_then(|m| m.as_object_mut())
        && !metadata.contains_key("namespace")
    {
        metadata.insert("namespace".into(), DEFAULT_NAMESPACE.into());
    }
    let entity = match serde_json::from_value::<Entity>(json) {
        Ok(mut entity) => {
            // References that can name no entity: Backstage finds them only when it derives
            // relations, as processing errors; here they are located errors of the document.
            for problem in crate::relations::derive(&entity).1 {
                check.error(&problem.path, problem.message);
            }
            entity.origin = Some(Origin {
                file: document.file.clone(),
                location: root.location,
            });
            Some(entity)
        }
        Err(e) => {
            check.error(&[], format!("cannot read the entity: {e}"));
            None
        }
    };
    check.finish(entity)
}

/// Problems found in one document, each at its value's location.
pub(crate) struct Check<'a> {
    document: &'a Document,
    diagnostics: Vec<Diagnostic>,
}

impl<'a> Check<'a> {
    fn new(document: &'a Document) -> Self {
        Check {
            document,
            diagnostics: Vec::new(),
        }
    }

    /// A problem at the value of a path (or its nearest parent when the value is missing).
    pub(crate) fn error(&mut self, path: &[PathSegment], message: impl Into<String>) {
        let location = self.document.location_of(path);
        self.diagnostics.push(Diagnostic::new(
            self.document.file.clone(),
            location,
            field_path(path),
            message,
        ));
    }

    /// A problem at a mapping key (an unknown field, a bad label key).
    pub(crate) fn key_error(
        &mut self,
        parent: &[PathSegment],
        key: &str,
        message: impl Into<String>,
    ) {
        let location = self.document.root.locate_key(parent, key);
        let mut path = parent.to_vec();
        path.push(PathSegment::key(key));
        self.diagnostics.push(Diagnostic::new(
            self.document.file.clone(),
            location,
            field_path(&path),
            message,
        ));
    }

    fn count(&self) -> usize {
        self.diagnostics.len()
    }

    fn finish(self, entity: Option<Entity>) -> Outcome {
        Outcome {
            entity,
            diagnostics: self.diagnostics,
        }
    }
}

/// A path from keys.
pub(crate) fn path(keys: &[&str]) -> Vec<PathSegment> {
    keys.iter().map(|k| PathSegment::key(k)).collect()
}

/// The path of a sequence item.
pub(crate) fn item(parent: &[PathSegment], index: usize) -> Vec<PathSegment> {
    let mut path = parent.to_vec();
    path.push(PathSegment::Index(index));
    path
}

/// The path of a mapping entry.
pub(crate) fn child(parent: &[PathSegment], key: &str) -> Vec<PathSegment> {
    let mut path = parent.to_vec();
    path.push(PathSegment::key(key));
    path
}

/// A node as a short description for messages.
pub(crate) fn found(node: &Node) -> String {
    node.describe()
}
