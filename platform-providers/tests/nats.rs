//! The NATS adapter against a real NATS server with JetStream: the conformance suite for
//! streams and key-value buckets, a message published to a stream's subject and read back
//! through a consumer the adapter made, batch observe, and the refusals.

#[path = "owners/mod.rs"]
mod owners;
#[path = "real/mod.rs"]
mod real;

use futures_util::StreamExt;
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use async_nats::jetstream;
use platform_core::model::DynamicObject;
use platform_core::provider::{ErrorClass, ManagedResource, Provider, ProviderError};
use platform_providers::nats::{API_VERSION, NatsProvider};
use platform_testkit::conformance::{ProviderSubject, provider_conformance};

fn url() -> String {
    real::setting("PLATFORM_TEST_NATS_URL", "nats://127.0.0.1:4222")
}

fn provider() -> NatsProvider {
    NatsProvider::from_settings(&json!({"url": url()})).unwrap()
}

/// A plain JetStream client, to change things behind the adapter's back.
async fn plain() -> jetstream::Context {
    jetstream::new(async_nats::connect(url()).await.expect("NATS is reachable"))
}

/// A suffix no other run or trial uses (uppercase letters and digits).
fn unique() -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    format!("{}X{nanos}", std::process::id())
}

fn resource(kind: &str, name: &str, spec: Value) -> ManagedResource {
    let object: DynamicObject = serde_json::from_value(json!({
        "apiVersion": API_VERSION, "kind": kind,
        "metadata": {"name": name, "namespace": "conformance"},
        "spec": spec,
    }))
    .unwrap();
    ManagedResource::new(object)
}

/// Changes a stream's configuration with a plain client.
async fn edit_stream(
    name: String,
    edit: impl FnOnce(&mut jetstream::stream::Config),
) -> Result<(), String> {
    let js = plain().await;
    let mut stream = js.get_stream(&name).await.map_err(|e| e.to_string())?;
    let mut config = stream
        .info()
        .await
        .map_err(|e| e.to_string())?
        .config
        .clone();
    edit(&mut config);
    js.update_stream(config).await.map_err(|e| e.to_string())?;
    Ok(())
}

async fn stream_passes_conformance() {
    let u = unique();
    let name = format!("CONF_{u}");
    let spec = |max: i64| {
        json!({"name": name, "subjects": [format!("conf{u}.orders.>")], "retention": "limits",
               "maxMessages": max, "storage": "file"})
    };
    let stream = resource("Stream", "orders", spec(100));
    let changed = resource("Stream", "orders", spec(200));
    let subject = ProviderSubject::new(Arc::new(provider()), stream, changed, move |r| {
        let name = r.spec()["name"].as_str().unwrap().to_owned();
        // Someone raises the limit by hand.
        edit_stream(name, |c| c.max_messages = 999)
    });
    provider_conformance(subject).await.assert_passed();
}

async fn key_value_passes_conformance() {
    let bucket = format!("conf_{}", unique());
    let spec = |history: i64| json!({"bucket": bucket, "history": history, "maxBytes": 1048576});
    let kv = resource("KeyValue", "settings", spec(1));
    let changed = resource("KeyValue", "settings", spec(5));
    let subject = ProviderSubject::new(Arc::new(provider()), kv, changed, move |r| {
        let bucket = r.spec()["bucket"].as_str().unwrap().to_owned();
        // Someone keeps more history by hand.
        edit_stream(format!("KV_{bucket}"), |c| c.max_messages_per_subject = 3)
    });
    provider_conformance(subject).await.assert_passed();
}

async fn a_message_published_to_the_stream_is_read_back_through_a_consumer() {
    let p = provider();
    let u = unique();
    // What compositions/production/queue-nats.yaml writes for claim team-<u>/orders.
    let name = format!("TEAM_{u}_ORDERS");
    let subject = format!("team-{u}.orders.>");
    let stream = resource(
        "Stream",
        "orders",
        json!({"retention": "limits", "name": name, "subjects": [subject], "maxMessages": 1000, "storage": "file"}),
    );
    let applied = p.create(&stream).await.unwrap();
    assert_eq!(applied.outputs["stream"], json!(name));
    assert_eq!(applied.outputs["subjects"], json!([subject]));
    assert!(applied.secrets.is_empty());
    let consumer = resource(
        "Consumer",
        "worker",
        json!({"stream": name, "name": "worker", "filterSubject": subject, "ackPolicy": "explicit"}),
    );
    p.create(&consumer).await.unwrap();
    p.create(&consumer).await.unwrap();
    let seen = p.observe(&consumer).await.unwrap();
    assert!(seen.exists && seen.up_to_date, "{seen:?}");

    let js = plain().await;
    let ack = js
        .publish(format!("team-{u}.orders.new"), "order 42".into())
        .await
        .unwrap()
        .await
        .expect("the stream stores the message");
    assert_eq!(ack.stream, name);
    let pull: jetstream::consumer::PullConsumer = js
        .get_stream(&name)
        .await
        .unwrap()
        .get_consumer("worker")
        .await
        .unwrap();
    let mut batch = pull
        .fetch()
        .max_messages(1)
        .expires(Duration::from_secs(2))
        .messages()
        .await
        .unwrap();
    let message = batch
        .next()
        .await
        .expect("one message")
        .expect("a message, not an error");
    assert_eq!(message.payload.as_ref(), b"order 42");
    assert_eq!(message.subject.as_str(), format!("team-{u}.orders.new"));
    message.ack().await.unwrap();
    let seen = p.observe(&stream).await.unwrap();
    assert_eq!(seen.outputs["messages"], json!(1));

    p.delete(&consumer).await.unwrap();
    p.delete(&consumer).await.unwrap();
    assert!(!p.observe(&consumer).await.unwrap().exists);
    p.delete(&stream).await.unwrap();
}

async fn storage_and_retention_changes_are_refused() {
    let p = provider();
    let u = unique();
    let name = format!("FIXED_{u}");
    let spec = |storage: &str, retention: &str| json!({"name": name, "subjects": [format!("fixed{u}.>")], "storage": storage, "retention": retention});
    let stream = resource("Stream", "fixed", spec("file", "limits"));
    p.create(&stream).await.unwrap();
    let memory = resource("Stream", "fixed", spec("memory", "limits"));
    let seen = p.observe(&memory).await.unwrap();
    assert_eq!(seen.diff.len(), 1, "{seen:?}");
    assert_eq!(seen.diff[0].path, "spec.storage");
    let e = p.update(&memory).await.unwrap_err();
    assert_eq!(e.class, ErrorClass::Permanent, "{e}");
    assert!(e.message.contains("cannot change spec.storage"), "{e}");
    let e = p
        .update(&resource("Stream", "fixed", spec("file", "workqueue")))
        .await
        .unwrap_err();
    assert!(e.message.contains("cannot change spec.retention"), "{e}");
    p.delete(&stream).await.unwrap();
}

async fn streams_are_observed_in_one_listing() {
    let p = provider();
    let u = unique();
    let streams: Vec<ManagedResource> = (0..3)
        .map(|i| {
            resource(
                "Stream",
                &format!("s{i}"),
                json!({"name": format!("BATCH_{u}_{i}"), "subjects": [format!("batch{u}.s{i}.>")]}),
            )
        })
        .collect();
    p.create(&streams[0]).await.unwrap();
    p.create(&streams[1]).await.unwrap();
    let seen = p.observe_many(&streams).await;
    let exists: Vec<bool> = seen.iter().map(|o| o.as_ref().unwrap().exists).collect();
    assert_eq!(exists, vec![true, true, false]);
    assert!(seen.iter().take(2).all(|o| o.as_ref().unwrap().up_to_date));
    for s in &streams {
        p.delete(s).await.unwrap();
    }
}

/// A resource composed for QueueClaim `namespace/claim` (its controlling owner).
fn owned(kind: &str, namespace: &str, claim: &str, spec: Value) -> ManagedResource {
    let name = format!("{claim}-{}", kind.to_lowercase());
    owners::owned(
        API_VERSION,
        kind,
        &name,
        namespace,
        "QueueClaim",
        claim,
        spec,
    )
}

/// The Stream, Consumer and KeyValue a claim's composition sends, on the names `u` makes.
fn owned_claim(namespace: &str, claim: &str, u: &str) -> [ManagedResource; 3] {
    let stream = format!("OWNERS_{u}");
    [
        owned(
            "Stream",
            namespace,
            claim,
            json!({"name": stream, "subjects": [format!("owners{u}.>")]}),
        ),
        owned(
            "Consumer",
            namespace,
            claim,
            json!({"stream": stream, "name": "worker"}),
        ),
        owned(
            "KeyValue",
            namespace,
            claim,
            json!({"bucket": format!("owners_{u}")}),
        ),
    ]
}

/// Two claims forced onto one stream, consumer and bucket name (a hand-set external name, a
/// fixed spec.name): the second is refused everywhere; the first keeps its messages.
async fn another_claims_stream_consumer_and_bucket_are_refused() {
    let p = provider();
    let u = unique();
    let first = owned_claim("auditc-a", "orders-db", &u);
    let second = owned_claim("auditc", "a-orders-db", &u);
    for r in &first {
        p.create(r).await.unwrap();
    }
    let js = plain().await;
    js.publish(format!("owners{u}.new"), "order 7".into())
        .await
        .unwrap()
        .await
        .unwrap();
    let kv = js.get_key_value(format!("owners_{u}")).await.unwrap();
    kv.put("region", "eu".into()).await.unwrap();

    let refused = |what: &str, r: &ManagedResource, e: ProviderError| {
        assert_eq!(e.class, ErrorClass::Permanent, "{what} {}: {e}", r.kind());
        assert!(
            e.message
                .contains("belongs to QueueClaim auditc-a/orders-db")
                && e.message.contains("not to QueueClaim auditc/a-orders-db"),
            "{what} {}: {e}",
            r.kind()
        );
    };
    for r in &second {
        refused("observe", r, p.observe(r).await.unwrap_err());
        refused("create", r, p.create(r).await.unwrap_err());
        refused("adopt", r, p.adopt(r).await.unwrap_err());
        refused("update", r, p.update(r).await.unwrap_err());
        refused("delete", r, p.delete(r).await.unwrap_err());
    }
    // The batched observe of streams (one listing) refuses it too.
    let seen = p.observe_many(&[second[0].clone(), first[0].clone()]).await;
    refused("observe_many", &second[0], seen[0].clone().unwrap_err());
    assert!(seen[1].as_ref().unwrap().exists);

    // The first claim's stream keeps its message, its consumer and its bucket's value.
    for r in &first {
        let seen = p.observe(r).await.unwrap();
        assert!(
            seen.exists && seen.up_to_date,
            "{} {:?}",
            r.kind(),
            seen.diff
        );
    }
    assert_eq!(
        p.observe(&first[0]).await.unwrap().outputs["messages"],
        json!(1)
    );
    let value = kv.get("region").await.unwrap().unwrap();
    assert_eq!(value.as_ref(), b"eu");
    for r in first.iter().rev() {
        p.delete(r).await.unwrap();
    }
}

/// What `inventory` lists with `u` in its name: (kind, real name, owner key), sorted.
async fn inventoried(p: &NatsProvider, u: &str) -> Vec<(String, String, String)> {
    let listed = owners::listed(p, |name| name.contains(u)).await;
    for f in &listed {
        // Each is rebuilt so that the adapter takes it as its own.
        let seen = p.observe(&f.resource).await.unwrap();
        assert!(
            seen.exists,
            "{} {}",
            f.resource.kind(),
            f.resource.external_name
        );
    }
    let mut listed: Vec<_> = listed.iter().map(owners::summary).collect();
    listed.sort();
    listed
}

/// Marked streams, consumers and buckets are listed with their owners, a stream made by hand
/// is not; deleting one listed stream deletes that stream only.
async fn inventory_lists_marked_streams_consumers_and_buckets() {
    let p = provider();
    let u = unique();
    let (a, b, hand, bucket) = (
        format!("INV_{u}_A"),
        format!("INV_{u}_B"),
        format!("INV_{u}_HAND"),
        format!("inv_{u}_b"),
    );
    let stream = |name: &str, subject: &str| json!({"name": name, "subjects": [format!("inv{u}.{subject}.>")]});
    let a_stream = owned("Stream", "team-a", "orders", stream(&a, "a"));
    let a_consumer = owned(
        "Consumer",
        "team-a",
        "orders",
        json!({"stream": a, "name": "worker"}),
    );
    let b_stream = owned("Stream", "team-b", "billing", stream(&b, "b"));
    let b_bucket = owned("KeyValue", "team-b", "billing", json!({"bucket": bucket}));
    for r in [&a_stream, &a_consumer, &b_stream, &b_bucket] {
        p.create(r).await.unwrap();
    }
    let js = plain().await;
    js.create_stream(jetstream::stream::Config {
        name: hand.clone(),
        subjects: vec![format!("inv{u}.hand.>")],
        ..Default::default()
    })
    .await
    .unwrap();
    let (owner_a, owner_b) = ("QueueClaim/team-a/orders", "QueueClaim/team-b/billing");
    assert_eq!(
        inventoried(&p, &u).await,
        vec![
            ("Consumer".into(), format!("{a}/worker"), owner_a.into()),
            ("KeyValue".into(), bucket.clone(), owner_b.into()),
            ("Stream".into(), a.clone(), owner_a.into()),
            ("Stream".into(), b.clone(), owner_b.into()),
        ]
    );
    let listed = p
        .inventory()
        .await
        .unwrap()
        .unwrap()
        .into_iter()
        .find(|f| f.resource.kind() == "Stream" && f.resource.external_name == a)
        .unwrap();
    p.delete(&listed.resource).await.unwrap();
    assert!(
        js.get_stream(&a).await.is_err(),
        "the listed stream {a} is deleted"
    );
    assert!(
        js.get_stream(&b).await.is_ok(),
        "the other claim's stream remains"
    );
    assert!(js.get_stream(&hand).await.is_ok());
    assert_eq!(
        inventoried(&p, &u).await,
        vec![
            ("KeyValue".into(), bucket.clone(), owner_b.into()),
            ("Stream".into(), b.clone(), owner_b.into()),
        ]
    );
    for r in [&b_bucket, &b_stream] {
        p.delete(r).await.unwrap();
    }
    js.delete_stream(&hand).await.unwrap();
}

/// A stream no test deletes, made before each trial. The server removes its streams folder
/// when the last stream goes, and a stream created by a parallel trial at that moment fails
/// with `mkdir ... no such file or directory`; while this stream lives, the folder stays.
async fn keep_streams_folder() {
    plain()
        .await
        .get_or_create_stream(jetstream::stream::Config {
            name: "PLATFORM_TEST_ANCHOR".into(),
            subjects: vec!["platformtestanchor.>".into()],
            ..Default::default()
        })
        .await
        .expect("the anchor stream exists");
}

/// A trial of this suite: the anchor stream first, then the test.
fn trial<F, Fut>(name: &str, test: F) -> libtest_mimic::Trial
where
    F: FnOnce() -> Fut + Send + 'static,
    Fut: std::future::Future<Output = ()>,
{
    real::trial(name, move || async move {
        keep_streams_folder().await;
        test().await
    })
}

fn main() {
    real::run(
        "nats",
        "NATS with JetStream at nats://127.0.0.1:4222",
        vec![
            trial("stream_passes_conformance", stream_passes_conformance),
            trial(
                "another_claims_stream_consumer_and_bucket_are_refused",
                another_claims_stream_consumer_and_bucket_are_refused,
            ),
            trial(
                "inventory_lists_marked_streams_consumers_and_buckets",
                inventory_lists_marked_streams_consumers_and_buckets,
            ),
            trial("key_value_passes_conformance", key_value_passes_conformance),
            trial(
                "a_message_published_to_the_stream_is_read_back_through_a_consumer",
                a_message_published_to_the_stream_is_read_back_through_a_consumer,
            ),
            trial(
                "storage_and_retention_changes_are_refused",
                storage_and_retention_changes_are_refused,
            ),
            trial(
                "streams_are_observed_in_one_listing",
                streams_are_observed_in_one_listing,
            ),
        ],
    )
}
