use serde_json::json;

use super::*;
use platform_core::model::DynamicObject;
use platform_core::provider::Provider;

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

/// A resource of `kind` owned by the claim `namespace/claim`, with a fixed real name in `spec`.
fn owned(kind: &str, namespace: &str, claim: &str, spec: Value) -> ManagedResource {
    let object: DynamicObject = serde_json::from_value(json!({
        "apiVersion": API_VERSION, "kind": kind,
        "metadata": {"name": format!("{claim}-res"), "namespace": namespace,
            "ownerReferences": [{"apiVersion": "platform.dev/v1alpha1", "kind": "DatabaseClaim",
                "name": claim, "uid": "u", "controller": true}]},
        "spec": spec
    }))
    .unwrap();
    ManagedResource::new(object)
}

#[tokio::test]
async fn another_claims_database_bucket_cache_and_queue_are_refused_and_kept() {
    let dir = tempfile::tempdir().unwrap();
    let provider = LocalProvider::new(dir.path());
    // The same real name forced on two claims, as a hand-set name could.
    for (kind, spec) in [
        (
            "LocalDatabase",
            json!({"engine": "sqlite", "file": "shared/orders.sqlite3"}),
        ),
        ("LocalBucket", json!({"directory": "shared-files"})),
        ("LocalCache", json!({"keyPrefix": "shared:"})),
        ("LocalQueue", json!({"queue": "shared.orders"})),
    ] {
        let first = owned(kind, "auditc-a", "orders-db", spec.clone());
        let second = owned(kind, "auditc", "a-orders-db", spec);
        let created = provider.create(&first).await.unwrap();
        for (operation, result) in [
            ("observe", provider.observe(&second).await.map(drop)),
            ("create", provider.create(&second).await.map(drop)),
            ("adopt", provider.adopt(&second).await.map(drop)),
            ("delete", provider.delete(&second).await),
        ] {
            let e = result.expect_err(&format!("{kind}: {operation} of another claim's resource"));
            assert!(!e.is_transient(), "{kind} {operation}: {e}");
            assert!(
                e.message
                    .contains("belongs to DatabaseClaim auditc-a/orders-db")
                    && e.message
                        .contains("not to DatabaseClaim auditc/a-orders-db"),
                "{kind} {operation}: {e}"
            );
        }
        // The first claim's resource is there, unchanged, with its password.
        let observed = provider.observe(&first).await.unwrap();
        assert!(observed.exists && observed.up_to_date, "{kind}");
        assert_eq!(
            observed
                .secrets
                .get("password")
                .map(|p| p.expose().to_owned()),
            created
                .secrets
                .get("password")
                .map(|p| p.expose().to_owned()),
            "{kind}"
        );
        provider.delete(&first).await.unwrap();
        assert!(!provider.observe(&first).await.unwrap().exists, "{kind}");
    }
}

#[tokio::test]
async fn resources_written_before_owners_were_recorded_are_taken_and_recorded() {
    let dir = tempfile::tempdir().unwrap();
    let provider = LocalProvider::new(dir.path());
    // A database file and a registry row as an older version wrote them: no owner.
    let file = dir.path().join("databases/team-a");
    std::fs::create_dir_all(&file).unwrap();
    let conn = rusqlite::Connection::open(file.join("old.sqlite3")).unwrap();
    conn.execute_batch(
        "CREATE TABLE _platform (id INTEGER PRIMARY KEY CHECK (id = 1), spec TEXT NOT NULL, password TEXT NOT NULL);
         INSERT INTO _platform VALUES (1, '{\"engine\":\"sqlite\",\"file\":\"team-a/old.sqlite3\"}', 'old-password-0123456789abcdef01');",
    )
    .unwrap();
    drop(conn);
    let mine = owned(
        "LocalDatabase",
        "team-a",
        "old",
        json!({"engine": "sqlite", "file": "team-a/old.sqlite3"}),
    );
    let observed = provider.observe(&mine).await.unwrap();
    assert!(observed.exists && observed.up_to_date);
    assert_eq!(
        observed.secrets.get("password").unwrap().expose(),
        "old-password-0123456789abcdef01"
    );
    provider.update(&mine).await.unwrap();
    // Recorded now: another claim is refused from here on.
    let other = owned(
        "LocalDatabase",
        "team",
        "a-old",
        json!({"engine": "sqlite", "file": "team-a/old.sqlite3"}),
    );
    assert!(provider.observe(&other).await.is_err());
}
