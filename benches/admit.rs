//! Admission throughput: 10,000 claims in one request against 20 policies (14 declarative CEL
//! policies, every one of the 6 ready guardrails) and two budgets, in production.
//!
//! `cargo bench -p benches --bench admit`

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use platform_core::admit::{
    AdmissionContext, AdmissionRequest, GuardrailSettings, Guardrails, Operation,
};
use platform_core::load::{Format, Loader};
use platform_core::model::DynamicObject;
use serde_json::json;
use std::hint::black_box;
use std::sync::Arc;

const CLAIMS: usize = 10_000;

fn claim(i: usize) -> DynamicObject {
    let sizes = ["small", "medium", "large"];
    let size = sizes[i % 3];
    let owner = format!("team-{}", i % 17);
    let value = match i % 4 {
        0 | 1 => json!({
            "apiVersion": "platform.dev/v1alpha1", "kind": "DatabaseClaim",
            "metadata": {"name": format!("db-{i}"), "namespace": format!("team-{}", i % 17),
                         "labels": {"platform.dev/owner": owner}},
            "spec": {"engine": "postgresql", "size": size, "storageGiB": 20 + i % 100, "backup": "daily"}
        }),
        2 => json!({
            "apiVersion": "platform.dev/v1alpha1", "kind": "CacheClaim",
            "metadata": {"name": format!("cache-{i}"), "labels": {"platform.dev/owner": owner}},
            "spec": {"size": size, "evictionPolicy": "allkeys-lfu"}
        }),
        _ => json!({
            "apiVersion": "platform.dev/v1alpha1", "kind": "BucketClaim",
            "metadata": {"name": format!("bucket-{i}"), "labels": {"platform.dev/owner": owner}},
            "spec": {"versioning": true, "public": false}
        }),
    };
    serde_json::from_value(value).expect("bench claims are valid objects")
}

fn policies() -> String {
    let rules = [
        (
            "DatabaseClaim",
            "object.spec.size != 'xlarge' || has(object.metadata.labels.owner)",
        ),
        ("DatabaseClaim", "object.spec.storageGiB <= 4096"),
        (
            "DatabaseClaim",
            "object.spec.engine in ['postgresql', 'mysql']",
        ),
        (
            "DatabaseClaim",
            "request.operation != 'update' || object.spec.storageGiB >= oldObject.spec.storageGiB",
        ),
        (
            "DatabaseClaim",
            "!has(object.spec.highAvailability) || environment.name == 'production'",
        ),
        ("CacheClaim", "object.spec.evictionPolicy != 'noeviction'"),
        (
            "CacheClaim",
            "object.spec.size in ['small', 'medium', 'large']",
        ),
        (
            "BucketClaim",
            "!object.spec.public || environment.name != 'production'",
        ),
        ("BucketClaim", "object.spec.versioning == true"),
        ("", "object.metadata.name.matches('^[a-z][a-z0-9-]*$')"),
        ("", "size(object.metadata.name) <= 40"),
        ("", "'platform.dev/owner' in object.metadata.labels"),
        ("", "object.metadata.labels.all(k, k.size() < 64)"),
        ("", "!object.metadata.name.startsWith('tmp-')"),
    ];
    rules
        .iter()
        .enumerate()
        .map(|(i, (kind, expression))| {
            let kinds = if kind.is_empty() { String::new() } else { format!("kinds: [{kind}], ") };
            format!(
                "apiVersion: platform.dev/v1alpha1\nkind: Policy\nmetadata: {{name: rule-{i}}}\nspec:\n  match: {{{kinds}environments: [production]}}\n  defaults: [{{path: spec.tier, value: standard}}]\n  validations:\n    - expression: \"{expression}\"\n      message: rule {i} broken\n"
            )
        })
        .chain([
            "apiVersion: platform.dev/v1alpha1\nkind: Budget\nmetadata: {name: team-1}\nspec: {owner: team-1, monthlyLimit: 1000000}\n".to_owned(),
            "apiVersion: platform.dev/v1alpha1\nkind: Budget\nmetadata: {name: team-2}\nspec: {owner: team-2, monthlyLimit: 1000000, mode: Warn}\n".to_owned(),
        ])
        .collect::<Vec<_>>()
        .join("---\n")
}

fn engine() -> Guardrails {
    let text = policies();
    let loaded = Loader::new().load_str(Arc::from("policies.yaml"), &text, Format::Yaml);
    let mut engine = Guardrails::new();
    engine
        .add_documents(&loaded.documents)
        .expect("bench policies are valid");
    let settings = GuardrailSettings::from_value(&json!({
        "requireOwner": {}, "noPublicBuckets": {}, "requireBackups": {},
        "maxSize": {"sizes": {"production": "large"}}, "protectDatabases": {},
        "namePattern": {"pattern": "[a-z][a-z0-9-]*"}
    }))
    .expect("bench settings are valid");
    engine
        .add_guardrails(&settings)
        .expect("bench guardrails are valid");
    assert_eq!(engine.policies().len(), 20);
    engine
}

fn bench(c: &mut Criterion) {
    let engine = engine();
    let claims: Vec<DynamicObject> = (0..CLAIMS).map(claim).collect();
    let requests = || -> Vec<AdmissionRequest> {
        claims
            .iter()
            .enumerate()
            .map(|(i, object)| AdmissionRequest {
                operation: Operation::Create,
                object: object.clone(),
                old_object: None,
                origin: Some(format!("claims.yaml:{}:1", i * 10 + 1)),
            })
            .collect()
    };
    let data = json!({"tier": "gold"});
    let context = AdmissionContext {
        environment: "production",
        environment_data: &data,
        stored: &[],
    };
    let outcome = engine.evaluate(&context, requests());
    assert!(outcome.denials.is_empty(), "{:?}", outcome.denials.first());
    assert_eq!(outcome.admitted.len(), CLAIMS);

    let mut group = c.benchmark_group("admit");
    group.throughput(Throughput::Elements(CLAIMS as u64));
    group.sample_size(10);
    group.bench_function("admit_10k_claims_20_policies", |b| {
        b.iter_batched(
            requests,
            |batch| black_box(engine.evaluate(&context, batch)),
            criterion::BatchSize::LargeInput,
        )
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
