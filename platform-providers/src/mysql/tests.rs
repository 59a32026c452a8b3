//! Checks that need no server: hostile names are refused before anything is sent (the
//! provider points at a closed port, so any attempt to connect would be a transient error).

use serde_json::{Value, json};

use platform_core::model::DynamicObject;
use platform_core::provider::{ErrorClass, ManagedResource, Provider};

use super::{API_VERSION, MysqlProvider, sql};

fn resource(kind: &str, spec: Value) -> ManagedResource {
    let object: DynamicObject = serde_json::from_value(json!({
        "apiVersion": API_VERSION, "kind": kind,
        "metadata": {"name": "orders", "namespace": "team-a"},
        "spec": spec
    }))
    .unwrap();
    ManagedResource::new(object)
}

/// A provider whose server cannot be reached: port 9 on localhost refuses connections.
fn unreachable() -> MysqlProvider {
    MysqlProvider::new("mysql://root:adminsecret@127.0.0.1:9").unwrap()
}

const HOSTILE: &[&str] = &[
    "orders`; DROP DATABASE mysql; --",
    "o'brien",
    "two words",
    "all*",
    "semi;colon",
    "Upper",
    "",
];

fn assert_refused(provider: &MysqlProvider, r: &ManagedResource, field: &str) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        for e in [
            provider.observe(r).await.unwrap_err(),
            provider.create(r).await.unwrap_err(),
            provider.update(r).await.unwrap_err(),
            provider.delete(r).await.unwrap_err(),
        ] {
            assert_eq!(e.class, ErrorClass::Permanent, "{e}");
            assert!(e.message.contains(&format!("invalid {field}")), "{e}");
        }
    });
}

#[test]
fn hostile_names_are_refused_before_anything_is_sent() {
    let p = unreachable();
    for name in HOSTILE {
        assert_refused(
            &p,
            &resource("Database", json!({"name": name})),
            "spec.name",
        );
        assert_refused(&p, &resource("User", json!({"name": name})), "spec.name");
        assert_refused(
            &p,
            &resource("Grant", json!({"name": name, "privileges": ["ALL"]})),
            "spec.user",
        );
        assert_refused(
            &p,
            &resource("Database", json!({"name": "ok", "characterSet": name})),
            "spec.characterSet",
        );
    }
    let long = "a".repeat(65);
    assert_refused(
        &p,
        &resource("Database", json!({"name": long})),
        "spec.name",
    );
    assert_refused(
        &p,
        &resource("User", json!({"name": "ok", "host": "%' OR '1'='1"})),
        "spec.host",
    );
    assert_refused(
        &p,
        &resource("Grant", json!({"name": "ok", "privileges": ["ALL; DROP"]})),
        "spec.privileges[0]",
    );
    assert_refused(
        &p,
        &resource(
            "Grant",
            json!({"name": "ok", "privileges": ["SELECT", "GRANT OPTION"]}),
        ),
        "spec.privileges[1]",
    );
}

#[test]
fn what_the_production_composition_writes_is_accepted() {
    super::user::User::from_resource(&resource(
        "User",
        json!({"host": "%", "name": "team_a_orders"}),
    ))
    .unwrap();
    super::database::Database::from_resource(&resource(
        "Database",
        json!({"characterSet": "utf8mb4", "name": "team_a_orders"}),
    ))
    .unwrap();
    super::grant::Grant::from_resource(&resource(
        "Grant",
        json!({"privileges": ["ALL"], "name": "team_a_orders"}),
    ))
    .unwrap();
    let e = super::grant::Grant::from_resource(&resource("Grant", json!({"privileges": ["ALL"]})))
        .err()
        .unwrap();
    assert!(
        e.message
            .contains("expected spec.name, or spec.user and spec.database"),
        "{e}"
    );
    let e =
        super::user::User::from_resource(&resource("User", json!({"name": "a", "pasword": "x"})))
            .err()
            .unwrap();
    assert!(e.message.contains("unknown field `pasword`"), "{e}");
}

#[test]
fn an_unreachable_server_is_transient_and_its_password_is_not_shown() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let e = runtime
        .block_on(unreachable().observe(&resource("Database", json!({"name": "ok"}))))
        .unwrap_err();
    assert_eq!(e.class, ErrorClass::Transient, "{e}");
    assert!(e.message.contains("127.0.0.1:9"), "{e}");
    assert!(!e.message.contains("adminsecret"), "{e}");
    assert!(!format!("{:?}", unreachable()).contains("adminsecret"));
}

#[test]
fn settings_are_typed_and_the_url_password_is_never_shown() {
    let e = MysqlProvider::from_settings(&json!({"url": "mysql://root:pw12345@h", "hots": "x"}))
        .unwrap_err();
    assert!(e.to_string().contains("unknown field `hots`"), "{e}");
    let e = MysqlProvider::from_settings(&json!({"url": "postgres://root:pw12345@h"})).unwrap_err();
    assert!(e.to_string().contains("expected mysql://"), "{e}");
    assert!(!e.to_string().contains("pw12345"), "{e}");
    let p = MysqlProvider::from_settings(
        &json!({"url": "mysql://root@10.0.0.5:3307", "host": "db.internal", "port": 3306}),
    )
    .unwrap();
    assert_eq!(p.server().endpoint.host, "db.internal");
    assert_eq!(p.server().address, "10.0.0.5:3307");
}

#[test]
fn quoting_escapes_what_it_wraps() {
    assert_eq!(sql::ident("a`b"), "`a``b`");
    assert_eq!(sql::literal("o'b\\"), "'o\\'b\\\\'");
    assert_eq!(sql::grant_target("team_a"), "`team\\_a`.*");
    assert_eq!(sql::account("u", "%"), "'u'@'%'");
    assert_eq!(
        sql::privilege_of_column("Create_tmp_table_priv").unwrap(),
        "CREATE TEMPORARY TABLES"
    );
    assert_eq!(
        sql::privilege_of_column("Show_view_priv").unwrap(),
        "SHOW VIEW"
    );
    assert_eq!(sql::privilege_of_column("Db"), None);
}
