//! The PostgreSQL adapter against a real server: the conformance suite for Database, Role and
//! Grant, handed-out credentials used as an application would, drift made with a plain client,
//! batched observe, and a transient error for an unreachable server.

#[path = "owners/mod.rs"]
mod owners;
#[path = "real/mod.rs"]
mod real;
mod scram;

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};

use platform_core::model::DynamicObject;
use platform_core::provider::{ErrorClass, ManagedResource, Owner, Provider};
use platform_providers::postgres::{API_VERSION, MARKER, PostgresProvider};
use platform_testkit::conformance::{ProviderSubject, provider_conformance};
use scram::scram_matches;

fn url() -> String {
    real::setting(
        "PLATFORM_TEST_POSTGRES_URL",
        "postgres://postgres@127.0.0.1:5432/postgres",
    )
}

fn provider() -> PostgresProvider {
    PostgresProvider::new(&url()).unwrap()
}

/// A name prefix no other run or trial uses.
fn unique(trial: &str) -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    format!("pgt_{}_{nanos}_{trial}", std::process::id())
}

/// A resource as the engine sends it: composed for a claim (one claim for the whole suite; every
/// test uses names of its own), the owner the adapter records and checks.
fn resource(kind: &str, name: &str, spec: Value) -> ManagedResource {
    let object: DynamicObject = serde_json::from_value(json!({
        "apiVersion": API_VERSION, "kind": kind,
        "metadata": {"name": name.replace('_', "-"), "namespace": "pgtest",
            "ownerReferences": [{"apiVersion": "platform.dev/v1alpha1", "kind": "DatabaseClaim",
                "name": "suite", "uid": "", "controller": true}]},
        "spec": spec
    }))
    .unwrap();
    ManagedResource::new(object)
}

/// A plain client, as a person fixing things by hand would use.
async fn plain(database: &str) -> tokio_postgres::Client {
    let mut config: tokio_postgres::Config = url().parse().unwrap();
    config.dbname(database);
    let (client, connection) = config
        .connect(tokio_postgres::NoTls)
        .await
        .unwrap_or_else(|e| panic!("cannot reach PostgreSQL at {}: {e}", url()));
    tokio::spawn(connection);
    client
}

async fn drop_everything(prefix: &str) {
    let client = plain("postgres").await;
    let marked = provider().marked(prefix).await.unwrap();
    for db in &marked.databases {
        client
            .batch_execute(&format!("DROP DATABASE IF EXISTS \"{db}\" WITH (FORCE)"))
            .await
            .unwrap();
    }
    let rows = client
        .query(
            "SELECT rolname::text FROM pg_roles WHERE starts_with(rolname, $1)",
            &[&prefix],
        )
        .await
        .unwrap();
    for row in rows {
        let role: String = row.get(0);
        client
            .batch_execute(&format!(
                "DROP OWNED BY \"{role}\"; DROP ROLE IF EXISTS \"{role}\""
            ))
            .await
            .unwrap();
    }
}

async fn verifier_of(role: &str) -> String {
    plain("postgres")
        .await
        .query_one(
            "SELECT rolpassword FROM pg_authid WHERE rolname = $1",
            &[&role],
        )
        .await
        .unwrap()
        .get(0)
}

async fn database_conformance() {
    let prefix = unique("conf_db");
    let name = format!("{prefix}_orders");
    let db = |limit: i32| {
        resource(
            "Database",
            &name,
            json!({"name": name, "encoding": "UTF8", "connectionLimit": limit}),
        )
    };
    let provider: Arc<dyn Provider> = Arc::new(provider());
    let subject = ProviderSubject::new(provider, db(10), db(20), |r: ManagedResource| async move {
        let name = r.spec()["name"].as_str().unwrap().to_owned();
        plain("postgres")
            .await
            .batch_execute(&format!("ALTER DATABASE \"{name}\" CONNECTION LIMIT 99"))
            .await
            .map_err(|e| e.to_string())
    });
    let report = provider_conformance(subject).await;
    drop_everything(&prefix).await;
    report.assert_passed();
}

async fn role_conformance() {
    let prefix = unique("conf_role");
    let name = format!("{prefix}_app");
    let role = |limit: i32| {
        resource(
            "Role",
            &name,
            json!({"name": name, "login": true, "connectionLimit": limit}),
        )
    };
    let provider: Arc<dyn Provider> = Arc::new(provider());
    let subject = ProviderSubject::new(
        provider,
        role(5),
        role(7),
        |r: ManagedResource| async move {
            let name = r.spec()["name"].as_str().unwrap().to_owned();
            plain("postgres")
                .await
                .batch_execute(&format!("ALTER ROLE \"{name}\" CONNECTION LIMIT 99"))
                .await
                .map_err(|e| e.to_string())
        },
    );
    let report = provider_conformance(subject).await;
    drop_everything(&prefix).await;
    report.assert_passed();
}

async fn grant_conformance() {
    let prefix = unique("conf_grant");
    let name = format!("{prefix}_app");
    let client = plain("postgres").await;
    for sql in [
        format!("CREATE ROLE \"{name}\" LOGIN"),
        format!("CREATE DATABASE \"{name}\""),
        format!("COMMENT ON DATABASE \"{name}\" IS '{MARKER}'"),
    ] {
        client.batch_execute(&sql).await.unwrap();
    }
    let grant = |privileges: Value| {
        resource(
            "Grant",
            &name,
            json!({"role": name, "database": name, "privileges": privileges}),
        )
    };
    let provider: Arc<dyn Provider> = Arc::new(provider());
    let subject = ProviderSubject::new(
        provider,
        grant(json!(["CONNECT", "TEMPORARY"])),
        grant(json!(["ALL"])),
        |r: ManagedResource| async move {
            let name = r.spec()["role"].as_str().unwrap().to_owned();
            plain("postgres")
                .await
                .batch_execute(&format!(
                    "REVOKE TEMPORARY ON DATABASE \"{name}\" FROM \"{name}\""
                ))
                .await
                .map_err(|e| e.to_string())
        },
    );
    let report = provider_conformance(subject).await;
    drop_everything(&prefix).await;
    report.assert_passed();
}

/// The production composition's three resources, as the engine would send them.
fn claim_resources(name: &str) -> [ManagedResource; 3] {
    [
        resource(
            "Role",
            name,
            json!({"name": name, "login": true, "connectionLimit": 20}),
        ),
        resource(
            "Database",
            name,
            json!({"name": name, "encoding": "UTF8", "owner": name}),
        ),
        resource(
            "Grant",
            name,
            json!({"role": name, "database": name, "privileges": ["ALL"]}),
        ),
    ]
}

async fn handed_out_credentials_work() {
    let prefix = unique("creds");
    let name = format!("{prefix}_orders");
    let provider = provider();
    let [role, database, grant] = claim_resources(&name);
    // The Database waits for its owner, created at the same moment by its sibling.
    let (created_db, created_role) = tokio::join!(provider.create(&database), async {
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        provider.create(&role).await
    });
    let applied = created_role.unwrap();
    let created_db = created_db.unwrap();
    provider.create(&grant).await.unwrap();
    assert_eq!(applied.outputs["username"], json!(name));
    assert_eq!(applied.outputs["host"], json!("127.0.0.1"));
    assert_eq!(applied.outputs["port"], json!(5432));
    assert_eq!(created_db.outputs["database"], json!(name));
    let password = applied.secrets.get("password").unwrap().expose().to_owned();
    let uri = applied.secrets.get("uri").unwrap().expose().to_owned();
    assert_eq!(
        uri,
        format!("postgres://{name}:{password}@127.0.0.1:5432/{name}")
    );
    // The claim's uri comes from the Database: the same working credentials.
    assert_eq!(created_db.secrets.get("uri").unwrap().expose(), uri);
    let observed_db = provider.observe(&database).await.unwrap();
    assert_eq!(observed_db.secrets.get("uri").unwrap().expose(), uri);
    // The server holds only a SCRAM verifier, and it is the handed-out password's.
    let verifier = verifier_of(&name).await;
    assert!(verifier.starts_with("SCRAM-SHA-256$"), "{verifier}");
    assert!(!verifier.contains(&password));
    assert!(
        scram_matches(&verifier, &password),
        "the password does not match the verifier"
    );
    assert!(!scram_matches(&verifier, "not-the-password"));

    // Connect with the uri, as an application would, and make a table in its database.
    let (app, connection) = tokio_postgres::connect(&uri, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(connection);
    let who: String = app
        .query_one("SELECT current_user::text", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(who, name);
    app.batch_execute("CREATE TABLE orders (id bigint PRIMARY KEY); INSERT INTO orders VALUES (1)")
        .await
        .unwrap();
    let n: i64 = app
        .query_one("SELECT count(*) FROM orders", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(n, 1);
    drop(app);

    // Creating the existing role again hands out a fresh password (crash recovery).
    let again = provider.create(&role).await.unwrap();
    let fresh = again.secrets.get("password").unwrap().expose().to_owned();
    assert_ne!(fresh, password);
    let verifier = verifier_of(&name).await;
    assert!(scram_matches(&verifier, &fresh));
    assert!(!scram_matches(&verifier, &password));
    // ... and the Database's uri follows it.
    let observed_db = provider.observe(&database).await.unwrap();
    assert!(
        observed_db
            .secrets
            .get("uri")
            .unwrap()
            .expose()
            .contains(&fresh)
    );
    // A password set by someone else is not handed out as the owner's.
    plain("postgres")
        .await
        .batch_execute(&format!("ALTER ROLE \"{name}\" PASSWORD 'changed-by-hand'"))
        .await
        .unwrap();
    let observed_db = provider.observe(&database).await.unwrap();
    assert!(observed_db.secrets.get("uri").is_none());

    // Deleting in any order: the role owns a table in its database.
    for r in [&role, &grant, &database] {
        provider.delete(r).await.unwrap();
        provider.delete(r).await.unwrap();
    }
    let marked = provider.marked(&prefix).await.unwrap();
    assert!(
        marked.databases.is_empty() && marked.roles.is_empty(),
        "{marked:?}"
    );
    drop_everything(&prefix).await;
}

async fn drift_made_by_hand_is_reported() {
    let prefix = unique("drift");
    let name = format!("{prefix}_orders");
    let other = format!("{prefix}_other");
    let provider = provider();
    let [role, database, grant] = claim_resources(&name);
    for r in [&role, &database, &grant] {
        provider.create(r).await.unwrap();
    }
    let client = plain("postgres").await;
    client
        .batch_execute(&format!(
            "CREATE ROLE \"{other}\"; ALTER DATABASE \"{name}\" OWNER TO \"{other}\";
             ALTER ROLE \"{name}\" NOLOGIN CONNECTION LIMIT 3;
             REVOKE ALL ON DATABASE \"{name}\" FROM \"{name}\"; GRANT CONNECT ON DATABASE \"{name}\" TO \"{name}\""
        ))
        .await
        .unwrap();
    let seen = provider.observe(&database).await.unwrap();
    assert!(seen.exists && !seen.up_to_date);
    assert_eq!(seen.diff.len(), 1, "{:?}", seen.diff);
    assert_eq!(seen.diff[0].path, "spec.owner");
    assert_eq!(seen.diff[0].actual, json!(other));
    let seen = provider.observe(&role).await.unwrap();
    let mut paths: Vec<&str> = seen.diff.iter().map(|d| d.path.as_str()).collect();
    paths.sort();
    assert_eq!(paths, ["spec.connectionLimit", "spec.login"]);
    let seen = provider.observe(&grant).await.unwrap();
    assert_eq!(seen.diff.len(), 1);
    assert_eq!(seen.diff[0].actual, json!(["CONNECT"]));
    for r in [&role, &database, &grant] {
        provider.update(r).await.unwrap();
        let seen = provider.observe(r).await.unwrap();
        assert!(seen.up_to_date, "{} {:?}", r.kind(), seen.diff);
    }
    // Dropped out of band: observed missing.
    client
        .batch_execute(&format!("DROP DATABASE \"{name}\" WITH (FORCE)"))
        .await
        .unwrap();
    assert!(!provider.observe(&database).await.unwrap().exists);
    assert!(!provider.observe(&grant).await.unwrap().exists);
    // A database with another encoding cannot be corrected in place.
    client
        .batch_execute(&format!(
            "CREATE DATABASE \"{name}\" ENCODING 'SQL_ASCII' TEMPLATE template0 OWNER \"{name}\""
        ))
        .await
        .unwrap();
    let seen = provider.observe(&database).await.unwrap();
    assert_eq!(seen.diff[0].path, "spec.encoding");
    let e = provider.update(&database).await.unwrap_err();
    assert_eq!(e.class, ErrorClass::Permanent);
    assert!(e.message.contains("an encoding cannot change"), "{e}");
    for r in [&grant, &database, &role] {
        provider.delete(r).await.unwrap();
    }
    drop_everything(&prefix).await;
}

async fn observe_many_equals_one_by_one() {
    let prefix = unique("many");
    let provider = provider();
    let mut resources = Vec::new();
    for i in 0..3 {
        let name = format!("{prefix}_{i}");
        let [role, database, _] = claim_resources(&name);
        provider.create(&role).await.unwrap();
        provider.create(&database).await.unwrap();
        resources.push(role);
        resources.push(database);
    }
    // One drifted, two missing, one invalid.
    plain("postgres")
        .await
        .batch_execute(&format!("ALTER ROLE \"{prefix}_1\" CONNECTION LIMIT 1"))
        .await
        .unwrap();
    let [missing_role, missing_db, _] = claim_resources(&format!("{prefix}_missing"));
    resources.push(missing_role);
    resources.push(missing_db);
    resources.push(resource("Role", "bad", json!({"name": "Bad Name"})));
    let together = provider.observe_many(&resources).await;
    assert_eq!(together.len(), resources.len());
    for (r, batched) in resources.iter().zip(&together) {
        let single = provider.observe(r).await;
        assert_eq!(
            format!("{batched:?}"),
            format!("{single:?}"),
            "{} {}",
            r.kind(),
            r.external_name
        );
    }
    assert!(!together[1].as_ref().unwrap().secrets.is_empty());
    assert!(!together[2].as_ref().unwrap().up_to_date);
    assert!(!together[6].as_ref().unwrap().exists);
    assert!(together[8].is_err());
    for r in resources.iter().rev().skip(1) {
        provider.delete(r).await.unwrap();
    }
    drop_everything(&prefix).await;
}

async fn extension_is_installed_and_dropped() {
    let prefix = unique("ext");
    let name = format!("{prefix}_db");
    let provider = provider();
    let database = resource("Database", &name, json!({"name": name}));
    provider.create(&database).await.unwrap();
    let ext = resource(
        "Extension",
        &format!("{name}-hstore"),
        json!({"name": "hstore", "database": name}),
    );
    assert!(!provider.observe(&ext).await.unwrap().exists);
    let applied = provider.create(&ext).await.unwrap();
    provider.create(&ext).await.unwrap();
    assert_eq!(applied.outputs["extension"], json!("hstore"));
    let seen = provider.observe(&ext).await.unwrap();
    assert!(seen.exists && seen.up_to_date, "{:?}", seen.diff);
    let pinned = resource(
        "Extension",
        &format!("{name}-hstore"),
        json!({"name": "hstore", "database": name, "version": "0.0"}),
    );
    let seen = provider.observe(&pinned).await.unwrap();
    assert_eq!(seen.diff[0].path, "spec.version");
    provider.delete(&ext).await.unwrap();
    provider.delete(&ext).await.unwrap();
    assert!(!provider.observe(&ext).await.unwrap().exists);
    provider.delete(&database).await.unwrap();
    // Its database gone, the extension is gone too.
    assert!(!provider.observe(&ext).await.unwrap().exists);
    provider.delete(&ext).await.unwrap();
}

/// A resource of `kind` composed for DatabaseClaim `namespace/claim`: the claim is its
/// controlling owner.
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

/// The Role, Database, Grant and Extension a claim's composition would send, all on `name`.
fn owned_claim(namespace: &str, claim: &str, name: &str) -> [ManagedResource; 4] {
    [
        owned(
            "Role",
            namespace,
            claim,
            json!({"name": name, "login": true}),
        ),
        owned(
            "Database",
            namespace,
            claim,
            json!({"name": name, "owner": name}),
        ),
        owned(
            "Grant",
            namespace,
            claim,
            json!({"role": name, "database": name, "privileges": ["ALL"]}),
        ),
        owned(
            "Extension",
            namespace,
            claim,
            json!({"name": "hstore", "database": name}),
        ),
    ]
}

async fn comment_of(catalog: &str, name: &str) -> Option<String> {
    let sql = if catalog == "database" {
        "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = $1"
    } else {
        "SELECT shobj_description(oid, 'pg_authid') FROM pg_roles WHERE rolname = $1"
    };
    plain("postgres")
        .await
        .query_one(sql, &[&name])
        .await
        .unwrap()
        .get(0)
}

async fn another_claims_role_and_database_are_refused() {
    let prefix = unique("owners");
    let name = format!("{prefix}_auditc_a_orders_db");
    let provider = provider();
    // Two claims whose resources were forced onto the same real name (a hand-set
    // external name, a composition writing a fixed spec.name).
    let first = owned_claim("auditc-a", "orders-db", &name);
    let second = owned_claim("auditc", "a-orders-db", &name);
    let mut password = String::new();
    for r in &first {
        let applied = provider.create(r).await.unwrap();
        if r.kind() == "Role" {
            password = applied.secrets.get("password").unwrap().expose().to_owned();
        }
    }
    for catalog in ["database", "role"] {
        let comment = comment_of(catalog, &name).await.unwrap();
        assert!(
            comment.starts_with(&format!(
                "{MARKER} owner=DatabaseClaim/auditc-a/orders-db uid=uid-auditc-a-orders-db"
            )),
            "{catalog}: {comment}"
        );
    }
    let uri = format!("postgres://{name}:{password}@127.0.0.1:5432/{name}");
    let (app, connection) = tokio_postgres::connect(&uri, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(connection);
    app.batch_execute("CREATE TABLE orders (id bigint PRIMARY KEY); INSERT INTO orders VALUES (7)")
        .await
        .unwrap();
    drop(app);
    assert_eq!(
        provider.marked(&prefix).await.unwrap().databases,
        std::slice::from_ref(&name)
    );

    owners::assert_refused_everywhere(
        &provider,
        &second,
        "DatabaseClaim",
        "auditc-a/orders-db",
        "auditc/a-orders-db",
    )
    .await;

    // The first claim's resources are untouched: same password, its table, its privileges,
    // its owner recorded, and it still observes them up to date.
    let (app, connection) = tokio_postgres::connect(&uri, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(connection);
    let id: i64 = app
        .query_one("SELECT id FROM orders", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(id, 7);
    drop(app);
    for r in &first {
        let seen = provider.observe(r).await.unwrap();
        assert!(
            seen.exists && seen.up_to_date,
            "{} {:?}",
            r.kind(),
            seen.diff
        );
    }
    assert!(
        comment_of("database", &name)
            .await
            .unwrap()
            .contains("owner=DatabaseClaim/auditc-a/orders-db")
    );
    for r in first.iter().rev() {
        provider.delete(r).await.unwrap();
    }
    drop_everything(&prefix).await;
}

async fn a_marker_without_owner_is_accepted_and_gets_the_owner() {
    let prefix = unique("legacy");
    let name = format!("{prefix}_orders");
    let client = plain("postgres").await;
    // As the adapter marked them before owners were recorded.
    for sql in [
        format!("CREATE ROLE \"{name}\" LOGIN; COMMENT ON ROLE \"{name}\" IS '{MARKER}'"),
        format!("CREATE DATABASE \"{name}\" OWNER \"{name}\""),
        format!("COMMENT ON DATABASE \"{name}\" IS '{MARKER}'"),
    ] {
        client.batch_execute(&sql).await.unwrap();
    }
    let provider = provider();
    assert_eq!(
        provider.marked(&prefix).await.unwrap().roles,
        std::slice::from_ref(&name)
    );
    let [role, database, _, _] = owned_claim("team-a", "orders", &name);
    for r in [&role, &database] {
        assert!(provider.observe(r).await.unwrap().exists);
    }
    provider.create(&database).await.unwrap();
    provider.update(&role).await.unwrap();
    for catalog in ["database", "role"] {
        let comment = comment_of(catalog, &name).await.unwrap();
        assert_eq!(
            comment,
            format!("{MARKER} owner=DatabaseClaim/team-a/orders uid=uid-team-a-orders"),
            "{catalog}"
        );
    }
    // From now on another claim is refused.
    let [_, theirs, _, _] = owned_claim("team", "a-orders", &name);
    let e = provider.delete(&theirs).await.unwrap_err();
    assert!(
        e.message.contains("belongs to DatabaseClaim team-a/orders"),
        "{e}"
    );
    assert_eq!(
        provider.marked(&prefix).await.unwrap().databases,
        std::slice::from_ref(&name)
    );
    drop_everything(&prefix).await;
}

/// What `inventory` lists under `prefix`: (kind, name, owner key), sorted.
async fn inventoried(provider: &PostgresProvider, prefix: &str) -> Vec<(String, String, String)> {
    let mut listed: Vec<_> = owners::listed(provider, |name| name.starts_with(prefix))
        .await
        .iter()
        .map(|f| {
            assert_eq!(f.resource.spec()["name"], f.resource.external_name.as_str());
            assert_eq!(
                Owner::of(&f.resource).key(),
                f.owner.as_ref().unwrap().key()
            );
            owners::summary(f)
        })
        .collect();
    listed.sort();
    listed
}

/// Marked databases and roles are listed with their owners, ones made by hand are not;
/// deleting one listed database drops that database only.
async fn inventory_lists_marked_databases_and_roles_with_their_owners() {
    let prefix = unique("inventory");
    let (a, b) = (format!("{prefix}_a"), format!("{prefix}_b"));
    let provider = provider();
    let a_database = owned("Database", "team-a", "orders", json!({"name": a}));
    let b_role = owned("Role", "team-b", "billing", json!({"name": b}));
    let b_database = owned("Database", "team-b", "billing", json!({"name": b}));
    for r in [&a_database, &b_role, &b_database] {
        provider.create(r).await.unwrap();
    }
    // Made by hand: no marker, or a comment that is not the platform's.
    let client = plain("postgres").await;
    for sql in [
        format!("CREATE ROLE \"{prefix}_hand\""),
        format!("CREATE DATABASE \"{prefix}_hand\""),
        format!("CREATE ROLE \"{prefix}_noted\""),
        format!("COMMENT ON ROLE \"{prefix}_noted\" IS 'owner=x/y/z'"),
    ] {
        client.batch_execute(&sql).await.unwrap();
    }
    let (owner_a, owner_b) = (
        "DatabaseClaim/team-a/orders",
        "DatabaseClaim/team-b/billing",
    );
    assert_eq!(
        inventoried(&provider, &prefix).await,
        vec![
            ("Database".into(), a.clone(), owner_a.into()),
            ("Database".into(), b.clone(), owner_b.into()),
            ("Role".into(), b.clone(), owner_b.into()),
        ]
    );
    let found = provider.inventory().await.unwrap().unwrap();
    assert!(
        found.iter().all(|f| f.resource.external_name != "postgres"),
        "the server's own database and superuser are not listed"
    );
    let listed = found
        .iter()
        .find(|f| f.resource.kind() == "Database" && f.resource.external_name == a)
        .unwrap();
    assert_eq!(
        listed.owner.as_ref().unwrap().uid.as_deref(),
        Some("uid-team-a-orders")
    );
    provider.delete(&listed.resource).await.unwrap();
    let exists = |name: String| async move {
        plain("postgres")
            .await
            .query_opt("SELECT 1 FROM pg_database WHERE datname = $1", &[&name])
            .await
            .unwrap()
            .is_some()
    };
    assert!(
        !exists(a.clone()).await,
        "the listed database {a} is dropped"
    );
    assert!(
        exists(b.clone()).await,
        "the other claim's database {b} remains"
    );
    assert!(exists(format!("{prefix}_hand")).await);
    assert_eq!(
        inventoried(&provider, &prefix).await,
        vec![
            ("Database".into(), b.clone(), owner_b.into()),
            ("Role".into(), b.clone(), owner_b.into()),
        ]
    );
    client
        .batch_execute(&format!("DROP DATABASE \"{prefix}_hand\""))
        .await
        .unwrap();
    drop_everything(&prefix).await;
}

async fn unreachable_server_is_a_transient_error_without_the_password() {
    let provider =
        PostgresProvider::new("postgres://postgres:TopSecretPw123@127.0.0.1:1/postgres").unwrap();
    let [role, database, grant] = claim_resources("unreachable_app");
    for r in [&role, &database, &grant] {
        let e = provider.observe(r).await.unwrap_err();
        assert_eq!(e.class, ErrorClass::Transient, "{e}");
        assert!(!e.message.contains("TopSecretPw123"), "{e}");
        assert!(!format!("{e:?}").contains("TopSecretPw123"));
        assert!(e.message.contains("127.0.0.1:1"), "{e}");
        let e = provider.create(r).await.unwrap_err();
        assert_eq!(e.class, ErrorClass::Transient, "{e}");
        assert!(!e.message.contains("TopSecretPw123"), "{e}");
    }
}

async fn server_refusals_are_permanent_with_the_servers_words() {
    let prefix = unique("refused");
    let name = format!("{prefix}_app");
    let client = plain("postgres").await;
    // A role that may log in but may not create databases or roles.
    client
        .batch_execute(&format!("CREATE ROLE \"{name}\" LOGIN"))
        .await
        .unwrap();
    let mut config: tokio_postgres::Config = url().parse().unwrap();
    config.user(&name);
    let host = match config.get_hosts().first() {
        Some(tokio_postgres::config::Host::Tcp(h)) => h.clone(),
        _ => "127.0.0.1".into(),
    };
    let port = config.get_ports().first().copied().unwrap_or(5432);
    let weak = PostgresProvider::new(&format!(
        "postgres://{name}:pw12345678@{host}:{port}/postgres"
    ))
    .unwrap();
    let db = resource(
        "Database",
        &format!("{name}_db"),
        json!({"name": format!("{name}_db")}),
    );
    let e = weak.create(&db).await.unwrap_err();
    assert_eq!(e.class, ErrorClass::Permanent, "{e}");
    assert!(
        e.message.contains("permission denied to create database"),
        "{e}"
    );
    assert!(e.message.contains("42501"), "{e}");
    drop_everything(&prefix).await;
}

fn main() {
    real::run(
        "postgres",
        "PostgreSQL at 127.0.0.1:5432 (PLATFORM_TEST_POSTGRES_URL), user postgres",
        vec![
            real::trial("database_conformance", database_conformance),
            real::trial("role_conformance", role_conformance),
            real::trial("grant_conformance", grant_conformance),
            real::trial("handed_out_credentials_work", handed_out_credentials_work),
            real::trial(
                "drift_made_by_hand_is_reported",
                drift_made_by_hand_is_reported,
            ),
            real::trial(
                "observe_many_equals_one_by_one",
                observe_many_equals_one_by_one,
            ),
            real::trial(
                "extension_is_installed_and_dropped",
                extension_is_installed_and_dropped,
            ),
            real::trial(
                "another_claims_role_and_database_are_refused",
                another_claims_role_and_database_are_refused,
            ),
            real::trial(
                "a_marker_without_owner_is_accepted_and_gets_the_owner",
                a_marker_without_owner_is_accepted_and_gets_the_owner,
            ),
            real::trial(
                "inventory_lists_marked_databases_and_roles_with_their_owners",
                inventory_lists_marked_databases_and_roles_with_their_owners,
            ),
            real::trial(
                "unreachable_server_is_a_transient_error_without_the_password",
                unreachable_server_is_a_transient_error_without_the_password,
            ),
            real::trial(
                "server_refusals_are_permanent_with_the_servers_words",
                server_refusals_are_permanent_with_the_servers_words,
            ),
        ],
    )
}
