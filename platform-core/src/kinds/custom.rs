//! Kinds defined without Rust: from a Kubernetes CRD, a Crossplane XRD, or a JSON Schema file.
//!
//! A JSON Schema file describes the kind's `spec` and names the kind in `x-platform-kind`:
//!
//! ```yaml
//! $schema: https://json-schema.org/draft/2020-12/schema
//! x-platform-kind: {group: acme.io, version: v1, kind: MessageTopic, plural: messagetopics}
//! type: object
//! required: [partitions]
//! properties:
//!   partitions: {type: integer, minimum: 1}
//! ```

use serde_json::Value;

use super::{KindDefinition, KindOrigin};
use crate::load::{Diagnostic, Document, PathSegment, field_path};
use crate::model::GroupVersionKind;
use crate::schema::openapi_to_json_schema;

/// A kind file that cannot be turned into kinds: located problems.
#[derive(Debug, thiserror::Error)]
#[error("{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"))]
pub struct KindFileError(pub Vec<Diagnostic>);

fn key(k: &str) -> PathSegment {
    PathSegment::Key(k.to_owned())
}

struct Reader<'a> {
    doc: &'a Document,
    json: Value,
    diagnostics: Vec<Diagnostic>,
}

impl Reader<'_> {
    fn fail(&mut self, path: &[PathSegment], message: impl Into<String>) {
        self.diagnostics.push(Diagnostic::new(
            self.doc.file.clone(),
            self.doc.location_of(path),
            field_path(path),
            message,
        ));
    }

    fn string(&mut self, path: &[PathSegment]) -> Option<String> {
        let mut value = &self.json;
        for segment in path {
            value = match segment {
                PathSegment::Key(k) => value.get(k.as_str()),
                PathSegment::Index(i) => value.get(*i),
            }
            .unwrap_or(&Value::Null);
        }
        match value {
            Value::String(s) if !s.is_empty() => Some(s.clone()),
            Value::Null => {
                self.fail(
                    path,
                    "required field is missing: expected a non-empty string",
                );
                None
            }
            other => {
                self.fail(path, format!("expected a non-empty string, found {other}"));
                None
            }
        }
    }
}

/// Reads the kinds a document defines; `Ok(vec![])` when the document defines none.
pub fn kinds_from_document(doc: &Document) -> Result<Vec<KindDefinition>, KindFileError> {
    let json = doc.root.to_json();
    let api_version = json
        .get("apiVersion")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let kind = json
        .get("kind")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let mut reader = Reader {
        doc,
        json,
        diagnostics: Vec::new(),
    };
    let origin = KindOrigin::File(doc.file.to_string());
    let mut defs = Vec::new();
    match (api_version.as_str(), kind.as_str()) {
        ("apiextensions.k8s.io/v1", "CustomResourceDefinition")
        | (
            "apiextensions.crossplane.io/v1" | "apiextensions.crossplane.io/v2",
            "CompositeResourceDefinition",
        ) => {
            let group = reader.string(&[key("spec"), key("group")]);
            let kind_name = reader.string(&[key("spec"), key("names"), key("kind")]);
            let plural = reader.string(&[key("spec"), key("names"), key("plural")]);
            let claim_names = reader.json["spec"]["claimNames"].clone();
            let versions = reader.json["spec"]["versions"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            let chosen = versions
                .iter()
                .position(|v| {
                    v.get("storage") == Some(&Value::Bool(true))
                        || v.get("referenceable") == Some(&Value::Bool(true))
                })
                .or(if versions.is_empty() { None } else { Some(0) });
            let Some(index) = chosen else {
                reader.fail(
                    &[key("spec"), key("versions")],
                    "expected at least one version",
                );
                return Err(KindFileError(reader.diagnostics));
            };
            let version_path = [key("spec"), key("versions"), PathSegment::Index(index)];
            let mut name_path = version_path.to_vec();
            name_path.push(key("name"));
            let version = reader.string(&name_path);
            let spec_schema =
                versions[index]["schema"]["openAPIV3Schema"]["properties"]["spec"].clone();
            let mut schema_path = version_path.to_vec();
            schema_path.extend([
                key("schema"),
                key("openAPIV3Schema"),
                key("properties"),
                key("spec"),
            ]);
            if !spec_schema.is_object() {
                reader.fail(&schema_path, "expected the schema of spec (an object)");
            }
            if let (Some(group), Some(kind_name), Some(plural), Some(version)) =
                (group, kind_name, plural, version)
                && reader.diagnostics.is_empty()
            {
                let schema = openapi_to_json_schema(&spec_schema);
                let mut kinds = vec![(kind_name, plural)];
                if let (Some(k), Some(p)) = (
                    claim_names.get("kind").and_then(Value::as_str),
                    claim_names.get("plural").and_then(Value::as_str),
                ) {
                    kinds.push((k.to_owned(), p.to_owned()));
                }
                for (k, p) in kinds {
                    let gvk = GroupVersionKind::new(group.clone(), version.clone(), k);
                    match KindDefinition::from_spec_schema(gvk, p, schema.clone(), origin.clone()) {
                        Ok(def) => defs.push(def),
                        Err(e) => reader.fail(&schema_path, e.to_string()),
                    }
                }
            }
        }
        _ if reader.json.get("x-platform-kind").is_some() => {
            let base = [key("x-platform-kind")];
            let field = |name: &str| {
                let mut p = base.to_vec();
                p.push(key(name));
                p
            };
            let group = reader.string(&field("group"));
            let version = reader.string(&field("version"));
            let kind_name = reader.string(&field("kind"));
            let plural = reader.json["x-platform-kind"]["plural"]
                .as_str()
                .map(str::to_owned)
                .or_else(|| {
                    kind_name
                        .as_ref()
                        .map(|k| format!("{}s", k.to_ascii_lowercase()))
                });
            if let (Some(group), Some(version), Some(kind_name), Some(plural)) =
                (group, version, kind_name, plural)
            {
                let mut schema = reader.json.clone();
                if let Some(obj) = schema.as_object_mut() {
                    obj.remove("x-platform-kind");
                }
                let gvk = GroupVersionKind::new(group, version, kind_name);
                match KindDefinition::from_spec_schema(gvk, plural, schema, origin) {
                    Ok(def) => defs.push(def),
                    Err(e) => reader.fail(&[], e.to_string()),
                }
            }
        }
        _ => {}
    }
    if reader.diagnostics.is_empty() {
        Ok(defs)
    } else {
        Err(KindFileError(reader.diagnostics))
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::load::{Format, Loader};

    fn read(text: &str) -> Result<Vec<KindDefinition>, Vec<String>> {
        let loaded = Loader::new().load_str(Arc::from("kinds.yaml"), text, Format::Yaml);
        assert!(loaded.diagnostics.is_empty(), "{:?}", loaded.diagnostics);
        kinds_from_document(&loaded.documents[0])
            .map_err(|e| e.0.iter().map(ToString::to_string).collect())
    }

    #[test]
    fn a_crd_with_claim_names_defines_the_composite_and_the_claim() {
        let defs = read(
            "apiVersion: apiextensions.crossplane.io/v1\nkind: CompositeResourceDefinition\nspec:\n  group: acme.io\n  names: {kind: XTopic, plural: xtopics}\n  claimNames: {kind: Topic, plural: topics}\n  versions:\n    - name: v1\n      referenceable: true\n      schema:\n        openAPIV3Schema:\n          properties:\n            spec: {type: object, properties: {partitions: {type: integer}}}\n",
        )
        .unwrap();
        let kinds: Vec<String> = defs.iter().map(|d| d.gvk.to_string()).collect();
        assert_eq!(kinds.len(), 2, "{kinds:?}");
        assert_eq!(defs[0].plural, "xtopics");
        assert_eq!(defs[1].gvk.kind, "Topic");
        assert_eq!(defs[1].gvk.version, "v1");
    }

    #[test]
    fn crd_problems_name_the_missing_or_wrong_field_where_it_is() {
        let errors = read(
            "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nspec:\n  names:\n    kind: {a: 1}\n    plural: \"\"\n  versions:\n    - name:\n      storage: true\n      schema: {}\n",
        )
        .unwrap_err();
        assert_eq!(
            errors,
            [
                "kinds.yaml:4:3: spec.group: required field is missing: expected a non-empty string",
                "kinds.yaml:5:11: spec.names.kind: expected a non-empty string, found {\"a\":1}",
                "kinds.yaml:6:13: spec.names.plural: expected a non-empty string, found \"\"",
                "kinds.yaml:8:11: spec.versions[0].name: required field is missing: expected a non-empty string",
                "kinds.yaml:10:15: spec.versions[0].schema.openAPIV3Schema.properties.spec: expected the schema of spec (an object)",
            ]
        );
    }

    #[test]
    fn a_crd_without_versions_says_so_at_the_versions() {
        let errors = read(
            "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nspec:\n  group: acme.io\n  names: {kind: Topic, plural: topics}\n  versions: []\n",
        )
        .unwrap_err();
        assert_eq!(
            errors,
            ["kinds.yaml:6:13: spec.versions: expected at least one version"]
        );
    }

    #[test]
    fn a_json_schema_kind_defaults_its_plural_and_reports_missing_names() {
        let defs = read(
            "x-platform-kind: {group: acme.io, version: v1, kind: MessageTopic}\ntype: object\nproperties:\n  partitions: {type: integer}\n",
        )
        .unwrap();
        assert_eq!(defs[0].plural, "messagetopics");
        assert!(defs[0].json_schema().to_string().contains("partitions"));
        let errors = read("x-platform-kind: {group: 7, version: v1}\ntype: object\n").unwrap_err();
        assert_eq!(
            errors,
            [
                "kinds.yaml:1:26: x-platform-kind.group: expected a non-empty string, found 7",
                "kinds.yaml:1:18: x-platform-kind.kind: required field is missing: expected a non-empty string",
            ]
        );
    }

    #[test]
    fn other_documents_define_no_kind() {
        assert!(
            read("apiVersion: v1\nkind: ConfigMap\n")
                .unwrap()
                .is_empty()
        );
    }
}
