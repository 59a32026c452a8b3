use serde_json::json;

use super::*;
use platform_core::model::DynamicObject;

fn resource(kind: &str, name: &str, spec: Value) -> ManagedResource {
    let object: DynamicObject = serde_json::from_value(json!({
        "apiVersion": API_VERSION, "kind": kind,
        "metadata": {"name": name, "namespace": "team-a"}, "spec": spec
    }))
    .unwrap();
    ManagedResource::new(object)
}

#[tokio::test]
async fn a_database_is_a_sqlite_file_with_working_credentials() {
    let dir = tempfile::tempdir().unwrap();
    let provider = LocalProvider::new(dir.path());
    let db = resource(
        "LocalDatabase",
        "orders-db-database",
        json!({"engine": "sqlite", "file": "team-a/orders-db.sqlite3"}),
    );
    assert!(!provider.observe(&db).await.unwrap().exists);
    let applied = provider.create(&db).await.unwrap();
    let path = dir.path().join("databases/team-a/orders-db.sqlite3");
    assert!(path.is_file());
    assert_eq!(applied.outputs["path"], json!(path.display().to_string()));
    assert_eq!(applied.outputs["database"], "orders-db");
    let password = applied.secrets.get("password").unwrap().expose().to_owned();
    assert_eq!(password.len(), 32);
    // The uri works: an application can open the database and write to it.
    let uri = applied.secrets.get("uri").unwrap().expose().to_owned();
    let conn = rusqlite::Connection::open(uri.trim_start_matches("sqlite://")).unwrap();
    conn.execute_batch("CREATE TABLE orders (id INTEGER); INSERT INTO orders VALUES (1);")
        .unwrap();
    // Create is idempotent and keeps the password.
    let again = provider.create(&db).await.unwrap();
    assert_eq!(again.secrets.get("password").unwrap().expose(), password);
    let observed = provider.observe(&db).await.unwrap();
    assert!(observed.exists && observed.up_to_date && observed.ready);
    assert!(!format!("{observed:?}").contains(&password));
    // Deleting the file by hand is drift.
    std::fs::remove_file(&path).unwrap();
    assert!(!provider.observe(&db).await.unwrap().exists);
    provider.delete(&db).await.unwrap();
}

#[tokio::test]
async fn spec_changes_are_seen_and_converge() {
    let dir = tempfile::tempdir().unwrap();
    let provider = LocalProvider::new(dir.path());
    let queue = resource(
        "LocalQueue",
        "q",
        json!({"queue": "team-a.events", "maxLength": 10}),
    );
    provider.create(&queue).await.unwrap();
    let changed = resource(
        "LocalQueue",
        "q",
        json!({"queue": "team-a.events", "maxLength": 20}),
    );
    let observed = provider.observe(&changed).await.unwrap();
    assert!(observed.exists && !observed.up_to_date);
    assert_eq!(observed.diff[0].path, "spec.maxLength");
    assert_eq!(observed.diff[0].desired, json!(20));
    provider.update(&changed).await.unwrap();
    assert!(provider.observe(&changed).await.unwrap().up_to_date);
    provider.delete(&changed).await.unwrap();
    provider.delete(&changed).await.unwrap();
    assert!(!provider.observe(&changed).await.unwrap().exists);
}

#[tokio::test]
async fn caches_and_buckets_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let provider = LocalProvider::new(dir.path());
    let cache = resource(
        "LocalCache",
        "c",
        json!({"keyPrefix": "team-a:sessions:", "maxEntries": 65536}),
    );
    let applied = provider.create(&cache).await.unwrap();
    assert_eq!(applied.outputs["keyPrefix"], "team-a:sessions:");
    assert!(provider.observe(&cache).await.unwrap().up_to_date);
    provider.delete(&cache).await.unwrap();
    assert!(!provider.observe(&cache).await.unwrap().exists);

    let bucket = resource(
        "LocalBucket",
        "b",
        json!({"directory": "team-a-files", "versioning": true}),
    );
    let applied = provider.create(&bucket).await.unwrap();
    assert_eq!(applied.outputs["bucket"], "team-a-files");
    assert!(dir.path().join("buckets/team-a-files").is_dir());
    std::fs::remove_dir_all(dir.path().join("buckets/team-a-files")).unwrap();
    assert!(!provider.observe(&bucket).await.unwrap().exists);
}

#[tokio::test]
async fn hostile_names_are_refused_before_anything_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let provider = LocalProvider::new(dir.path());
    for (kind, spec) in [
        ("LocalDatabase", json!({"file": "../../etc/passwd"})),
        ("LocalBucket", json!({"directory": "/tmp/x"})),
        ("LocalQueue", json!({"queue": "x'; DROP TABLE queues; --"})),
        ("LocalCache", json!({"keyPrefix": "a b*"})),
    ] {
        let err = provider
            .create(&resource(kind, "x", spec))
            .await
            .unwrap_err();
        assert_eq!(
            err.class,
            platform_core::provider::ErrorClass::Permanent,
            "{kind}"
        );
        assert!(err.message.starts_with("invalid "), "{err}");
    }
    assert!(
        std::fs::read_dir(dir.path()).unwrap().next().is_none(),
        "nothing was written"
    );
    let err = provider
        .create(&resource("Nope", "x", json!({})))
        .await
        .unwrap_err();
    assert!(err.message.contains("does not serve kind \"Nope\""));
}

#[test]
fn first_opens_of_the_registry_at_once_all_succeed() {
    // An Application's queue and cache are created at the same moment on a fresh folder:
    // every open must wait for the others, never fail with "database is locked".
    for _ in 0..40 {
        let dir = tempfile::tempdir().unwrap();
        let failures: Vec<String> = std::thread::scope(|scope| {
            let opens: Vec<_> = (0..6)
                .map(|_| scope.spawn(|| registry::open(dir.path()).map(|_| ())))
                .collect();
            opens
                .into_iter()
                .filter_map(|open| open.join().unwrap().err())
                .map(|e| e.to_string())
                .collect()
        });
        assert!(failures.is_empty(), "{failures:#?}");
    }
}
