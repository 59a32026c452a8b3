//! The production environment end to end against the real services: the built `platformctl`
//! applies `examples/production` (PostgreSQL, MariaDB, Redis, RabbitMQ, NATS and S3 through
//! their adapters), the handed-out database uri works, an unchanged re-apply changes nothing,
//! a database dropped out of band is reported by `drift` (exit 2) and recreated by `apply`, and
//! `delete` removes everything from the servers. Runs with `PLATFORM_REAL_SERVICES=1`.

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

use platform_testkit::real;
use support::repo;

/// platformctl in `dir` with the secrets the production config reads from the environment.
fn production_command(dir: &Path) -> Command {
    let mut command = support::command(dir);
    command
        .env(
            "RABBITMQ_PASSWORD",
            real::setting("PLATFORM_TEST_RABBITMQ_PASSWORD", "guest"),
        )
        .env("AWS_ACCESS_KEY_ID", "platform-test")
        .env("AWS_SECRET_ACCESS_KEY", "platform-test-secret");
    command
}

/// Runs platformctl in `dir`, checks the exit code, returns stdout and stderr.
fn expect(dir: &Path, args: &[&str], code: i32) -> (String, String) {
    support::check(&support::output(production_command(dir), args), args, code)
}

/// A copy of `examples/production` in a temp folder, its claims in a namespace of this run.
fn production_dir(namespace: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let source = repo().join("examples/production");
    let config = std::fs::read_to_string(source.join("platform.yaml")).unwrap();
    let s3 = real::setting("PLATFORM_TEST_S3_ENDPOINT", "http://127.0.0.1:5000");
    std::fs::write(
        dir.path().join("platform.yaml"),
        config.replace("http://127.0.0.1:5000", &s3),
    )
    .unwrap();
    std::fs::create_dir(dir.path().join("claims")).unwrap();
    for file in ["orders-db.yaml", "storefront-app.yaml"] {
        let text = std::fs::read_to_string(source.join("claims").join(file)).unwrap();
        std::fs::write(
            dir.path().join("claims").join(file),
            text.replace("namespace: shop", &format!("namespace: {namespace}")),
        )
        .unwrap();
    }
    dir
}

/// Deletes what a failed run left on the servers, so no run leaks into the next.
struct Cleanup(PathBuf);

impl Drop for Cleanup {
    fn drop(&mut self) {
        if std::thread::panicking() {
            let _ = production_command(&self.0)
                .args(["delete", "-f", "claims"])
                .output();
        }
    }
}

async fn postgres() -> tokio_postgres::Client {
    let url = real::setting(
        "PLATFORM_TEST_POSTGRES_URL",
        "postgres://postgres@127.0.0.1:5432/postgres",
    );
    let (client, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
        .await
        .expect("PostgreSQL is reachable");
    tokio::spawn(connection);
    client
}

async fn databases_named(client: &tokio_postgres::Client, prefix: &str) -> Vec<String> {
    client
        .query(
            "SELECT datname FROM pg_database WHERE starts_with(datname, $1) ORDER BY 1",
            &[&prefix],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect()
}

async fn the_production_environment_provisions_repairs_and_deletes_real_resources() {
    let namespace = format!("prod-{}", std::process::id());
    let prefix = namespace.replace('-', "_");
    // Real names carry the claim id, so claims whose names join alike stay apart.
    let id = |kind: &str, name: &str| platform_core::compose::claim_id(kind, &namespace, name);
    let orders_db = format!("{prefix}_orders_db_{}", id("DatabaseClaim", "orders-db"));
    let storefront_db = format!(
        "{prefix}_storefront_db_{}",
        id("DatabaseClaim", "storefront-db")
    );
    let dir = production_dir(&namespace);
    let d = dir.path();
    let _cleanup = Cleanup(d.to_path_buf());

    let (out, _) = expect(
        d,
        &["apply", "-f", "claims", "--wait", "--timeout", "60s"],
        0,
    );
    for claim in [
        "DatabaseClaim {ns}/orders-db Ready (composition databaseclaim-postgresql)",
        "DatabaseClaim {ns}/legacy-db Ready (composition databaseclaim-mysql)",
        "Application {ns}/storefront Ready",
        "CacheClaim {ns}/storefront-cache Ready (composition cacheclaim-redis)",
        "QueueClaim {ns}/storefront-events Ready (composition queueclaim-rabbitmq)",
        "QueueClaim {ns}/storefront-audit Ready (composition queueclaim-nats)",
        "BucketClaim {ns}/storefront-files Ready (composition bucketclaim-s3)",
    ] {
        let claim = claim.replace("{ns}", &namespace);
        assert!(out.contains(&claim), "expected {claim:?} in:\n{out}");
    }

    // The handed-out uri is a working login to the claim's own database.
    let (uri, _) = expect(
        d,
        &[
            "outputs",
            "DatabaseClaim",
            "orders-db",
            "-n",
            &namespace,
            "--reveal",
            "-o",
            "json",
        ],
        0,
    );
    let outputs: serde_json::Value = serde_json::from_str(&uri).unwrap();
    let uri = outputs["uri"]
        .as_str()
        .expect("a uri among the outputs")
        .to_owned();
    let (app, connection) = tokio_postgres::connect(&uri, tokio_postgres::NoTls)
        .await
        .expect("the handed-out uri connects");
    tokio::spawn(connection);
    app.batch_execute("CREATE TABLE orders (id bigint PRIMARY KEY); INSERT INTO orders VALUES (1)")
        .await
        .expect("the claim's role can create tables in its database");
    let row = app
        .query_one("SELECT current_user, current_database()", &[])
        .await
        .unwrap();
    assert_eq!(row.get::<_, String>(0), orders_db);
    assert_eq!(row.get::<_, String>(1), orders_db);
    drop(app);

    let (out, _) = expect(d, &["apply", "-f", "claims"], 0);
    assert!(
        out.contains("No changes: 14 resources are up to date."),
        "{out}"
    );

    // The map shows the order inside a claim: the grant after the role and the database.
    let (dot, _) = expect(d, &["graph", "-f", "claims"], 0);
    for edge in [
        "\"DatabaseClaim/orders-db\" -> \"Role/orders-db-role\";",
        "\"Database/orders-db-database\" -> \"Role/orders-db-role\" [style=dashed, label=\"after\"];",
        "\"Grant/orders-db-grant\" -> \"Database/orders-db-database\" [style=dashed, label=\"after\"];",
        "\"Application/storefront\" -> \"QueueClaim/storefront-events\";",
    ] {
        assert!(dot.contains(edge), "expected {edge} in:\n{dot}");
    }
    expect(d, &["drift"], 0);

    // Dropped out of band: drift reports it (exit 2), apply recreates it.
    let admin = postgres().await;
    admin
        .batch_execute(&format!("DROP DATABASE \"{orders_db}\" WITH (FORCE)"))
        .await
        .unwrap();
    let (out, _) = expect(d, &["drift"], 2);
    assert!(
        out.contains(&format!("Database orders-db-database ({namespace}-orders-db-database) of DatabaseClaim {namespace}/orders-db: missing")),
        "{out}"
    );
    let (out, _) = expect(d, &["apply", "-f", "claims"], 0);
    assert!(out.contains("Database orders-db-database"), "{out}");
    expect(d, &["drift"], 0);
    assert_eq!(
        databases_named(&admin, &prefix).await,
        vec![orders_db.clone(), storefront_db.clone()]
    );

    let (out, _) = expect(d, &["delete", "-f", "claims"], 0);
    assert!(out.contains("Delete complete"), "{out}");
    assert!(databases_named(&admin, &prefix).await.is_empty());
    let (out, _) = expect(d, &["get", "-A", "-o", "json"], 0);
    let list: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(list["items"], serde_json::json!([]), "{out}");
}

fn main() {
    real::run(
        "platformctl production",
        "PostgreSQL, MariaDB, Redis, RabbitMQ (management API), NATS and an S3 API (moto_server at 127.0.0.1:5000)",
        vec![real::trial(
            "the_production_environment_provisions_repairs_and_deletes_real_resources",
            the_production_environment_provisions_repairs_and_deletes_real_resources,
        )],
    )
}
