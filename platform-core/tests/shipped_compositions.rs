//! The compositions shipped under `compositions/` load, are chosen deterministically per
//! environment and engine, and render the managed resources the providers expect.

use serde_json::{Value, json};
use std::path::Path;

use platform_core::compose::{
    ComposeRequest, CompositionLibrary, ObservedResources, SelectionError,
};

fn library() -> CompositionLibrary {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../compositions");
    let mut library = CompositionLibrary::new();
    library
        .load_paths(&[root])
        .unwrap_or_else(|e| panic!("{e}"));
    library
}

fn claim(kind: &str, name: &str, spec: Value) -> Value {
    json!({"apiVersion": "platform.dev/v1alpha1", "kind": kind, "metadata": {"name": name, "namespace": "team-a"}, "spec": spec})
}

fn render(
    library: &CompositionLibrary,
    composite: &Value,
    env: &str,
) -> Result<Vec<(String, String, Value)>, String> {
    let composition = library
        .select(composite, env, None)
        .map_err(|e| e.to_string())?;
    let environment = library.environment(env).map(|e| e.data.clone());
    let observed = ObservedResources::new();
    let composed = composition
        .compose(&ComposeRequest {
            composite,
            observed: &observed,
            environment: environment.as_ref(),
        })
        .map_err(|e| e.to_string())?;
    Ok(composed
        .resources
        .into_iter()
        .map(|r| {
            (
                r.name,
                r.object["kind"].as_str().unwrap_or_default().to_owned(),
                r.object,
            )
        })
        .collect())
}

#[test]
fn every_shipped_composition_loads() {
    let library = library();
    let mut names: Vec<&str> = library.compositions().iter().map(|c| c.name()).collect();
    names.sort_unstable();
    assert_eq!(
        names,
        [
            "bucketclaim-local",
            "bucketclaim-s3",
            "cacheclaim-local",
            "cacheclaim-redis",
            "databaseclaim-local",
            "databaseclaim-mysql",
            "databaseclaim-postgresql",
            "queueclaim-local",
            "queueclaim-nats",
            "queueclaim-rabbitmq",
        ]
    );
    assert_eq!(
        library.environment("production").unwrap().data["region"],
        "eu-west-1"
    );
}

#[test]
fn a_database_claim_is_a_sqlite_file_locally_and_three_postgres_resources_in_production() {
    let library = library();
    let db = claim(
        "DatabaseClaim",
        "orders-db",
        json!({"engine": "postgresql", "size": "medium"}),
    );
    let local = render(&library, &db, "local").unwrap();
    assert_eq!(local.len(), 1);
    assert_eq!(local[0].1, "LocalDatabase");
    assert_eq!(local[0].2["spec"]["file"], "team-a/orders-db.sqlite3");
    assert_eq!(local[0].2["metadata"]["name"], "orders-db-database");

    let production = render(&library, &db, "production").unwrap();
    let kinds: Vec<&str> = production.iter().map(|r| r.1.as_str()).collect();
    assert_eq!(kinds, ["Role", "Database", "Grant"]);
    assert_eq!(production[0].2["spec"]["name"], "team_a_orders_db");
    // Integers stay integers through the map transform.
    assert_eq!(production[0].2["spec"]["connectionLimit"], json!(50));
    assert_eq!(production[1].2["spec"]["owner"], "team_a_orders_db");
    assert_eq!(
        production[1].2["metadata"]["labels"]["platform.dev/region"],
        "eu-west-1"
    );
    assert_eq!(
        production[1].2["metadata"]["annotations"]["crossplane.io/composition-resource-name"],
        "database"
    );

    let mysql = claim("DatabaseClaim", "billing", json!({"engine": "mysql"}));
    let kinds: Vec<String> = render(&library, &mysql, "production")
        .unwrap()
        .into_iter()
        .map(|r| r.1)
        .collect();
    assert_eq!(kinds, ["User", "Database", "Grant"]);
}

#[test]
fn engines_choose_their_composition_and_missing_ones_are_named() {
    let library = library();
    let nats = claim(
        "QueueClaim",
        "events",
        json!({"engine": "nats", "maxLength": 1000, "durable": true}),
    );
    let stream = render(&library, &nats, "production").unwrap();
    assert_eq!(stream[0].1, "Stream");
    assert_eq!(stream[0].2["spec"]["name"], "TEAM_A_EVENTS");
    assert_eq!(stream[0].2["spec"]["subjects"], json!(["team-a.events.>"]));
    assert_eq!(stream[0].2["spec"]["maxMessages"], json!(1000));
    assert_eq!(stream[0].2["spec"]["storage"], "file");

    let rabbit = claim(
        "QueueClaim",
        "jobs",
        json!({"engine": "rabbitmq", "maxLength": 10, "deadLetter": true}),
    );
    let queue = render(&library, &rabbit, "production").unwrap();
    assert_eq!(queue[1].2["spec"]["arguments"]["x-max-length"], json!(10));
    assert_eq!(
        queue[1].2["spec"]["arguments"]["x-dead-letter-exchange"],
        "dead-letters"
    );

    let sqlite = claim("DatabaseClaim", "scratch", json!({"engine": "sqlite"}));
    let err = render(&library, &sqlite, "production").unwrap_err();
    assert_eq!(
        err,
        "no composition for platform.dev/v1alpha1 DatabaseClaim in environment \"production\" (compositions for this type exist for other environments or engines: databaseclaim-local, databaseclaim-mysql, databaseclaim-postgresql)"
    );
}

#[test]
fn caches_and_buckets_render_in_both_environments() {
    let library = library();
    let cache = claim(
        "CacheClaim",
        "sessions",
        json!({"maxMemoryMiB": 64, "engine": "redis"}),
    );
    let local = render(&library, &cache, "local").unwrap();
    assert_eq!(local[0].2["spec"]["maxEntries"], json!(65536));
    let production = render(&library, &cache, "production").unwrap();
    assert_eq!(production[0].2["spec"]["keyPrefix"], "team-a:sessions:");
    assert_eq!(
        production[0].2["spec"]["commands"],
        "+@read +@write +@keyspace -@dangerous"
    );

    let bucket = claim(
        "BucketClaim",
        "files",
        json!({"versioning": true, "public": false, "expireAfterDays": 30}),
    );
    let s3 = render(&library, &bucket, "production").unwrap();
    assert_eq!(s3[0].2["spec"]["publicAccessBlock"], json!(true));
    assert_eq!(s3[0].2["spec"]["lifecycle"]["expirationDays"], json!(30));
    assert_eq!(
        render(&library, &bucket, "local").unwrap()[0].2["spec"]["directory"],
        "team-a-files"
    );
}

#[test]
fn composition_ref_and_selector_override_the_engine_rule() {
    let library = library();
    let by_ref = claim(
        "DatabaseClaim",
        "orders-db",
        json!({"engine": "postgresql", "compositionRef": {"name": "databaseclaim-nope"}}),
    );
    let err = library.select(&by_ref, "production", None).unwrap_err();
    assert!(matches!(err, SelectionError::RefNotFound { .. }), "{err}");
    let by_selector = claim(
        "DatabaseClaim",
        "orders-db",
        json!({"engine": "postgresql", "compositionSelector": {"matchLabels": {"platform.dev/engine": "postgresql"}}}),
    );
    assert_eq!(
        library
            .select(&by_selector, "production", None)
            .unwrap()
            .name(),
        "databaseclaim-postgresql"
    );
}
