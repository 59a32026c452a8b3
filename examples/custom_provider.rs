//! Writing a provider: DNS records kept as one JSON file each in a zone folder. The provider
//! implements observe, create, update and delete, is wrapped in the SDK's timeout and retry
//! layers, serves a Rust composition for a claim kind defined here, and passes the testkit's
//! provider conformance suite.
//!
//! `cargo run --release --example custom_provider`

use async_trait::async_trait;
use schemars_free::record_name_ok;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use platform_core::compose::{
    ComposeError, ComposeRequest, Composed, ComposedResource, CompositeTypeRef, Composition,
    ReadBack,
};
use platform_core::engine::Engine;
use platform_core::kinds::{KindDefinition, KindOrigin, KindRegistry};
use platform_core::model::{DynamicObject, GroupVersionKind, Resource};
use platform_core::provider::layers::ProviderExt;
use platform_core::provider::{
    Applied, ManagedResource, Observation, Provider, ProviderError, diff_fields,
};
use platform_testkit::conformance::{ProviderSubject, provider_conformance};

const API_VERSION: &str = "dns.example.com/v1";

/// Name checks kept in one place, as every provider should.
mod schemars_free {
    /// Whether a record name is a safe file name and a valid DNS label set.
    pub fn record_name_ok(name: &str) -> bool {
        !name.is_empty()
            && name.len() <= 253
            && name.split('.').all(|l| {
                !l.is_empty()
                    && l.len() <= 63
                    && l.bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            })
    }
}

/// Keeps each `Record` as `<zone>/<external name>.json`.
struct ZoneFileProvider {
    zone: PathBuf,
}

impl ZoneFileProvider {
    fn path(&self, resource: &ManagedResource) -> Result<PathBuf, ProviderError> {
        if !record_name_ok(&resource.external_name) {
            return Err(ProviderError::permanent(format!(
                "invalid record name: expected lowercase DNS labels, found {:?}",
                resource.external_name
            )));
        }
        Ok(self.zone.join(format!("{}.json", resource.external_name)))
    }

    fn outputs(resource: &ManagedResource) -> BTreeMap<String, Value> {
        BTreeMap::from([(
            "fqdn".to_owned(),
            json!(format!("{}.example.com", resource.external_name)),
        )])
    }

    fn write(&self, resource: &ManagedResource) -> Result<Applied, ProviderError> {
        let path = self.path(resource)?;
        std::fs::create_dir_all(&self.zone).map_err(|e| ProviderError::transient(e.to_string()))?;
        std::fs::write(&path, resource.spec().to_string())
            .map_err(|e| ProviderError::transient(e.to_string()))?;
        Ok(Applied {
            pending: false,
            outputs: Self::outputs(resource),
            secrets: Default::default(),
        })
    }
}

#[async_trait]
impl Provider for ZoneFileProvider {
    fn name(&self) -> &str {
        "zone-files"
    }

    fn kinds(&self) -> Vec<(String, String)> {
        vec![(API_VERSION.to_owned(), "Record".to_owned())]
    }

    async fn observe(&self, resource: &ManagedResource) -> Result<Observation, ProviderError> {
        let path = self.path(resource)?;
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Observation::absent()),
            Err(e) => return Err(ProviderError::transient(e.to_string())),
        };
        let actual: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        let diff = diff_fields("spec", resource.spec(), &actual);
        Ok(Observation {
            exists: true,
            up_to_date: diff.is_empty(),
            ready: true,
            diff,
            outputs: Self::outputs(resource),
            secrets: Default::default(),
        })
    }

    async fn create(&self, resource: &ManagedResource) -> Result<Applied, ProviderError> {
        self.write(resource)
    }

    async fn update(&self, resource: &ManagedResource) -> Result<Applied, ProviderError> {
        self.write(resource)
    }

    async fn delete(&self, resource: &ManagedResource) -> Result<(), ProviderError> {
        match std::fs::remove_file(self.path(resource)?) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(ProviderError::transient(e.to_string())),
        }
    }
}

/// A `ServiceEndpoint` claim becomes an A record and a CNAME pointing at it.
struct EndpointComposition {
    type_ref: CompositeTypeRef,
    labels: BTreeMap<String, String>,
}

impl Composition for EndpointComposition {
    fn name(&self) -> &str {
        "endpoint-records"
    }
    fn composite_type(&self) -> &CompositeTypeRef {
        &self.type_ref
    }
    fn labels(&self) -> &BTreeMap<String, String> {
        &self.labels
    }
    fn compose(&self, request: &ComposeRequest<'_>) -> Result<Composed, ComposeError> {
        let name = request.composite["metadata"]["name"]
            .as_str()
            .unwrap_or_default();
        let address = request.composite["spec"]["address"]
            .as_str()
            .ok_or_else(|| ComposeError::invalid("spec.address is required"))?;
        let record = |local: &str, spec: Value| ComposedResource {
            name: local.to_owned(),
            object: json!({"apiVersion": API_VERSION, "kind": "Record",
                           "metadata": {"name": format!("{name}-{local}")}, "spec": spec}),
            ready: false,
        };
        Ok(Composed {
            read_back: ReadBack::new(request.composite.clone()),
            resources: vec![
                record("a", json!({"type": "A", "value": address})),
                record(
                    "alias",
                    json!({"type": "CNAME", "value": "${resources.a.outputs.fqdn}"}),
                ),
            ],
            ..Composed::default()
        })
    }
}

fn record(name: &str, value: &str) -> ManagedResource {
    let object: DynamicObject = serde_json::from_value(json!({
        "apiVersion": API_VERSION, "kind": "Record", "metadata": {"name": name, "namespace": "web"},
        "spec": {"type": "A", "value": value}
    }))
    .unwrap_or_else(|e| panic!("a fixed example object: {e}"));
    ManagedResource::new(object)
}

async fn run(zone: &Path) -> Result<(), String> {
    // 1. The provider passes the same conformance suite as every built-in provider.
    let provider: Arc<dyn Provider> = Arc::new(ZoneFileProvider {
        zone: zone.to_path_buf(),
    });
    let drift_zone = zone.to_path_buf();
    let subject = ProviderSubject::new(
        provider.clone(),
        record("api", "10.0.0.1"),
        record("api", "10.0.0.2"),
        move |r| {
            let path = drift_zone.join(format!("{}.json", r.external_name));
            async move {
                std::fs::write(&path, r#"{"type":"A","value":"6.6.6.6"}"#)
                    .map_err(|e| e.to_string())
            }
        },
    );
    let report = provider_conformance(subject).await;
    println!("{report}");
    if !report.passed() {
        return Err("the provider does not conform".into());
    }

    // 2. A claim kind of our own, composed in Rust, provisioned through the wrapped provider.
    let mut registry = KindRegistry::builtin();
    let schema = json!({"type": "object", "required": ["address"], "additionalProperties": false,
                        "properties": {"address": {"type": "string", "description": "IPv4 address"}}});
    let def = KindDefinition::from_spec_schema(
        GroupVersionKind::new("example.com", "v1", "ServiceEndpoint"),
        "serviceendpoints",
        schema,
        KindOrigin::Typed,
    )
    .map_err(|e| e.to_string())?;
    registry.register(def).map_err(|e| e.to_string())?;
    let engine = Engine::builder()
        .registry(registry)
        .provider(provider.with_timeout(Duration::from_secs(5)).with_retry(3))
        .composition(Arc::new(EndpointComposition {
            type_ref: CompositeTypeRef {
                api_version: "example.com/v1".into(),
                kind: "ServiceEndpoint".into(),
            },
            labels: BTreeMap::new(),
        }))
        .map_err(|e| e.to_string())?
        .build();
    let claim: DynamicObject = serde_json::from_value(json!({
        "apiVersion": "example.com/v1", "kind": "ServiceEndpoint",
        "metadata": {"name": "checkout", "namespace": "shop"}, "spec": {"address": "10.1.2.3"}
    }))
    .map_err(|e| e.to_string())?;
    let report = engine
        .apply(std::slice::from_ref(&claim))
        .await
        .map_err(|e| e.to_string())?;
    for resource in report.resources() {
        println!(
            "{} {} ready={}",
            resource.resource, resource.external_name, resource.ready
        );
    }
    let alias = std::fs::read_to_string(zone.join("shop-checkout-alias.json"))
        .map_err(|e| e.to_string())?;
    println!("alias record: {alias}");
    if !report.all_ready() || !alias.contains("shop-checkout-a.example.com") {
        return Err("the endpoint did not converge".into());
    }
    engine
        .delete(&claim.object_ref())
        .await
        .map_err(|e| e.to_string())?;
    Ok(())
}

fn main() -> ExitCode {
    let dir = match tempfile::tempdir() {
        Ok(d) => d,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(&dir.path().join("zone"))) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
