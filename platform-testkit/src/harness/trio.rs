//! A ready-made Rust composition for tests and benchmarks: a DatabaseClaim becomes a role, a
//! database that depends on the role's output, and a grant that depends on both.

use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::sync::Arc;

use platform_core::compose::{
    ComposeError, ComposeRequest, Composed, ComposedResource, CompositeTypeRef, Composition,
    ReadBack,
};

/// apiVersion of the trio's managed kinds.
pub const TRIO_API_VERSION: &str = "fake.platform.dev/v1alpha1";
/// The trio's managed kinds.
pub const TRIO_KINDS: [&str; 3] = ["Role", "Database", "Grant"];

/// The trio composition for `platform.dev/v1alpha1` DatabaseClaims.
pub struct TrioComposition {
    type_ref: CompositeTypeRef,
    labels: BTreeMap<String, String>,
}

/// The trio composition, ready to add to a harness or an engine.
pub fn trio_composition() -> Arc<dyn Composition> {
    Arc::new(TrioComposition {
        type_ref: CompositeTypeRef {
            api_version: "platform.dev/v1alpha1".into(),
            kind: "DatabaseClaim".into(),
        },
        labels: BTreeMap::new(),
    })
}

fn resource(claim: &str, name: &str, kind: &str, spec: Value) -> ComposedResource {
    ComposedResource {
        name: name.to_owned(),
        object: json!({
            "apiVersion": TRIO_API_VERSION,
            "kind": kind,
            "metadata": {"name": format!("{claim}-{name}"), "annotations": {"crossplane.io/composition-resource-name": name}},
            "spec": spec,
        }),
        ready: false,
    }
}

impl Composition for TrioComposition {
    fn name(&self) -> &str {
        "trio"
    }

    fn composite_type(&self) -> &CompositeTypeRef {
        &self.type_ref
    }

    fn labels(&self) -> &BTreeMap<String, String> {
        &self.labels
    }

    fn compose(&self, request: &ComposeRequest<'_>) -> Result<Composed, ComposeError> {
        let claim = request.composite["metadata"]["name"]
            .as_str()
            .ok_or_else(|| ComposeError::invalid("the composite has no metadata.name"))?;
        let spec = &request.composite["spec"];
        let limit = match spec["size"].as_str().unwrap_or("small") {
            "small" => 20,
            "medium" => 50,
            "large" => 100,
            _ => 200,
        };
        Ok(Composed {
            read_back: read_back(request),
            resources: vec![
                resource(
                    claim,
                    "role",
                    "Role",
                    json!({"login": true, "connectionLimit": limit}),
                ),
                resource(
                    claim,
                    "database",
                    "Database",
                    json!({"owner": "${resources.role.outputs.username}", "storageGiB": spec["storageGiB"].clone()}),
                ),
                resource(
                    claim,
                    "grant",
                    "Grant",
                    json!({"role": "${resources.role.outputs.externalName}", "database": "${resources.database.outputs.externalName}", "privileges": ["ALL"]}),
                ),
            ],
            ..Composed::default()
        })
    }

    fn read_back(
        &self,
        request: &ComposeRequest<'_>,
        _composed: &[&str],
    ) -> Result<ReadBack, ComposeError> {
        Ok(read_back(request))
    }
}

/// The claim with the database's outputs as its own.
fn read_back(request: &ComposeRequest<'_>) -> ReadBack {
    let mut composite = request.composite.clone();
    if let Some(outputs) = request
        .observed
        .get("database")
        .and_then(|o| o.object["status"].get("outputs"))
    {
        composite["status"]["outputs"] = outputs.clone();
    }
    ReadBack::new(composite)
}
