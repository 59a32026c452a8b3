//! The portal at scale, in process through the router (no sockets): the catalog page over
//! 10,000 entities, the dependency map of 300 entities (the most the portal draws), and the
//! catalog JSON answered by two worker threads 64 requests at a time (requests per second =
//! 64 / time per iteration).
//!
//! `cargo bench -p benches --bench portal`

use std::collections::BTreeSet;
use std::hint::black_box;
use std::sync::Arc;

use axum::Router;
use axum::body::{Body, to_bytes};
use axum::http::{Request, StatusCode};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use platform_catalog::fixtures::scale_documents;
use platform_catalog::platform::{CatalogStore, PlatformSettings};
use platform_catalog::validate::{Options, validate_document};
use platform_core::load::{Format, Loader};
use platform_core::store::MemoryStore;
use platform_portal::{Handles, PortalSettings, portal};
use tower::ServiceExt;

const CONCURRENT: usize = 64;

/// A public portal over `n` generated entities.
fn portal_of(runtime: &tokio::runtime::Runtime, n: usize) -> Router {
    let loader = Loader::new();
    let entities: Vec<_> = scale_documents(n)
        .iter()
        .flat_map(|text| {
            loader
                .load_str(Arc::from("bench.yaml"), text, Format::Yaml)
                .documents
        })
        .map(|d| {
            validate_document(&d, &Options::default())
                .entity
                .expect("valid")
        })
        .collect();
    let settings = PlatformSettings {
        environment: "production".into(),
        claim_kinds: BTreeSet::new(),
    };
    let store = Arc::new(CatalogStore::new(Arc::new(MemoryStore::new()), settings));
    runtime.block_on(store.import(&entities)).expect("import");
    portal(
        Handles {
            store,
            templates: Vec::new(),
            metrics: Default::default(),
        },
        PortalSettings {
            public_read: true,
            ..PortalSettings::default()
        },
    )
}

async fn fetch(router: &Router, path: &str) -> usize {
    let response = router
        .clone()
        .oneshot(Request::get(path).body(Body::empty()).expect("a request"))
        .await
        .expect("infallible");
    assert_eq!(response.status(), StatusCode::OK, "{path}");
    to_bytes(response.into_body(), usize::MAX)
        .await
        .expect("a body")
        .len()
}

fn pages(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime");
    let large = portal_of(&runtime, 10_000);
    let small = portal_of(&runtime, 300);
    // The first request builds the catalog view; later ones reuse it until the store changes.
    runtime.block_on(fetch(&large, "/catalog"));
    runtime.block_on(fetch(&small, "/catalog"));

    let mut group = c.benchmark_group("portal");
    group.sample_size(20);
    group.bench_function("catalog_page_10k", |b| {
        b.iter(|| black_box(runtime.block_on(fetch(&large, "/catalog"))))
    });
    group.bench_function("catalog_search_10k", |b| {
        b.iter(|| black_box(runtime.block_on(fetch(&large, "/catalog?q=c12&kind=component"))))
    });
    group.bench_function("dependency_map_300", |b| {
        b.iter(|| black_box(runtime.block_on(fetch(&small, "/graph/all.svg"))))
    });
    group.bench_function("catalog_json_all_10k", |b| {
        b.iter(|| black_box(runtime.block_on(fetch(&large, "/api/catalog"))))
    });
    group.throughput(Throughput::Elements(CONCURRENT as u64));
    group.bench_function("catalog_json_search_64_concurrent", |b| {
        b.iter(|| {
            runtime.block_on(async {
                let tasks: Vec<_> = (0..CONCURRENT)
                    .map(|i| {
                        let router = large.clone();
                        tokio::spawn(async move {
                            fetch(
                                &router,
                                &format!("/api/catalog?q=c{}&kind=component", i % 100),
                            )
                            .await
                        })
                    })
                    .collect();
                for task in tasks {
                    black_box(task.await.expect("a request"));
                }
            })
        })
    });
    group.finish();
}

criterion_group!(benches, pages);
criterion_main!(benches);
