//! One Score workload becomes one Application document, located in the Score file.

use std::path::{Path, PathBuf};

use base64::Engine as _;

use super::placeholder::{PlaceholderScope, rewrite};
use super::schema::score_schema_issues;
use super::types::ScoreTypes;
use crate::kinds::KindRegistry;
use crate::load::{Diagnostic, Document, Key, Location, Node, NodeValue, PathSegment, field_path};
use crate::validate::locate;

/// The label a resource's Score `class` becomes in the claim's composition selector.
pub const CLASS_LABEL: &str = "platform.dev/class";

/// What converting one Score workload found.
#[derive(Debug, Default)]
pub struct Conversion {
    /// The Application, when the workload is valid Score.
    pub application: Option<Document>,
    /// Problems that make the workload invalid (the Score schema's verdict).
    pub errors: Vec<Diagnostic>,
    /// What Score allows but this platform cannot serve: warnings from `validate`, errors
    /// from `plan` and `apply`.
    pub unserved: Vec<Diagnostic>,
    /// Accepted but deprecated forms.
    pub warnings: Vec<Diagnostic>,
}

/// Converts a Score workload document into an Application of `registry`'s claim group.
///
/// A resource of a type `types` does not serve is left out of the Application (and reported
/// in [`Conversion::unserved`]), as is a placeholder that refers to it; `files.source` is read
/// relative to the Score file.
pub fn convert(doc: &Document, registry: &KindRegistry, types: &ScoreTypes) -> Conversion {
    let mut conversion = Conversion::default();
    let workload = doc.root.to_json();
    for issue in score_schema_issues(&workload) {
        conversion.errors.push(locate(doc, &issue));
    }
    if !conversion.errors.is_empty() {
        return conversion;
    }
    let mut builder = Builder {
        doc,
        types,
        conversion: &mut conversion,
        base: Path::new(&*doc.file)
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default(),
    };
    let application = builder.application(registry, &workload);
    conversion.application = Some(Document::new(doc.file.clone(), doc.index, application));
    conversion
}

struct Builder<'a> {
    doc: &'a Document,
    types: &'a ScoreTypes,
    conversion: &'a mut Conversion,
    base: PathBuf,
}

fn node(location: Location, value: NodeValue) -> Node {
    Node { location, value }
}

fn text(location: Location, value: impl Into<String>) -> Node {
    node(location, NodeValue::String(value.into()))
}

fn entry(name: &str, location: Location, value: Node) -> (Key, Node) {
    (
        Key {
            name: name.to_owned(),
            location,
        },
        value,
    )
}

fn entries(node: &Node) -> &[(Key, Node)] {
    match &node.value {
        NodeValue::Map(entries) => entries,
        _ => &[],
    }
}

/// The names Applications (and the shells and Kubernetes manifests fed from them) accept.
fn is_env_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn path(keys: &[&str]) -> Vec<PathSegment> {
    keys.iter().map(|k| PathSegment::key(k)).collect()
}

impl Builder<'_> {
    fn diagnostic(&self, at: &[PathSegment], message: String) -> Diagnostic {
        Diagnostic::new(
            self.doc.file.clone(),
            self.doc.location_of(at),
            field_path(at),
            message,
        )
    }

    fn unserved(&mut self, at: &[PathSegment], message: String) {
        let d = self.diagnostic(at, message);
        self.conversion.unserved.push(d);
    }

    fn warn(&mut self, at: &[PathSegment], message: String) {
        let d = self.diagnostic(at, message);
        self.conversion.warnings.push(d);
    }

    fn application(&mut self, registry: &KindRegistry, workload: &serde_json::Value) -> Node {
        let root = &self.doc.root;
        let at = root.location;
        let api_version = registry
            .find_kind("Application")
            .map(|def| def.gvk.api_version())
            .unwrap_or_else(|_| format!("{}/v1alpha1", registry.claim_group()));
        let metadata_node = root.get("metadata").unwrap_or(root);
        let mut metadata = Vec::new();
        for field in ["name", "namespace", "labels", "annotations"] {
            if let Some((key, value)) = metadata_node.entry(field) {
                metadata.push((key.clone(), value.clone()));
            }
        }
        let types = self.types;
        let scope = PlaceholderScope {
            metadata: &workload["metadata"],
            resources: workload["resources"]
                .as_object()
                .map(|resources| {
                    resources
                        .iter()
                        .map(|(name, r)| {
                            let served = r["type"].as_str().and_then(|t| types.get(t));
                            (name.as_str(), served)
                        })
                        .collect()
                })
                .unwrap_or_default(),
        };
        let workload_name = workload["metadata"]["name"].as_str().unwrap_or_default();
        let resources = self.resources(workload_name);
        let containers = self.containers(&scope);
        let mut spec = vec![entry(
            "containers",
            root.get("containers").map_or(at, |c| c.location),
            containers,
        )];
        if let Some(resources) = resources {
            spec.push(entry("resources", resources.location, resources));
        }
        node(
            at,
            NodeValue::Map(vec![
                entry("apiVersion", at, text(at, api_version)),
                entry("kind", at, text(at, "Application")),
                entry(
                    "metadata",
                    metadata_node.location,
                    node(metadata_node.location, NodeValue::Map(metadata)),
                ),
                entry("spec", at, node(at, NodeValue::Map(spec))),
            ]),
        )
    }

    /// The requests for the served resources; each unserved one is reported.
    fn resources(&mut self, workload: &str) -> Option<Node> {
        let declared = self.doc.root.get("resources")?;
        let mut requests = Vec::new();
        for (key, resource) in entries(declared) {
            let type_node = resource.get("type");
            let type_name = type_node.and_then(Node::as_str).unwrap_or_default();
            let Some(served) = self.types.get(type_name) else {
                let served: Vec<&str> = self.types.names().collect();
                self.unserved(
                    &path(&["resources", &key.name, "type"]),
                    format!(
                        "resource {:?} of workload {workload:?} has type {type_name:?}, which this platform does not serve (served types: {}); map it to a claim kind under scoreTypes in platform.yaml",
                        key.name,
                        served.join(", ")
                    ),
                );
                continue;
            };
            let at = resource.location;
            let mut spec: Vec<(Key, Node)> = served
                .spec
                .iter()
                .map(|(field, value)| entry(field, at, Node::from_json(value, at)))
                .collect();
            if let Some(params) = resource.get("params") {
                for (param, value) in entries(params) {
                    spec.retain(|(k, _)| k.name != param.name);
                    spec.push((param.clone(), value.clone()));
                }
            }
            if let Some(class) = resource.get("class")
                && let Some(name) = class.as_str()
                && name != "default"
            {
                let labels = node(
                    class.location,
                    NodeValue::Map(vec![entry(CLASS_LABEL, class.location, class.clone())]),
                );
                spec.retain(|(k, _)| k.name != "compositionSelector");
                spec.push(entry(
                    "compositionSelector",
                    class.location,
                    node(
                        class.location,
                        NodeValue::Map(vec![entry("matchLabels", class.location, labels)]),
                    ),
                ));
            }
            let kind_at = type_node.map_or(at, |t| t.location);
            let request = node(
                at,
                NodeValue::Map(vec![
                    entry("kind", kind_at, text(kind_at, served.kind.clone())),
                    entry("spec", at, node(at, NodeValue::Map(spec))),
                ]),
            );
            requests.push((key.clone(), request));
        }
        if requests.is_empty() {
            return None;
        }
        Some(node(declared.location, NodeValue::Map(requests)))
    }

    /// Rewrites one string's placeholders, reporting what cannot be served at `at`.
    fn rewritten(
        &mut self,
        value: &Node,
        at: &[PathSegment],
        scope: &PlaceholderScope<'_>,
    ) -> Node {
        let Some(original) = value.as_str() else {
            return value.clone();
        };
        let rewritten = rewrite(original, scope);
        for reason in rewritten.unserved {
            self.unserved(at, reason);
        }
        text(value.location, rewritten.text)
    }

    fn containers(&mut self, scope: &PlaceholderScope<'_>) -> Node {
        let root = &self.doc.root;
        let declared = root.get("containers").unwrap_or(root);
        let mut containers = Vec::new();
        for (index, (key, container)) in entries(declared).iter().enumerate() {
            let c = &key.name;
            let mut fields = vec![entry("name", key.location, text(key.location, c.clone()))];
            if let Some((k, image)) = container.entry("image") {
                fields.push((k.clone(), image.clone()));
            }
            if index == 0
                && let Some(ports) = self.ports()
            {
                fields.push(entry("ports", ports.location, ports));
            }
            if let Some((k, variables)) = container.entry("variables") {
                let mut env = Vec::new();
                for (var, value) in entries(variables) {
                    let at = path(&["containers", c, "variables", &var.name]);
                    if !is_env_name(&var.name) {
                        self.unserved(
                            &at,
                            format!(
                                "variable {:?} of container {c:?}: this platform sets only environment variables named with letters, digits and '_', not starting with a digit",
                                var.name
                            ),
                        );
                        continue;
                    }
                    env.push((var.clone(), self.rewritten(value, &at, scope)));
                }
                fields.push(entry(
                    "env",
                    k.location,
                    node(variables.location, NodeValue::Map(env)),
                ));
            }
            if let Some((k, files)) = container.entry("files") {
                let files = self.files(c, files, scope);
                fields.push(entry("files", k.location, files));
            }
            if let Some(volumes) = container.get("volumes")
                && matches!(volumes.value, NodeValue::Seq(_))
            {
                self.warn(
                    &path(&["containers", c, "volumes"]),
                    "the array form of volumes is deprecated; write a mapping from target path to volume".to_owned(),
                );
            }
            containers.push(node(container.location, NodeValue::Map(fields)));
        }
        node(declared.location, NodeValue::Seq(containers))
    }

    /// The workload's service ports, as the first container's ports.
    fn ports(&self) -> Option<Node> {
        let ports = self.doc.root.get("service")?.get("ports")?;
        let mut out = Vec::new();
        for (key, port) in entries(ports) {
            let at = port.location;
            let mut fields = Vec::new();
            // Container port names are IANA service names: at most 15 characters.
            if key.name.len() <= 15 {
                fields.push(entry(
                    "name",
                    key.location,
                    text(key.location, key.name.clone()),
                ));
            }
            let number = port.get("targetPort").or_else(|| port.get("port"))?;
            fields.push(entry("port", number.location, number.clone()));
            if let Some((k, protocol)) = port.entry("protocol") {
                fields.push((k.clone(), protocol.clone()));
            }
            out.push(node(at, NodeValue::Map(fields)));
        }
        if out.is_empty() {
            return None;
        }
        Some(node(ports.location, NodeValue::Seq(out)))
    }

    /// A container's files: inline content (placeholders rewritten unless `noExpand`) or a
    /// source read relative to the Score file; the deprecated array form with a warning.
    fn files(&mut self, container: &str, files: &Node, scope: &PlaceholderScope<'_>) -> Node {
        let listed: Vec<(String, Vec<PathSegment>, &Node)> = match &files.value {
            NodeValue::Seq(items) => {
                self.warn(
                    &path(&["containers", container, "files"]),
                    "the array form of files is deprecated; write a mapping from target path to file".to_owned(),
                );
                items
                    .iter()
                    .enumerate()
                    .map(|(i, item)| {
                        let target = item
                            .get("target")
                            .and_then(Node::as_str)
                            .unwrap_or_default();
                        let mut at = path(&["containers", container, "files"]);
                        at.push(PathSegment::Index(i));
                        (target.to_owned(), at, item)
                    })
                    .collect()
            }
            _ => entries(files)
                .iter()
                .map(|(k, item)| {
                    (
                        k.name.clone(),
                        path(&["containers", container, "files", &k.name]),
                        item,
                    )
                })
                .collect(),
        };
        let mut out = Vec::new();
        for (target, at, item) in listed {
            let l = item.location;
            let mut fields = vec![entry("target", l, text(l, target))];
            let no_expand = item
                .get("noExpand")
                .is_some_and(|n| n.value == NodeValue::Bool(true));
            let mut content_at = at.clone();
            content_at.push(PathSegment::key("content"));
            if let Some(content) = item.get("content") {
                let content = if no_expand {
                    content.clone()
                } else {
                    self.rewritten(content, &content_at, scope)
                };
                fields.push(entry("content", content.location, content));
            } else if let Some(binary) = item.get("binaryContent") {
                fields.push(entry("binaryContent", binary.location, binary.clone()));
            } else if let Some(source) = item.get("source") {
                let mut source_at = at.clone();
                source_at.push(PathSegment::key("source"));
                let name = source.as_str().unwrap_or_default();
                let file = self.base.join(name);
                match std::fs::read(&file) {
                    Ok(bytes) => match String::from_utf8(bytes) {
                        Ok(content) => {
                            let content = text(source.location, content);
                            let content = if no_expand {
                                content
                            } else {
                                self.rewritten(&content, &source_at, scope)
                            };
                            fields.push(entry("content", source.location, content));
                        }
                        Err(e) => fields.push(entry(
                            "binaryContent",
                            source.location,
                            text(
                                source.location,
                                base64::engine::general_purpose::STANDARD.encode(e.as_bytes()),
                            ),
                        )),
                    },
                    Err(e) => {
                        self.unserved(
                            &source_at,
                            format!(
                                "cannot read the file source {} (relative to the Score file): {e}",
                                file.display()
                            ),
                        );
                        continue;
                    }
                }
            }
            if let Some((k, mode)) = item.entry("mode") {
                fields.push((k.clone(), mode.clone()));
            }
            if no_expand && let Some((k, flag)) = item.entry("noExpand") {
                fields.push((k.clone(), flag.clone()));
            }
            out.push(node(l, NodeValue::Map(fields)));
        }
        node(files.location, NodeValue::Seq(out))
    }
}
