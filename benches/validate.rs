//! Validation throughput over a mixed corpus of 10,000 documents of the built-in kinds.
//!
//! `cargo bench -p benches --bench validate`

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use platform_core::kinds::KindRegistry;
use platform_core::load::{Format, Loader};
use platform_core::validate::Validator;
use std::hint::black_box;
use std::sync::Arc;

const CORPUS: usize = 10_000;

fn document(i: usize) -> String {
    let sizes = ["small", "medium", "large", "xlarge"];
    let size = sizes[i % 4];
    match i % 5 {
        0 => format!(
            "apiVersion: platform.dev/v1alpha1\nkind: DatabaseClaim\nmetadata:\n  name: db-{i}\n  namespace: team-{}\n  labels: {{platform.dev/owner: team-{}}}\nspec:\n  engine: postgresql\n  size: {size}\n  storageGiB: {}\n  backup: daily\n",
            i % 17,
            i % 17,
            20 + i % 100
        ),
        1 => format!(
            "apiVersion: platform.dev/v1alpha1\nkind: CacheClaim\nmetadata:\n  name: cache-{i}\nspec:\n  size: {size}\n  evictionPolicy: allkeys-lfu\n  maxMemoryMiB: {}\n",
            64 + i % 512
        ),
        2 => format!(
            "apiVersion: platform.dev/v1alpha1\nkind: QueueClaim\nmetadata:\n  name: queue-{i}\nspec:\n  engine: rabbitmq\n  maxLength: {}\n  deadLetter: true\n",
            1000 + i
        ),
        3 => format!(
            "apiVersion: platform.dev/v1alpha1\nkind: BucketClaim\nmetadata:\n  name: bucket-{i}\nspec:\n  versioning: true\n  expireAfterDays: {}\n",
            1 + i % 365
        ),
        _ => format!(
            "apiVersion: platform.dev/v1alpha1\nkind: Application\nmetadata:\n  name: app-{i}\nspec:\n  replicas: 2\n  containers:\n    - name: api\n      image: ghcr.io/acme/app:{i}\n      ports: [{{name: http, port: 8080}}]\n      env:\n        DB_HOST: ${{resources.db.outputs.host}}\n  resources:\n    db:\n      kind: DatabaseClaim\n      spec: {{engine: postgresql, size: {size}}}\n"
        ),
    }
}

fn corpus() -> String {
    (0..CORPUS).map(document).collect::<Vec<_>>().join("---\n")
}

fn bench(c: &mut Criterion) {
    let text = corpus();
    let registry = KindRegistry::builtin();
    let loaded = Loader::new().load_str(Arc::from("corpus.yaml"), &text, Format::Yaml);
    assert_eq!(loaded.documents.len(), CORPUS);
    let validator = Validator::new(&registry);
    assert!(validator.validate(&loaded.documents).is_ok());

    let mut group = c.benchmark_group("validate");
    group.throughput(Throughput::Elements(CORPUS as u64));
    group.sample_size(20);
    group.bench_function("validate_10k_loaded_documents", |b| {
        b.iter(|| black_box(validator.validate(black_box(&loaded.documents))))
    });
    group.bench_function("load_and_validate_10k_documents", |b| {
        b.iter(|| {
            let loaded =
                Loader::new().load_str(Arc::from("corpus.yaml"), black_box(&text), Format::Yaml);
            black_box(validator.validate(&loaded.documents))
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
