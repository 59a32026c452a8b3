//! Intent: 10,000 intents decided against 50 offerings (target: 50 ms in all, 5 µs each),
//! through the same `choose` plan, apply and explain use.
//!
//! `cargo bench -p benches --bench intent`

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use platform_core::admit::intent::{Offering, choose};
use platform_core::kinds::Need;
use std::hint::black_box;

const INTENTS: usize = 10_000;
const OFFERINGS: usize = 50;

/// A deterministic spread of numbers from a counter (no rand dependency).
fn spread(i: usize, modulo: u64) -> f64 {
    let x = (i as u64)
        .wrapping_mul(0x9E37_79B9_7F4A_7C15)
        .rotate_left(17);
    (x % modulo) as f64
}

fn offerings() -> Vec<Offering> {
    (0..OFFERINGS)
        .map(|i| Offering {
            name: format!("offering-{i:02}"),
            claim_kind: "DatabaseClaim".into(),
            engine: None,
            environments: Vec::new(),
            capacity: [
                (Need::ReadsPerSecond, 500.0 + spread(i, 50_000)),
                (Need::WritesPerSecond, 100.0 + spread(i + 1, 10_000)),
                (Need::StorageGiB, 10.0 + spread(i + 2, 2_000)),
                (Need::Connections, 50.0 + spread(i + 3, 5_000)),
                (Need::LatencyMs, 1.0 + spread(i + 4, 30)),
            ]
            .into(),
            availability: Some(99.0 + spread(i + 5, 100) / 100.0),
            monthly_price: 10.0 + spread(i + 6, 4_000),
            sets: Default::default(),
            origin: "bench".into(),
        })
        .collect()
}

fn intents() -> Vec<Vec<(Need, f64)>> {
    (0..INTENTS)
        .map(|i| {
            let mut needs = vec![
                (Need::ReadsPerSecond, spread(i, 40_000)),
                (Need::StorageGiB, spread(i + 7, 1_500)),
            ];
            if i % 2 == 0 {
                needs.push((Need::LatencyMs, 5.0 + spread(i, 20)));
            }
            if i % 3 == 0 {
                needs.push((Need::Availability, 99.0 + spread(i, 99) / 100.0));
            }
            needs
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let offerings = offerings();
    let intents = intents();
    let mut group = c.benchmark_group("intent");
    group.throughput(Throughput::Elements(INTENTS as u64));
    group.bench_function("10000 intents x 50 offerings", |b| {
        b.iter(|| {
            let mut chosen = 0usize;
            for needs in &intents {
                chosen += usize::from(choose(black_box(needs), &offerings, None).chosen.is_some());
            }
            black_box(chosen)
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
