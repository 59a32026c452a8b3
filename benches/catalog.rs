//! The catalog at 10,000 entities (the generated catalog of `platform_catalog::fixtures`):
//! parse and validate the documents, build the catalog (derive and index relations), find
//! orphans, and the impact of one entity (typical and worst).
//!
//! `cargo bench -p benches --bench catalog`

use std::hint::black_box;
use std::sync::Arc;

use criterion::{Criterion, criterion_group, criterion_main};
use platform_catalog::Catalog;
use platform_catalog::fixtures::{impact_subjects, scale_documents};
use platform_catalog::query::{impact, orphans};
use platform_catalog::validate::{Options, validate_document};
use platform_core::load::{Format, Loader};

const ENTITIES: usize = 10_000;

fn catalog(c: &mut Criterion) {
    let docs = scale_documents(ENTITIES);
    let texts: Vec<String> = docs
        .chunks(2_000)
        .map(|chunk| chunk.join("---\n"))
        .collect();
    let loader = Loader::new();
    let parse = || {
        texts
            .iter()
            .flat_map(|t| {
                loader
                    .load_str(Arc::from("bench.yaml"), t, Format::Yaml)
                    .documents
            })
            .collect::<Vec<_>>()
    };
    let documents = parse();
    assert_eq!(documents.len(), ENTITIES);
    let entities: Vec<_> = documents
        .iter()
        .map(|d| validate_document(d, &Options::default()))
        .map(|o| o.entity.expect("generated entities are valid"))
        .collect();
    let built = Catalog::from_entities(entities.clone());
    let [typical, worst] = impact_subjects();
    assert_eq!(impact(&built, &typical).len(), 361);

    let mut group = c.benchmark_group("catalog_10k");
    group.sample_size(10);
    group.bench_function("parse_yaml_one_core", |b| b.iter(|| black_box(parse())));
    group.bench_function("validate_one_core", |b| {
        b.iter(|| {
            for d in &documents {
                black_box(validate_document(d, &Options::default()));
            }
        })
    });
    group.bench_function("build_catalog", |b| {
        b.iter(|| black_box(Catalog::from_entities(entities.clone())))
    });
    group.bench_function("orphans", |b| b.iter(|| black_box(orphans(&built))));
    group.finish();

    let mut group = c.benchmark_group("impact");
    group.bench_function("typical_361_dependents", |b| {
        b.iter(|| black_box(impact(&built, &typical)))
    });
    group.bench_function("worst_1005_dependents", |b| {
        b.iter(|| black_box(impact(&built, &worst)))
    });
    group.finish();
}

criterion_group!(benches, catalog);
criterion_main!(benches);
