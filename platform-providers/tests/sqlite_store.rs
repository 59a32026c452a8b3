//! The SQLite state store keeps the `StateStore` contract exactly as the in-memory store does,
//! and adds what a file promises: it survives a reopen, keeps secrets encrypted, refuses a
//! wrong key and a newer schema, and is shared safely by threads and processes.

use platform_core::model::{DynamicObject, ObjectRef};
use platform_core::secret::{SecretMap, SecretValue};
use platform_core::store::{
    ChangeKind, CreateIntent, EVENTS_PER_OBJECT, Event, EventType, ListFilter, MemoryStore,
    Precondition, StateStore, StoreError, Write,
};
use platform_providers::store::sqlite::{
    SCHEMA_VERSION, SECRET_KEY_ENV, SecretKey, SecretKeySource, SqliteOptions, SqliteStore,
    key_file_beside,
};
use serde_json::json;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

/// Set in a child process spawned by a test: the state file it works on.
const CHILD_STATE: &str = "SQLITE_STORE_TEST_CHILD_STATE";

const PASSWORD: &str = "hunter2-correct-horse-battery";

/// A folder removed when the test ends.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "platform-sqlite-{name}-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    fn state(&self) -> PathBuf {
        self.0.join(".platform").join("state.db")
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn key(byte: u8) -> SecretKey {
    SecretKey::from_bytes([byte; 32])
}

fn options(byte: u8) -> SqliteOptions {
    SqliteOptions {
        secret_key: SecretKeySource::Key(key(byte)),
        ..SqliteOptions::default()
    }
}

fn open(path: &Path) -> SqliteStore {
    SqliteStore::open_with(path, options(1)).unwrap()
}

fn object(kind: &str, namespace: &str, name: &str, spec: serde_json::Value) -> DynamicObject {
    serde_json::from_value(json!({
        "apiVersion": "platform.dev/v1alpha1",
        "kind": kind,
        "metadata": {"name": name, "namespace": namespace},
        "spec": spec,
    }))
    .unwrap()
}

fn owned(name: &str, owners: serde_json::Value) -> DynamicObject {
    let mut o = object("PostgresDatabase", "team-a", name, json!({}));
    o.metadata.owner_references = serde_json::from_value(owners).unwrap();
    o
}

fn put(object: DynamicObject) -> Write {
    Write::Put {
        object,
        expected: Precondition::Any,
    }
}

fn db_ref(name: &str) -> ObjectRef {
    ObjectRef::new("DatabaseClaim", "team-a", name).in_group("platform.dev")
}

fn secrets(password: &str) -> SecretMap {
    let mut map = SecretMap::new();
    map.insert("password", SecretValue::new(password));
    map.insert(
        "uri",
        SecretValue::new(format!("postgres://app:{password}@db:5432/app")),
    );
    map
}

fn event(key: &ObjectRef, n: usize) -> Event {
    Event {
        object: key.clone(),
        type_: EventType::Normal,
        reason: "Synced".into(),
        message: format!("event {n}"),
        time: "2026-01-01T00:00:00Z".into(),
    }
}

fn intent(key: &ObjectRef) -> CreateIntent {
    CreateIntent {
        key: key.clone(),
        object: object(&key.kind, &key.namespace, &key.name, json!({})),
        external_name: format!("{}-{}", key.namespace, key.name),
        started_at: "2026-01-01T00:00:00Z".into(),
    }
}

#[tokio::test]
async fn objects_round_trip_with_the_metadata_the_store_assigns() {
    let dir = TempDir::new("round-trip");
    let store = open(&dir.state());
    let mut claim = object(
        "DatabaseClaim",
        "team-a",
        "orders",
        json!({"engine": "postgres", "storageGB": 20, "ratio": 0.1, "tags": ["a", "b"]}),
    );
    claim.status = Some(json!({"conditions": [{"type": "Ready", "status": "True"}]}));
    let stored = store.commit(vec![put(claim.clone())]).await.unwrap();
    assert_eq!(stored.len(), 1);
    let meta = &stored[0].metadata;
    assert_eq!(meta.resource_version.as_deref(), Some("1"));
    assert_eq!(meta.generation, Some(1));
    assert!(meta.uid.is_some() && meta.creation_timestamp.is_some());

    let read = store.get(&db_ref("orders")).await.unwrap().unwrap();
    assert_eq!(read, stored[0]);
    assert_eq!(
        read.spec, claim.spec,
        "integers stay integers, floats stay exact"
    );
    assert_eq!(read.status, claim.status);
    assert!(store.get(&db_ref("missing")).await.unwrap().is_none());
    // The group is part of the key: the same kind and name in another group is another object.
    let other_group = ObjectRef::new("DatabaseClaim", "team-a", "orders").in_group("acme.io");
    assert!(store.get(&other_group).await.unwrap().is_none());
}

#[tokio::test]
async fn a_stale_resource_version_is_refused_and_nothing_is_overwritten() {
    let dir = TempDir::new("conflict");
    let store = open(&dir.state());
    let claim = object(
        "DatabaseClaim",
        "team-a",
        "orders",
        json!({"size": "small"}),
    );
    let v1 = store.commit(vec![put(claim.clone())]).await.unwrap()[0]
        .metadata
        .resource_version
        .clone()
        .unwrap();

    let mut update = claim.clone();
    update.spec = json!({"size": "large"});
    let v2 = store
        .commit(vec![Write::Put {
            object: update.clone(),
            expected: Precondition::Version(v1.clone()),
        }])
        .await
        .unwrap()[0]
        .metadata
        .resource_version
        .clone()
        .unwrap();
    assert_ne!(v1, v2);

    let mut stale = claim.clone();
    stale.spec = json!({"size": "tiny"});
    let err = store
        .commit(vec![Write::Put {
            object: stale,
            expected: Precondition::Version(v1.clone()),
        }])
        .await
        .unwrap_err();
    match &err {
        StoreError::Conflict {
            key,
            expected,
            found,
        } => {
            assert_eq!(**key, db_ref("orders"));
            assert_eq!(expected, &format!("resourceVersion {v1}"));
            assert_eq!(found, &format!("resourceVersion {v2}"));
        }
        other => panic!("expected a conflict, got {other:?}"),
    }
    let held = store.get(&db_ref("orders")).await.unwrap().unwrap();
    assert_eq!(held.spec, json!({"size": "large"}));

    let absent = store
        .commit(vec![Write::Put {
            object: claim.clone(),
            expected: Precondition::Absent,
        }])
        .await
        .unwrap_err();
    assert!(
        absent.to_string().contains("expected no object"),
        "{absent}"
    );
    let gone = store
        .commit(vec![Write::Delete {
            key: db_ref("nothing"),
            expected: Precondition::Version("1".into()),
        }])
        .await
        .unwrap_err();
    assert!(gone.to_string().contains("found no object"), "{gone}");
    let stale_delete = store
        .commit(vec![Write::Delete {
            key: db_ref("orders"),
            expected: Precondition::Version(v1),
        }])
        .await;
    assert!(matches!(stale_delete, Err(StoreError::Conflict { .. })));
    assert!(store.get(&db_ref("orders")).await.unwrap().is_some());
}

#[tokio::test]
async fn a_batch_is_written_whole_or_not_at_all() {
    let dir = TempDir::new("atomic");
    let store = open(&dir.state());
    store
        .commit(vec![put(object("DatabaseClaim", "team-a", "b", json!({})))])
        .await
        .unwrap();
    let feed_before = store.changes(0, 100).await.unwrap();

    let a = db_ref("a");
    let failed = store
        .commit(vec![
            put(object("DatabaseClaim", "team-a", "a", json!({}))),
            Write::PutSecrets {
                key: a.clone(),
                secrets: secrets(PASSWORD),
            },
            Write::PutIntent(intent(&a)),
            Write::Event(event(&a, 1)),
            Write::Put {
                object: object("DatabaseClaim", "team-a", "b", json!({})),
                expected: Precondition::Absent,
            },
        ])
        .await;
    assert!(matches!(failed, Err(StoreError::Conflict { .. })));
    assert!(store.get(&a).await.unwrap().is_none());
    assert!(store.secrets(&a).await.unwrap().is_empty());
    assert!(store.intents().await.unwrap().is_empty());
    assert!(store.events(&a).await.unwrap().is_empty());
    assert_eq!(store.changes(0, 100).await.unwrap(), feed_before);

    // Preconditions see the state the batch itself produces.
    let twice = store
        .commit(vec![
            Write::Put {
                object: object("DatabaseClaim", "team-a", "c", json!({})),
                expected: Precondition::Absent,
            },
            Write::Put {
                object: object("DatabaseClaim", "team-a", "c", json!({})),
                expected: Precondition::Absent,
            },
        ])
        .await
        .unwrap_err();
    assert!(twice.to_string().contains("(this batch)"), "{twice}");
    let recreated = store
        .commit(vec![
            Write::Delete {
                key: db_ref("b"),
                expected: Precondition::Any,
            },
            Write::Put {
                object: object("DatabaseClaim", "team-a", "b", json!({"v": 2})),
                expected: Precondition::Absent,
            },
        ])
        .await
        .unwrap();
    assert_eq!(
        recreated[0].metadata.generation,
        Some(1),
        "a new object again"
    );
    // The failed batch used no resourceVersion: numbering goes on without a gap.
    assert_eq!(recreated[0].metadata.resource_version.as_deref(), Some("2"));
}

#[tokio::test]
async fn generation_moves_only_when_the_spec_changes() {
    let dir = TempDir::new("generation");
    let store = open(&dir.state());
    let first = store
        .commit(vec![put(object(
            "DatabaseClaim",
            "team-a",
            "orders",
            json!({"engine": "postgres", "size": "small"}),
        ))])
        .await
        .unwrap()
        .remove(0);
    let mut same = object(
        "DatabaseClaim",
        "team-a",
        "orders",
        // The same spec with its keys in another order.
        json!({"size": "small", "engine": "postgres"}),
    );
    same.status = Some(json!({"phase": "Ready"}));
    let second = store.commit(vec![put(same)]).await.unwrap().remove(0);
    assert_eq!(second.metadata.generation, Some(1));
    assert_ne!(
        second.metadata.resource_version,
        first.metadata.resource_version
    );
    assert_eq!(second.metadata.uid, first.metadata.uid);
    assert_eq!(
        second.metadata.creation_timestamp,
        first.metadata.creation_timestamp
    );
    let third = store
        .commit(vec![put(object(
            "DatabaseClaim",
            "team-a",
            "orders",
            json!({"engine": "postgres", "size": "large"}),
        ))])
        .await
        .unwrap()
        .remove(0);
    assert_eq!(third.metadata.generation, Some(2));
}

#[tokio::test]
async fn owned_objects_are_listed_by_their_controller_in_reference_order() {
    let dir = TempDir::new("owners");
    let store = open(&dir.state());
    let controller = json!([
        {"apiVersion": "other.io/v1", "kind": "Team", "name": "x"},
        {"apiVersion": "platform.dev/v1alpha1", "kind": "DatabaseClaim", "name": "orders", "controller": true},
    ]);
    let first_owner =
        json!([{"apiVersion": "platform.dev/v1alpha1", "kind": "DatabaseClaim", "name": "orders"}]);
    let elsewhere = {
        let mut o = owned("z-elsewhere", first_owner.clone());
        o.metadata.namespace = Some("team-b".into());
        o
    };
    store
        .commit(vec![
            put(owned("b-user", controller.clone())),
            put(owned("a-db", first_owner.clone())),
            put(owned("c-other", json!([{"apiVersion": "platform.dev/v1alpha1", "kind": "DatabaseClaim", "name": "billing"}]))),
            put(elsewhere),
            put(object("DatabaseClaim", "team-a", "orders", json!({}))),
        ])
        .await
        .unwrap();
    let names = |objects: Vec<DynamicObject>| -> Vec<String> {
        objects.into_iter().map(|o| o.metadata.name).collect()
    };
    let children = store
        .list(&ListFilter::owned_by(db_ref("orders")))
        .await
        .unwrap();
    assert_eq!(names(children), ["a-db", "b-user"]);
    let in_b = ObjectRef::new("DatabaseClaim", "team-b", "orders").in_group("platform.dev");
    assert_eq!(
        names(store.list(&ListFilter::owned_by(in_b)).await.unwrap()),
        ["z-elsewhere"]
    );
    // The owner's group comes from its apiVersion.
    let other_group = ObjectRef::new("DatabaseClaim", "team-a", "orders").in_group("other.io");
    assert!(
        store
            .list(&ListFilter::owned_by(other_group))
            .await
            .unwrap()
            .is_empty()
    );

    // A new owner moves the object.
    store
        .commit(vec![put(owned("a-db", json!([{"apiVersion": "platform.dev/v1alpha1", "kind": "DatabaseClaim", "name": "billing", "controller": true}])))])
        .await
        .unwrap();
    assert_eq!(
        names(
            store
                .list(&ListFilter::owned_by(db_ref("orders")))
                .await
                .unwrap()
        ),
        ["b-user"]
    );
    assert_eq!(
        names(
            store
                .list(&ListFilter::owned_by(db_ref("billing")))
                .await
                .unwrap()
        ),
        ["a-db", "c-other"]
    );

    let databases = store
        .list(&ListFilter::kind("platform.dev", "PostgresDatabase"))
        .await
        .unwrap();
    assert_eq!(
        names(databases),
        ["a-db", "b-user", "c-other", "z-elsewhere"]
    );
    let team_b = ListFilter {
        namespace: Some("team-b".into()),
        ..ListFilter::all()
    };
    assert_eq!(names(store.list(&team_b).await.unwrap()), ["z-elsewhere"]);
    let all = store.list(&ListFilter::all()).await.unwrap();
    assert_eq!(
        names(all),
        ["orders", "a-db", "b-user", "c-other", "z-elsewhere"],
        "DatabaseClaim sorts before PostgresDatabase"
    );
}

#[tokio::test]
async fn create_intents_stay_until_cleared_and_survive_a_delete() {
    let dir = TempDir::new("intents");
    let store = open(&dir.state());
    let (a, b) = (db_ref("a"), db_ref("b"));
    store
        .commit(vec![
            Write::PutIntent(intent(&b)),
            Write::PutIntent(intent(&a)),
        ])
        .await
        .unwrap();
    let keys: Vec<_> = store
        .intents()
        .await
        .unwrap()
        .into_iter()
        .map(|i| i.key)
        .collect();
    assert_eq!(keys, [a.clone(), b.clone()]);
    assert_eq!(store.intents().await.unwrap()[0], intent(&a));
    store
        .commit(vec![
            put(object("DatabaseClaim", "team-a", "a", json!({}))),
            Write::ClearIntent(a.clone()),
            Write::Delete {
                key: b.clone(),
                expected: Precondition::Any,
            },
        ])
        .await
        .unwrap();
    assert_eq!(store.intents().await.unwrap(), [intent(&b)]);
}

#[tokio::test]
async fn the_change_feed_lists_puts_and_deletes_in_order() {
    let dir = TempDir::new("changes");
    let store = open(&dir.state());
    for name in ["a", "b", "c"] {
        store
            .commit(vec![put(object(
                "DatabaseClaim",
                "team-a",
                name,
                json!({}),
            ))])
            .await
            .unwrap();
    }
    store
        .commit(vec![
            Write::Delete {
                key: db_ref("b"),
                expected: Precondition::Any,
            },
            // Deleting what is not there changes nothing.
            Write::Delete {
                key: db_ref("never"),
                expected: Precondition::Any,
            },
        ])
        .await
        .unwrap();
    let feed = store.changes(0, 100).await.unwrap();
    let seqs: Vec<u64> = feed.iter().map(|c| c.seq).collect();
    assert_eq!(seqs, [1, 2, 3, 4]);
    assert_eq!(feed[3].kind, ChangeKind::Delete);
    assert_eq!(feed[3].key, db_ref("b"));
    assert_eq!(feed[3].resource_version, "");
    assert_eq!(feed[2].kind, ChangeKind::Put);
    assert_eq!(feed[2].resource_version, "3");
    assert_eq!(store.changes(1, 2).await.unwrap(), feed[1..3]);
    assert!(store.changes(4, 10).await.unwrap().is_empty());
    assert!(
        store
            .changes(u64::MAX, usize::MAX)
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn events_keep_the_newest_per_object_and_go_with_it() {
    let dir = TempDir::new("events");
    let store = open(&dir.state());
    let (a, b) = (db_ref("a"), db_ref("b"));
    store
        .commit(vec![put(object("DatabaseClaim", "team-a", "a", json!({})))])
        .await
        .unwrap();
    let total = EVENTS_PER_OBJECT + 10;
    for n in 0..total {
        store
            .commit(vec![Write::Event(event(&a, n))])
            .await
            .unwrap();
    }
    store
        .commit(vec![Write::Event(event(&b, 0))])
        .await
        .unwrap();
    let kept = store.events(&a).await.unwrap();
    assert_eq!(kept.len(), EVENTS_PER_OBJECT);
    assert_eq!(kept[0].message, "event 10");
    assert_eq!(kept.last().unwrap(), &event(&a, total - 1));
    assert_eq!(store.events(&b).await.unwrap(), [event(&b, 0)]);
    store
        .commit(vec![Write::Delete {
            key: a.clone(),
            expected: Precondition::Any,
        }])
        .await
        .unwrap();
    assert!(store.events(&a).await.unwrap().is_empty());
    assert_eq!(store.events(&b).await.unwrap().len(), 1);
}

/// Every byte of the state: the database file and its write-ahead log.
fn raw_bytes(state: &Path) -> Vec<u8> {
    let mut bytes = std::fs::read(state).unwrap();
    let wal = state.with_file_name("state.db-wal");
    if let Ok(more) = std::fs::read(wal) {
        bytes.extend(more);
    }
    bytes
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

#[tokio::test]
async fn secrets_are_encrypted_on_disk_and_read_back_whole() {
    let dir = TempDir::new("secrets");
    let store = open(&dir.state());
    let a = db_ref("orders");
    store
        .commit(vec![
            put(object("DatabaseClaim", "team-a", "orders", json!({}))),
            Write::PutSecrets {
                key: a.clone(),
                secrets: secrets(PASSWORD),
            },
        ])
        .await
        .unwrap();
    assert_eq!(store.secrets(&a).await.unwrap(), secrets(PASSWORD));
    assert!(!format!("{store:?}").contains(PASSWORD));

    // Nowhere in the file, its log or its sealed values is the plaintext.
    assert!(!contains(&raw_bytes(&dir.state()), PASSWORD));
    let raw = rusqlite::Connection::open(dir.state()).unwrap();
    let sealed: Vec<(String, Vec<u8>, Vec<u8>)> = raw
        .prepare("SELECT secret, nonce, sealed FROM secrets ORDER BY secret")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(sealed.len(), 2);
    assert_eq!(sealed[0].0, "password", "secret names stay readable");
    assert_ne!(sealed[0].1, sealed[1].1, "a fresh nonce per value");
    for (_, _, value) in &sealed {
        assert!(!contains(value, PASSWORD) && !contains(value, "postgres://"));
    }
    drop(raw);

    // Replacing the secrets replaces all of them; deleting the object removes them.
    let mut fewer = SecretMap::new();
    fewer.insert("password", SecretValue::new("second"));
    store
        .commit(vec![Write::PutSecrets {
            key: a.clone(),
            secrets: fewer.clone(),
        }])
        .await
        .unwrap();
    assert_eq!(store.secrets(&a).await.unwrap(), fewer);
    store
        .commit(vec![Write::Delete {
            key: a.clone(),
            expected: Precondition::Any,
        }])
        .await
        .unwrap();
    assert!(store.secrets(&a).await.unwrap().is_empty());
}

#[tokio::test]
async fn a_wrong_key_is_a_clear_error_that_shows_no_secret() {
    let dir = TempDir::new("wrong-key");
    let a = db_ref("orders");
    {
        let store = open(&dir.state());
        store
            .commit(vec![
                put(object("DatabaseClaim", "team-a", "orders", json!({}))),
                Write::PutSecrets {
                    key: a.clone(),
                    secrets: secrets(PASSWORD),
                },
            ])
            .await
            .unwrap();
    }
    let store = SqliteStore::open_with(dir.state(), options(2)).unwrap();
    // Objects stay readable without the key.
    assert!(store.get(&a).await.unwrap().is_some());
    let err = store.secrets(&a).await.unwrap_err();
    let message = err.to_string();
    assert!(
        message.contains("cannot decrypt secrets in")
            && message.contains("state.db")
            && message.contains("does not match"),
        "{message}"
    );
    assert!(!message.contains(PASSWORD) && !format!("{err:?}").contains(PASSWORD));
    // Writing secrets with the wrong key is refused too, so one file never mixes two keys.
    let b = db_ref("billing");
    let refused = store
        .commit(vec![
            put(object("DatabaseClaim", "team-a", "billing", json!({}))),
            Write::PutSecrets {
                key: b.clone(),
                secrets: secrets("other"),
            },
        ])
        .await
        .unwrap_err();
    assert!(refused.to_string().contains("does not match"), "{refused}");
    assert!(store.get(&b).await.unwrap().is_none());
    drop(store);
    let right = open(&dir.state());
    assert_eq!(right.secrets(&a).await.unwrap(), secrets(PASSWORD));
}

#[tokio::test]
async fn everything_survives_a_reopen_and_numbering_goes_on() {
    let dir = TempDir::new("reopen");
    let a = db_ref("orders");
    let before = {
        let store = open(&dir.state());
        store
            .commit(vec![
                put(object("DatabaseClaim", "team-a", "orders", json!({"n": 1}))),
                Write::PutSecrets {
                    key: a.clone(),
                    secrets: secrets(PASSWORD),
                },
                Write::PutIntent(intent(&db_ref("pending"))),
                Write::Event(event(&a, 1)),
            ])
            .await
            .unwrap()
            .remove(0)
    };
    let store = open(&dir.state());
    assert_eq!(store.get(&a).await.unwrap().unwrap(), before);
    assert_eq!(store.secrets(&a).await.unwrap(), secrets(PASSWORD));
    assert_eq!(store.intents().await.unwrap(), [intent(&db_ref("pending"))]);
    assert_eq!(store.events(&a).await.unwrap(), [event(&a, 1)]);
    let next = store
        .commit(vec![put(object(
            "DatabaseClaim",
            "team-a",
            "billing",
            json!({}),
        ))])
        .await
        .unwrap()
        .remove(0);
    assert_eq!(next.metadata.resource_version.as_deref(), Some("2"));
    assert_eq!(store.changes(0, 10).await.unwrap().last().unwrap().seq, 2);
}

#[tokio::test]
async fn a_newer_schema_or_a_foreign_file_is_refused_clearly() {
    let dir = TempDir::new("schema");
    drop(open(&dir.state()));
    let raw = rusqlite::Connection::open(dir.state()).unwrap();
    let version: u32 = raw
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .unwrap();
    assert_eq!(version, SCHEMA_VERSION);
    raw.pragma_update(None, "user_version", SCHEMA_VERSION + 1)
        .unwrap();
    drop(raw);
    let err = SqliteStore::open_with(dir.state(), options(1)).unwrap_err();
    let message = err.to_string();
    assert!(
        message.contains("state.db")
            && message.contains(&format!("schema version {}", SCHEMA_VERSION + 1))
            && message.contains("newer"),
        "{message}"
    );

    let foreign = dir.0.join("other.db");
    let raw = rusqlite::Connection::open(&foreign).unwrap();
    raw.execute_batch("CREATE TABLE todo (item TEXT)").unwrap();
    drop(raw);
    let err = SqliteStore::open_with(&foreign, options(1)).unwrap_err();
    assert!(
        err.to_string().contains("not a platform state file"),
        "{err}"
    );

    let garbage = dir.0.join("garbage.db");
    std::fs::write(&garbage, vec![b'x'; 8192]).unwrap();
    let err = SqliteStore::open_with(&garbage, options(1)).unwrap_err();
    assert!(
        err.to_string().contains("garbage.db") && err.to_string().contains("not a"),
        "{err}"
    );
}

#[tokio::test]
async fn two_stores_on_one_file_share_it_safely_from_two_threads() {
    let dir = TempDir::new("threads");
    let first = std::sync::Arc::new(open(&dir.state()));
    let second = std::sync::Arc::new(open(&dir.state()));
    const EACH: usize = 100;
    let writer = |store: std::sync::Arc<SqliteStore>, prefix: &'static str| {
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .build()
                .unwrap();
            runtime.block_on(async {
                for n in 0..EACH {
                    let name = format!("{prefix}-{n}");
                    let key = db_ref(&name);
                    store
                        .commit(vec![
                            put(object("DatabaseClaim", "team-a", &name, json!({}))),
                            Write::PutSecrets {
                                key,
                                secrets: secrets(PASSWORD),
                            },
                        ])
                        .await
                        .unwrap();
                }
            })
        })
    };
    let threads = [writer(first.clone(), "one"), writer(second.clone(), "two")];
    for thread in threads {
        thread.join().unwrap();
    }
    let all = first.list(&ListFilter::all()).await.unwrap();
    assert_eq!(all.len(), 2 * EACH);
    let mut versions: Vec<u64> = all
        .iter()
        .map(|o| {
            o.metadata
                .resource_version
                .as_ref()
                .unwrap()
                .parse()
                .unwrap()
        })
        .collect();
    versions.sort_unstable();
    versions.dedup();
    assert_eq!(
        versions.len(),
        2 * EACH,
        "every write got its own resourceVersion"
    );
    assert_eq!(second.changes(0, 1000).await.unwrap().len(), 2 * EACH);

    // One store's stale view is refused after the other store wrote.
    let seen = first.get(&db_ref("one-0")).await.unwrap().unwrap();
    second.commit(vec![put(seen.clone())]).await.unwrap();
    let stale = first
        .commit(vec![Write::Put {
            expected: Precondition::Version(seen.metadata.resource_version.clone().unwrap()),
            object: seen,
        }])
        .await;
    assert!(matches!(stale, Err(StoreError::Conflict { .. })));
    assert_eq!(
        second.secrets(&db_ref("two-7")).await.unwrap(),
        secrets(PASSWORD)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_commits_stay_separate_when_some_of_them_fail() {
    // Commits that arrive together share one SQLite transaction; a failing one must neither
    // leave a trace nor take the others down.
    let dir = TempDir::new("group");
    let store = std::sync::Arc::new(open(&dir.state()));
    store
        .commit(vec![put(object(
            "DatabaseClaim",
            "team-a",
            "taken",
            json!({}),
        ))])
        .await
        .unwrap();
    let mut tasks = tokio::task::JoinSet::new();
    for n in 0..64 {
        let store = store.clone();
        tasks.spawn(async move {
            let name = format!("c-{n}");
            let mut batch = vec![
                put(object("DatabaseClaim", "team-a", &name, json!({"n": n}))),
                Write::PutSecrets {
                    key: db_ref(&name),
                    secrets: secrets(PASSWORD),
                },
                Write::Event(event(&db_ref(&name), n)),
            ];
            if n % 3 == 0 {
                batch.push(Write::Put {
                    object: object("DatabaseClaim", "team-a", "taken", json!({})),
                    expected: Precondition::Absent,
                });
            }
            (n, store.commit(batch).await)
        });
    }
    while let Some(done) = tasks.join_next().await {
        let (n, result) = done.unwrap();
        let key = db_ref(&format!("c-{n}"));
        if n % 3 == 0 {
            assert!(matches!(result, Err(StoreError::Conflict { .. })), "{n}");
            assert!(store.get(&key).await.unwrap().is_none());
            assert!(store.secrets(&key).await.unwrap().is_empty());
            assert!(store.events(&key).await.unwrap().is_empty());
        } else {
            let stored = result.unwrap().remove(0);
            assert_eq!(store.get(&key).await.unwrap().unwrap(), stored);
            assert_eq!(store.secrets(&key).await.unwrap(), secrets(PASSWORD));
            assert_eq!(store.events(&key).await.unwrap().len(), 1);
        }
    }
    let written = 1 + (0..64).filter(|n| n % 3 != 0).count();
    let feed = store.changes(0, 1000).await.unwrap();
    assert_eq!(feed.len(), written);
    let versions: Vec<&str> = feed.iter().map(|c| c.resource_version.as_str()).collect();
    let expected: Vec<String> = (1..=written).map(|v| v.to_string()).collect();
    assert_eq!(versions, expected, "failed commits use no resourceVersion");
}

/// Runs this test binary again as a child process doing one test's child part.
fn child(test: &str, state: &Path, env: &[(&str, Option<&str>)]) -> String {
    let mut command = Command::new(std::env::current_exe().unwrap());
    command
        .args(["--exact", test, "--nocapture", "--test-threads=1"])
        .env(CHILD_STATE, state);
    for (name, value) in env {
        match value {
            Some(value) => command.env(name, value),
            None => command.env_remove(name),
        };
    }
    let output = command.output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "child failed: {stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
        .lines()
        // libtest may print `test NAME ... ` on the same line before the child's output.
        .filter_map(|l| l.split_once("CHILD: ").map(|(_, answer)| answer))
        .collect::<Vec<_>>()
        .join("\n")
}

#[tokio::test]
async fn a_second_process_fails_clearly_while_the_first_holds_the_write_lock() {
    if let Some(state) = std::env::var_os(CHILD_STATE) {
        let options = SqliteOptions {
            busy_timeout: Duration::from_millis(200),
            ..options(1)
        };
        let result = match SqliteStore::open_with(&state, options) {
            Ok(store) => store
                .commit(vec![put(object(
                    "DatabaseClaim",
                    "team-a",
                    "child",
                    json!({}),
                ))])
                .await
                .map(|_| ()),
            Err(e) => Err(e),
        };
        match result {
            Ok(()) => println!("CHILD: written"),
            Err(e) => println!("CHILD: {e}"),
        }
        return;
    }
    let dir = TempDir::new("lock");
    drop(open(&dir.state()));
    let mut holder = rusqlite::Connection::open(dir.state()).unwrap();
    let held = holder
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
        .unwrap();
    let answer = child(
        "a_second_process_fails_clearly_while_the_first_holds_the_write_lock",
        &dir.state(),
        &[],
    );
    assert!(
        answer.contains("is locked by another process")
            && answer.contains("state.db")
            && answer.contains("waited 200ms"),
        "{answer}"
    );
    held.rollback().unwrap();
    let answer = child(
        "a_second_process_fails_clearly_while_the_first_holds_the_write_lock",
        &dir.state(),
        &[],
    );
    assert_eq!(answer, "written");
    assert!(
        open(&dir.state())
            .get(&db_ref("child"))
            .await
            .unwrap()
            .is_some()
    );
}

#[tokio::test]
async fn two_processes_writing_at_once_both_land_without_corruption() {
    const EACH: usize = 150;
    async fn write_many(state: &Path, prefix: &str) {
        let store = open(state);
        for n in 0..EACH {
            let name = format!("{prefix}-{n}");
            store
                .commit(vec![
                    Write::PutIntent(intent(&db_ref(&name))),
                    put(object("DatabaseClaim", "team-a", &name, json!({"n": n}))),
                    Write::ClearIntent(db_ref(&name)),
                ])
                .await
                .unwrap();
        }
    }
    if let Some(state) = std::env::var_os(CHILD_STATE) {
        write_many(Path::new(&state), "child").await;
        println!("CHILD: done");
        return;
    }
    let dir = TempDir::new("processes");
    drop(open(&dir.state()));
    let state = dir.state();
    let other = std::thread::spawn(move || {
        child(
            "two_processes_writing_at_once_both_land_without_corruption",
            &state,
            &[],
        )
    });
    write_many(&dir.state(), "parent").await;
    assert_eq!(other.join().unwrap(), "done");

    let store = open(&dir.state());
    assert_eq!(
        store.list(&ListFilter::all()).await.unwrap().len(),
        2 * EACH
    );
    assert!(store.intents().await.unwrap().is_empty());
    let feed = store.changes(0, 10 * EACH).await.unwrap();
    assert_eq!(feed.len(), 2 * EACH);
    assert!(feed.windows(2).all(|w| w[0].seq < w[1].seq));
    drop(store);
    let raw = rusqlite::Connection::open(dir.state()).unwrap();
    let check: String = raw
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(check, "ok");
}

#[tokio::test]
async fn the_key_comes_from_the_environment_else_from_a_key_file_beside_the_state() {
    let a = db_ref("orders");
    if let Some(state) = std::env::var_os(CHILD_STATE) {
        let store = SqliteStore::open(&state).unwrap();
        store
            .commit(vec![Write::PutSecrets {
                key: a,
                secrets: secrets(PASSWORD),
            }])
            .await
            .unwrap();
        println!("CHILD: written");
        return;
    }
    let test = "the_key_comes_from_the_environment_else_from_a_key_file_beside_the_state";
    let from_env = TempDir::new("env-key");
    let hex = key(9).to_hex();
    assert_eq!(
        child(test, &from_env.state(), &[(SECRET_KEY_ENV, Some(&hex))]),
        "written"
    );
    assert!(!key_file_beside(&from_env.state()).exists());
    let store = SqliteStore::open_with(from_env.state(), options(9)).unwrap();
    assert_eq!(store.secrets(&a).await.unwrap(), secrets(PASSWORD));

    let from_file = TempDir::new("file-key");
    assert_eq!(
        child(test, &from_file.state(), &[(SECRET_KEY_ENV, None)]),
        "written"
    );
    let key_file = key_file_beside(&from_file.state());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&key_file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "only the owner may read the key");
    }
    let by_file = SqliteOptions {
        secret_key: SecretKeySource::File(key_file),
        ..SqliteOptions::default()
    };
    let store = SqliteStore::open_with(from_file.state(), by_file).unwrap();
    assert_eq!(store.secrets(&a).await.unwrap(), secrets(PASSWORD));

    let bad = TempDir::new("bad-env-key");
    let mut command = Command::new(std::env::current_exe().unwrap());
    let output = command
        .args(["--exact", test, "--nocapture", "--test-threads=1"])
        .env(CHILD_STATE, bad.state())
        .env(SECRET_KEY_ENV, "hunter2-is-no-key")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&output.stdout).into_owned()
        + &String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(
        text.contains("PLATFORM_SECRET_KEY: expected 64 hex characters"),
        "{text}"
    );
    assert!(!text.contains("hunter2"), "{text}");
}

/// A small deterministic generator, so the comparison below needs no dependency.
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((self.0 >> 33) % n as u64) as usize
    }
}

fn random_write(rng: &mut Lcg, versions: &[String]) -> Write {
    let kinds = ["DatabaseClaim", "PostgresDatabase"];
    let kind = kinds[rng.below(2)];
    let namespace = ["team-a", "team-b"][rng.below(2)];
    let name = ["a", "b", "c", "d"][rng.below(4)];
    let key = ObjectRef::new(kind, namespace, name).in_group("platform.dev");
    let expected = match rng.below(4) {
        0 => Precondition::Absent,
        1 if !versions.is_empty() => {
            Precondition::Version(versions[rng.below(versions.len())].clone())
        }
        _ => Precondition::Any,
    };
    match rng.below(8) {
        0..=2 => {
            let mut o = object(kind, namespace, name, json!({"size": rng.below(3)}));
            if rng.below(2) == 0 {
                let owner = ["a", "b"][rng.below(2)];
                let controller = rng.below(2) == 0;
                o.metadata.owner_references = serde_json::from_value(json!([{
                    "apiVersion": "platform.dev/v1alpha1",
                    "kind": "DatabaseClaim",
                    "name": owner,
                    "controller": controller,
                }]))
                .unwrap();
            }
            if rng.below(2) == 0 {
                o.status = Some(json!({"ready": rng.below(2) == 0}));
            }
            Write::Put {
                object: o,
                expected,
            }
        }
        3 => Write::Delete { key, expected },
        4 => Write::PutSecrets {
            secrets: secrets(&format!("pw-{}", rng.below(5))),
            key,
        },
        5 => Write::PutIntent(intent(&key)),
        6 => Write::ClearIntent(key),
        _ => Write::Event(event(&key, rng.below(100))),
    }
}

/// What a store answers, with creation times (wall clock) left out.
async fn observe(store: &dyn StateStore) -> String {
    let mut seen = String::new();
    let mut all = store.list(&ListFilter::all()).await.unwrap();
    for o in &mut all {
        o.metadata.creation_timestamp = None;
    }
    seen += &format!("{all:?}\n");
    for owner in ["a", "b"] {
        for namespace in ["team-a", "team-b"] {
            let key = ObjectRef::new("DatabaseClaim", namespace, owner).in_group("platform.dev");
            let children: Vec<_> = store
                .list(&ListFilter::owned_by(key))
                .await
                .unwrap()
                .into_iter()
                .map(|o| o.metadata.name)
                .collect();
            seen += &format!("{children:?}\n");
        }
    }
    for o in &all {
        let key = platform_core::model::Resource::object_ref(o);
        let secrets: Vec<_> = store
            .secrets(&key)
            .await
            .unwrap()
            .iter()
            .map(|(k, v)| format!("{k}={}", v.expose()))
            .collect();
        seen += &format!("{secrets:?} {:?}\n", store.events(&key).await.unwrap());
    }
    seen += &format!("{:?}\n", store.intents().await.unwrap());
    seen += &format!("{:?}\n", store.changes(0, usize::MAX).await.unwrap());
    seen
}

#[tokio::test]
async fn random_batches_give_the_same_answers_as_the_memory_store() {
    let dir = TempDir::new("differential");
    let sqlite = open(&dir.state());
    let memory = MemoryStore::new();
    let mut rng = Lcg(42);
    let mut versions: Vec<String> = Vec::new();
    for step in 0..400 {
        let batch: Vec<Write> = (0..1 + rng.below(3))
            .map(|_| random_write(&mut rng, &versions))
            .collect();
        let strip = |r: Result<Vec<DynamicObject>, StoreError>| {
            r.map(|objects| {
                objects
                    .into_iter()
                    .map(|mut o| {
                        o.metadata.creation_timestamp = None;
                        o
                    })
                    .collect::<Vec<_>>()
            })
        };
        let from_memory = strip(memory.commit(batch.clone()).await);
        let from_sqlite = strip(sqlite.commit(batch).await);
        assert_eq!(from_sqlite, from_memory, "commit at step {step}");
        if let Ok(objects) = &from_memory {
            versions.extend(
                objects
                    .iter()
                    .filter_map(|o| o.metadata.resource_version.clone()),
            );
        }
        if step % 20 == 0 {
            assert_eq!(
                observe(&sqlite).await,
                observe(&memory).await,
                "step {step}"
            );
        }
    }
    assert_eq!(observe(&sqlite).await, observe(&memory).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_connections_racing_for_one_lease_give_it_to_one() {
    use platform_core::store::LeaseOutcome;
    let dir = TempDir::new("lease-race");
    let first = std::sync::Arc::new(open(&dir.state()));
    let second = std::sync::Arc::new(open(&dir.state()));
    for round in 0..30 {
        let key = ObjectRef::new("DatabaseClaim", "team-a", format!("orders-{round}"));
        let ask = |store: std::sync::Arc<SqliteStore>, holder: &'static str| {
            let key = key.clone();
            tokio::spawn(async move {
                store
                    .acquire_lease(&key, holder, Duration::from_secs(60), None)
                    .await
                    .unwrap()
            })
        };
        let (a, b) = (ask(first.clone(), "a"), ask(second.clone(), "b"));
        let outcomes = [a.await.unwrap(), b.await.unwrap()];
        let winners = outcomes
            .iter()
            .filter(|o| matches!(o, LeaseOutcome::Acquired(_)))
            .count();
        assert_eq!(winners, 1, "round {round}: {outcomes:?}");
    }
    // The lease survives reopening: it lives in the file, not in one connection.
    drop((first, second));
    let reopened = open(&dir.state());
    let key = ObjectRef::new("DatabaseClaim", "team-a", "orders-0");
    let outcome = reopened
        .acquire_lease(&key, "c", Duration::from_secs(60), None)
        .await
        .unwrap();
    assert!(matches!(outcome, LeaseOutcome::Held(_)), "{outcome:?}");
}
