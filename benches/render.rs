//! Render throughput of a patch-and-transform composition: 3 resources, 10 patches and transforms.
//!
//! `cargo bench -p benches --bench render`

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use platform_core::compose::pt::fixtures::bench_fixture;
use platform_core::compose::pt::render::{ObservedResources, render};
use std::hint::black_box;

fn bench(c: &mut Criterion) {
    let (composite, composition) = bench_fixture();
    let observed = ObservedResources::new();
    let rendered = render(&composite, &composition, &observed, None).expect("the fixture renders");
    assert_eq!(rendered.resources.len(), 3);

    let mut group = c.benchmark_group("render");
    group.throughput(Throughput::Elements(1));
    group.bench_function("composite_3_resources_10_patches", |b| {
        b.iter(|| black_box(render(black_box(&composite), &composition, &observed, None)))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
