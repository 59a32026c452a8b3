//! Per-operation times of the PostgreSQL adapter against a real server, next to the same
//! statements sent by a plain tokio-postgres client: CREATE DATABASE and CREATE ROLE.
//!
//! `cargo bench -p platform-providers --no-default-features --features postgres --bench postgres_ops`
//! (PLATFORM_TEST_POSTGRES_URL, default postgres://postgres@127.0.0.1:5432/postgres).

use std::time::{Duration, Instant};

use serde_json::json;

use platform_core::model::DynamicObject;
use platform_core::provider::{ManagedResource, Provider};
use platform_providers::postgres::{API_VERSION, PostgresProvider};

const ROUNDS: usize = 20;

fn resource(kind: &str, spec: serde_json::Value) -> ManagedResource {
    let name = spec["name"].as_str().unwrap().replace('_', "-");
    let object: DynamicObject = serde_json::from_value(json!({
        "apiVersion": API_VERSION, "kind": kind,
        "metadata": {"name": name, "namespace": "bench"}, "spec": spec
    }))
    .unwrap();
    ManagedResource::new(object)
}

fn median(mut v: Vec<Duration>) -> f64 {
    v.sort();
    v[v.len() / 2].as_secs_f64() * 1000.0
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let url = std::env::var("PLATFORM_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    let provider = PostgresProvider::new(&url).unwrap();
    let (client, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
        .await
        .expect("PostgreSQL must be reachable");
    tokio::spawn(connection);
    let tag = std::process::id();
    let (mut adapter_db, mut plain_db, mut adapter_role, mut plain_role) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for i in 0..ROUNDS {
        let a = format!("pgb{tag}_a{i}");
        let p = format!("pgb{tag}_p{i}");
        let role = resource(
            "Role",
            json!({"name": a, "login": true, "connectionLimit": 20}),
        );
        let t = Instant::now();
        provider.create(&role).await.unwrap();
        adapter_role.push(t.elapsed());
        let db = resource(
            "Database",
            json!({"name": a, "owner": a, "encoding": "UTF8"}),
        );
        let t = Instant::now();
        provider.create(&db).await.unwrap();
        adapter_db.push(t.elapsed());

        let verifier = postgres_protocol::password::scram_sha_256(b"benchmark-password-0123456789");
        let t = Instant::now();
        client
            .batch_execute(&format!(
                "BEGIN; CREATE ROLE \"{p}\" WITH LOGIN CONNECTION LIMIT 20 PASSWORD '{verifier}'; COMMENT ON ROLE \"{p}\" IS 'managed-by=platform'; COMMIT"
            ))
            .await
            .unwrap();
        plain_role.push(t.elapsed());
        let t = Instant::now();
        client
            .batch_execute(&format!(
                "CREATE DATABASE \"{p}\" OWNER \"{p}\" ENCODING 'UTF8' TEMPLATE template0"
            ))
            .await
            .unwrap();
        client
            .batch_execute(&format!(
                "COMMENT ON DATABASE \"{p}\" IS 'managed-by=platform'"
            ))
            .await
            .unwrap();
        plain_db.push(t.elapsed());
    }
    println!(
        "median of {ROUNDS}: CREATE DATABASE adapter {:.2} ms, plain {:.2} ms; CREATE ROLE adapter {:.2} ms, plain {:.2} ms",
        median(adapter_db),
        median(plain_db),
        median(adapter_role),
        median(plain_role)
    );
    for i in 0..ROUNDS {
        for n in [format!("pgb{tag}_a{i}"), format!("pgb{tag}_p{i}")] {
            for sql in [
                format!("DROP DATABASE IF EXISTS \"{n}\" WITH (FORCE)"),
                format!("DROP ROLE IF EXISTS \"{n}\""),
            ] {
                client.batch_execute(&sql).await.unwrap();
            }
        }
    }
}
