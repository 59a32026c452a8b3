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
fn unreachable() -> RabbitmqProvider {
    RabbitmqProvider::from_settings(&json!({
        "url": "http://127.0.0.1:1", "username": "admin", "password": "s3cret-management-pw"
    }))
    .unwrap()
}

const HOSTILE: &[&str] = &[
    "orders\"; DROP",
    "o'brien",
    "two words",
    "all*",
    "semi;colon",
    "new\nline",
    "Upper",
    "../etc",
    "",
];

#[tokio::test]
async fn hostile_names_are_refused_before_anything_is_sent() {
    let p = unreachable();
    let long = "a".repeat(300);
    let mut hostile: Vec<&str> = HOSTILE.to_vec();
    hostile.push(&long);
    for bad in hostile {
        let cases = [
            resource("User", json!({"name": bad, "vhost": "/"})),
            resource("User", json!({"name": "ok", "vhost": bad})),
            resource("Queue", json!({"name": bad, "vhost": "/"})),
            resource("Queue", json!({"name": "team-a.orders", "vhost": bad})),
            resource("Exchange", json!({"name": bad})),
            resource("Vhost", json!({"name": bad})),
            resource(
                "Binding",
                json!({"source": bad, "destination": "team-a.orders"}),
            ),
            resource("Binding", json!({"source": "x", "destination": bad})),
        ];
        for r in cases {
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
                assert!(e.message.starts_with("invalid spec."), "{e}");
            }
        }
    }
}

#[tokio::test]
async fn hostile_patterns_routing_keys_arguments_and_tags_are_refused() {
    let p = unreachable();
    let cases = [
        (
            resource(
                "User",
                json!({"name": "app", "permissions": {"read": "^a\" or 1"}}),
            ),
            "spec.permissions.read",
        ),
        (
            resource(
                "User",
                json!({"name": "app", "permissions": {"write": "x;y"}}),
            ),
            "spec.permissions.write",
        ),
        (
            resource(
                "User",
                json!({"name": "app", "permissions": {"configure": "a b"}}),
            ),
            "spec.permissions.configure",
        ),
        (
            resource(
                "User",
                json!({"name": "app", "tags": ["administrator; rm"]}),
            ),
            "spec.tags[0]",
        ),
        (
            resource(
                "Binding",
                json!({"source": "x", "destination": "q", "routingKey": "a.b*"}),
            ),
            "spec.routingKey",
        ),
        (
            resource(
                "Binding",
                json!({"source": "x", "destination": "q", "routingKey": "a b"}),
            ),
            "spec.routingKey",
        ),
        (
            resource(
                "Queue",
                json!({"name": "q", "arguments": {"x-dead-letter-exchange": "dl\"x"}}),
            ),
            "spec.arguments[x-dead-letter-exchange]",
        ),
        (
            resource("Queue", json!({"name": "q", "arguments": {"x max": 1}})),
            "spec.arguments",
        ),
        (
            resource("Queue", json!({"name": "amq.sneaky"})),
            "spec.name",
        ),
        (
            resource("Exchange", json!({"name": "x", "type": "direct; drop"})),
            "spec.type",
        ),
    ];
    for (r, field) in cases {
        let e = p.create(&r).await.unwrap_err();
        assert_eq!(e.class, ErrorClass::Permanent, "{e}");
        assert!(
            e.message.starts_with(&format!("invalid {field}:")),
            "expected an error naming {field}, found {e}"
        );
    }
}

#[test]
fn what_the_production_composition_writes_is_accepted() {
    // compositions/production/queue-rabbitmq.yaml: a user and a queue in vhost "/".
    let user = resource("User", json!({"vhost": "/", "name": "team-a-orders"}));
    let d = user::Desired::of(&user).unwrap();
    assert_eq!(d.name, "team-a-orders");
    assert_eq!(d.vhost, "/");
    assert!(d.tags.is_empty());
    assert_eq!(d.read, "^team[-.]a[-.]orders$");
    let queue = resource(
        "Queue",
        json!({"vhost": "/", "name": "team-a.orders", "durable": true,
               "arguments": {"x-max-length": 1000, "x-dead-letter-exchange": ""}}),
    );
    let q = queue::Desired::of(&queue).unwrap();
    assert_eq!(q.name, "team-a.orders");
    assert!(q.durable);
    assert_eq!(q.arguments["x-max-length"], Some(json!(1000)));
    // An empty string means the argument is absent.
    assert_eq!(q.arguments["x-dead-letter-exchange"], None);
    let dl = resource(
        "Queue",
        json!({"vhost": "/", "name": "team-a.orders", "arguments": {"x-dead-letter-exchange": "dead-letters"}}),
    );
    assert_eq!(
        queue::Desired::of(&dl).unwrap().arguments["x-dead-letter-exchange"],
        Some(json!("dead-letters"))
    );
}

#[test]
fn default_permissions_match_the_users_own_queue_and_nothing_of_other_namespaces() {
    let pattern = names::own_resources("team-a-orders");
    let matches = |s: &str| {
        // The pattern only uses '^', '$' and '[-.]': check it by expanding the classes.
        let body = pattern.trim_start_matches('^').trim_end_matches('$');
        let parts: Vec<&str> = body.split("[-.]").collect();
        let pieces: Vec<&str> = s.split(['-', '.']).collect();
        parts == pieces
    };
    assert!(matches("team-a.orders"));
    assert!(matches("team-a-orders"));
    assert!(!matches("team-a.orders.extra"));
    assert!(!matches("team-b.orders"));
    assert_eq!(names::own_resources("team-a"), "^team[-.]a$");
}

#[test]
fn vhosts_are_encoded_in_uris() {
    assert_eq!(names::vhost_in_uri("/"), "%2f");
    assert_eq!(names::vhost_in_uri("team-a"), "team-a");
}

#[test]
fn settings_refuse_unknown_keys_and_never_show_the_password() {
    let e = RabbitmqProvider::from_settings(
        &json!({"url": "http://h:15672", "pasword": "hunter2-secret"}),
    )
    .unwrap_err();
    assert!(e.to_string().contains("unknown field `pasword`"), "{e}");
    assert!(!e.to_string().contains("hunter2"));
    let e = RabbitmqProvider::from_settings(&json!({"url": "amqp://h:5672"})).unwrap_err();
    assert!(
        e.to_string().contains("expected scheme http or https"),
        "{e}"
    );
    let p = RabbitmqProvider::from_settings(&json!({
        "url": "http://mq.internal:15672/", "password": "hunter2-secret", "amqpPort": 5673
    }))
    .unwrap();
    assert_eq!(p.conn().amqp.host, "mq.internal");
    assert_eq!(p.conn().amqp.port, 5673);
    assert_eq!(p.conn().endpoint, "http://mq.internal:15672/api");
    assert!(!format!("{p:?}").contains("hunter2"));
}

#[tokio::test]
async fn an_unreachable_server_is_transient_and_names_no_password() {
    let p = RabbitmqProvider::from_settings(&json!({
        "url": "http://admin:url-secret-pw@127.0.0.1:1", "password": "s3cret-management-pw"
    }))
    .unwrap();
    let e = p
        .observe(&resource("Queue", json!({"name": "team-a.orders"})))
        .await
        .unwrap_err();
    assert_eq!(e.class, ErrorClass::Transient, "{e}");
    assert!(!e.message.contains("url-secret-pw"), "{e}");
    assert!(!e.message.contains("s3cret-management-pw"), "{e}");
    assert!(e.message.contains("team-a.orders"), "{e}");
}

#[test]
fn kinds_are_served_at_the_api_version() {
    let kinds = unreachable().kinds();
    assert_eq!(kinds.len(), KINDS.len());
    assert!(kinds.contains(&(API_VERSION.to_owned(), "Queue".to_owned())));
}
