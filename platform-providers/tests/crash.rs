//! Process crash test of the durable state: a child process applies 200 claims through the
//! engine on a SQLite state file, against a fake cloud persisted in a second SQLite file, and is
//! killed with SIGKILL at random moments, restarted, and finally run to completion. Over 30
//! seeded trials every claim ends Ready, the cloud holds no duplicate (strict create is on, so
//! a double create shows), every real resource has a Synced record and every Synced record a
//! real resource, and no claim the child acknowledged as ready is lost by a kill.
//!
//! The child is this test binary run again with [`CHILD_ENV`] set (test `crash_child_process`,
//! which does nothing otherwise), so the test needs no separately built program.
//!
//! The persistent cloud is [`PersistentFake`], a provider in this file that delegates to a
//! [`FakeProvider`] and, after every create, update or delete and before the call returns,
//! writes the touched key's copies (`cloud.snapshot_of(key)`) and the cloud's counters to
//! `cloud.db` in one SQLite transaction (WAL): what a returned call did survives a kill; a call
//! cut short by a kill may or may not have happened, as with a real cloud. Writes happen one at
//! a time, each snapshot taken under the write lock, so none overwrites a newer state. (Writing
//! the whole `cloud.snapshot()` per call is simpler but made a 200-claim run take 9 s instead
//! of 1.4 s in a debug build.)
//!
//! `PLATFORM_CRASH_SEED` replays the trials of another seed; `PLATFORM_CRASH_TRIALS` changes
//! their number.
//!
//! The second half kills children working on the local adapter (databases, caches, queues and
//! buckets) during apply and during delete: see `killed_local_applies_and_deletes_converge_...`.

mod crash_support;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use platform_providers::core::compose::CompositionLibrary;
use platform_providers::core::engine::Engine;
use platform_providers::core::model::{DynamicObject, ObjectRef};
use platform_providers::core::provider::{
    Applied, ManagedResource, Observation, Provider, ProviderError, external_name,
};
use platform_providers::core::rng::SeededRng;
use platform_providers::core::store::{ListFilter, StateStore};
use platform_providers::local::LocalProvider;
use platform_providers::store::sqlite::SqliteStore;
use platform_testkit::fake::{Delay, FakeCloud, FakeProvider, RealResourceKey};
use platform_testkit::harness::{TRIO_API_VERSION, TRIO_KINDS, trio_composition};
use rusqlite::Connection;
use serde_json::Value;

use crash_support::{
    apply_one_by_one, database_claims, delete_one_by_one, env_number, is_true, spawn_child,
    store_options,
};

/// Set (to the trial's folder) when this binary runs as the child.
const CHILD_ENV: &str = "PLATFORM_CRASH_CHILD_DIR";
/// Claims each child applies.
const CLAIMS: usize = 200;
/// Namespace of the claims.
const NAMESPACE: &str = "crash";

// ---------------------------------------------------------------------------------------------
// The persistent fake cloud.

/// A [`FakeProvider`] whose cloud is written through to a SQLite file.
struct PersistentFake {
    fake: FakeProvider,
    file: Mutex<Connection>,
}

fn open_cloud_file(path: &Path) -> Connection {
    let conn = Connection::open(path).expect("open cloud.db");
    conn.busy_timeout(Duration::from_secs(10)).unwrap();
    let mode: String = conn
        .pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get(0))
        .unwrap();
    assert!(
        mode.eq_ignore_ascii_case("wal"),
        "cloud.db journal mode {mode}"
    );
    // NORMAL loses nothing to a killed process, only (possibly) to a power loss.
    conn.pragma_update(None, "synchronous", "NORMAL").unwrap();
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS resource (
             api_version TEXT NOT NULL,
             kind TEXT NOT NULL,
             external_name TEXT NOT NULL,
             copies TEXT NOT NULL,
             PRIMARY KEY (api_version, kind, external_name)
         );
         CREATE TABLE IF NOT EXISTS meta (
             id INTEGER PRIMARY KEY CHECK (id = 1),
             snapshot TEXT NOT NULL
         );",
    )
    .unwrap();
    conn
}

/// The cloud saved in `cloud.db`, or a new strict-create cloud when none was saved yet.
fn load_cloud(conn: &Connection) -> FakeCloud {
    let cloud = FakeCloud::with_seed(17);
    let meta: Option<String> = conn
        .query_row("SELECT snapshot FROM meta WHERE id = 1", [], |r| r.get(0))
        .ok();
    if let Some(meta) = meta {
        let mut snapshot: Value = serde_json::from_str(&meta).expect("cloud.db meta JSON");
        let mut resources = Vec::new();
        let mut rows = conn.prepare("SELECT copies FROM resource").unwrap();
        for copies in rows.query_map([], |r| r.get::<_, String>(0)).unwrap() {
            let copies: Value = serde_json::from_str(&copies.unwrap()).expect("copies JSON");
            resources.extend(copies.as_array().cloned().unwrap_or_default());
        }
        snapshot["resources"] = Value::Array(resources);
        cloud
            .restore(&snapshot)
            .expect("restore the cloud from cloud.db");
    }
    cloud.set_strict_create(true);
    cloud
}

impl PersistentFake {
    fn new(fake: FakeProvider, file: Connection) -> Self {
        PersistentFake {
            fake,
            file: Mutex::new(file),
        }
    }

    /// Writes the copies of the resource's key and the cloud's counters in one transaction.
    ///
    /// The snapshot is taken under the file's lock, so writes land in the order they saw the
    /// cloud and none overwrites a newer one.
    fn persist(&self, resource: &ManagedResource) -> Result<(), ProviderError> {
        let mut conn = self.file.lock().unwrap_or_else(PoisonError::into_inner);
        let key = RealResourceKey::new(
            resource.object.api_version.clone(),
            resource.kind(),
            resource.external_name.clone(),
        );
        let mut snapshot = self.fake.cloud().snapshot_of(&key);
        let copies = snapshot["resources"].take();
        let failed =
            |e: rusqlite::Error| ProviderError::transient(format!("cannot write cloud.db: {e}"));
        let tx = conn.transaction().map_err(failed)?;
        if copies.as_array().is_some_and(|c| !c.is_empty()) {
            tx.execute(
                "INSERT INTO resource (api_version, kind, external_name, copies)
                 VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT DO UPDATE SET copies = excluded.copies",
                (
                    &key.api_version,
                    &key.kind,
                    &key.external_name,
                    copies.to_string(),
                ),
            )
            .map_err(failed)?;
        } else {
            tx.execute(
                "DELETE FROM resource WHERE api_version = ?1 AND kind = ?2 AND external_name = ?3",
                (&key.api_version, &key.kind, &key.external_name),
            )
            .map_err(failed)?;
        }
        tx.execute(
            "INSERT INTO meta (id, snapshot) VALUES (1, ?1)
             ON CONFLICT (id) DO UPDATE SET snapshot = excluded.snapshot",
            [snapshot.to_string()],
        )
        .map_err(failed)?;
        tx.commit().map_err(failed)
    }
}

#[async_trait]
impl Provider for PersistentFake {
    fn name(&self) -> &str {
        self.fake.name()
    }

    fn kinds(&self) -> Vec<(String, String)> {
        self.fake.kinds()
    }

    async fn observe(&self, resource: &ManagedResource) -> Result<Observation, ProviderError> {
        self.fake.observe(resource).await
    }

    async fn create(&self, resource: &ManagedResource) -> Result<Applied, ProviderError> {
        let result = self.fake.create(resource).await;
        self.persist(resource)?;
        result
    }

    async fn update(&self, resource: &ManagedResource) -> Result<Applied, ProviderError> {
        let result = self.fake.update(resource).await;
        self.persist(resource)?;
        result
    }

    async fn delete(&self, resource: &ManagedResource) -> Result<(), ProviderError> {
        let result = self.fake.delete(resource).await;
        self.persist(resource)?;
        result
    }
}

// ---------------------------------------------------------------------------------------------
// Shared by child and parent.

fn claims() -> Vec<DynamicObject> {
    database_claims(NAMESPACE, CLAIMS)
}

// ---------------------------------------------------------------------------------------------
// The child.

/// The child process; does nothing unless [`CHILD_ENV`] is set.
#[test]
fn crash_child_process() {
    let Some(dir) = std::env::var_os(CHILD_ENV) else {
        return;
    };
    let dir = PathBuf::from(dir);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(run_child(&dir));
}

async fn run_child(dir: &Path) {
    let store: Arc<dyn StateStore> =
        Arc::new(SqliteStore::open_with(dir.join("state.db"), store_options()).unwrap());
    let file = open_cloud_file(&dir.join("cloud.db"));
    let cloud = load_cloud(&file);
    let fake = FakeProvider::builder(TRIO_KINDS.map(|k| (TRIO_API_VERSION, k)))
        .cloud(cloud)
        .seed(std::process::id().into())
        // A little latency, so that kills land in the middle of provider calls.
        .latency(Delay::uniform(
            Duration::from_millis(1),
            Duration::from_millis(4),
        ))
        .build()
        .unwrap();
    let provider: Arc<dyn Provider> = Arc::new(PersistentFake::new(fake, file));
    let mut library = CompositionLibrary::new();
    library.add(trio_composition()).unwrap();
    let engine = Engine::builder()
        .compositions(library)
        .provider(provider)
        .store(store)
        .concurrency(16)
        .build();

    // The label: the acknowledgement is found anywhere in a line, since libtest's
    // `test crash_child_process ... ` may precede the first.
    apply_one_by_one(engine, claims(), |claim| {
        format!("{NAMESPACE}/{}", claim.metadata.name)
    })
    .await;
}

// ---------------------------------------------------------------------------------------------
// The parent.

/// Starts the child on a trial folder.
fn start_child(dir: &Path) -> (Child, std::thread::JoinHandle<Vec<String>>) {
    let mut command = Command::new(std::env::current_exe().unwrap());
    command
        .args(["--exact", "crash_child_process", "--nocapture"])
        .args(["--test-threads", "1"])
        .env(CHILD_ENV, dir);
    spawn_child(command)
}

/// What the two files hold.
struct Observed {
    claims: Vec<DynamicObject>,
    /// Managed resources whose record is Synced.
    synced: BTreeSet<RealResourceKey>,
    real: BTreeSet<RealResourceKey>,
    duplicates: Vec<(RealResourceKey, usize)>,
    /// Create intents left pending (a kill between a create and its record).
    intents: usize,
}

fn observe_files(dir: &Path, runtime: &tokio::runtime::Runtime) -> Observed {
    let (stored, intents) = runtime.block_on(async {
        let store = SqliteStore::open_with(dir.join("state.db"), store_options()).unwrap();
        let stored = store.list(&ListFilter::all()).await.unwrap();
        (stored, store.intents().await.unwrap().len())
    });
    let cloud = load_cloud(&open_cloud_file(&dir.join("cloud.db")));
    let claims = stored
        .iter()
        .filter(|o| o.kind == "DatabaseClaim")
        .cloned()
        .collect();
    let synced = stored
        .iter()
        .filter(|o| o.api_version == TRIO_API_VERSION && is_true(o, "Synced"))
        .map(|o| RealResourceKey::new(o.api_version.clone(), o.kind.clone(), external_name(o)))
        .collect();
    let real = cloud.resources().into_iter().map(|r| r.key).collect();
    Observed {
        claims,
        synced,
        real,
        duplicates: cloud.duplicates(),
        intents,
    }
}

/// Panics unless every acknowledged claim is stored Ready and its three resources exist.
fn assert_acknowledged_kept(observed: &Observed, acknowledged: &BTreeSet<String>, context: &str) {
    for name in acknowledged {
        let claim = observed
            .claims
            .iter()
            .find(|c| format!("{}/{}", c.metadata.namespace(), c.metadata.name) == *name);
        let Some(claim) = claim else {
            panic!("{context}: acknowledged claim {name} is missing from state.db");
        };
        assert!(
            is_true(claim, "Ready"),
            "{context}: acknowledged claim {name} is no longer Ready: {:?}",
            claim.status
        );
        let short = name.replace('/', "-");
        for kind in TRIO_KINDS {
            let resource = kind.to_lowercase();
            let key = RealResourceKey::new(TRIO_API_VERSION, kind, format!("{short}-{resource}"));
            assert!(
                observed.real.contains(&key),
                "{context}: acknowledged claim {name} lost its {key} in cloud.db"
            );
        }
    }
}

#[test]
fn killed_children_lose_nothing_duplicate_nothing_and_leak_nothing() {
    if std::env::var_os(CHILD_ENV).is_some() || std::env::var_os(LOCAL_CHILD_ENV).is_some() {
        return;
    }
    let seed = env_number("PLATFORM_CRASH_SEED", 0xc0ffee);
    let trials = env_number("PLATFORM_CRASH_TRIALS", 30);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let started = Instant::now();
    let mut rng = SeededRng::new(seed);
    let mut kills_with_progress = 0;
    let mut kills_mid_create = 0;
    for trial in 0..trials {
        let trial_seed = rng.next_u64();
        let mut trial_rng = SeededRng::new(trial_seed);
        let context = |step: &str| format!("seed {seed:#x} trial {trial} ({step})");
        let dir = tempfile::tempdir().unwrap();
        let mut acknowledged = BTreeSet::new();
        let kills = trial_rng.between(2, 3);
        for kill in 0..kills {
            let (mut child, reader) = start_child(dir.path());
            std::thread::sleep(Duration::from_millis(trial_rng.between(5, 300)));
            // SIGKILL; a child that already finished is not an error.
            let _ = child.kill();
            child.wait().unwrap();
            let acked = reader.join().unwrap();
            if !acked.is_empty() {
                kills_with_progress += 1;
            }
            acknowledged.extend(acked);
            let observed = observe_files(dir.path(), &runtime);
            if observed.intents > 0 {
                kills_mid_create += 1;
            }
            assert_acknowledged_kept(
                &observed,
                &acknowledged,
                &context(&format!("after kill {kill}")),
            );
            assert!(
                observed.duplicates.is_empty(),
                "{}: duplicated real resources: {:?}",
                context(&format!("after kill {kill}")),
                observed.duplicates
            );
        }

        let (child, reader) = start_child(dir.path());
        let output = child.wait_with_output().unwrap();
        let acked = reader.join().unwrap();
        assert!(
            output.status.success(),
            "{}: the final child failed: {}\n{}",
            context("final run"),
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
        assert_eq!(acked.len(), CLAIMS, "{}", context("final run"));
        acknowledged.extend(acked);

        let observed = observe_files(dir.path(), &runtime);
        let context = context("end");
        assert_eq!(observed.claims.len(), CLAIMS, "{context}");
        let unready: Vec<_> = observed
            .claims
            .iter()
            .filter(|c| !is_true(c, "Ready"))
            .map(|c| c.metadata.name.clone())
            .collect();
        assert!(
            unready.is_empty(),
            "{context}: claims not Ready: {unready:?}"
        );
        assert!(
            observed.duplicates.is_empty(),
            "{context}: duplicated real resources: {:?}",
            observed.duplicates
        );
        let leaked: Vec<_> = observed.real.difference(&observed.synced).collect();
        assert!(
            leaked.is_empty(),
            "{context}: real resources with no Synced record: {leaked:?}"
        );
        let phantom: Vec<_> = observed.synced.difference(&observed.real).collect();
        assert!(
            phantom.is_empty(),
            "{context}: Synced records with no real resource: {phantom:?}"
        );
        assert_eq!(observed.real.len(), CLAIMS * 3, "{context}");
        assert_eq!(
            observed.intents, 0,
            "{context}: create intents left pending"
        );
        assert_acknowledged_kept(&observed, &acknowledged, &context);
    }
    eprintln!(
        "{trials} trials in {:.1} s; {kills_with_progress} kills landed after some claims were \
         acknowledged, {kills_mid_create} left create intents pending",
        started.elapsed().as_secs_f64()
    );
    // The recovery path must actually be exercised, or the test proves little.
    if trials >= 10 {
        assert!(
            kills_mid_create > 0,
            "no kill landed between a create intent and its record"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// The local adapter: kills during apply and during delete of databases, caches, queues and
// buckets.
//
// A child applies (or deletes) claims of the four kinds through the engine on the local adapter
// and is killed at random moments; a normal run then finishes the work. Each trial ends
// converged: every claim Ready, every real resource usable with its recorded credentials (a
// query on each database with its password, a file written to and read from each bucket, the
// cache and queue rows with theirs), a drift sweep over every record with no drift and no error,
// and under `local/` exactly the real resources of the stored claims: no leftover of a deleted
// claim, no stray journal or temporary file, no duplicate.
//
// `PLATFORM_LOCAL_CRASH_TRIALS` changes the number of trials; `PLATFORM_CRASH_SEED` replays.

/// Set (to the trial's folder) when this binary runs as the local adapter's child.
const LOCAL_CHILD_ENV: &str = "PLATFORM_LOCAL_CRASH_CHILD_DIR";
/// What the local child does: `apply` or `delete`, then the claims' labels separated by ','
/// (none: every claim).
const LOCAL_WORK_ENV: &str = "PLATFORM_LOCAL_CRASH_WORK";
/// Written by the child when its engine is built and the work begins.
const WORKING_FILE: &str = "working";
/// Claims of each kind per trial.
const LOCAL_EACH: usize = 3;
/// The claim kinds of the local trials, with the spec of each.
const LOCAL_KINDS: [(&str, &str); 4] = [
    ("DatabaseClaim", r#"{"engine": "sqlite", "size": "small"}"#),
    ("CacheClaim", r#"{"size": "small"}"#),
    ("QueueClaim", r#"{"engine": "rabbitmq", "maxLength": 100}"#),
    ("BucketClaim", r#"{"versioning": true}"#),
];
const LOCAL_API_VERSION: &str = "local.platform.dev/v1alpha1";

fn local_claims() -> Vec<DynamicObject> {
    let mut claims = Vec::new();
    for i in 0..LOCAL_EACH {
        for (kind, spec) in LOCAL_KINDS {
            let short = kind.trim_end_matches("Claim").to_lowercase();
            claims.push(
                serde_json::from_value(serde_json::json!({
                    "apiVersion": "platform.dev/v1alpha1",
                    "kind": kind,
                    "metadata": {"name": format!("{short}-{i}"), "namespace": NAMESPACE},
                    "spec": serde_json::from_str::<Value>(spec).unwrap(),
                }))
                .unwrap(),
            );
        }
    }
    claims
}

fn local_label(claim: &DynamicObject) -> String {
    ref_label(&platform_providers::core::model::Resource::object_ref(
        claim,
    ))
}

fn ref_label(key: &ObjectRef) -> String {
    format!("{}/{}", key.kind, key.name)
}

fn local_engine(dir: &Path) -> Engine {
    let store: Arc<dyn StateStore> =
        Arc::new(SqliteStore::open_with(dir.join("state.db"), store_options()).unwrap());
    let mut library = CompositionLibrary::new();
    library
        .load_paths(&[Path::new(env!("CARGO_MANIFEST_DIR")).join("../compositions")])
        .unwrap();
    Engine::builder()
        .compositions(library)
        .environment("local")
        .provider(Arc::new(LocalProvider::new(dir.join("local"))))
        .store(store)
        .concurrency(16)
        .build()
}

/// The local adapter's child process; does nothing unless [`LOCAL_CHILD_ENV`] is set.
#[test]
fn local_crash_child_process() {
    let Some(dir) = std::env::var_os(LOCAL_CHILD_ENV) else {
        return;
    };
    let work = std::env::var(LOCAL_WORK_ENV).unwrap_or_default();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let engine = local_engine(Path::new(&dir));
        // The parent times its kill from here, past the process start.
        std::fs::write(Path::new(&dir).join(WORKING_FILE), b"").unwrap();
        let (verb, labels) = work.split_once(' ').unwrap_or((work.as_str(), ""));
        let chosen: BTreeSet<&str> = labels.split(',').filter(|l| !l.is_empty()).collect();
        let claims: Vec<DynamicObject> = local_claims()
            .into_iter()
            .filter(|c| chosen.is_empty() || chosen.contains(local_label(c).as_str()))
            .collect();
        if verb == "delete" {
            let keys = claims
                .iter()
                .map(platform_providers::core::model::Resource::object_ref)
                .collect();
            delete_one_by_one(engine, keys, ref_label).await;
        } else {
            apply_one_by_one(engine, claims, local_label).await;
        }
    });
}

fn start_local_child(dir: &Path, work: &str) -> (Child, std::thread::JoinHandle<Vec<String>>) {
    let mut command = Command::new(std::env::current_exe().unwrap());
    command
        .args(["--exact", "local_crash_child_process", "--nocapture"])
        .args(["--test-threads", "1"])
        .env(LOCAL_CHILD_ENV, dir)
        .env(LOCAL_WORK_ENV, work);
    spawn_child(command)
}

/// Starts the child and returns once it begins its work (or after a few seconds).
fn start_local_child_working(
    dir: &Path,
    work: &str,
) -> (Child, std::thread::JoinHandle<Vec<String>>) {
    // A file rather than a line: stdout belongs to the acknowledgement reader.
    let marker = dir.join(WORKING_FILE);
    let _ = std::fs::remove_file(&marker);
    let (mut child, reader) = start_local_child(dir, work);
    let deadline = Instant::now() + Duration::from_secs(10);
    while !marker.exists() && Instant::now() < deadline {
        if let Ok(Some(_)) = child.try_wait() {
            break;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    (child, reader)
}

/// Runs the child to the end; panics with its stderr when it fails.
fn finish_local_child(dir: &Path, work: &str, context: &str) -> Vec<String> {
    let (child, reader) = start_local_child(dir, work);
    let output = child.wait_with_output().unwrap();
    let acked = reader.join().unwrap();
    assert!(
        output.status.success(),
        "{context}: the final run failed: {}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    acked
}

/// The stored claims (by label, with whether they are Ready) and managed records.
fn local_state(
    dir: &Path,
    runtime: &tokio::runtime::Runtime,
) -> (Vec<(String, bool)>, Vec<DynamicObject>, usize) {
    runtime.block_on(async {
        let store = SqliteStore::open_with(dir.join("state.db"), store_options()).unwrap();
        let stored = store.list(&ListFilter::all()).await.unwrap();
        let intents = store.intents().await.unwrap().len();
        let claims = stored
            .iter()
            .filter(|o| o.api_version == "platform.dev/v1alpha1")
            .map(|o| (local_label(o), is_true(o, "Ready") && is_true(o, "Synced")))
            .collect();
        let managed = stored
            .into_iter()
            .filter(|o| o.api_version == LOCAL_API_VERSION)
            .collect();
        (claims, managed, intents)
    })
}

/// Every file and folder under `root`, relative, sorted.
fn local_files(root: &Path) -> Vec<String> {
    let mut found = Vec::new();
    let mut pending = vec![root.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let path = entry.path();
            let relative = path.strip_prefix(root).unwrap().display().to_string();
            if path.is_dir() {
                found.push(format!("{relative}/"));
                pending.push(path);
            } else {
                found.push(relative);
            }
        }
    }
    found.sort();
    found
}

fn sqlite_path(uri: &str) -> &str {
    let path = uri.trim_start_matches("sqlite://");
    path.split_once('?').map_or(path, |(path, _)| path)
}

/// Panics unless the trial converged on exactly the `expected` claims (labels).
fn assert_local_converged(
    dir: &Path,
    expected: &BTreeSet<String>,
    runtime: &tokio::runtime::Runtime,
    context: &str,
) {
    let (claims, managed, intents) = local_state(dir, runtime);
    let stored: BTreeSet<String> = claims.iter().map(|(label, _)| label.clone()).collect();
    assert_eq!(&stored, expected, "{context}: stored claims");
    let unready: Vec<&String> = claims
        .iter()
        .filter(|(_, ok)| !ok)
        .map(|(l, _)| l)
        .collect();
    assert!(
        unready.is_empty(),
        "{context}: claims not Ready and Synced: {unready:?}"
    );
    assert_eq!(intents, 0, "{context}: create intents left pending");
    assert_eq!(
        managed.len(),
        expected.len(),
        "{context}: one managed record per claim"
    );

    // Every real resource is usable with its recorded credentials.
    let root = dir.join("local");
    let mut owned: BTreeSet<String> = BTreeSet::new();
    let (mut caches, mut queues) = (BTreeSet::new(), BTreeSet::new());
    for object in &managed {
        let key = platform_providers::core::model::Resource::object_ref(object);
        let secrets = runtime.block_on(async {
            SqliteStore::open_with(dir.join("state.db"), store_options())
                .unwrap()
                .secrets(&key)
                .await
                .unwrap()
        });
        let password = secrets.get("password").map(|p| p.expose().to_owned());
        let uri = secrets.get("uri").map(|u| u.expose().to_owned());
        let outputs = &object.status.as_ref().unwrap()["outputs"];
        match object.kind.as_str() {
            "LocalDatabase" => {
                let (Some(password), Some(uri)) = (password, uri) else {
                    panic!("{context}: {key} has no password or uri");
                };
                let path = sqlite_path(&uri);
                let conn =
                    Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE)
                        .unwrap_or_else(|e| panic!("{context}: {key}: cannot open {path}: {e}"));
                let recorded: String = conn
                    .query_row("SELECT password FROM _platform WHERE id = 1", [], |r| {
                        r.get(0)
                    })
                    .unwrap_or_else(|e| panic!("{context}: {key}: {e}"));
                assert_eq!(recorded, password, "{context}: {key}: password");
                conn.execute_batch("CREATE TABLE IF NOT EXISTS t (x); INSERT INTO t VALUES (1);")
                    .unwrap_or_else(|e| panic!("{context}: {key}: cannot write: {e}"));
                drop(conn);
                owned.insert(
                    Path::new(path)
                        .strip_prefix(&root)
                        .unwrap()
                        .display()
                        .to_string(),
                );
            }
            "LocalBucket" => {
                let folder = PathBuf::from(outputs["path"].as_str().unwrap());
                let probe = folder.join("probe.txt");
                std::fs::write(&probe, key.name.as_bytes())
                    .unwrap_or_else(|e| panic!("{context}: {key}: cannot write: {e}"));
                assert_eq!(std::fs::read(&probe).unwrap(), key.name.as_bytes());
                std::fs::remove_file(&probe).unwrap();
                owned.insert(format!(
                    "{}/",
                    folder.strip_prefix(&root).unwrap().display()
                ));
            }
            "LocalCache" | "LocalQueue" => {
                let (Some(password), Some(uri)) = (password, uri) else {
                    panic!("{context}: {key} has no password or uri");
                };
                let (path, query) = uri.trim_start_matches("sqlite://").split_once('?').unwrap();
                let (field, id) = query.split_once('=').unwrap();
                let conn = Connection::open(path).unwrap();
                let sql = if field == "keyPrefix" {
                    caches.insert(id.to_owned());
                    "SELECT password FROM caches WHERE prefix = ?1"
                } else {
                    queues.insert(id.to_owned());
                    "SELECT password FROM queues WHERE name = ?1"
                };
                let recorded: String = conn
                    .query_row(sql, [id], |r| r.get(0))
                    .unwrap_or_else(|e| panic!("{context}: {key}: no row {id}: {e}"));
                assert_eq!(recorded, password, "{context}: {key}: password");
            }
            other => panic!("{context}: unexpected kind {other}"),
        }
    }

    // Nothing else under local/: no leftover of a deleted claim, no duplicate, no journal.
    let registry = root.join("local.sqlite3");
    if registry.is_file() {
        let conn = Connection::open(&registry).unwrap();
        let rows = |sql: &str| -> BTreeSet<String> {
            let mut statement = conn.prepare(sql).unwrap();
            statement
                .query_map([], |r| r.get(0))
                .unwrap()
                .map(Result::unwrap)
                .collect()
        };
        assert_eq!(
            rows("SELECT prefix FROM caches"),
            caches,
            "{context}: caches"
        );
        assert_eq!(rows("SELECT name FROM queues"), queues, "{context}: queues");
    } else {
        assert!(caches.is_empty() && queues.is_empty(), "{context}");
    }
    let stray: Vec<String> = local_files(&root)
        .into_iter()
        .filter(|f| {
            let base = f
                .strip_suffix("-wal")
                .or(f.strip_suffix("-shm"))
                .unwrap_or(f);
            !(owned.contains(f)
                || (owned.contains(base) && base != f)
                || f.ends_with('/') && owned.iter().any(|o| o.starts_with(f.as_str()))
                // The folders resources are kept in may stay when their last one goes.
                || f == "buckets/"
                || f.starts_with("databases/") && f.ends_with('/')
                || owned.iter().any(|o| o.ends_with('/') && f.starts_with(o.as_str()))
                || base.starts_with("local.sqlite3"))
        })
        .collect();
    assert!(
        stray.is_empty(),
        "{context}: files under local/ that no stored claim owns: {stray:?}"
    );

    // A drift sweep observes every record: nothing drifted, nothing unobserved.
    let drift = runtime.block_on(local_engine(dir).detect_drift()).unwrap();
    assert!(
        drift.drifted.is_empty() && drift.errors.is_empty(),
        "{context}: drift {drift:#?}"
    );
    assert_eq!(drift.checked, managed.len(), "{context}: drift count");
}

#[test]
fn killed_local_applies_and_deletes_converge_usable_and_leak_nothing() {
    if std::env::var_os(CHILD_ENV).is_some() || std::env::var_os(LOCAL_CHILD_ENV).is_some() {
        return;
    }
    let seed = env_number("PLATFORM_CRASH_SEED", 0x10ca1);
    let trials = env_number("PLATFORM_LOCAL_CRASH_TRIALS", 200);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let started = Instant::now();
    let mut rng = SeededRng::new(seed);
    let all: BTreeSet<String> = local_claims().iter().map(local_label).collect();
    let (mut kills, mut kills_with_progress) = (0, 0);
    for trial in 0..trials {
        let trial_seed = rng.next_u64();
        // Kills during apply, during delete, and during an apply the user then deletes half
        // of (the claims killed mid-create are deleted, the others applied again).
        let mode = ["apply", "delete", "apply, then delete"][trial as usize % 3];
        let run = std::panic::AssertUnwindSafe(|| {
            let mut trial_rng = SeededRng::new(trial_seed);
            let context = |step: &str| {
                format!(
                    "seed {seed:#x} trial {trial} ({mode}, {step}; replay with PLATFORM_CRASH_SEED={seed})"
                )
            };
            let dir = tempfile::tempdir().unwrap();
            let doomed: Vec<String> = all
                .iter()
                .filter(|_| trial_rng.next_u64().is_multiple_of(2))
                .cloned()
                .collect();
            let kept: BTreeSet<String> = all
                .iter()
                .filter(|l| !doomed.contains(l))
                .cloned()
                .collect();
            let delete = format!("delete {}", doomed.join(","));
            let killed = if mode == "delete" {
                finish_local_child(dir.path(), "apply", &context("setup"));
                delete.clone()
            } else {
                "apply".to_owned()
            };
            let mut acknowledged = BTreeSet::new();
            for kill in 0..trial_rng.between(1, 2) {
                let (mut child, reader) = start_local_child_working(dir.path(), &killed);
                // The work takes about 100 ms in a debug build: most kills land inside it.
                std::thread::sleep(Duration::from_millis(trial_rng.between(0, 120)));
                // SIGKILL; a child that already finished is not an error.
                let _ = child.kill();
                child.wait().unwrap();
                let acked = reader.join().unwrap();
                kills += 1;
                if !acked.is_empty() {
                    kills_with_progress += 1;
                }
                acknowledged.extend(acked);
                // What was acknowledged stays done.
                let (claims, _, _) = local_state(dir.path(), &runtime);
                for label in &acknowledged {
                    let found = claims.iter().find(|(l, _)| l == label);
                    let context = context(&format!("after kill {kill}"));
                    if mode == "delete" {
                        assert!(found.is_none(), "{context}: {label} came back");
                    } else {
                        assert!(
                            found.is_some_and(|(_, ok)| *ok),
                            "{context}: acknowledged {label} is not Ready"
                        );
                    }
                }
            }
            let expected = match mode {
                "apply" => {
                    let acked = finish_local_child(dir.path(), "apply", &context("final run"));
                    assert_eq!(acked.len(), all.len(), "{}", context("final run"));
                    all.clone()
                }
                "delete" => {
                    let acked = finish_local_child(dir.path(), &delete, &context("final run"));
                    assert_eq!(acked.len(), doomed.len(), "{}", context("final run"));
                    kept
                }
                _ => {
                    let acked = finish_local_child(dir.path(), &delete, &context("delete run"));
                    assert_eq!(acked.len(), doomed.len(), "{}", context("delete run"));
                    let apply = format!(
                        "apply {}",
                        kept.iter().cloned().collect::<Vec<_>>().join(",")
                    );
                    let acked = finish_local_child(dir.path(), &apply, &context("final run"));
                    assert_eq!(acked.len(), kept.len(), "{}", context("final run"));
                    kept
                }
            };
            assert_local_converged(dir.path(), &expected, &runtime, &context("end"));
        });
        if let Err(panic) = std::panic::catch_unwind(run) {
            eprintln!(
                "local crash trial {trial} failed; replay with PLATFORM_CRASH_SEED={seed} \
                 (trial seed {trial_seed:#x})"
            );
            std::panic::resume_unwind(panic);
        }
    }
    eprintln!(
        "{trials} local trials ({} claims each; apply, delete, apply then delete in turn) in {:.1} s; \
         {kills} kills, {kills_with_progress} after some work was acknowledged",
        all.len(),
        started.elapsed().as_secs_f64()
    );
    assert!(
        trials < 10 || kills_with_progress > 0,
        "no kill landed after some work was done: the kills prove little"
    );
}
