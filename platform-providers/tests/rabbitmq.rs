//! The RabbitMQ adapter against a real RabbitMQ: the conformance suite for users and queues,
//! handed-out credentials used over AMQP as an application would, batch observe, and the
//! refusals (a queue holding messages is not re-declared, another claim's objects are not
//! touched).

#[path = "owners/mod.rs"]
mod owners;
#[path = "real/mod.rs"]
mod real;

use serde_json::{Value, json};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use lapin::options::{
    BasicGetOptions, BasicPublishOptions, ExchangeDeclareOptions, QueueBindOptions,
};
use lapin::types::FieldTable;
use lapin::{BasicProperties, Connection, ConnectionProperties, ExchangeKind};
use platform_core::model::DynamicObject;
use platform_core::provider::{ErrorClass, ManagedResource, Provider, ProviderError};
use platform_providers::rabbitmq::{API_VERSION, RabbitmqProvider};
use platform_testkit::conformance::{ProviderSubject, provider_conformance};
use rabbitmq_http_client::api::Client;
use rabbitmq_http_client::requests::{Permissions, QueueParams};

fn api_url() -> String {
    real::setting("PLATFORM_TEST_RABBITMQ_URL", "http://127.0.0.1:15672")
}

fn provider() -> RabbitmqProvider {
    RabbitmqProvider::from_settings(&json!({
        "url": api_url(),
        "username": real::setting("PLATFORM_TEST_RABBITMQ_USER", "guest"),
        "password": real::setting("PLATFORM_TEST_RABBITMQ_PASSWORD", "guest"),
    }))
    .unwrap()
}

/// A plain management client, to change things behind the adapter's back.
fn admin() -> Client<String, String, String> {
    Client::new(
        format!("{}/api", api_url()),
        real::setting("PLATFORM_TEST_RABBITMQ_USER", "guest"),
        real::setting("PLATFORM_TEST_RABBITMQ_PASSWORD", "guest"),
    )
}

/// A suffix no other run or trial uses.
fn unique(tag: &str) -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    format!("{tag}{}x{nanos}", std::process::id())
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

/// A resource of `kind` composed for the DatabaseClaim `namespace/claim`.
fn owned(kind: &str, namespace: &str, claim: &str, spec: Value) -> ManagedResource {
    let name = format!("{claim}-{}", kind.to_lowercase());
    owners::owned(
        API_VERSION,
        kind,
        &name,
        namespace,
        "DatabaseClaim",
        claim,
        spec,
    )
}

/// The global parameter recording the owner of queue `name` in the default vhost.
fn queue_record(name: &str) -> String {
    format!("platform.dev/owner/Queue/%2f/{name}")
}

fn secret(applied: &platform_core::provider::Applied, key: &str) -> String {
    applied
        .secrets
        .get(key)
        .unwrap_or_else(|| panic!("no secret {key}"))
        .expose()
        .to_owned()
}

async fn user_passes_conformance() {
    let name = unique("conf-user-");
    let user = resource("User", &name, json!({"name": name, "vhost": "/"}));
    let changed = resource(
        "User",
        &name,
        json!({"name": name, "vhost": "/", "tags": ["management"]}),
    );
    let subject = ProviderSubject::new(Arc::new(provider()), user, changed, move |r| async move {
        // Someone widens the user's permissions by hand.
        let name = r.spec()["name"].as_str().unwrap().to_owned();
        admin()
            .declare_permissions(&Permissions::full_access(&name, "/"))
            .await
            .map_err(|e| e.to_string())
    });
    provider_conformance(subject).await.assert_passed();
}

async fn queue_passes_conformance() {
    let name = unique("conf.queue-");
    let spec = |max: u64| {
        json!({"name": name, "vhost": "/", "durable": true,
               "arguments": {"x-max-length": max, "x-dead-letter-exchange": ""}})
    };
    let queue = resource("Queue", &name, spec(10));
    let changed = resource("Queue", &name, spec(20));
    let subject = ProviderSubject::new(Arc::new(provider()), queue, changed, move |r| async move {
        // Someone re-declares the queue by hand with another length limit.
        let name = r.spec()["name"].as_str().unwrap().to_owned();
        let admin = admin();
        admin
            .delete_queue("/", &name, true)
            .await
            .map_err(|e| e.to_string())?;
        let params = QueueParams::new_durable_classic_queue(&name, None).with_max_length(99);
        admin
            .declare_queue("/", &params)
            .await
            .map_err(|e| e.to_string())
    });
    provider_conformance(subject).await.assert_passed();
}

/// The composition's user and queue for a claim, and the credentials handed out.
async fn claim_user_and_queue(
    p: &RabbitmqProvider,
    ns: &str,
) -> (ManagedResource, ManagedResource, String) {
    let user = resource(
        "User",
        "app",
        json!({"vhost": "/", "name": format!("{ns}-app")}),
    );
    let queue = resource(
        "Queue",
        "app",
        json!({"vhost": "/", "name": format!("{ns}.app"), "durable": true,
               "arguments": {"x-max-length": 100, "x-dead-letter-exchange": ""}}),
    );
    p.create(&queue).await.unwrap();
    let applied = p.create(&user).await.unwrap();
    assert_eq!(applied.outputs["username"], json!(format!("{ns}-app")));
    assert_eq!(applied.outputs["vhost"], json!("/"));
    let uri = secret(&applied, "uri");
    assert!(
        uri.ends_with("/%2f"),
        "the default vhost is encoded in the uri"
    );
    (user, queue, uri)
}

fn is_access_refused(e: &lapin::Error) -> bool {
    let text = format!("{e:?} {e}");
    text.contains("ACCESS_REFUSED") || text.contains("AccessRefused") || text.contains("403")
}

async fn handed_out_credentials_publish_and_consume_only_their_queue() {
    let p = provider();
    let ns = unique("cred");
    let other = format!("{}.other", unique("cred"));
    let admin = admin();
    admin
        .declare_queue("/", &QueueParams::new_durable_classic_queue(&other, None))
        .await
        .unwrap();
    let (user, queue, uri) = claim_user_and_queue(&p, &ns).await;

    let conn = Connection::connect(&uri, ConnectionProperties::default())
        .await
        .expect("the handed-out uri connects");
    let channel = conn.create_channel().await.unwrap();
    // The application's own exchange, named like the user, bound to its queue.
    let exchange = format!("{ns}-app");
    channel
        .exchange_declare(
            exchange.as_str().into(),
            ExchangeKind::Direct,
            ExchangeDeclareOptions {
                auto_delete: true,
                ..Default::default()
            },
            FieldTable::default(),
        )
        .await
        .unwrap();
    let queue_name = format!("{ns}.app");
    channel
        .queue_bind(
            queue_name.as_str().into(),
            exchange.as_str().into(),
            "orders".into(),
            QueueBindOptions::default(),
            FieldTable::default(),
        )
        .await
        .unwrap();
    channel
        .basic_publish(
            exchange.as_str().into(),
            "orders".into(),
            BasicPublishOptions::default(),
            b"order 42",
            BasicProperties::default(),
        )
        .await
        .unwrap()
        .await
        .unwrap();
    let mut got = None;
    for _ in 0..50 {
        got = channel
            .basic_get(queue_name.as_str().into(), BasicGetOptions { no_ack: true })
            .await
            .unwrap();
        if got.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(got.expect("the message arrives").delivery.data, b"order 42");

    // Another team's queue: reading it is refused by the permissions.
    let e = channel
        .basic_get(other.as_str().into(), BasicGetOptions { no_ack: true })
        .await
        .unwrap_err();
    assert!(is_access_refused(&e), "expected ACCESS_REFUSED, found {e}");
    // The default exchange (which routes to every queue) is not granted either.
    let channel = conn.create_channel().await.unwrap();
    let refused = match channel
        .basic_publish(
            "".into(),
            other.as_str().into(),
            BasicPublishOptions::default(),
            b"sneaky",
            BasicProperties::default(),
        )
        .await
    {
        Err(e) => is_access_refused(&e),
        Ok(confirm) => match confirm.await {
            Err(e) => is_access_refused(&e),
            // Without confirms the refusal closes the channel: a later call fails.
            Ok(_) => channel
                .basic_get(queue_name.as_str().into(), BasicGetOptions::default())
                .await
                .is_err_and(|e| is_access_refused(&e)),
        },
    };
    assert!(
        refused,
        "publishing through the default exchange must be refused"
    );
    let _ = conn.close(200, "done".into()).await;
    let info = admin.get_queue_info("/", &other).await.unwrap();
    assert_eq!(info.message_count, 0, "nothing reached the other queue");

    p.delete(&user).await.unwrap();
    p.delete(&queue).await.unwrap();
    admin.delete_queue("/", &other, true).await.unwrap();
}

async fn creating_an_existing_user_resets_its_password() {
    let p = provider();
    let ns = unique("reset");
    let (user, queue, first_uri) = claim_user_and_queue(&p, &ns).await;
    // Recovery after a crash calls create again: a fresh password is handed out.
    let again = p.create(&user).await.unwrap();
    let second_uri = secret(&again, "uri");
    assert_ne!(first_uri, second_uri);
    assert!(
        Connection::connect(&first_uri, ConnectionProperties::default())
            .await
            .is_err(),
        "the old password must stop working"
    );
    let conn = Connection::connect(&second_uri, ConnectionProperties::default())
        .await
        .expect("the new password works");
    let _ = conn.close(200, "done".into()).await;
    // Observe cannot read a password back, and an update keeps it.
    assert!(p.observe(&user).await.unwrap().secrets.is_empty());
    let tagged = resource(
        "User",
        "app",
        json!({"vhost": "/", "name": format!("{ns}-app"), "tags": ["management"]}),
    );
    p.update(&tagged).await.unwrap();
    let conn = Connection::connect(&second_uri, ConnectionProperties::default())
        .await
        .expect("an update keeps the password");
    let _ = conn.close(200, "done".into()).await;
    p.delete(&user).await.unwrap();
    p.delete(&queue).await.unwrap();
}

async fn queues_and_users_are_observed_in_batches() {
    let p = provider();
    let ns = unique("batch");
    let queues: Vec<ManagedResource> = (0..3)
        .map(|i| {
            resource(
                "Queue",
                &format!("q{i}"),
                json!({"name": format!("{ns}.q{i}")}),
            )
        })
        .collect();
    for q in &queues[..2] {
        p.create(q).await.unwrap();
    }
    let seen = p.observe_many(&queues).await;
    let exists: Vec<bool> = seen.iter().map(|o| o.as_ref().unwrap().exists).collect();
    assert_eq!(exists, vec![true, true, false]);
    assert!(seen[0].as_ref().unwrap().up_to_date);
    let users: Vec<ManagedResource> = (0..2)
        .map(|i| {
            resource(
                "User",
                &format!("u{i}"),
                json!({"name": format!("{ns}-u{i}")}),
            )
        })
        .collect();
    p.create(&users[0]).await.unwrap();
    let seen = p.observe_many(&users).await;
    let first = seen[0].as_ref().unwrap();
    assert!(first.exists && first.up_to_date, "{first:?}");
    assert!(!seen[1].as_ref().unwrap().exists);
    for r in queues.iter().chain(&users) {
        p.delete(r).await.unwrap();
    }
}

async fn a_queue_holding_messages_is_not_redeclared() {
    let p = provider();
    let name = format!("{}.held", unique("held"));
    let spec = |max: u64| json!({"name": name, "arguments": {"x-max-length": max}});
    let queue = resource("Queue", "held", spec(10));
    p.create(&queue).await.unwrap();
    let admin = admin();
    admin
        .publish_message("/", "amq.default", &name, "kept", Default::default())
        .await
        .unwrap();
    // The management statistics show the message after their interval.
    let mut counted = false;
    for _ in 0..60 {
        if admin
            .get_queue_info("/", &name)
            .await
            .unwrap()
            .message_count
            > 0
        {
            counted = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert!(counted, "the statistics never showed the message");
    let e = p
        .update(&resource("Queue", "held", spec(20)))
        .await
        .unwrap_err();
    assert_eq!(e.class, ErrorClass::Permanent, "{e}");
    assert!(e.message.contains("holds 1 messages"), "{e}");
    assert!(e.message.contains("spec.arguments.x-max-length"), "{e}");
    p.delete(&queue).await.unwrap();
}

async fn vhosts_exchanges_and_bindings_round_trip() {
    let p = provider();
    let vhost_name = unique("vh-");
    let vhost = resource("Vhost", "v", json!({"name": vhost_name}));
    p.create(&vhost).await.unwrap();
    assert!(p.observe(&vhost).await.unwrap().exists);
    let exchange = resource(
        "Exchange",
        "x",
        json!({"name": "dead-letters", "vhost": vhost_name, "type": "fanout"}),
    );
    let queue = resource(
        "Queue",
        "q",
        json!({"name": "team.q", "vhost": vhost_name,
        "arguments": {"x-dead-letter-exchange": "dead-letters"}}),
    );
    let binding = resource(
        "Binding",
        "b",
        json!({"vhost": vhost_name, "source": "dead-letters", "destination": "team.q", "routingKey": "team.#"}),
    );
    assert!(!p.observe(&binding).await.unwrap().exists);
    p.create(&exchange).await.unwrap();
    p.create(&queue).await.unwrap();
    p.create(&binding).await.unwrap();
    p.create(&binding).await.unwrap();
    for r in [&exchange, &queue, &binding] {
        let seen = p.observe(r).await.unwrap();
        assert!(seen.exists && seen.up_to_date, "{}: {seen:?}", r.kind());
    }
    let topic = resource(
        "Exchange",
        "x",
        json!({"name": "dead-letters", "vhost": vhost_name, "type": "topic"}),
    );
    let seen = p.observe(&topic).await.unwrap();
    assert_eq!(seen.diff[0].path, "spec.type");
    let e = p.update(&topic).await.unwrap_err();
    assert!(e.message.contains("cannot change spec.type"), "{e}");
    p.delete(&binding).await.unwrap();
    p.delete(&binding).await.unwrap();
    assert!(!p.observe(&binding).await.unwrap().exists);
    p.delete(&vhost).await.unwrap();
    assert!(!p.observe(&vhost).await.unwrap().exists);
    assert!(!p.observe(&queue).await.unwrap().exists);
    // The vhost took its queue and exchange along; deleting their resources removes their
    // owner records.
    p.delete(&queue).await.unwrap();
    p.delete(&exchange).await.unwrap();
}

/// Asserts that `result` is the refusal of claim `auditc/a-orders` naming both owners.
fn assert_refused<T: std::fmt::Debug>(what: &str, result: Result<T, ProviderError>) {
    let e = result.expect_err(what);
    owners::assert_refused(
        what,
        &e,
        "DatabaseClaim",
        "auditc-a/orders",
        "auditc/a-orders",
    );
}

async fn objects_of_another_claim_on_the_same_name_are_refused_and_keep_working() {
    let p = provider();
    let admin = admin();
    // Claims auditc-a/orders and auditc/a-orders forced onto one real name, as a hand-set
    // external name or spec.name would force them.
    let real = unique("auditc-a-orders-");
    let spec = json!({"name": real, "vhost": "/"});
    let binding_spec =
        json!({"vhost": "/", "source": real, "destination": real, "routingKey": "orders"});
    let a = |kind: &str, spec: &Value| owned(kind, "auditc-a", "orders", spec.clone());
    let b = |kind: &str, spec: &Value| owned(kind, "auditc", "a-orders", spec.clone());
    let a_user = a("User", &spec);
    let a_objects = [
        a("Queue", &spec),
        a("Exchange", &spec),
        a("Binding", &binding_spec),
    ];
    let uri = secret(&p.create(&a_user).await.unwrap(), "uri");
    for r in &a_objects {
        p.create(r).await.unwrap();
    }
    let routed = admin
        .publish_message("/", &real, "orders", "order 1", Default::default())
        .await
        .unwrap();
    assert!(
        routed.routed,
        "the first claim's binding routes to its queue"
    );

    // A binding into the first claim's queue made before owners were recorded.
    admin
        .bind_queue("/", &real, "amq.direct", Some("legacy"), None)
        .await
        .unwrap();
    let b_legacy_binding = b(
        "Binding",
        &json!({"vhost": "/", "source": "amq.direct", "destination": real, "routingKey": "legacy"}),
    );
    let theirs = [
        b("User", &spec),
        b("Queue", &spec),
        b("Exchange", &spec),
        b("Binding", &binding_spec),
        // No record of its own: refused by its destination, the first claim's queue.
        b_legacy_binding,
    ];
    for r in &theirs {
        let what = format!("{} of the second claim", r.kind());
        assert_refused(&format!("observe {what}"), p.observe(r).await);
        assert_refused(&format!("create {what}"), p.create(r).await);
        assert_refused(&format!("adopt {what}"), p.adopt(r).await);
        assert_refused(&format!("update {what}"), p.update(r).await);
        assert_refused(&format!("delete {what}"), p.delete(r).await);
        let batch = p.observe_many(&[r.clone(), r.clone()]).await;
        for seen in batch {
            assert_refused(&format!("batch observe {what}"), seen);
        }
    }

    // The first claim's objects are untouched: its password still logs in, and the message
    // still waits in its queue.
    for r in std::iter::once(&a_user).chain(&a_objects) {
        let seen = p.observe(r).await.unwrap();
        assert!(seen.exists && seen.up_to_date, "{}: {seen:?}", r.kind());
    }
    let conn = Connection::connect(&uri, ConnectionProperties::default())
        .await
        .expect("the first claim's password still logs in");
    let channel = conn.create_channel().await.unwrap();
    let got = channel
        .basic_get(real.as_str().into(), BasicGetOptions { no_ack: true })
        .await
        .unwrap()
        .expect("the first claim's queue still holds its message");
    assert_eq!(got.delivery.data, b"order 1");
    let _ = conn.close(200, "done".into()).await;

    // Deleting the first claim's objects removes their records: the name is free again.
    for r in a_objects.iter().rev().chain(std::iter::once(&a_user)) {
        p.delete(r).await.unwrap();
    }
    let record = admin
        .get_global_runtime_parameter(&queue_record(&real))
        .await;
    assert!(
        record.as_ref().is_err_and(|e| e.is_not_found()),
        "{record:?}"
    );
    let b_queue = &theirs[1];
    p.create(b_queue).await.unwrap();
    assert!(p.observe(b_queue).await.unwrap().exists);
    p.delete(b_queue).await.unwrap();
}

async fn an_object_made_before_owners_were_recorded_is_recorded_on_its_next_create() {
    let p = provider();
    let admin = admin();
    let real = format!("{}.legacy", unique("legacy"));
    admin
        .declare_queue("/", &QueueParams::new_durable_classic_queue(&real, None))
        .await
        .unwrap();
    let spec = json!({"name": real});
    let first = owned("Queue", "auditc-a", "orders", spec.clone());
    assert!(
        p.observe(&first).await.unwrap().exists,
        "no record: accepted"
    );
    p.create(&first).await.unwrap();
    let record = admin
        .get_global_runtime_parameter(&queue_record(&real))
        .await
        .unwrap();
    let value: Value = record.value.into();
    assert_eq!(value["owner"], json!("DatabaseClaim/auditc-a/orders"));
    assert_eq!(value["uid"], json!("uid-auditc-a-orders"));
    let second = owned("Queue", "auditc", "a-orders", spec);
    assert_refused("create by another claim", p.create(&second).await);
    p.delete(&first).await.unwrap();
}

/// What `inventory` lists under `prefix`: (kind, name, owner key), sorted.
async fn inventoried(p: &RabbitmqProvider, prefix: &str) -> Vec<(String, String, String)> {
    let mut listed: Vec<_> = owners::listed(p, |name| name.starts_with(prefix))
        .await
        .iter()
        .map(|f| {
            assert_eq!(f.resource.spec()["name"], f.resource.external_name.as_str());
            owners::summary(f)
        })
        .collect();
    listed.sort();
    listed
}

/// The recorded objects are listed with their owners, the vhost `/` and hand-made queues are
/// not; deleting one listed queue deletes that queue only.
async fn inventory_lists_recorded_objects_with_their_owners() {
    let p = provider();
    let admin = admin();
    let prefix = unique("inv");
    let (a, b, hand) = (
        format!("{prefix}.a"),
        format!("{prefix}.b"),
        format!("{prefix}.hand"),
    );
    let a_queue = owned("Queue", "team-a", "orders", json!({"name": a}));
    let b_queue = owned("Queue", "team-b", "billing", json!({"name": b}));
    let b_exchange = owned(
        "Exchange",
        "team-b",
        "billing",
        json!({"name": b, "vhost": "/"}),
    );
    for r in [&a_queue, &b_queue, &b_exchange] {
        p.create(r).await.unwrap();
    }
    admin
        .declare_queue("/", &QueueParams::new_durable_classic_queue(&hand, None))
        .await
        .unwrap();
    let (owner_a, owner_b) = (
        "DatabaseClaim/team-a/orders",
        "DatabaseClaim/team-b/billing",
    );
    assert_eq!(
        inventoried(&p, &prefix).await,
        vec![
            ("Exchange".into(), b.clone(), owner_b.into()),
            ("Queue".into(), a.clone(), owner_a.into()),
            ("Queue".into(), b.clone(), owner_b.into()),
        ]
    );
    let all = p.inventory().await.unwrap().unwrap();
    assert!(
        !all.iter()
            .any(|f| f.resource.kind() == "Vhost" && f.resource.spec()["name"] == "/"),
        "the vhost / belongs to the server"
    );
    let listed = all
        .into_iter()
        .find(|f| f.resource.kind() == "Queue" && f.resource.external_name == a)
        .unwrap();
    p.delete(&listed.resource).await.unwrap();
    assert!(
        admin.get_queue_info("/", &a).await.is_err(),
        "the listed queue {a} is deleted"
    );
    assert!(
        admin.get_queue_info("/", &b).await.is_ok(),
        "the other claim's queue remains"
    );
    assert!(admin.get_queue_info("/", &hand).await.is_ok());
    assert_eq!(
        inventoried(&p, &prefix).await,
        vec![
            ("Exchange".into(), b.clone(), owner_b.into()),
            ("Queue".into(), b.clone(), owner_b.into()),
        ]
    );
    for r in [&b_exchange, &b_queue] {
        p.delete(r).await.unwrap();
    }
    admin.delete_queue("/", &hand, true).await.unwrap();
}

fn main() {
    real::run(
        "rabbitmq",
        "RabbitMQ with the management API at http://127.0.0.1:15672 (guest/guest) and AMQP at 127.0.0.1:5672",
        vec![
            real::trial("user_passes_conformance", user_passes_conformance),
            real::trial("queue_passes_conformance", queue_passes_conformance),
            real::trial(
                "handed_out_credentials_publish_and_consume_only_their_queue",
                handed_out_credentials_publish_and_consume_only_their_queue,
            ),
            real::trial(
                "creating_an_existing_user_resets_its_password",
                creating_an_existing_user_resets_its_password,
            ),
            real::trial(
                "queues_and_users_are_observed_in_batches",
                queues_and_users_are_observed_in_batches,
            ),
            real::trial(
                "a_queue_holding_messages_is_not_redeclared",
                a_queue_holding_messages_is_not_redeclared,
            ),
            real::trial(
                "vhosts_exchanges_and_bindings_round_trip",
                vhosts_exchanges_and_bindings_round_trip,
            ),
            real::trial(
                "objects_of_another_claim_on_the_same_name_are_refused_and_keep_working",
                objects_of_another_claim_on_the_same_name_are_refused_and_keep_working,
            ),
            real::trial(
                "inventory_lists_recorded_objects_with_their_owners",
                inventory_lists_recorded_objects_with_their_owners,
            ),
            real::trial(
                "an_object_made_before_owners_were_recorded_is_recorded_on_its_next_create",
                an_object_made_before_owners_were_recorded_is_recorded_on_its_next_create,
            ),
        ],
    )
}
