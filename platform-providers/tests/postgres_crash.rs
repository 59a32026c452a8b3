//! Process crash test against a real PostgreSQL: a child process applies 100 DatabaseClaims
//! through the engine (SQLite state store, the production composition: Role, Database and
//! Grant per claim) and is killed with SIGKILL at random moments, restarted, and finally run to
//! completion. Over 20 seeded trials every claim ends Ready, and every database and role on the
//! server carrying the platform's marker under the trial's prefix has exactly one Synced record
//! in the state, and every record a real object (no duplicate, no orphan, no phantom).
//!
//! The child is this test binary run again with [`CHILD_ENV`] set. `PLATFORM_CRASH_SEED` replays
//! another seed's trials, `PLATFORM_CRASH_TRIALS` changes their number.

#[path = "real/mod.rs"]
mod real;

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader, Write as _};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use platform_core::compose::CompositionLibrary;
use platform_core::engine::Engine;
use platform_core::kinds::{DatabaseClaim, DatabaseClaimSpec, DatabaseEngine};
use platform_core::model::{DynamicObject, Resource};
use platform_core::provider::Provider;
use platform_core::store::{ListFilter, StateStore};
use platform_providers::postgres::{API_VERSION, PostgresProvider};
use platform_providers::store::sqlite::{SecretKey, SecretKeySource, SqliteOptions, SqliteStore};

/// Set (to the trial's folder) when this binary runs as the child.
const CHILD_ENV: &str = "PLATFORM_PG_CRASH_CHILD_DIR";
/// The trial's namespace, which prefixes every database and role name.
const NAMESPACE_ENV: &str = "PLATFORM_PG_CRASH_NAMESPACE";
/// Claims each child applies.
const CLAIMS: usize = 100;
/// What the child prints once a claim is Ready.
const READY_MARKER: &str = "@ready ";

fn url() -> String {
    real::setting(
        "PLATFORM_TEST_POSTGRES_URL",
        "postgres://postgres@127.0.0.1:5432/postgres",
    )
}

fn provider() -> PostgresProvider {
    PostgresProvider::from_settings(&serde_json::json!({"url": url(), "maxConnections": 8}))
        .unwrap()
}

fn store_options() -> SqliteOptions {
    SqliteOptions {
        secret_key: SecretKeySource::Key(SecretKey::from_bytes([9; 32])),
        ..Default::default()
    }
}

fn claims(namespace: &str) -> Vec<DynamicObject> {
    (0..CLAIMS)
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

fn is_true(object: &DynamicObject, condition: &str) -> bool {
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

fn engine(store: Arc<dyn StateStore>) -> Engine {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../compositions/production");
    let mut library = CompositionLibrary::new();
    library
        .load_paths(&[
            root.join("database-postgresql.yaml"),
            root.join("environment.yaml"),
        ])
        .unwrap();
    let provider: Arc<dyn Provider> = Arc::new(provider());
    Engine::builder()
        .compositions(library)
        .environment("production")
        .provider(provider)
        .store(store)
        .concurrency(16)
        .build()
}

async fn run_child(dir: &Path, namespace: &str) {
    let store: Arc<dyn StateStore> =
        Arc::new(SqliteStore::open_with(dir.join("state.db"), store_options()).unwrap());
    let engine = engine(store);
    let slots = Arc::new(tokio::sync::Semaphore::new(16));
    let mut tasks = tokio::task::JoinSet::new();
    for claim in claims(namespace) {
        let engine = engine.clone();
        let slots = slots.clone();
        tasks.spawn(async move {
            let _slot = slots.acquire_owned().await.unwrap();
            let name = claim.metadata.name.clone();
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

/// splitmix64: seeded kill times without a dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn between(&mut self, low: u64, high: u64) -> u64 {
        low + self.next() % (high - low + 1)
    }
}

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .map(|v| v.parse().unwrap_or_else(|e| panic!("{name}={v:?}: {e}")))
        .unwrap_or(default)
}

fn spawn_child(dir: &Path, namespace: &str) -> (Child, std::thread::JoinHandle<usize>) {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "child", "--nocapture", "--test-threads", "1"])
        .env(CHILD_ENV, dir)
        .env(NAMESPACE_ENV, namespace)
        .env(real::SWITCH, "1")
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
            .filter(|l| l.contains(READY_MARKER))
            .count()
    });
    (child, reader)
}

/// Real names of the Synced managed records of one kind, with how many records name each.
fn synced_names(stored: &[DynamicObject], kind: &str) -> BTreeMap<String, usize> {
    let mut out = BTreeMap::new();
    for o in stored
        .iter()
        .filter(|o| o.api_version == API_VERSION && o.kind == kind && is_true(o, "Synced"))
    {
        let name = o.spec["name"].as_str().unwrap_or_default().to_owned();
        *out.entry(name).or_insert(0) += 1;
    }
    out
}

async fn drop_prefix(prefix: &str) {
    let mut config: tokio_postgres::Config = url().parse().unwrap();
    config.dbname("postgres");
    let (client, connection) = config.connect(tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(connection);
    let rows = client
        .query(
            "SELECT datname::text FROM pg_database WHERE starts_with(datname, $1)",
            &[&prefix],
        )
        .await
        .unwrap();
    for row in rows {
        let db: String = row.get(0);
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

async fn killed_children_leave_no_orphan_and_no_duplicate() {
    let seed = env_number("PLATFORM_CRASH_SEED", 0x9e5);
    let trials = env_number("PLATFORM_CRASH_TRIALS", 20);
    let started = Instant::now();
    let mut rng = Rng(seed);
    let mut claims_without_uri = 0;
    for trial in 0..trials {
        let mut trial_rng = Rng(rng.next());
        let namespace = format!("pgc{}t{trial}", std::process::id());
        let prefix = format!("{namespace}_");
        let context = format!("seed {seed:#x} trial {trial} ({namespace})");
        let dir = tempfile::tempdir().unwrap();
        for _ in 0..trial_rng.between(1, 2) {
            let (mut child, reader) = spawn_child(dir.path(), &namespace);
            std::thread::sleep(Duration::from_millis(trial_rng.between(30, 1200)));
            let _ = child.kill();
            child.wait().unwrap();
            reader.join().unwrap();
        }
        let final_started = Instant::now();
        let (child, reader) = spawn_child(dir.path(), &namespace);
        let output = child.wait_with_output().unwrap();
        eprintln!(
            "{context}: final run {:.1} s",
            final_started.elapsed().as_secs_f64()
        );
        let acked = reader.join().unwrap();
        assert!(
            output.status.success(),
            "{context}: the final child failed: {}\n{}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
        assert_eq!(
            acked, CLAIMS,
            "{context}: claims acknowledged by the final run"
        );

        let store = SqliteStore::open_with(dir.path().join("state.db"), store_options()).unwrap();
        let stored = store.list(&ListFilter::all()).await.unwrap();
        let claims: Vec<&DynamicObject> = stored
            .iter()
            .filter(|o| o.kind == "DatabaseClaim")
            .collect();
        assert_eq!(claims.len(), CLAIMS, "{context}");
        let unready: Vec<&str> = claims
            .iter()
            .filter(|c| !is_true(c, "Ready"))
            .map(|c| c.metadata.name.as_str())
            .collect();
        assert!(
            unready.is_empty(),
            "{context}: claims not Ready: {unready:?}"
        );
        for claim in &claims {
            let secrets = store.secrets(&claim.object_ref()).await.unwrap();
            if secrets.get("uri").is_none() || secrets.get("password").is_none() {
                claims_without_uri += 1;
            }
        }
        assert_eq!(
            store.intents().await.unwrap().len(),
            0,
            "{context}: intents left"
        );

        let marked = provider().marked(&prefix).await.unwrap();
        for (kind, real) in [("Database", &marked.databases), ("Role", &marked.roles)] {
            let records = synced_names(&stored, kind);
            let duplicated: Vec<_> = records.iter().filter(|(_, n)| **n > 1).collect();
            assert!(
                duplicated.is_empty(),
                "{context}: {kind} with two records: {duplicated:?}"
            );
            let real: BTreeSet<&String> = real.iter().collect();
            let recorded: BTreeSet<&String> = records.keys().collect();
            let orphans: Vec<_> = real.difference(&recorded).collect();
            assert!(
                orphans.is_empty(),
                "{context}: marked {kind} without a record: {orphans:?}"
            );
            let phantoms: Vec<_> = recorded.difference(&real).collect();
            assert!(
                phantoms.is_empty(),
                "{context}: {kind} records with nothing real: {phantoms:?}"
            );
            assert_eq!(real.len(), CLAIMS, "{context}: marked {kind}");
        }
        drop_prefix(&prefix).await;
    }
    eprintln!(
        "{trials} trials in {:.1} s; {claims_without_uri} claims ended without a uri or password secret",
        started.elapsed().as_secs_f64()
    );
}

fn main() {
    if let Some(dir) = std::env::var_os(CHILD_ENV) {
        let dir = PathBuf::from(dir);
        let namespace = std::env::var(NAMESPACE_ENV).unwrap();
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(run_child(&dir, &namespace));
        std::process::exit(0);
    }
    real::run(
        "postgres_crash",
        "PostgreSQL at 127.0.0.1:5432 (PLATFORM_TEST_POSTGRES_URL), user postgres",
        vec![real::trial(
            "killed_children_leave_no_orphan_and_no_duplicate",
            killed_children_leave_no_orphan_and_no_duplicate,
        )],
    )
}
