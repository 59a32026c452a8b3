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

use super::{KindDefinition, KindOrigin};
use crate::load::{Diagnostic, Document, Field, FieldReader, NodeValue};
use crate::model::GroupVersionKind;
use crate::schema::openapi_to_json_schema;

/// A kind file that cannot be turned into kinds: located problems.
#[derive(Debug, thiserror::Error)]
#[error("{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"))]
pub struct KindFileError(pub Vec<Diagnostic>);

/// A name the kind needs, such as `spec.group`: a non-empty string.
fn name(r: &mut FieldReader, field: &Field<'_>) -> Option<String> {
    match field.node().map(|n| &n.value) {
        Some(NodeValue::String(s)) if !s.is_empty() => Some(s.clone()),
        None | Some(NodeValue::Null) => {
            r.fail(
                field,
                "required field is missing: expected a non-empty string",
            );
            None
        }
        Some(_) => {
            let found = field.to_json();
            r.fail(field, format!("expected a non-empty string, found {found}"));
            None
        }
    }
}

/// Whether a field is present and `true`.
fn is_true(field: &Field<'_>) -> bool {
    field
        .node()
        .is_some_and(|n| n.value == NodeValue::Bool(true))
}

/// Reads the kinds a document defines; `Ok(vec![])` when the document defines none.
pub fn kinds_from_document(doc: &Document) -> Result<Vec<KindDefinition>, KindFileError> {
    let root = Field::root(&doc.root);
    let mut r = FieldReader::new(doc.file.clone());
    let origin = KindOrigin::File(doc.file.to_string());
    let mut defs = Vec::new();
    match (
        doc.top_str("apiVersion").unwrap_or_default(),
        doc.top_str("kind").unwrap_or_default(),
    ) {
        ("apiextensions.k8s.io/v1", "CustomResourceDefinition")
        | (
            "apiextensions.crossplane.io/v1" | "apiextensions.crossplane.io/v2",
            "CompositeResourceDefinition",
        ) => {
            let spec = root.get("spec");
            let group = name(&mut r, &spec.get("group"));
            let kind_name = name(&mut r, &spec.get("names").get("kind"));
            let plural = name(&mut r, &spec.get("names").get("plural"));
            let versions = spec.get("versions").items().unwrap_or_default();
            let chosen = versions
                .iter()
                .find(|v| is_true(&v.get("storage")) || is_true(&v.get("referenceable")))
                .or(versions.first());
            let Some(chosen) = chosen else {
                r.fail(&spec.get("versions"), "expected at least one version");
                return Err(KindFileError(r.into_problems()));
            };
            let version = name(&mut r, &chosen.get("name"));
            let spec_schema = chosen
                .get("schema")
                .get("openAPIV3Schema")
                .get("properties")
                .get("spec");
            let spec_json = spec_schema.to_json();
            if !spec_json.is_object() {
                r.fail(&spec_schema, "expected the schema of spec (an object)");
            }
            if let (Some(group), Some(kind_name), Some(plural), Some(version)) =
                (group, kind_name, plural, version)
                && r.is_clean()
            {
                let schema = openapi_to_json_schema(&spec_json);
                let mut kinds = vec![(kind_name, plural)];
                let claim_names = spec.get("claimNames");
                if let (Some(k), Some(p)) = (
                    claim_names.get("kind").as_str(),
                    claim_names.get("plural").as_str(),
                ) {
                    kinds.push((k.to_owned(), p.to_owned()));
                }
                for (k, p) in kinds {
                    let gvk = GroupVersionKind::new(group.clone(), version.clone(), k);
                    match KindDefinition::from_spec_schema(gvk, p, schema.clone(), origin.clone()) {
                        Ok(def) => defs.push(def),
                        Err(e) => r.fail(&spec_schema, e.to_string()),
                    }
                }
            }
        }
        _ if doc.root.get("x-platform-kind").is_some() => {
            let names = root.get("x-platform-kind");
            let group = name(&mut r, &names.get("group"));
            let version = name(&mut r, &names.get("version"));
            let kind_name = name(&mut r, &names.get("kind"));
            let plural = names.get("plural").as_str().map(str::to_owned).or_else(|| {
                kind_name
                    .as_ref()
                    .map(|k| format!("{}s", k.to_ascii_lowercase()))
            });
            if let (Some(group), Some(version), Some(kind_name), Some(plural)) =
                (group, version, kind_name, plural)
            {
                let mut schema = doc.root.to_json();
                if let Some(obj) = schema.as_object_mut() {
                    obj.remove("x-platform-kind");
                }
                let gvk = GroupVersionKind::new(group, version, kind_name);
                match KindDefinition::from_spec_schema(gvk, plural, schema, origin) {
                    Ok(def) => defs.push(def),
                    Err(e) => r.fail(&root, e.to_string()),
                }
            }
        }
        _ => {}
    }
    r.finish(defs).map_err(KindFileError)
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
