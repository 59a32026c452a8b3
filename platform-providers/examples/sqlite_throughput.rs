//! Measures the SQLite state store at the engine's scale goal: 10,000 claims, each composed
//! into 3 managed resources (30,000), written in the engine's batches; then an unchanged
//! re-apply that only reads.
//!
//! Per claim: put the claim; per managed resource a create intent, then the object with its
//! secrets and the intent cleared (two transactions, as around an external create); then the
//! claim's status. 80,000 commits in all, from 16 concurrent tasks.
//!
//! Run: `cargo run --release -p platform-providers --features sqlite --example sqlite_throughput [CLAIMS]`

use platform_core::model::{DynamicObject, ObjectRef, Resource};
use platform_core::secret::{SecretMap, SecretValue};
use platform_core::store::{CreateIntent, ListFilter, Precondition, StateStore, StoreError, Write};
use platform_providers::store::sqlite::{SecretKey, SecretKeySource, SqliteOptions, SqliteStore};
use serde_json::json;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

const RESOURCES_PER_CLAIM: usize = 3;
const TASKS: usize = 16;

fn claim(n: usize) -> DynamicObject {
    serde_json::from_value(json!({
        "apiVersion": "platform.dev/v1alpha1",
        "kind": "DatabaseClaim",
        "metadata": {
            "name": format!("db-{n}"),
            "namespace": format!("team-{}", n % 20),
            "labels": {"app.kubernetes.io/part-of": "orders", "team": format!("team-{}", n % 20)},
        },
        "spec": {"engine": "postgres", "version": "16", "storageGB": 20, "highAvailability": false},
    }))
    .expect("a valid claim")
}

fn managed(claim: &DynamicObject, index: usize) -> DynamicObject {
    let kinds = ["PostgresInstance", "PostgresDatabase", "PostgresRole"];
    serde_json::from_value(json!({
        "apiVersion": "postgres.platform.dev/v1alpha1",
        "kind": kinds[index],
        "metadata": {
            "name": format!("{}-{index}", claim.name()),
            "namespace": claim.namespace(),
            "labels": {"platform.dev/claim": claim.name()},
            "annotations": {"platform.dev/external-name": format!("{}-{}-{index}", claim.namespace(), claim.name())},
            "ownerReferences": [{
                "apiVersion": claim.api_version,
                "kind": claim.kind,
                "name": claim.name(),
                "uid": claim.metadata.uid.clone().unwrap_or_default(),
                "controller": true,
            }],
        },
        "spec": {
            "forProvider": {"instanceClass": "small", "storageGB": 20, "version": "16", "parameters": {"max_connections": 100}},
            "providerConfigRef": {"name": "local"},
        },
        "status": {
            "conditions": [
                {"type": "Ready", "status": "True", "reason": "Available", "lastTransitionTime": "2026-01-01T00:00:00Z"},
                {"type": "Synced", "status": "True", "reason": "ReconcileSuccess", "lastTransitionTime": "2026-01-01T00:00:00Z"},
            ],
            "atProvider": {"host": "127.0.0.1", "port": 5432},
        },
    }))
    .expect("a valid managed resource")
}

async fn apply_claim(store: &SqliteStore, n: usize) -> Result<(), StoreError> {
    let stored = store
        .commit(vec![Write::Put {
            object: claim(n),
            expected: Precondition::Absent,
        }])
        .await?
        .remove(0);
    for index in 0..RESOURCES_PER_CLAIM {
        let object = managed(&stored, index);
        let key = object.object_ref();
        store
            .commit(vec![Write::PutIntent(CreateIntent {
                key: key.clone(),
                object: object.clone(),
                external_name: format!("{}-{}", key.namespace, key.name),
                started_at: "2026-01-01T00:00:00Z".into(),
            })])
            .await?;
        let mut secrets = SecretMap::new();
        secrets.insert(
            "password",
            SecretValue::new(format!("pw-{n}-{index}-x7Qe9")),
        );
        secrets.insert(
            "uri",
            SecretValue::new(format!("postgres://app:pw-{n}-{index}@127.0.0.1:5432/app")),
        );
        store
            .commit(vec![
                Write::Put {
                    object,
                    expected: Precondition::Absent,
                },
                Write::PutSecrets {
                    key: key.clone(),
                    secrets,
                },
                Write::ClearIntent(key),
            ])
            .await?;
    }
    let mut ready = stored.clone();
    ready.status =
        Some(json!({"conditions": [{"type": "Ready", "status": "True", "reason": "Available"}]}));
    store
        .commit(vec![Write::Put {
            expected: Precondition::Version(
                stored.metadata.resource_version.clone().unwrap_or_default(),
            ),
            object: ready,
        }])
        .await?;
    Ok(())
}

/// What an unchanged re-apply does per claim: read the claim and its managed resources.
async fn reapply_claim(store: &SqliteStore, n: usize) -> Result<(), StoreError> {
    let wanted = claim(n);
    let key: ObjectRef = wanted.object_ref();
    let stored = store
        .get(&key)
        .await?
        .ok_or_else(|| StoreError::Unavailable(format!("{key} missing")))?;
    assert_eq!(stored.spec, wanted.spec, "unchanged");
    let children = store.list(&ListFilter::owned_by(key)).await?;
    assert_eq!(children.len(), RESOURCES_PER_CLAIM);
    Ok(())
}

async fn run_all<F, Fut>(
    store: &Arc<SqliteStore>,
    claims: usize,
    work: F,
) -> Result<f64, StoreError>
where
    F: Fn(Arc<SqliteStore>, usize) -> Fut + Send + Sync + Copy + 'static,
    Fut: Future<Output = Result<(), StoreError>> + Send,
{
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..TASKS {
        let (store, next) = (store.clone(), next.clone());
        tasks.spawn(async move {
            loop {
                let n = next.fetch_add(1, Ordering::Relaxed);
                if n >= claims {
                    return Ok::<(), StoreError>(());
                }
                work(store.clone(), n).await?;
            }
        });
    }
    while let Some(done) = tasks.join_next().await {
        done.map_err(|e| StoreError::Unavailable(format!("task failed: {e}")))??;
    }
    Ok(started.elapsed().as_secs_f64())
}

/// CPU seconds (user + system, all threads) used so far; Linux only, where the kernel counts
/// in 1/100 s. On a shared machine this says more than wall time.
fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let after_name = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    let user: f64 = fields.get(11)?.parse().ok()?;
    let system: f64 = fields.get(12)?.parse().ok()?;
    Some((user + system) / 100.0)
}

fn cpu_note(before: Option<f64>) -> String {
    match (before, cpu_seconds()) {
        (Some(before), Some(after)) => format!(", {:.2} CPU s", after - before),
        _ => String::new(),
    }
}

fn peak_rss_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

#[tokio::main]
async fn main() -> Result<(), StoreError> {
    let claims: usize = match std::env::args().nth(1) {
        Some(text) => text.parse().map_err(|_| {
            StoreError::Unavailable(format!("CLAIMS must be a number, found {text:?}"))
        })?,
        None => 10_000,
    };
    let dir =
        std::env::temp_dir().join(format!("platform-sqlite-throughput-{}", std::process::id()));
    let state = dir.join("state.db");
    let options = SqliteOptions {
        secret_key: SecretKeySource::Key(SecretKey::generate()?),
        ..SqliteOptions::default()
    };
    let store = Arc::new(SqliteStore::open_with(&state, options)?);

    let resources = claims * RESOURCES_PER_CLAIM;
    let commits = claims * (2 + 2 * RESOURCES_PER_CLAIM);
    let cpu = cpu_seconds();
    let apply = run_all(
        &store,
        claims,
        |s, n| async move { apply_claim(&s, n).await },
    )
    .await?;
    println!(
        "apply: {claims} claims, {resources} managed resources, {commits} commits in {apply:.2} s \
         ({:.0} commits/s{})",
        commits as f64 / apply,
        cpu_note(cpu)
    );
    let cpu = cpu_seconds();
    let reapply = run_all(
        &store,
        claims,
        |s, n| async move { reapply_claim(&s, n).await },
    )
    .await?;
    println!(
        "re-apply (unchanged, reads only): {claims} claims in {reapply:.2} s{}",
        cpu_note(cpu)
    );
    drop(store);
    let size: u64 = std::fs::read_dir(&dir)
        .map_err(|e| StoreError::Unavailable(e.to_string()))?
        .filter_map(|e| e.ok()?.metadata().ok())
        .map(|m| m.len())
        .sum();
    println!("state file: {:.1} MB", size as f64 / 1e6);
    if let Some(rss) = peak_rss_mb() {
        println!("peak RSS: {rss:.0} MB");
    }
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}
