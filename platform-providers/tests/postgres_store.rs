//! The PostgreSQL state store against a real server: the store conformance suite, secrets
//! sealed at rest and a wrong key refused, schema versions, and the change feed waking a
//! listener in another store within milliseconds. Each test works in schemas of its own.

#[path = "real/mod.rs"]
mod real;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::json;

use platform_core::model::{DynamicObject, ObjectRef};
use platform_core::secret::{SecretMap, SecretValue};
use platform_core::store::{StateStore, Write};
use platform_providers::store::postgres::{PostgresOptions, PostgresStore};
use platform_providers::store::secret_key::{SecretKey, SecretKeySource};
use platform_testkit::conformance::store_conformance;

fn url() -> String {
    real::setting(
        "PLATFORM_TEST_POSTGRES_URL",
        "postgres://postgres@127.0.0.1:5432/postgres",
    )
}

/// A schema name no other run or test uses.
fn unique(test: &str) -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    format!("pgs_{}_{nanos}_{test}", std::process::id())
}

fn options(schema: &str, key: u8) -> PostgresOptions {
    PostgresOptions {
        schema: schema.to_owned(),
        pool_size: 4,
        secret_key: SecretKeySource::Key(SecretKey::from_bytes([key; 32])),
        ..PostgresOptions::default()
    }
}

async fn open(schema: &str, key: u8) -> PostgresStore {
    PostgresStore::connect(&url(), options(schema, key))
        .await
        .unwrap_or_else(|e| panic!("cannot open the PostgreSQL store at {}: {e}", url()))
}

/// A plain client, as an operator inspecting the database would use.
async fn plain() -> tokio_postgres::Client {
    let (client, connection) = tokio_postgres::connect(&url(), tokio_postgres::NoTls)
        .await
        .unwrap_or_else(|e| panic!("cannot reach PostgreSQL at {}: {e}", url()));
    tokio::spawn(connection);
    client
}

async fn drop_schemas(prefix: &str) {
    let client = plain().await;
    let rows = client
        .query(
            "SELECT nspname::text FROM pg_namespace WHERE starts_with(nspname, $1)",
            &[&prefix],
        )
        .await
        .unwrap();
    for row in rows {
        let schema: String = row.get(0);
        client
            .batch_execute(&format!("DROP SCHEMA \"{schema}\" CASCADE"))
            .await
            .unwrap();
    }
}

fn claim(name: &str) -> DynamicObject {
    serde_json::from_value(json!({
        "apiVersion": "platform.dev/v1alpha1", "kind": "DatabaseClaim",
        "metadata": {"name": name, "namespace": "team-a"},
        "spec": {"engine": "postgresql", "size": "small"}
    }))
    .unwrap()
}

fn claim_ref(name: &str) -> ObjectRef {
    ObjectRef::new("DatabaseClaim", "team-a", name).in_group("platform.dev")
}

async fn the_store_passes_the_store_suite() {
    let prefix = unique("suite");
    let counter = AtomicUsize::new(0);
    let report = store_conformance(|| {
        let schema = format!("{prefix}_{}", counter.fetch_add(1, Ordering::SeqCst));
        async move { Arc::new(open(&schema, 7).await) as Arc<dyn StateStore> }
    })
    .await;
    drop_schemas(&prefix).await;
    report.assert_passed();
}

async fn secrets_are_sealed_at_rest_and_a_wrong_key_is_a_clear_error() {
    let schema = unique("keys");
    let store = open(&schema, 1).await;
    let mut secrets = SecretMap::new();
    secrets.insert("password", SecretValue::new("hunter2-in-postgres"));
    store
        .commit(vec![
            Write::Put {
                object: claim("orders"),
                expected: platform_core::store::Precondition::Absent,
            },
            Write::PutSecrets {
                key: claim_ref("orders"),
                secrets,
            },
        ])
        .await
        .unwrap();
    let read = store.secrets(&claim_ref("orders")).await.unwrap();
    assert_eq!(
        read.get("password").unwrap().expose(),
        "hunter2-in-postgres"
    );

    // What an operator with a SQL client sees holds no plain value.
    let raw: Vec<u8> = plain()
        .await
        .query_one(
            &format!("SELECT sealed FROM \"{schema}\".secrets WHERE secret = 'password'"),
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert!(
        !String::from_utf8_lossy(&raw).contains("hunter2"),
        "the secret is stored in clear"
    );
    assert!(!format!("{store:?}").contains("hunter2"));

    // Another process with another key: objects read, secrets refused with a clear error.
    let other = open(&schema, 2).await;
    assert!(other.get(&claim_ref("orders")).await.unwrap().is_some());
    let e = other
        .secrets(&claim_ref("orders"))
        .await
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("does not match the key") && e.contains(&schema),
        "expected a wrong-key error naming the schema, found: {e}"
    );
    assert!(!e.contains("hunter2"), "{e}");
    let e = other
        .commit(vec![Write::PutSecrets {
            key: claim_ref("orders"),
            secrets: [("password".to_owned(), SecretValue::new("x"))]
                .into_iter()
                .collect(),
        }])
        .await
        .unwrap_err()
        .to_string();
    assert!(e.contains("does not match the key"), "{e}");
    drop_schemas(&schema).await;
}

async fn schemas_are_versioned_and_foreign_or_newer_ones_refused() {
    let schema = unique("versions");
    let store = open(&schema, 1).await;
    drop(store);
    // Opening again migrates nothing and keeps what is stored.
    let again = open(&schema, 1).await;
    again
        .commit(vec![Write::Put {
            object: claim("kept"),
            expected: platform_core::store::Precondition::Absent,
        }])
        .await
        .unwrap();
    let client = plain().await;
    client
        .batch_execute(&format!(
            "UPDATE \"{schema}\".schema_version SET version = version + 1"
        ))
        .await
        .unwrap();
    let e = PostgresStore::connect(&url(), options(&schema, 1))
        .await
        .unwrap_err()
        .to_string();
    assert!(e.contains("newer than version"), "{e}");

    let foreign = unique("foreign");
    client
        .batch_execute(&format!(
            "CREATE SCHEMA \"{foreign}\"; CREATE TABLE \"{foreign}\".orders (id int)"
        ))
        .await
        .unwrap();
    let e = PostgresStore::connect(&url(), options(&foreign, 1))
        .await
        .unwrap_err()
        .to_string();
    assert!(e.contains("another program"), "{e}");

    let e = PostgresStore::connect(&url(), options("Bad-Name", 1))
        .await
        .unwrap_err()
        .to_string();
    assert!(e.contains("state schema \"Bad-Name\""), "{e}");
    drop_schemas(&schema).await;
    drop_schemas(&foreign).await;
}

async fn a_listener_wakes_within_milliseconds_of_another_stores_write() {
    let schema = unique("feed");
    let reader = open(&schema, 1).await;
    let writer = open(&schema, 1).await;
    let mut listener = reader.listen().await.unwrap();
    let mut worst = Duration::ZERO;
    let mut seen = listener.latest();
    for i in 0..20 {
        let started = Instant::now();
        writer
            .commit(vec![Write::Put {
                object: claim(&format!("c{i}")),
                expected: platform_core::store::Precondition::Absent,
            }])
            .await
            .unwrap();
        let announced = listener.wait(seen, Duration::from_secs(5)).await;
        let took = started.elapsed();
        assert!(announced > seen, "no change announced within 5 s");
        let changes = reader.changes(seen, 100).await.unwrap();
        assert_eq!(changes.len(), 1, "the announced change is in the feed");
        assert_eq!(changes[0].key, claim_ref(&format!("c{i}")));
        seen = announced;
        worst = worst.max(took);
    }
    eprintln!(
        "change feed: a write in one store woke another's listener within {worst:?} (worst of 20, write included)"
    );
    assert!(
        worst < Duration::from_millis(500),
        "slowest wake-up {worst:?}"
    );

    // The listening connection dies: the listener reconnects and announces what was
    // committed meanwhile, and the feed resumes from the last sequence number.
    plain()
        .await
        .execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
             WHERE query LIKE 'LISTEN%' AND query LIKE $1",
            &[&format!("%{schema}%")],
        )
        .await
        .unwrap();
    writer
        .commit(vec![Write::Put {
            object: claim("while-down"),
            expected: platform_core::store::Precondition::Absent,
        }])
        .await
        .unwrap();
    let announced = listener.wait(seen, Duration::from_secs(5)).await;
    assert!(
        announced > seen,
        "the write made while the listener reconnected was missed"
    );
    let changes = reader.changes(seen, 100).await.unwrap();
    assert_eq!(changes.last().unwrap().key, claim_ref("while-down"));
    drop(listener);
    drop_schemas(&schema).await;
}

async fn wait_for_change_wakes_a_reader_when_another_process_writes() {
    // What the controller of `platformctl run` waits on between reads of the feed.
    let schema = unique("wake");
    let reader: Arc<dyn StateStore> = Arc::new(open(&schema, 1).await);
    let writer = open(&schema, 1).await;
    let cursor = reader
        .changes(0, 1000)
        .await
        .unwrap()
        .last()
        .map_or(0, |c| c.seq);
    let waiting = {
        let reader = reader.clone();
        tokio::spawn(async move {
            reader.wait_for_change(cursor).await.unwrap();
            Instant::now()
        })
    };
    // Nothing was written yet: the reader keeps waiting.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!waiting.is_finished(), "woke without a change");
    let written = Instant::now();
    writer
        .commit(vec![Write::Put {
            object: claim("new-claim"),
            expected: platform_core::store::Precondition::Absent,
        }])
        .await
        .unwrap();
    let woke = tokio::time::timeout(Duration::from_secs(5), waiting)
        .await
        .expect("the reader woke within 5 s")
        .unwrap();
    let took = woke.saturating_duration_since(written);
    eprintln!("wait_for_change: woke {took:?} after another store's commit began");
    assert!(took < Duration::from_millis(500), "woke after {took:?}");
    let changes = reader.changes(cursor, 10).await.unwrap();
    assert_eq!(changes[0].key, claim_ref("new-claim"));
    drop_schemas(&schema).await;
}

/// A write of `name`'s spec under `lease`, as the engine fences what it records for a claim.
fn fenced_put(lease: &platform_core::store::Lease, name: &str, by: &str) -> Vec<Write> {
    let mut object = claim(name);
    object.spec = json!({"engine": "postgresql", "size": "small", "writtenBy": by});
    vec![
        Write::Fence(lease.clone()),
        Write::Put {
            object,
            expected: platform_core::store::Precondition::Any,
        },
    ]
}

async fn a_paused_holders_writes_are_refused_after_another_takes_over() {
    use platform_core::store::LeaseOutcome;
    // Two stores on one schema stand for two reconciler processes with pools of their own.
    let schema = unique("fence");
    let first = open(&schema, 1).await;
    let second = open(&schema, 1).await;
    let key = claim_ref("orders");
    let ttl = Duration::from_millis(300);
    let LeaseOutcome::Acquired(old) = first
        .acquire_lease(&key, "worker-a", ttl, None)
        .await
        .unwrap()
    else {
        panic!("a free lease is granted");
    };
    first
        .commit(fenced_put(&old, "orders", "worker-a"))
        .await
        .unwrap();
    // worker-a pauses (as under SIGSTOP) past its lease; worker-b takes over and works.
    tokio::time::sleep(ttl + Duration::from_millis(100)).await;
    let LeaseOutcome::Acquired(new) = second
        .acquire_lease(&key, "worker-b", ttl * 20, None)
        .await
        .unwrap()
    else {
        panic!("an expired lease is taken over");
    };
    assert!(
        new.token > old.token,
        "the take-over got token {} after {}",
        new.token,
        old.token
    );
    second
        .commit(fenced_put(&new, "orders", "worker-b"))
        .await
        .unwrap();
    // worker-a wakes up and carries on with what it was doing: every write is refused.
    let mut refused = 0;
    for _ in 0..5 {
        match first.commit(fenced_put(&old, "orders", "worker-a")).await {
            Err(e) => {
                let e = e.to_string();
                assert!(
                    e.contains("worker-b") && e.contains(&format!("token {}", new.token)),
                    "{e}"
                );
                refused += 1;
            }
            Ok(_) => panic!("a write under a lost lease was accepted"),
        }
    }
    eprintln!(
        "fencing: {refused} of 5 writes of the paused holder refused (token {} < {})",
        old.token, new.token
    );
    assert_eq!(refused, 5);
    let stored = second.get(&key).await.unwrap().unwrap();
    assert_eq!(
        stored.spec["writtenBy"], "worker-b",
        "the successor's result stands"
    );

    // Racing: while a fenced commit is in flight, a take-over waits for it (the fence holds
    // the lease row FOR SHARE), so a write is either committed before the new token exists
    // or refused; 20 rounds.
    let mut holder = new;
    let mut landed = 0;
    let mut refused = 0;
    for round in 0..20 {
        let writer = {
            let lease = holder.clone();
            let store = open(&schema, 1).await;
            tokio::spawn(async move {
                store
                    .commit(fenced_put(&lease, "orders", &format!("round-{round}")))
                    .await
            })
        };
        let taker = format!("taker-{round}");
        let LeaseOutcome::Acquired(next) = second
            .acquire_lease(&key, &taker, ttl * 20, Some(&holder.holder))
            .await
            .unwrap()
        else {
            panic!("a take-over naming the holder is granted");
        };
        match writer.await.unwrap() {
            Ok(_) => landed += 1,
            Err(_) => refused += 1,
        }
        // Whatever happened, a write fenced by the new token lands and is what is stored.
        second
            .commit(fenced_put(&next, "orders", &taker))
            .await
            .unwrap();
        let stored = second.get(&key).await.unwrap().unwrap();
        assert_eq!(stored.spec["writtenBy"], taker.as_str());
        holder = next;
    }
    eprintln!(
        "fencing race: {landed} writes committed before the take-over, {refused} refused after it"
    );
    assert_eq!(landed + refused, 20);
    drop_schemas(&schema).await;
}

async fn an_unreachable_server_is_a_clear_error_without_the_password() {
    let e = PostgresStore::connect(
        "postgres://platform:s3cr3t-pw@127.0.0.1:1/state",
        PostgresOptions {
            connect_timeout: Duration::from_secs(2),
            ..options("platform", 1)
        },
    )
    .await
    .unwrap_err()
    .to_string();
    assert!(e.contains("127.0.0.1:1"), "{e}");
    assert!(!e.contains("s3cr3t-pw"), "{e}");
}

fn main() {
    real::run(
        "postgres_store",
        "PostgreSQL at 127.0.0.1:5432 (PLATFORM_TEST_POSTGRES_URL), user postgres",
        vec![
            real::trial(
                "the_store_passes_the_store_suite",
                the_store_passes_the_store_suite,
            ),
            real::trial(
                "secrets_are_sealed_at_rest_and_a_wrong_key_is_a_clear_error",
                secrets_are_sealed_at_rest_and_a_wrong_key_is_a_clear_error,
            ),
            real::trial(
                "schemas_are_versioned_and_foreign_or_newer_ones_refused",
                schemas_are_versioned_and_foreign_or_newer_ones_refused,
            ),
            real::trial(
                "a_listener_wakes_within_milliseconds_of_another_stores_write",
                a_listener_wakes_within_milliseconds_of_another_stores_write,
            ),
            real::trial(
                "wait_for_change_wakes_a_reader_when_another_process_writes",
                wait_for_change_wakes_a_reader_when_another_process_writes,
            ),
            real::trial(
                "a_paused_holders_writes_are_refused_after_another_takes_over",
                a_paused_holders_writes_are_refused_after_another_takes_over,
            ),
            real::trial(
                "an_unreachable_server_is_a_clear_error_without_the_password",
                an_unreachable_server_is_a_clear_error_without_the_password,
            ),
        ],
    )
}
