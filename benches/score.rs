//! Score: the 78 corpus workloads read, checked against the official Score schema, converted
//! to Applications and validated (target: 50 ms for the whole process).
//!
//! `cargo bench -p benches --bench score`

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use platform_core::kinds::KindRegistry;
use platform_core::kinds::score::{ScoreTypes, expand_score};
use platform_core::load::{Loader, collect_files};
use platform_core::validate::Validator;
use std::hint::black_box;
use std::path::Path;

fn bench(c: &mut Criterion) {
    let corpus =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../platform-core/tests/fixtures/score");
    let files = collect_files(&corpus).expect("the Score corpus is in the repository");
    assert_eq!(files.len(), 78);
    let registry = KindRegistry::builtin();
    let types = ScoreTypes::builtin();
    let mut group = c.benchmark_group("score");
    group.throughput(Throughput::Elements(files.len() as u64));
    group.bench_function("78 corpus workloads: load, convert, validate", |b| {
        b.iter(|| {
            let loaded = Loader::new().load_paths(black_box(&files));
            let expanded = expand_score(loaded.documents, &registry, &types);
            let report = Validator::new(&registry).validate(&expanded.documents);
            black_box((expanded.unserved.len(), report.diagnostics.len()))
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
