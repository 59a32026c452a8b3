//! Redis ACL operations per call: `ACL SETUSER` through the adapter and with a plain client,
//! and observing one and a hundred users. Needs Redis at `PLATFORM_TEST_REDIS_URL` (default
//! `redis://127.0.0.1:6379`); without it the bench says so and measures nothing.
//!
//! Run: `cargo bench -p platform-providers --no-default-features --features redis --bench redis_ops`

use criterion::{Criterion, criterion_group, criterion_main};
use serde_json::json;
use std::time::{Duration, Instant};

use platform_core::model::DynamicObject;
use platform_core::provider::{ManagedResource, Provider};
use platform_providers::redis::{API_VERSION, RedisProvider};

const COMMANDS: &str = "+@read +@write +@keyspace -@dangerous";
/// The rules the adapter appends to every user (see the module documentation).
const CONFINEMENT: &[&str] = &[
    "-@admin",
    "-flushall",
    "-flushdb",
    "-swapdb",
    "-keys",
    "-scan",
    "-randomkey",
    "-move",
    "-migrate",
    "-function",
];
/// A fixed password digest for the plain client.
const DIGEST: &str = "#5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8";

fn url() -> String {
    std::env::var("PLATFORM_TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into())
}

fn user(name: &str) -> ManagedResource {
    let object: DynamicObject = serde_json::from_value(json!({
        "apiVersion": API_VERSION, "kind": "AclUser",
        "metadata": {"name": name, "namespace": "bench"},
        "spec": {"username": name, "keyPrefix": format!("{name}:"), "commands": COMMANDS}
    }))
    .unwrap();
    ManagedResource::new(object)
}

fn bench(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let provider = RedisProvider::new(&url()).unwrap();
    let plain = runtime.block_on(async {
        redis::Client::open(url())
            .unwrap()
            .get_multiplexed_async_connection()
            .await
    });
    let Ok(plain) = plain else {
        eprintln!("redis_ops: no Redis at {}; nothing measured", url());
        return;
    };
    let name = format!("bench-{}", std::process::id());
    let one = user(&name);
    let many: Vec<ManagedResource> = (0..100).map(|i| user(&format!("{name}-{i}"))).collect();
    runtime.block_on(async {
        provider.create(&one).await.unwrap();
        for u in &many {
            provider.create(u).await.unwrap();
        }
    });

    let mut group = c.benchmark_group("redis_acl_setuser");
    group.measurement_time(Duration::from_secs(5));
    group.bench_function("adapter_create_resets_password", |b| {
        b.iter_custom(|iters| {
            runtime.block_on(async {
                let start = Instant::now();
                for _ in 0..iters {
                    provider.create(&one).await.unwrap();
                }
                start.elapsed()
            })
        })
    });
    group.bench_function("adapter_update_keeps_password", |b| {
        b.iter_custom(|iters| {
            runtime.block_on(async {
                let start = Instant::now();
                for _ in 0..iters {
                    provider.update(&one).await.unwrap();
                }
                start.elapsed()
            })
        })
    });
    group.bench_function("plain_client_setuser", |b| {
        // The same rules the adapter sends, confinement included.
        let target = format!("{name}-plain");
        let mut args: Vec<String> = ["SETUSER", &target, "reset", "on", DIGEST]
            .iter()
            .map(|a| (*a).to_owned())
            .collect();
        args.push(format!("~{target}:*"));
        args.push("resetchannels".to_owned());
        args.push(format!("&{target}:*"));
        args.push("-@all".to_owned());
        args.extend(COMMANDS.split(' ').map(str::to_owned));
        args.extend(CONFINEMENT.iter().map(|r| (*r).to_owned()));
        let mut conn = plain.clone();
        b.iter_custom(|iters| {
            runtime.block_on(async {
                let start = Instant::now();
                for _ in 0..iters {
                    redis::cmd("ACL")
                        .arg(&args)
                        .query_async::<()>(&mut conn)
                        .await
                        .unwrap();
                }
                start.elapsed()
            })
        })
    });
    group.finish();

    let mut group = c.benchmark_group("redis_acl_observe");
    group.measurement_time(Duration::from_secs(5));
    group.bench_function("adapter_observe_one", |b| {
        b.iter_custom(|iters| {
            runtime.block_on(async {
                let start = Instant::now();
                for _ in 0..iters {
                    assert!(provider.observe(&one).await.unwrap().up_to_date);
                }
                start.elapsed()
            })
        })
    });
    group.bench_function("adapter_observe_many_100", |b| {
        b.iter_custom(|iters| {
            runtime.block_on(async {
                let start = Instant::now();
                for _ in 0..iters {
                    let seen = provider.observe_many(&many).await;
                    assert!(seen.iter().all(|o| o.as_ref().is_ok_and(|o| o.up_to_date)));
                }
                start.elapsed()
            })
        })
    });
    group.bench_function("adapter_observe_100_one_by_one", |b| {
        b.iter_custom(|iters| {
            runtime.block_on(async {
                let start = Instant::now();
                for _ in 0..iters {
                    for u in &many {
                        provider.observe(u).await.unwrap();
                    }
                }
                start.elapsed()
            })
        })
    });
    group.finish();

    runtime.block_on(async {
        let mut conn = plain.clone();
        let _: redis::RedisResult<i64> = redis::cmd("ACL")
            .arg("DELUSER")
            .arg(format!("{name}-plain"))
            .query_async(&mut conn)
            .await;
        provider.delete(&one).await.unwrap();
        for u in &many {
            provider.delete(u).await.unwrap();
        }
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
