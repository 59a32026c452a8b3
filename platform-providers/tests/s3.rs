//! The s3 adapter against a real S3 API (moto_server in development and CI): the provider
//! suite for Bucket, and a bucket used as an application would, with a plain client.

#[path = "owners/mod.rs"]
mod owners;
#[path = "real/mod.rs"]
mod real;

use serde_json::{Value, json};
use std::sync::Arc;

use aws_sdk_s3::config::{BehaviorVersion, Credentials, Region, RequestChecksumCalculation};
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{BucketVersioningStatus, Tag, Tagging, VersioningConfiguration};
use platform_core::model::DynamicObject;
use platform_core::provider::{ManagedResource, Provider, ProviderError};
use platform_providers::s3::{API_VERSION, MANAGED_TAG, OWNER_TAG, S3Provider};
use platform_testkit::conformance::{ProviderSubject, provider_conformance};

fn endpoint() -> String {
    real::setting("PLATFORM_TEST_S3_ENDPOINT", "http://127.0.0.1:5000")
}

fn provider() -> S3Provider {
    S3Provider::from_settings(&json!({
        "endpoint": endpoint(), "region": "us-east-1",
        "accessKeyId": "testing", "secretAccessKey": "testing-secret-key",
    }))
    .unwrap()
}

/// A plain client, as an application or an operator acting out of band would use.
fn plain_client() -> aws_sdk_s3::Client {
    let config = aws_sdk_s3::config::Builder::new()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new(
            "testing",
            "testing-secret-key",
            None,
            None,
            "test",
        ))
        .endpoint_url(endpoint())
        .force_path_style(true)
        .request_checksum_calculation(RequestChecksumCalculation::WhenRequired)
        .build();
    aws_sdk_s3::Client::from_conf(config)
}

/// A bucket name no other run uses.
fn unique(prefix: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    format!("{prefix}-{}-{nanos}", std::process::id())
}

fn bucket(name: &str, spec: Value) -> ManagedResource {
    let mut spec = spec;
    spec["name"] = json!(name);
    let object: DynamicObject = serde_json::from_value(json!({
        "apiVersion": API_VERSION, "kind": "Bucket",
        "metadata": {"name": name, "namespace": "team-a"},
        "spec": spec,
    }))
    .unwrap();
    ManagedResource::new(object)
}

async fn conformance() {
    let name = unique("conf");
    let resource = bucket(
        &name,
        json!({"versioning": true, "publicAccessBlock": true, "lifecycle": {"expirationDays": 30}, "region": "us-east-1"}),
    );
    let changed = bucket(
        &name,
        json!({"versioning": false, "publicAccessBlock": false, "lifecycle": {"expirationDays": 7}, "region": "us-east-1"}),
    );
    let provider: Arc<dyn Provider> = Arc::new(provider());
    // Out-of-band drift: someone suspends versioning and removes the public access block.
    let subject = ProviderSubject::new(provider, resource, changed, move |r: ManagedResource| {
        let name = r.spec()["name"].as_str().unwrap_or_default().to_owned();
        async move {
            let c = plain_client();
            c.put_bucket_versioning()
                .bucket(&name)
                .versioning_configuration(
                    VersioningConfiguration::builder()
                        .status(BucketVersioningStatus::Suspended)
                        .build(),
                )
                .send()
                .await
                .map_err(|e| format!("{e:?}"))?;
            c.delete_public_access_block()
                .bucket(&name)
                .send()
                .await
                .map_err(|e| format!("{e:?}"))?;
            Ok(())
        }
    });
    provider_conformance(subject).await.assert_passed();
}

async fn drift_names_each_changed_field() {
    let name = unique("drift");
    let p = provider();
    let r = bucket(
        &name,
        json!({"versioning": true, "lifecycle": {"expirationDays": 30}}),
    );
    p.create(&r).await.unwrap();
    let c = plain_client();
    c.delete_public_access_block()
        .bucket(&name)
        .send()
        .await
        .unwrap();
    c.delete_bucket_lifecycle()
        .bucket(&name)
        .send()
        .await
        .unwrap();
    let seen = p.observe(&r).await.unwrap();
    let mut paths: Vec<&str> = seen.diff.iter().map(|d| d.path.as_str()).collect();
    paths.sort();
    assert_eq!(
        paths,
        ["spec.lifecycle.expirationDays", "spec.publicAccessBlock"]
    );
    p.update(&r).await.unwrap();
    assert!(p.observe(&r).await.unwrap().up_to_date);
    p.delete(&r).await.unwrap();
}

async fn an_application_puts_and_gets_objects() {
    let name = unique("app");
    let p = provider();
    let r = bucket(&name, json!({"versioning": true}));
    let applied = p.create(&r).await.unwrap();
    assert_eq!(applied.outputs["bucket"], json!(name));
    assert_eq!(applied.outputs["endpoint"], json!(endpoint()));
    assert_eq!(applied.outputs["region"], json!("us-east-1"));
    assert!(applied.secrets.is_empty());
    // The application uses the outputs with its own client.
    let c = plain_client();
    let bucket_name = applied.outputs["bucket"].as_str().unwrap();
    for body in ["first", "second"] {
        c.put_object()
            .bucket(bucket_name)
            .key("reports/2026/q4.txt")
            .body(ByteStream::from_static(body.as_bytes()))
            .send()
            .await
            .unwrap();
    }
    let got = c
        .get_object()
        .bucket(bucket_name)
        .key("reports/2026/q4.txt")
        .send()
        .await
        .unwrap();
    let bytes = got.body.collect().await.unwrap().into_bytes();
    assert_eq!(&bytes[..], b"second");
    // Delete empties the bucket of every version first.
    let versions = c
        .list_object_versions()
        .bucket(bucket_name)
        .send()
        .await
        .unwrap();
    assert_eq!(versions.versions().len(), 2);
    p.delete(&r).await.unwrap();
    assert!(!p.observe(&r).await.unwrap().exists);
    p.delete(&r).await.unwrap();
}

async fn observe_many_answers_a_batch() {
    let p = provider();
    let made = bucket(&unique("many-a"), json!({}));
    let missing = bucket(&unique("many-b"), json!({}));
    p.create(&made).await.unwrap();
    let seen = p.observe_many(&[made.clone(), missing.clone()]).await;
    let seen: Vec<_> = seen.into_iter().map(Result::unwrap).collect();
    assert!(seen[0].exists && seen[0].up_to_date, "{:?}", seen[0].diff);
    assert!(!seen[1].exists);
    p.delete(&made).await.unwrap();
}

async fn foreign_buckets_are_not_deleted_and_unreachable_is_transient() {
    let name = unique("foreign");
    let c = plain_client();
    c.create_bucket().bucket(&name).send().await.unwrap();
    let p = provider();
    let r = bucket(&name, json!({}));
    // Create of an existing bucket changes nothing, and delete refuses an untagged one.
    p.create(&r).await.unwrap();
    let e = p.delete(&r).await.unwrap_err();
    assert!(e.message.contains("refusing to delete"), "{e}");
    c.delete_bucket().bucket(&name).send().await.unwrap();
    let offline = S3Provider::from_settings(&json!({
        "endpoint": "http://127.0.0.1:9", "accessKeyId": "testing", "secretAccessKey": "testing-secret-key",
    }))
    .unwrap();
    let e = offline.observe(&r).await.unwrap_err();
    assert!(e.is_transient(), "{e}");
    assert!(!e.message.contains("testing-secret-key"), "{e}");
}

/// A Bucket named `name` composed for BucketClaim `namespace/claim` (its controlling owner).
fn owned_bucket(namespace: &str, claim: &str, name: &str) -> ManagedResource {
    let object = format!("{claim}-bucket");
    let spec = json!({"name": name, "versioning": true});
    owners::owned(
        API_VERSION,
        "Bucket",
        &object,
        namespace,
        "BucketClaim",
        claim,
        spec,
    )
}

async fn tag_of(name: &str, key: &str) -> Option<String> {
    let tags = plain_client()
        .get_bucket_tagging()
        .bucket(name)
        .send()
        .await
        .unwrap();
    tags.tag_set()
        .iter()
        .find(|t| t.key() == key)
        .map(|t| t.value().to_owned())
}

async fn body_of(name: &str, key: &str) -> Vec<u8> {
    let got = plain_client()
        .get_object()
        .bucket(name)
        .key(key)
        .send()
        .await
        .unwrap();
    got.body.collect().await.unwrap().into_bytes().to_vec()
}

fn refused(what: &str, e: ProviderError, recorded: &str, asking: &str) {
    owners::assert_refused(what, &e, "BucketClaim", recorded, asking);
}

async fn another_claims_bucket_is_refused() {
    let name = unique("owners");
    let p = provider();
    // Two claims forced onto one bucket name (a hand-set external name, a fixed spec.name).
    let first = owned_bucket("auditc-a", "orders-db", &name);
    let second = owned_bucket("auditc", "a-orders-db", &name);
    p.create(&first).await.unwrap();
    assert_eq!(
        tag_of(&name, OWNER_TAG).await.as_deref(),
        Some("BucketClaim/auditc-a/orders-db")
    );
    plain_client()
        .put_object()
        .bucket(&name)
        .key("ledger.csv")
        .body(ByteStream::from_static(b"1,first"))
        .send()
        .await
        .unwrap();

    let (mine, theirs) = ("auditc-a/orders-db", "auditc/a-orders-db");
    refused(
        "observe",
        p.observe(&second).await.unwrap_err(),
        mine,
        theirs,
    );
    refused("create", p.create(&second).await.unwrap_err(), mine, theirs);
    refused("adopt", p.adopt(&second).await.unwrap_err(), mine, theirs);
    refused("update", p.update(&second).await.unwrap_err(), mine, theirs);
    refused("delete", p.delete(&second).await.unwrap_err(), mine, theirs);
    // The batched observe (one ListBuckets) refuses it too.
    let other = bucket(&unique("owners-other"), json!({}));
    let mut many = p.observe_many(&[second.clone(), other]).await;
    refused("observe_many", many.remove(0).unwrap_err(), mine, theirs);

    // The first claim's bucket keeps its object, its tag and its settings.
    assert_eq!(body_of(&name, "ledger.csv").await, b"1,first");
    assert_eq!(
        tag_of(&name, OWNER_TAG).await.as_deref(),
        Some("BucketClaim/auditc-a/orders-db")
    );
    let seen = p.observe(&first).await.unwrap();
    assert!(seen.exists && seen.up_to_date, "{:?}", seen.diff);
    p.delete(&first).await.unwrap();
    assert!(!p.observe(&first).await.unwrap().exists);
}

async fn a_bucket_tagged_without_owner_is_accepted_and_gets_the_owner() {
    let name = unique("legacy");
    let c = plain_client();
    c.create_bucket().bucket(&name).send().await.unwrap();
    // As the adapter tagged buckets before owners were recorded.
    let managed = Tag::builder()
        .key(MANAGED_TAG.0)
        .value(MANAGED_TAG.1)
        .build()
        .unwrap();
    c.put_bucket_tagging()
        .bucket(&name)
        .tagging(Tagging::builder().tag_set(managed).build().unwrap())
        .send()
        .await
        .unwrap();
    let p = provider();
    let mine = owned_bucket("team-a", "files", &name);
    assert!(p.observe(&mine).await.unwrap().exists);
    p.create(&mine).await.unwrap();
    p.update(&mine).await.unwrap();
    assert_eq!(
        tag_of(&name, OWNER_TAG).await.as_deref(),
        Some("BucketClaim/team-a/files")
    );
    assert_eq!(
        tag_of(&name, MANAGED_TAG.0).await.as_deref(),
        Some(MANAGED_TAG.1)
    );
    let theirs = owned_bucket("team", "a-files", &name);
    refused(
        "delete",
        p.delete(&theirs).await.unwrap_err(),
        "team-a/files",
        "team/a-files",
    );
    p.delete(&mine).await.unwrap();
}

/// What `inventory` lists under `prefix`: (bucket, owner key), sorted.
async fn inventoried(p: &S3Provider, prefix: &str) -> Vec<(String, String)> {
    let mut listed: Vec<_> = owners::listed(p, |name| name.starts_with(prefix))
        .await
        .into_iter()
        .map(|f| {
            assert_eq!(f.resource.kind(), "Bucket");
            assert_eq!(f.resource.spec()["name"], f.resource.external_name.as_str());
            assert_eq!(f.resource.spec()["region"], "us-east-1");
            (f.resource.external_name.clone(), f.owner.unwrap().key())
        })
        .collect();
    listed.sort();
    listed
}

async fn inventory_lists_tagged_buckets_with_their_owners() {
    let prefix = unique("inv");
    let (a, b, hand) = (
        format!("{prefix}-a"),
        format!("{prefix}-b"),
        format!("{prefix}-hand"),
    );
    let p = provider();
    p.create(&owned_bucket("team-a", "orders", &a))
        .await
        .unwrap();
    p.create(&owned_bucket("team-b", "billing", &b))
        .await
        .unwrap();
    let c = plain_client();
    c.put_object()
        .bucket(&a)
        .key("orders.csv")
        .body(ByteStream::from_static(b"1,2"))
        .send()
        .await
        .unwrap();
    // Made by hand, untagged: not the platform's.
    c.create_bucket().bucket(&hand).send().await.unwrap();
    assert_eq!(
        inventoried(&p, &prefix).await,
        vec![
            (a.clone(), "BucketClaim/team-a/orders".to_owned()),
            (b.clone(), "BucketClaim/team-b/billing".to_owned()),
        ]
    );
    let listed = p
        .inventory()
        .await
        .unwrap()
        .unwrap()
        .into_iter()
        .find(|f| f.resource.external_name == a)
        .unwrap();
    p.delete(&listed.resource).await.unwrap();
    let c = &c;
    let exists = |name: String| async move { c.head_bucket().bucket(name).send().await.is_ok() };
    assert!(!exists(a.clone()).await, "the listed bucket {a} is deleted");
    assert!(
        exists(b.clone()).await,
        "the other claim's bucket {b} remains"
    );
    assert!(exists(hand.clone()).await);
    assert_eq!(
        inventoried(&p, &prefix).await,
        vec![(b.clone(), "BucketClaim/team-b/billing".to_owned())]
    );
    p.delete(&owned_bucket("team-b", "billing", &b))
        .await
        .unwrap();
    plain_client()
        .delete_bucket()
        .bucket(&hand)
        .send()
        .await
        .unwrap();
}

fn main() {
    real::run(
        "s3",
        "an S3 API at PLATFORM_TEST_S3_ENDPOINT (default http://127.0.0.1:5000, e.g. moto_server)",
        vec![
            real::trial("bucket_passes_the_provider_suite", conformance),
            real::trial(
                "drift_names_each_changed_field",
                drift_names_each_changed_field,
            ),
            real::trial(
                "an_application_puts_and_gets_objects",
                an_application_puts_and_gets_objects,
            ),
            real::trial("observe_many_answers_a_batch", observe_many_answers_a_batch),
            real::trial(
                "another_claims_bucket_is_refused",
                another_claims_bucket_is_refused,
            ),
            real::trial(
                "a_bucket_tagged_without_owner_is_accepted_and_gets_the_owner",
                a_bucket_tagged_without_owner_is_accepted_and_gets_the_owner,
            ),
            real::trial(
                "inventory_lists_tagged_buckets_with_their_owners",
                inventory_lists_tagged_buckets_with_their_owners,
            ),
            real::trial(
                "foreign_buckets_are_not_deleted_and_unreachable_is_transient",
                foreign_buckets_are_not_deleted_and_unreachable_is_transient,
            ),
        ],
    )
}
