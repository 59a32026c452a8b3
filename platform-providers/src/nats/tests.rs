//! Unit tests that need no server: names, specs and settings.

use serde_json::{Value, json};

use platform_core::model::DynamicObject;
use platform_core::provider::{ErrorClass, ManagedResource, Provider};

use super::*;

fn resource(kind: &str, spec: Value) -> ManagedResource {
    let object: DynamicObject = serde_json::from_value(json!({
        "apiVersion": API_VERSION, "kind": kind,
        "metadata": {"name": "orders", "namespace": "team-a"},
        "spec": spec,
    }))
    .unwrap();
    ManagedResource::new(object)
}

/// A provider whose server cannot be reached: any request would be a transient error, so a
/// permanent one proves the value was refused before anything was sent.
fn unreachable() -> NatsProvider {
    NatsProvider::from_settings(&json!({
        "url": "nats://127.0.0.1:1", "user": "admin", "password": "s3cret-nats-password"
    }))
    .unwrap()
}

const HOSTILE: &[&str] = &[
    "ORDERS\"; DROP",
    "O'BRIEN",
    "TWO WORDS",
    "ALL*",
    "SEMI;COLON",
    "NEW\nLINE",
    "DOT.TED",
    "ÜNÏCODE",
    "",
];

#[tokio::test]
async fn hostile_names_and_subjects_are_refused_before_anything_is_sent() {
    let p = unreachable();
    let long = "A".repeat(300);
    let mut hostile: Vec<&str> = HOSTILE.to_vec();
    hostile.push(&long);
    for bad in hostile {
        let cases = [
            (
                resource(
                    "Stream",
                    json!({"name": bad, "subjects": ["team-a.orders.>"]}),
                ),
                "spec.name",
            ),
            (
                resource("Consumer", json!({"stream": bad, "name": "worker"})),
                "spec.stream",
            ),
            (
                resource("Consumer", json!({"stream": "ORDERS", "name": bad})),
                "spec.name",
            ),
            (resource("KeyValue", json!({"bucket": bad})), "spec.bucket"),
        ];
        for (r, field) in cases {
            for result in [
                p.observe(&r).await.err(),
                p.create(&r).await.err(),
                p.update(&r).await.err(),
                p.delete(&r).await.err(),
            ] {
                let e = result.unwrap_or_else(|| panic!("{bad:?} in {} accepted", r.kind()));
                assert_eq!(
                    e.class,
                    ErrorClass::Permanent,
                    "{bad:?} in {}: {e}",
                    r.kind()
                );
                assert!(e.message.starts_with(&format!("invalid {field}:")), "{e}");
            }
        }
    }
    for subject in ["a b", "a.>.b", "a..b", "a.b;c", "", "a.*x", "orders.\u{0}"] {
        let r = resource("Stream", json!({"name": "ORDERS", "subjects": [subject]}));
        let e = p.create(&r).await.unwrap_err();
        assert!(
            e.message.starts_with("invalid spec.subjects[0]:"),
            "{subject:?}: {e}"
        );
    }
    let r = resource(
        "Stream",
        json!({"name": "ORDERS", "subjects": ["a.>"], "retention": "forever"}),
    );
    let e = p.create(&r).await.unwrap_err();
    assert!(e.message.starts_with("invalid spec.retention:"), "{e}");
}

#[test]
fn what_the_production_composition_writes_is_accepted() {
    // compositions/production/queue-nats.yaml for claim team-a/orders.
    let r = resource(
        "Stream",
        json!({"retention": "limits", "name": "TEAM_A_ORDERS", "subjects": ["team-a.orders.>"],
               "maxMessages": 1000, "storage": "file"}),
    );
    let d = stream::Desired::of(&r).unwrap();
    assert_eq!(d.name, "TEAM_A_ORDERS");
    assert_eq!(d.subjects, vec!["team-a.orders.>"]);
    assert_eq!((d.retention, d.storage), ("limits", "file"));
    assert_eq!((d.max_messages, d.max_bytes), (1000, -1));
    let memory = resource(
        "Stream",
        json!({"retention": "limits", "name": "TEAM_A_ORDERS", "subjects": ["team-a.orders.>"], "storage": "memory"}),
    );
    assert_eq!(stream::Desired::of(&memory).unwrap().storage, "memory");
}

#[test]
fn settings_refuse_unknown_keys_and_never_show_secrets() {
    let e =
        NatsProvider::from_settings(&json!({"url": "nats://h:4222", "passwd": "x"})).unwrap_err();
    assert!(e.to_string().contains("unknown field `passwd`"), "{e}");
    let e = NatsProvider::from_settings(&json!({"user": "a"})).unwrap_err();
    assert!(e.to_string().contains("expected both or neither"), "{e}");
    let p = NatsProvider::from_settings(&json!({
        "url": "nats://app:url-secret-pw@nats.internal:4223", "token": "t0ken-secret-value"
    }))
    .unwrap();
    assert_eq!(
        (p.conn().host.as_str(), p.conn().port),
        ("nats.internal", 4223)
    );
    assert_eq!(p.conn().url, "nats://app:***@nats.internal:4223");
    let shown = format!("{p:?}");
    assert!(
        !shown.contains("url-secret-pw") && !shown.contains("t0ken"),
        "{shown}"
    );
    let p = NatsProvider::from_settings(&Value::Null).unwrap();
    assert_eq!((p.conn().host.as_str(), p.conn().port), ("127.0.0.1", 4222));
}

#[tokio::test]
async fn an_unreachable_server_is_transient_and_names_no_password() {
    let p = NatsProvider::from_settings(&json!({
        "url": "nats://app:url-secret-pw@127.0.0.1:1", "token": "t0ken-secret-value"
    }))
    .unwrap();
    let r = resource(
        "Stream",
        json!({"name": "ORDERS", "subjects": ["orders.>"]}),
    );
    let e = p.observe(&r).await.unwrap_err();
    assert_eq!(e.class, ErrorClass::Transient, "{e}");
    assert!(!e.message.contains("url-secret-pw"), "{e}");
    assert!(!e.message.contains("t0ken-secret-value"), "{e}");
}
