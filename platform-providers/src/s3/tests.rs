use serde_json::{Value, json};

use super::*;
use platform_core::model::DynamicObject;
use platform_core::provider::{ErrorClass, Provider};

fn bucket(spec: Value) -> ManagedResource {
    let object: DynamicObject = serde_json::from_value(json!({
        "apiVersion": API_VERSION, "kind": "Bucket",
        "metadata": {"name": "assets-bucket", "namespace": "team-a"},
        "spec": spec,
    }))
    .unwrap();
    ManagedResource::new(object)
}

/// A provider pointing at a port nothing listens on: any request would fail as transient,
/// so a permanent error proves the name was refused before anything was sent.
fn offline() -> S3Provider {
    S3Provider::from_settings(&json!({
        "endpoint": "http://127.0.0.1:9", "region": "us-east-1",
        "accessKeyId": "AKIDEXAMPLE", "secretAccessKey": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    }))
    .unwrap()
}

#[tokio::test]
async fn hostile_bucket_names_are_refused_before_anything_is_sent() {
    let provider = offline();
    let long = "b".repeat(64);
    for name in [
        "ab",
        "Upper-case",
        "under_score",
        "colon:name",
        "two words",
        "semi;colon",
        "quote\"d",
        "star*",
        "../escape",
        "dots..twice",
        "192.168.1.10",
        "xn--punycode",
        "ends-with-dash-",
        "",
        long.as_str(),
    ] {
        let r = bucket(json!({"name": name}));
        for result in [
            provider.observe(&r).await.map(|_| ()),
            provider.create(&r).await.map(|_| ()),
            provider.delete(&r).await,
        ] {
            let e = result.unwrap_err();
            assert_eq!(e.class, ErrorClass::Permanent, "{name:?}: {e}");
            assert!(e.message.starts_with("invalid spec.name: expected"), "{e}");
        }
    }
    let e = provider
        .create(&bucket(
            json!({"name": "fine-name", "region": "eu-west-1; rm"}),
        ))
        .await
        .unwrap_err();
    assert!(e.message.starts_with("invalid spec.region"), "{e}");
    let e = provider
        .create(&bucket(
            json!({"name": "fine-name", "lifecycle": {"expirationDays": 0}}),
        ))
        .await
        .unwrap_err();
    assert!(e.message.contains("expirationDays"), "{e}");
}

#[test]
fn good_bucket_names_pass() {
    for name in ["abc", "team-a-assets", "logs.example.com", "a1-b2.c3"] {
        bucket_name("spec.name", name).unwrap();
    }
}

#[test]
fn the_composition_spec_parses_with_defaults() {
    // What compositions/production/bucket-s3.yaml writes for a claim without expiry.
    let r = bucket(json!({
        "name": "team-a-assets", "versioning": true, "publicAccessBlock": false,
        "region": "eu-west-1",
    }));
    let d = Desired::of(&r, "us-east-1").unwrap();
    assert_eq!(d.bucket, "team-a-assets");
    assert_eq!(d.region, "eu-west-1");
    assert!(d.versioning && !d.public_access_block);
    assert_eq!(d.expiration_days, None);
    // Without a name the external name is the bucket; public access is blocked by default.
    let d = Desired::of(
        &bucket(json!({"lifecycle": {"expirationDays": 30}})),
        "us-east-1",
    )
    .unwrap();
    assert_eq!(d.bucket, "team-a-assets-bucket");
    assert!(d.public_access_block);
    assert_eq!(d.expiration_days, Some(30));
    let e = Desired::of(&bucket(json!({"versoning": true})), "us-east-1").unwrap_err();
    assert!(e.message.contains("unknown field `versoning`"), "{e}");
}

#[test]
fn settings_are_checked_and_never_shown() {
    let e = S3Provider::from_settings(&json!({"region": "us-east-1", "accessKeyId": "AKID"}))
        .unwrap_err();
    assert!(e.to_string().contains("together"), "{e}");
    let e = S3Provider::from_settings(&json!({"endpoint": "ftp://x"})).unwrap_err();
    assert!(e.to_string().contains("http:// or https://"), "{e}");
    let e = S3Provider::from_settings(&json!({"regoin": "x"})).unwrap_err();
    assert!(e.to_string().contains("unknown field `regoin`"), "{e}");
    let p = offline();
    let shown = format!("{p:?}");
    assert!(
        !shown.contains("AKIDEXAMPLE") && !shown.contains("EXAMPLEKEY"),
        "{shown}"
    );
    // Defaults: us-east-1, path style, the SDK's credential chain.
    let p = S3Provider::from_settings(&Value::Null).unwrap();
    assert_eq!(p.account().clients.settings().region, "us-east-1");
    assert!(p.account().clients.settings().force_path_style);
}

#[tokio::test]
async fn an_unreachable_endpoint_is_transient_and_names_no_key() {
    let provider = offline();
    let e = provider
        .observe(&bucket(json!({"name": "team-a-assets"})))
        .await
        .unwrap_err();
    assert_eq!(e.class, ErrorClass::Transient, "{e}");
    assert!(e.message.contains("HeadBucket"), "{e}");
    assert!(
        !e.message.contains("AKIDEXAMPLE") && !e.message.contains("EXAMPLEKEY"),
        "{e}"
    );
}
