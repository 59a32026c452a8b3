//! Checks that need no server: identifiers, specs and settings are refused before anything is
//! sent (the provider points at a closed port, so a connection attempt would show).

use serde_json::{Value, json};

use super::*;
use platform_core::model::DynamicObject;
use platform_core::provider::{ErrorClass, Provider};

/// A provider whose server cannot be reached: port 1 on localhost is closed.
fn unreachable() -> PostgresProvider {
    PostgresProvider::new("postgres://admin:hunter2secret@127.0.0.1:1/postgres").unwrap()
}

fn resource(kind: &str, spec: Value) -> ManagedResource {
    let object: DynamicObject = serde_json::from_value(json!({
        "apiVersion": API_VERSION, "kind": kind,
        "metadata": {"name": "orders", "namespace": "team-a"},
        "spec": spec
    }))
    .unwrap();
    ManagedResource::new(object)
}

const HOSTILE: &[&str] = &[
    "orders\"; DROP DATABASE postgres; --",
    "o'brien",
    "two words",
    "all*",
    "semi;colon",
    "Upper",
    "",
];

fn hostile_values() -> Vec<String> {
    let mut values: Vec<String> = HOSTILE.iter().map(|s| (*s).to_owned()).collect();
    values.push("a".repeat(64));
    values
}

async fn assert_refused(provider: &PostgresProvider, r: &ManagedResource, field: &str) {
    let observed = provider.observe(r).await.unwrap_err();
    let created = provider.create(r).await.unwrap_err();
    let updated = provider.update(r).await.unwrap_err();
    let deleted = provider.delete(r).await.unwrap_err();
    for e in [observed, created, updated, deleted] {
        assert_eq!(e.class, ErrorClass::Permanent, "{e}");
        assert!(
            e.message.starts_with(&format!("invalid {field}: expected")),
            "expected the identifier error of {field}, found {e}"
        );
    }
    let many = provider.observe_many(std::slice::from_ref(r)).await;
    assert!(
        many[0]
            .as_ref()
            .unwrap_err()
            .message
            .starts_with(&format!("invalid {field}"))
    );
}

#[tokio::test]
async fn hostile_identifiers_are_refused_before_anything_is_sent() {
    let provider = unreachable();
    for bad in hostile_values() {
        let bad = bad.as_str();
        assert_refused(
            &provider,
            &resource("Database", json!({"name": bad})),
            "spec.name",
        )
        .await;
        assert_refused(
            &provider,
            &resource("Database", json!({"name": "orders", "owner": bad})),
            "spec.owner",
        )
        .await;
        assert_refused(
            &provider,
            &resource("Role", json!({"name": bad, "login": true})),
            "spec.name",
        )
        .await;
        assert_refused(
            &provider,
            &resource(
                "Grant",
                json!({"role": bad, "database": "orders", "privileges": ["ALL"]}),
            ),
            "spec.role",
        )
        .await;
        assert_refused(
            &provider,
            &resource(
                "Grant",
                json!({"role": "orders", "database": bad, "privileges": ["ALL"]}),
            ),
            "spec.database",
        )
        .await;
        assert_refused(
            &provider,
            &resource("Extension", json!({"name": "hstore", "database": bad})),
            "spec.database",
        )
        .await;
    }
    for bad in ["ALL; DROP TABLE x", "all", "SELECT", "CONNECT,CREATE", "*"] {
        assert_refused(
            &provider,
            &resource(
                "Grant",
                json!({"role": "orders", "database": "orders", "privileges": ["CONNECT", bad]}),
            ),
            "spec.privileges[1]",
        )
        .await;
    }
    for bad in ["utf8'; --", "UTF 8", "*"] {
        let e = provider
            .create(&resource(
                "Database",
                json!({"name": "orders", "encoding": bad}),
            ))
            .await
            .unwrap_err();
        assert_eq!(e.class, ErrorClass::Permanent);
        assert!(
            e.message
                .starts_with("invalid spec.encoding of Database team-a-orders"),
            "{e}"
        );
    }
}

#[tokio::test]
async fn specs_of_the_production_composition_are_accepted() {
    // What compositions/production/database-postgresql.yaml writes, reaching the connection.
    let provider = unreachable();
    for r in [
        resource(
            "Role",
            json!({"name": "team_a_orders", "login": true, "connectionLimit": 20}),
        ),
        resource(
            "Database",
            json!({"name": "team_a_orders", "encoding": "UTF8", "owner": "team_a_orders"}),
        ),
        resource(
            "Grant",
            json!({"role": "team_a_orders", "database": "team_a_orders", "privileges": ["ALL"]}),
        ),
        resource(
            "Extension",
            json!({"name": "uuid-ossp", "database": "team_a_orders"}),
        ),
    ] {
        let e = provider.observe(&r).await.unwrap_err();
        assert_eq!(e.class, ErrorClass::Transient, "{} {e}", r.kind());
        assert!(
            e.message
                .contains("cannot connect to postgres://admin@127.0.0.1:1/postgres"),
            "{e}"
        );
        assert!(!e.message.contains("hunter2secret"), "{e}");
    }
    let e = provider
        .create(&resource("Role", json!({"name": "x", "pasword": "y"})))
        .await
        .unwrap_err();
    assert!(e.message.contains("unknown field `pasword`"), "{e}");
    let e = provider
        .create(&resource("Cluster", json!({})))
        .await
        .unwrap_err();
    assert!(e.message.contains("does not serve kind \"Cluster\""), "{e}");
}

#[test]
fn settings_are_typed_and_never_shown() {
    let e =
        PostgresProvider::from_settings(&json!({"url": "postgres://a:b@h/db", "maxConection": 3}))
            .unwrap_err();
    assert!(
        e.to_string().contains("unknown field `maxConection`"),
        "{e}"
    );
    let e =
        PostgresProvider::from_settings(&json!({"url": "postgres://h/db", "maxConnections": 0}))
            .unwrap_err();
    assert!(
        e.to_string()
            .contains("maxConnections: expected at least 1"),
        "{e}"
    );
    let e = PostgresProvider::from_settings(&json!({"url": "postgres://u:sekrit99@h:notaport/db"}))
        .unwrap_err();
    assert!(
        e.to_string()
            .starts_with("settings of the postgres adapter: url: expected"),
        "{e}"
    );
    assert!(!e.to_string().contains("sekrit99"), "{e}");
    let p = PostgresProvider::from_settings(&json!({
        "url": "postgres://admin:sekrit99@db.internal:6543/postgres", "host": "db.example.com"
    }))
    .unwrap();
    assert!(!format!("{p:?}").contains("sekrit99"), "{p:?}");
    assert_eq!(p.server().outputs()["host"], json!("db.example.com"));
    assert_eq!(p.server().outputs()["port"], json!(6543));
    assert_eq!(p.name(), "postgres");
    assert_eq!(p.kinds().len(), KINDS.len());
}
