//! RabbitMQ operations per call: `queue.declare` over AMQP with a plain client, a queue
//! created through the adapter (management API: a read, then a declare), and observing one
//! and a hundred queues. Needs RabbitMQ at `PLATFORM_TEST_RABBITMQ_URL` (management API,
//! default `http://127.0.0.1:15672`) and `PLATFORM_TEST_RABBITMQ_AMQP` (default
//! `amqp://guest:guest@127.0.0.1:5672/%2f`); without it the bench says so and measures nothing.
//!
//! Run: `cargo bench -p platform-providers --no-default-features --features rabbitmq --bench rabbitmq_ops`

use criterion::{Criterion, criterion_group, criterion_main};
use serde_json::json;
use std::time::{Duration, Instant};

use lapin::options::{QueueDeclareOptions, QueueDeleteOptions};
use lapin::types::FieldTable;
use lapin::{Connection, ConnectionProperties};
use platform_core::model::DynamicObject;
use platform_core::provider::{ManagedResource, Provider};
use platform_providers::rabbitmq::{API_VERSION, RabbitmqProvider};

fn api_url() -> String {
    std::env::var("PLATFORM_TEST_RABBITMQ_URL").unwrap_or_else(|_| "http://127.0.0.1:15672".into())
}

fn amqp_url() -> String {
    std::env::var("PLATFORM_TEST_RABBITMQ_AMQP")
        .unwrap_or_else(|_| "amqp://guest:guest@127.0.0.1:5672/%2f".into())
}

fn queue(name: &str) -> ManagedResource {
    let object: DynamicObject = serde_json::from_value(json!({
        "apiVersion": API_VERSION, "kind": "Queue",
        "metadata": {"name": name, "namespace": "bench"},
        "spec": {"name": name, "vhost": "/", "durable": true,
                 "arguments": {"x-max-length": 1000, "x-dead-letter-exchange": ""}}
    }))
    .unwrap();
    ManagedResource::new(object)
}

fn bench(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let provider = RabbitmqProvider::from_settings(&json!({"url": api_url()})).unwrap();
    let Ok(conn) = runtime.block_on(Connection::connect(
        &amqp_url(),
        ConnectionProperties::default(),
    )) else {
        eprintln!(
            "rabbitmq_ops: no RabbitMQ at {}; nothing measured",
            amqp_url()
        );
        return;
    };
    // Checked before anything is declared: a bench that stops half way leaves its queues.
    if let Err(e) = runtime.block_on(provider.observe(&queue("bench.probe"))) {
        eprintln!(
            "rabbitmq_ops: the management API at {} does not answer ({e}); enable it with \
             `rabbitmq-plugins enable rabbitmq_management`; nothing measured",
            api_url()
        );
        return;
    }
    let channel = runtime.block_on(conn.create_channel()).unwrap();
    let prefix = format!("bench.{}", std::process::id());
    let mut created: Vec<String> = Vec::new();

    let mut group = c.benchmark_group("rabbitmq");
    group
        .sample_size(20)
        .measurement_time(Duration::from_secs(5));

    group.bench_function("amqp_queue_declare", |b| {
        b.iter_custom(|iters| {
            runtime.block_on(async {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    let name = format!("{prefix}.amqp.{}", created.len());
                    let start = Instant::now();
                    channel
                        .queue_declare(
                            name.as_str().into(),
                            QueueDeclareOptions {
                                durable: true,
                                ..Default::default()
                            },
                            FieldTable::default(),
                        )
                        .await
                        .unwrap();
                    total += start.elapsed();
                    created.push(name);
                }
                total
            })
        })
    });

    group.bench_function("adapter_queue_create", |b| {
        b.iter_custom(|iters| {
            runtime.block_on(async {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    let name = format!("{prefix}.adapter.{}", created.len());
                    let r = queue(&name);
                    let start = Instant::now();
                    provider.create(&r).await.unwrap();
                    total += start.elapsed();
                    created.push(name);
                }
                total
            })
        })
    });

    // The listing behind observe_many covers the whole vhost: leave only the hundred in it.
    runtime.block_on(async {
        for name in created.drain(..) {
            let _ = channel
                .queue_delete(name.as_str().into(), QueueDeleteOptions::default())
                .await;
        }
    });
    let hundred: Vec<ManagedResource> = (0..100)
        .map(|i| queue(&format!("{prefix}.observed.{i}")))
        .collect();
    runtime.block_on(async {
        for r in &hundred {
            provider.create(r).await.unwrap();
            created.push(r.spec()["name"].as_str().unwrap().to_owned());
        }
    });
    group.bench_function("adapter_observe_one_queue", |b| {
        b.iter(|| runtime.block_on(provider.observe(&hundred[0])).unwrap())
    });
    group.bench_function("adapter_observe_many_100_queues", |b| {
        b.iter(|| {
            let seen = runtime.block_on(provider.observe_many(&hundred));
            assert!(seen.iter().all(|o| o.as_ref().is_ok_and(|o| o.exists)));
        })
    });
    group.finish();

    runtime.block_on(async {
        for name in &created {
            let _ = channel
                .queue_delete(name.as_str().into(), QueueDeleteOptions::default())
                .await;
        }
        let _ = conn.close(200, "done".into()).await;
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
