//! The MySQL adapter against a real MariaDB/MySQL server: the provider conformance suite for
//! Database, User and Grant, and the handed-out credentials used as an application would.

#[path = "owners/mod.rs"]
mod owners;
#[path = "real/mod.rs"]
mod real;

use mysql_async::prelude::Queryable;
use serde_json::{Value, json};
use std::sync::Arc;

use platform_core::provider::{ManagedResource, Provider};
use platform_providers::mysql::{API_VERSION, MysqlProvider};
use platform_testkit::conformance::{ProviderSubject, provider_conformance};

fn url() -> String {
    real::setting("PLATFORM_TEST_MYSQL_URL", "mysql://root@127.0.0.1:3306")
}

fn provider() -> Arc<MysqlProvider> {
    Arc::new(MysqlProvider::from_settings(&json!({"url": url()})).unwrap())
}

/// A name no other run uses: `<stem>_<pid>_<time>`.
fn unique(stem: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    format!("{stem}_{}_{nanos}", std::process::id())
}

/// A resource as the engine sends it: composed for a claim (one claim for the whole suite; every
/// test uses names of its own), the owner the adapter records and checks.
fn resource(kind: &str, name: &str, spec: Value) -> ManagedResource {
    owned(kind, "conformance", "suite", name, spec)
}

/// A resource named after `name` composed for DatabaseClaim `namespace/claim`.
fn owned(kind: &str, namespace: &str, claim: &str, name: &str, spec: Value) -> ManagedResource {
    let name = name.replace('_', "-");
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

/// A plain admin connection, standing in for someone changing things by hand.
async fn admin(sql: String) -> Result<(), String> {
    let pool = mysql_async::Pool::new(url().as_str());
    let mut conn = pool.get_conn().await.map_err(|e| e.to_string())?;
    conn.query_drop(sql).await.map_err(|e| e.to_string())?;
    drop(conn);
    pool.disconnect().await.map_err(|e| e.to_string())
}

async fn database_conformance() {
    let name = unique("conf_db");
    let db = |charset: &str| {
        resource(
            "Database",
            &name,
            json!({"name": name, "characterSet": charset}),
        )
    };
    let drifted = name.clone();
    let subject = ProviderSubject::new(provider(), db("utf8mb4"), db("latin1"), move |_| {
        admin(format!("ALTER DATABASE `{drifted}` CHARACTER SET latin1"))
    });
    provider_conformance(subject).await.assert_passed();
}

async fn user_conformance() {
    let name = unique("conf_user");
    let user = |limit: u32| {
        resource(
            "User",
            &name,
            json!({"name": name, "host": "%", "maxUserConnections": limit}),
        )
    };
    let drifted = name.clone();
    let subject = ProviderSubject::new(provider(), user(10), user(20), move |_| {
        admin(format!(
            "ALTER USER '{drifted}'@'%' WITH MAX_USER_CONNECTIONS 99"
        ))
    });
    provider_conformance(subject).await.assert_passed();
}

async fn grant_conformance() {
    let name = unique("conf_grant");
    let p = provider();
    let user = resource("User", &name, json!({"name": name}));
    p.create(&user).await.unwrap();
    let grant = |privileges: Value| {
        resource(
            "Grant",
            &name,
            json!({"name": name, "privileges": privileges}),
        )
    };
    let drifted = name.clone();
    let subject = ProviderSubject::new(
        p.clone(),
        grant(json!(["ALL"])),
        grant(json!(["SELECT", "INSERT"])),
        move |_| {
            admin(format!(
                "REVOKE DELETE ON `{}`.* FROM '{drifted}'@'%'",
                drifted.replace('_', "\\_")
            ))
        },
    );
    let report = provider_conformance(subject).await;
    p.delete(&user).await.unwrap();
    report.assert_passed();
}

/// Database, user and grant as the production composition makes them; the handed-out URI
/// works in its database and nowhere else; re-creating the user hands out a new password.
async fn credentials_work_as_an_application_uses_them() {
    let name = unique("app");
    let other = unique("other");
    let p = provider();
    let db = resource(
        "Database",
        &name,
        json!({"name": name, "characterSet": "utf8mb4"}),
    );
    let other_db = resource("Database", &other, json!({"name": other}));
    let user = resource(
        "User",
        &name,
        json!({"name": name, "host": "%", "database": name}),
    );
    let grant = resource("Grant", &name, json!({"name": name, "privileges": ["ALL"]}));
    for r in [&db, &other_db, &user, &grant] {
        p.create(r).await.unwrap();
    }
    let first = p.create(&user).await.unwrap();
    let uri = first.secrets.get("uri").unwrap().expose().to_owned();
    assert_eq!(first.outputs["username"], json!(name));
    assert!(uri.starts_with(&format!("mysql://{name}:")) && uri.ends_with(&format!("/{name}")));

    let pool = mysql_async::Pool::new(uri.as_str());
    let mut conn = pool.get_conn().await.unwrap();
    conn.query_drop("CREATE TABLE orders (id INT PRIMARY KEY, note TEXT)")
        .await
        .unwrap();
    conn.query_drop("INSERT INTO orders VALUES (1, 'first')")
        .await
        .unwrap();
    let notes: Vec<String> = conn.query("SELECT note FROM orders").await.unwrap();
    assert_eq!(notes, vec!["first".to_owned()]);
    let refused = conn
        .query_drop(format!("CREATE TABLE `{other}`.stolen (id INT)"))
        .await
        .unwrap_err()
        .to_string();
    assert!(
        refused.contains("denied"),
        "expected access to {other} refused, found {refused}"
    );
    let refused = conn
        .query_drop("SELECT * FROM mysql.user")
        .await
        .unwrap_err()
        .to_string();
    assert!(refused.contains("denied"), "{refused}");
    drop(conn);
    pool.disconnect().await.unwrap();

    // Crash recovery re-creates the user: the old password stops working, the new one works.
    let second = p.create(&user).await.unwrap();
    let new_uri = second.secrets.get("uri").unwrap().expose().to_owned();
    assert_ne!(new_uri, uri);
    let old = mysql_async::Pool::new(uri.as_str());
    assert!(
        old.get_conn().await.is_err(),
        "the old password still works"
    );
    let _ = old.disconnect().await;
    let new = mysql_async::Pool::new(new_uri.as_str());
    let mut conn = new.get_conn().await.unwrap();
    let count: Option<i64> = conn
        .query_first("SELECT COUNT(*) FROM orders")
        .await
        .unwrap();
    assert_eq!(count, Some(1));
    drop(conn);
    new.disconnect().await.unwrap();

    for r in [&grant, &user, &other_db, &db] {
        p.delete(r).await.unwrap();
    }
    for seen in p.observe_many(&[grant, user, other_db, db]).await {
        assert!(!seen.unwrap().exists);
    }
}

/// Many databases and users are observed together, each answer in its place.
async fn observe_many_answers_each_in_place() {
    let p = provider();
    let names: Vec<String> = (0..5).map(|i| unique(&format!("many{i}"))).collect();
    let dbs: Vec<ManagedResource> = names
        .iter()
        .map(|n| resource("Database", n, json!({"name": n, "characterSet": "utf8mb4"})))
        .collect();
    for db in dbs.iter().step_by(2) {
        p.create(db).await.unwrap();
    }
    let mut mixed = dbs.clone();
    mixed.push(resource(
        "User",
        "nobody",
        json!({"name": "no_such_user_here"}),
    ));
    mixed.push(resource("Database", "bad", json!({"name": "bad name"})));
    let seen = p.observe_many(&mixed).await;
    for (i, o) in seen.iter().take(5).enumerate() {
        let o = o.as_ref().unwrap();
        assert_eq!(o.exists, i % 2 == 0, "database {i}");
        if o.exists {
            assert!(o.up_to_date && o.outputs["database"] == json!(names[i]));
        }
    }
    assert!(!seen[5].as_ref().unwrap().exists);
    assert!(
        seen[6]
            .as_ref()
            .unwrap_err()
            .message
            .contains("invalid spec.name")
    );
    for db in &dbs {
        p.delete(db).await.unwrap();
    }
}

/// The Database, User and Grant a claim's composition sends, all on `name`.
fn owned_claim(namespace: &str, claim: &str, name: &str) -> [ManagedResource; 3] {
    [
        owned("Database", namespace, claim, name, json!({"name": name})),
        owned(
            "User",
            namespace,
            claim,
            name,
            json!({"name": name, "database": name}),
        ),
        owned(
            "Grant",
            namespace,
            claim,
            name,
            json!({"name": name, "privileges": ["ALL"]}),
        ),
    ]
}

async fn first_value(sql: String) -> Option<String> {
    let pool = mysql_async::Pool::new(url().as_str());
    let mut conn = pool.get_conn().await.unwrap();
    let value: Option<String> = conn.query_first(sql).await.unwrap();
    drop(conn);
    pool.disconnect().await.unwrap();
    value
}

/// Two claims forced onto one database and account name (a hand-set external name, a fixed
/// spec.name): the second is refused everywhere and the first keeps its data and password.
async fn another_claims_database_and_account_are_refused() {
    let name = unique("owners");
    let p = provider();
    let first = owned_claim("auditc-a", "orders-db", &name);
    let second = owned_claim("auditc", "a-orders-db", &name);
    let mut uri = String::new();
    for r in &first {
        let applied = p.create(r).await.unwrap();
        if r.kind() == "User" {
            uri = applied.secrets.get("uri").unwrap().expose().to_owned();
        }
    }
    let pool = mysql_async::Pool::new(uri.as_str());
    let mut conn = pool.get_conn().await.unwrap();
    conn.query_drop("CREATE TABLE orders (id INT PRIMARY KEY); INSERT INTO orders VALUES (7)")
        .await
        .unwrap();
    drop(conn);
    let comment = first_value(format!(
        "SELECT SCHEMA_COMMENT FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = '{name}'"
    ))
    .await
    .unwrap();
    assert_eq!(
        comment,
        "managed by platform owner=DatabaseClaim/auditc-a/orders-db uid=uid-auditc-a-orders-db"
    );

    owners::assert_refused_everywhere(
        p.as_ref(),
        &second,
        "DatabaseClaim",
        "auditc-a/orders-db",
        "auditc/a-orders-db",
    )
    .await;

    // The first claim's password still works and its table is there.
    let mut conn = pool.get_conn().await.unwrap();
    let id: Option<i64> = conn.query_first("SELECT id FROM orders").await.unwrap();
    assert_eq!(id, Some(7));
    drop(conn);
    pool.disconnect().await.unwrap();
    for r in &first {
        let seen = p.observe(r).await.unwrap();
        assert!(
            seen.exists && seen.up_to_date,
            "{} {:?}",
            r.kind(),
            seen.diff
        );
    }
    for r in first.iter().rev() {
        p.delete(r).await.unwrap();
    }
    // Deleted, the name is free again, and its records are gone.
    let records = first_value(format!(
        "SELECT COUNT(*) FROM `platform-owners`.`owners` WHERE name LIKE '{name}%'"
    ))
    .await;
    assert_eq!(records.as_deref(), Some("0"));
    p.create(&second[0]).await.unwrap();
    p.delete(&second[0]).await.unwrap();
}

/// A database and account made before owners were recorded are accepted, and the next create
/// records the owner.
async fn names_without_a_record_are_accepted_and_get_the_owner() {
    let name = unique("legacy");
    admin(format!(
        "CREATE DATABASE `{name}` COMMENT 'managed by platform'; CREATE USER '{name}'@'%'"
    ))
    .await
    .unwrap();
    let p = provider();
    let [db, user, _] = owned_claim("team-a", "orders", &name);
    for r in [&db, &user] {
        assert!(p.observe(r).await.unwrap().exists);
        p.create(r).await.unwrap();
    }
    let [theirs, _, _] = owned_claim("team", "a-orders", &name);
    let e = p.delete(&theirs).await.unwrap_err();
    assert!(
        e.message.contains("belongs to DatabaseClaim team-a/orders"),
        "{e}"
    );
    for r in [&user, &db] {
        p.delete(r).await.unwrap();
    }
}

/// What `inventory` lists under `prefix`: (kind, real name, owner key), sorted.
async fn inventoried(p: &MysqlProvider, prefix: &str) -> Vec<(String, String, String)> {
    let mut listed: Vec<_> = owners::listed(p, |name| name.starts_with(prefix))
        .await
        .iter()
        .map(|f| {
            assert!(
                f.resource
                    .external_name
                    .starts_with(f.resource.spec()["name"].as_str().unwrap())
            );
            owners::summary(f)
        })
        .collect();
    listed.sort();
    listed
}

/// The recorded databases and accounts are listed with their owners; deleting one listed
/// database drops it and its record only.
async fn inventory_lists_recorded_databases_and_accounts() {
    let prefix = unique("inv");
    let (a, b, hand) = (
        format!("{prefix}_a"),
        format!("{prefix}_b"),
        format!("{prefix}_hand"),
    );
    let p = provider();
    let a_database = owned("Database", "team-a", "orders", &a, json!({"name": a}));
    let b_database = owned("Database", "team-b", "billing", &b, json!({"name": b}));
    let b_user = owned(
        "User",
        "team-b",
        "billing",
        &b,
        json!({"name": b, "host": "%"}),
    );
    for r in [&a_database, &b_database, &b_user] {
        p.create(r).await.unwrap();
    }
    // Made by hand: no record.
    admin(format!("CREATE DATABASE `{hand}`")).await.unwrap();
    admin(format!("CREATE USER '{hand}'@'%'")).await.unwrap();
    let (owner_a, owner_b) = (
        "DatabaseClaim/team-a/orders",
        "DatabaseClaim/team-b/billing",
    );
    assert_eq!(
        inventoried(&p, &prefix).await,
        vec![
            ("Database".into(), a.clone(), owner_a.into()),
            ("Database".into(), b.clone(), owner_b.into()),
            ("User".into(), format!("{b}@%"), owner_b.into()),
        ]
    );
    let all = p.inventory().await.unwrap().unwrap();
    assert!(
        all.iter()
            .all(|f| !f.resource.external_name.starts_with("root@")
                && f.resource.external_name != "mysql"),
        "the server's own accounts and schemas are not listed"
    );
    let listed = all
        .into_iter()
        .find(|f| f.resource.kind() == "Database" && f.resource.external_name == a)
        .unwrap();
    p.delete(&listed.resource).await.unwrap();
    let exists = |name: String| {
        first_value(format!(
            "SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = '{name}'"
        ))
    };
    assert_eq!(
        exists(a.clone()).await,
        None,
        "the listed database {a} is dropped"
    );
    assert_eq!(
        exists(b.clone()).await,
        Some(b.clone()),
        "the other claim's database remains"
    );
    assert_eq!(exists(hand.clone()).await, Some(hand.clone()));
    assert_eq!(
        inventoried(&p, &prefix).await,
        vec![
            ("Database".into(), b.clone(), owner_b.into()),
            ("User".into(), format!("{b}@%"), owner_b.into()),
        ]
    );
    for r in [&b_database, &b_user] {
        p.delete(r).await.unwrap();
    }
    admin(format!("DROP DATABASE `{hand}`")).await.unwrap();
    admin(format!("DROP USER '{hand}'@'%'")).await.unwrap();
}

fn main() {
    real::run(
        "mysql",
        "MariaDB or MySQL at PLATFORM_TEST_MYSQL_URL (default mysql://root@127.0.0.1:3306)",
        vec![
            real::trial("database_passes_the_provider_suite", database_conformance),
            real::trial(
                "another_claims_database_and_account_are_refused",
                another_claims_database_and_account_are_refused,
            ),
            real::trial(
                "names_without_a_record_are_accepted_and_get_the_owner",
                names_without_a_record_are_accepted_and_get_the_owner,
            ),
            real::trial(
                "inventory_lists_recorded_databases_and_accounts",
                inventory_lists_recorded_databases_and_accounts,
            ),
            real::trial("user_passes_the_provider_suite", user_conformance),
            real::trial("grant_passes_the_provider_suite", grant_conformance),
            real::trial(
                "credentials_work_as_an_application_uses_them",
                credentials_work_as_an_application_uses_them,
            ),
            real::trial(
                "observe_many_answers_each_in_place",
                observe_many_answers_each_in_place,
            ),
        ],
    )
}
