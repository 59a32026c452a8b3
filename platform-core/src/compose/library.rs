//! A set of compositions and environment configs, read from files or added from Rust.

use serde_json::Value;
use std::path::Path;
use std::sync::Arc;

use super::pt::error::CompositionError;
use super::{Composition, DeclarativeComposition, EnvironmentConfig, SelectionError, select};
use crate::load::{Diagnostic, Document, Loader, PathSegment, field_path};

/// Why compositions could not be loaded or added.
#[derive(Debug, thiserror::Error)]
pub enum LibraryError {
    /// Located problems in composition files.
    #[error("{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"))]
    Invalid(Vec<Diagnostic>),
    /// Two compositions share a name.
    #[error("composition {0:?} is defined twice")]
    Duplicate(String),
}

/// The compositions and environment configs a platform knows.
#[derive(Default, Clone)]
pub struct CompositionLibrary {
    compositions: Vec<Arc<dyn Composition>>,
    environments: Vec<EnvironmentConfig>,
}

impl std::fmt::Debug for CompositionLibrary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CompositionLibrary")
            .field(
                "compositions",
                &self
                    .compositions
                    .iter()
                    .map(|c| c.name())
                    .collect::<Vec<_>>(),
            )
            .field(
                "environments",
                &self
                    .environments
                    .iter()
                    .map(|e| &e.name)
                    .collect::<Vec<_>>(),
            )
            .finish()
    }
}

/// Parses a path such as `spec.pipeline[0].input.resources[1]` into segments.
fn segments(path: &str) -> Vec<PathSegment> {
    let mut out = Vec::new();
    for part in path.split('.') {
        let mut rest = part;
        if let Some(open) = rest.find('[') {
            if open > 0 {
                out.push(PathSegment::Key(rest[..open].to_owned()));
            }
            rest = &rest[open..];
            while let Some(stripped) = rest.strip_prefix('[') {
                let Some(close) = stripped.find(']') else {
                    break;
                };
                let inner = &stripped[..close];
                out.push(match inner.parse::<usize>() {
                    Ok(i) => PathSegment::Index(i),
                    Err(_) => PathSegment::Key(inner.trim_matches('\'').to_owned()),
                });
                rest = &stripped[close + 1..];
            }
        } else if !rest.is_empty() {
            out.push(PathSegment::Key(rest.to_owned()));
        }
    }
    out
}

impl CompositionLibrary {
    /// An empty library.
    pub fn new() -> Self {
        CompositionLibrary::default()
    }

    /// Adds a composition; names must be unique.
    pub fn add(&mut self, composition: Arc<dyn Composition>) -> Result<(), LibraryError> {
        if self
            .compositions
            .iter()
            .any(|c| c.name() == composition.name())
        {
            return Err(LibraryError::Duplicate(composition.name().to_owned()));
        }
        self.compositions.push(composition);
        Ok(())
    }

    /// Adds an environment config.
    pub fn add_environment(&mut self, environment: EnvironmentConfig) {
        self.environments.push(environment);
    }

    /// Reads Composition and EnvironmentConfig documents from files or folders.
    pub fn load_paths<P: AsRef<Path>>(&mut self, paths: &[P]) -> Result<(), LibraryError> {
        let loaded = Loader::new().load_paths(paths);
        let mut problems = loaded.diagnostics;
        if let Err(LibraryError::Invalid(more)) = self.add_documents(&loaded.documents) {
            problems.extend(more);
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(LibraryError::Invalid(problems))
        }
    }

    /// Adds Composition and EnvironmentConfig documents; every problem is reported, located.
    pub fn add_documents(&mut self, documents: &[Document]) -> Result<(), LibraryError> {
        let mut problems = Vec::new();
        for doc in documents {
            if EnvironmentConfig::is_environment_config(doc) {
                match EnvironmentConfig::from_document(doc) {
                    Ok(env) => self.add_environment(env),
                    Err(d) => problems.push(d),
                }
                continue;
            }
            if doc.top_str("kind") != Some("Composition") {
                problems.push(Diagnostic::new(
                    doc.file.clone(),
                    doc.root.location,
                    "kind",
                    format!(
                        "expected a Composition or EnvironmentConfig (apiextensions.crossplane.io), found {:?}",
                        doc.top_str("kind").unwrap_or("no kind")
                    ),
                ));
                continue;
            }
            match problems_of(doc) {
                Ok(composition) => {
                    if let Err(e) = self.add(Arc::new(composition)) {
                        problems.push(Diagnostic::new(
                            doc.file.clone(),
                            doc.root.location,
                            "metadata.name",
                            e.to_string(),
                        ));
                    }
                }
                Err(mut found) => problems.append(&mut found),
            }
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(LibraryError::Invalid(problems))
        }
    }

    /// Every composition, in the order added.
    pub fn compositions(&self) -> &[Arc<dyn Composition>] {
        &self.compositions
    }

    /// The compositions, to replace some in place (names stay unique).
    pub(super) fn compositions_mut(&mut self) -> &mut [Arc<dyn Composition>] {
        &mut self.compositions
    }

    /// A composition by name.
    pub fn get(&self, name: &str) -> Option<&Arc<dyn Composition>> {
        self.compositions.iter().find(|c| c.name() == name)
    }

    /// An environment config by name.
    pub fn environment(&self, name: &str) -> Option<&EnvironmentConfig> {
        self.environments.iter().find(|e| e.name == name)
    }

    /// Chooses the composition for a composite (see [`select`]).
    pub fn select(
        &self,
        composite: &Value,
        environment: &str,
        environment_default: Option<&str>,
    ) -> Result<Arc<dyn Composition>, SelectionError> {
        select(
            &self.compositions,
            composite,
            environment,
            environment_default,
        )
    }
}

/// Reads one Composition document, turning its problems into located diagnostics.
fn problems_of(doc: &Document) -> Result<DeclarativeComposition, Vec<Diagnostic>> {
    let json = doc.root.to_json();
    match DeclarativeComposition::from_value(&json) {
        Ok(c) if c.name().is_empty() => Err(vec![Diagnostic::new(
            doc.file.clone(),
            doc.root.location,
            "metadata.name",
            "required field \"name\" is missing",
        )]),
        Ok(c) => Ok(c),
        Err(e) => {
            let located = |path: &str, message: String| {
                let path = segments(path);
                Diagnostic::new(
                    doc.file.clone(),
                    doc.location_of(&path),
                    field_path(&path),
                    message,
                )
            };
            let found: Vec<Diagnostic> = match &e {
                CompositionError::UnsupportedSteps(steps) => steps
                    .iter()
                    .map(|s| located(&s.path(), s.to_string()))
                    .collect(),
                CompositionError::Invalid(problems) => problems
                    .iter()
                    .map(|v| located(&v.path, v.message.clone()))
                    .collect(),
            };
            if found.is_empty() {
                return Err(vec![Diagnostic::new(
                    doc.file.clone(),
                    doc.root.location,
                    "",
                    e.to_string(),
                )]);
            }
            Err(found)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compose::{ComposeRequest, ObservedResources};
    use crate::load::Format;

    /// A pipeline of function-patch-and-transform, then whatever `more` steps say.
    fn composition(more: &str) -> String {
        format!(
            "apiVersion: apiextensions.crossplane.io/v1
kind: Composition
metadata: {{name: cache}}
spec:
  compositeTypeRef: {{apiVersion: platform.dev/v1alpha1, kind: CacheClaim}}
  mode: Pipeline
  pipeline:
    - step: patch-and-transform
      functionRef: {{name: function-patch-and-transform}}
      input:
        apiVersion: pt.fn.crossplane.io/v1beta1
        kind: Resources
        resources:
          - name: cache
            base: {{apiVersion: local.platform.dev/v1alpha1, kind: LocalCache, spec: {{}}}}
            patches:
              - {{fromFieldPath: spec.size, toFieldPath: spec.size}}
{more}"
        )
    }

    fn library(yaml: &str) -> Result<CompositionLibrary, LibraryError> {
        let loaded = Loader::new().load_str(Arc::from("cache.yaml"), yaml, Format::Yaml);
        assert!(loaded.diagnostics.is_empty(), "{:?}", loaded.diagnostics);
        let mut library = CompositionLibrary::new();
        library.add_documents(&loaded.documents)?;
        Ok(library)
    }

    #[test]
    fn a_pipeline_ending_with_function_auto_ready_loads_and_renders_the_same() {
        let auto_ready = "    - step: automatically-detect-ready-composed-resources
      functionRef: {name: function-auto-ready}
";
        let composite = serde_json::json!({
            "apiVersion": "platform.dev/v1alpha1", "kind": "CacheClaim",
            "metadata": {"name": "sessions", "namespace": "default"},
            "spec": {"size": "medium"}
        });
        let observed = ObservedResources::new();
        let request = ComposeRequest {
            composite: &composite,
            observed: &observed,
            environment: None,
        };
        let render = |yaml: &str| {
            library(yaml)
                .unwrap()
                .get("cache")
                .unwrap()
                .compose(&request)
                .unwrap()
        };
        let with = render(&composition(auto_ready));
        assert_eq!(with, render(&composition("")));
        assert_eq!(with.resources[0].object["spec"]["size"], "medium");
    }

    #[test]
    fn an_unknown_pipeline_function_is_located_at_its_step() {
        let foreign = "    - step: go-templating
      functionRef: {name: function-go-templating}
";
        let err = library(&composition(foreign)).unwrap_err().to_string();
        assert_eq!(
            err,
            "cache.yaml:19:27: spec.pipeline[1].functionRef.name: pipeline step \"go-templating\" uses function \"function-go-templating\", which is not supported; only function-patch-and-transform and function-auto-ready"
        );
    }

    #[test]
    fn composition_paths_become_segments() {
        assert_eq!(
            segments("spec.pipeline[0].input.resources[12].patches"),
            vec![
                PathSegment::Key("spec".into()),
                PathSegment::Key("pipeline".into()),
                PathSegment::Index(0),
                PathSegment::Key("input".into()),
                PathSegment::Key("resources".into()),
                PathSegment::Index(12),
                PathSegment::Key("patches".into()),
            ]
        );
    }
}
