//! What the process crash tests (`crash.rs` on fakes and on the local adapter,
//! `postgres_crash.rs` on a real PostgreSQL) share: the claims, the child's apply and delete
//! loops and how the parent starts the child, reads its acknowledgements and picks its kill
//! times.

use std::io::{BufRead, BufReader, Write as _};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;

use platform_core::engine::Engine;
use platform_core::kinds::{DatabaseClaim, DatabaseClaimSpec, DatabaseEngine};
use platform_core::model::DynamicObject;
use platform_providers::store::sqlite::{SecretKey, SecretKeySource, SqliteOptions};

/// What the child prints once a claim is Ready, followed by the claim's label.
pub const READY_MARKER: &str = "@ready ";

/// The state store's options, the same in the child and the parent (a fixed key).
pub fn store_options() -> SqliteOptions {
    SqliteOptions {
        secret_key: SecretKeySource::Key(SecretKey::from_bytes([7; 32])),
        ..Default::default()
    }
}

/// `count` PostgreSQL DatabaseClaims named `db-000`, `db-001`, ... in a namespace.
pub fn database_claims(namespace: &str, count: usize) -> Vec<DynamicObject> {
    (0..count)
        .map(|i| {
            DatabaseClaim::new(
                format!("db-{i:03}"),
                DatabaseClaimSpec::new(DatabaseEngine::Postgresql),
            )
            .in_namespace(namespace)
            .to_dynamic()
            .unwrap()
        })
        .collect()
}

/// Whether a stored object's condition is True.
pub fn is_true(object: &DynamicObject, condition: &str) -> bool {
    object
        .status
        .as_ref()
        .and_then(|s| s.get("conditions"))
        .and_then(|c| c.as_array())
        .is_some_and(|c| {
            c.iter()
                .any(|c| c["type"] == condition && c["status"] == "True")
        })
}

/// The child's work: one apply per claim, 16 at a time, so claims become Ready and are
/// acknowledged (a [`READY_MARKER`] line with `label(name)`) one by one from the first
/// milliseconds on, and kills land between acknowledgements. Panics listing every claim
/// that failed.
pub async fn apply_one_by_one(
    engine: Engine,
    claims: Vec<DynamicObject>,
    label: fn(&DynamicObject) -> String,
) {
    let slots = Arc::new(tokio::sync::Semaphore::new(16));
    let mut tasks = tokio::task::JoinSet::new();
    for claim in claims {
        let engine = engine.clone();
        let slots = slots.clone();
        tasks.spawn(async move {
            let _slot = slots.acquire_owned().await.unwrap();
            let name = label(&claim);
            match engine.apply(&[claim]).await {
                Ok(report) if report.all_ready() => {
                    let mut out = std::io::stdout().lock();
                    writeln!(out, "{READY_MARKER}{name}").unwrap();
                    out.flush().unwrap();
                    Ok(())
                }
                Ok(report) => Err(format!("{name} is not ready: {report:?}")),
                Err(e) => Err(format!("{name}: {e}")),
            }
        });
    }
    let mut failures = Vec::new();
    while let Some(joined) = tasks.join_next().await {
        if let Err(e) = joined.unwrap() {
            failures.push(e);
        }
    }
    assert!(failures.is_empty(), "child failures: {failures:#?}");
}

/// The child's work when it deletes: one delete per claim, 16 at a time, each acknowledged
/// (a [`READY_MARKER`] line with `label(key)`) once the claim and its real resources are gone;
/// a claim already gone counts as deleted. Panics listing every claim that failed.
#[allow(dead_code)] // Only crash.rs deletes.
pub async fn delete_one_by_one(
    engine: Engine,
    claims: Vec<platform_core::model::ObjectRef>,
    label: fn(&platform_core::model::ObjectRef) -> String,
) {
    let slots = Arc::new(tokio::sync::Semaphore::new(16));
    let mut tasks = tokio::task::JoinSet::new();
    for key in claims {
        let engine = engine.clone();
        let slots = slots.clone();
        tasks.spawn(async move {
            let _slot = slots.acquire_owned().await.unwrap();
            let name = label(&key);
            match engine.delete(&key).await {
                Ok(_) | Err(platform_core::engine::EngineError::NotFound(_)) => {
                    let mut out = std::io::stdout().lock();
                    writeln!(out, "{READY_MARKER}{name}").unwrap();
                    out.flush().unwrap();
                    Ok(())
                }
                Err(e) => Err(format!("{name}: {e}")),
            }
        });
    }
    let mut failures = Vec::new();
    while let Some(joined) = tasks.join_next().await {
        if let Err(e) = joined.unwrap() {
            failures.push(e);
        }
    }
    assert!(failures.is_empty(), "child failures: {failures:#?}");
}

/// Starts the child; its stdout is read on a thread, which returns the labels of the claims
/// it acknowledged as Ready.
pub fn spawn_child(mut command: Command) -> (Child, std::thread::JoinHandle<Vec<String>>) {
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn the child");
    let stdout = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
            .filter_map(|l| {
                l.split_once(READY_MARKER)
                    .map(|(_, claim)| claim.trim().to_owned())
            })
            .collect()
    });
    (child, reader)
}

/// A number from the environment, else `default`; a value that is not a number panics.
pub fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .map(|v| v.parse().unwrap_or_else(|e| panic!("{name}={v:?}: {e}")))
        .unwrap_or(default)
}
