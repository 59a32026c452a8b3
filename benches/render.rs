//! Render throughput of a patch-and-transform composition: 3 resources, 10 patches and
//! transforms; and the read-back a reconcile that changed resources does instead of a second
//! render.
//!
//! `cargo bench -p benches --bench render`

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use platform_core::compose::pt::fixtures::bench_fixture;
use platform_core::compose::pt::render::{ObservedResources, read_back, render};
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
    let names: Vec<&str> = rendered.resources.iter().map(|r| r.name.as_str()).collect();
    let read = read_back(&composite, &composition, &observed, None, &names);
    assert_eq!(read.as_ref().ok(), Some(&rendered.read_back));
    group.bench_function("read_back_3_resources", |b| {
        b.iter(|| {
            black_box(read_back(
                black_box(&composite),
                &composition,
                &observed,
                None,
                &names,
            ))
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
