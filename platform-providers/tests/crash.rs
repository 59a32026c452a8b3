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

mod crash_support;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use platform_providers::core::compose::CompositionLibrary;
use platform_providers::core::engine::Engine;
use platform_providers::core::model::DynamicObject;
use platform_providers::core::provider::{
    Applied, ManagedResource, Observation, Provider, ProviderError, external_name,
};
use platform_providers::core::store::{ListFilter, StateStore};
use platform_providers::store::sqlite::SqliteStore;
use platform_testkit::fake::{FakeCloud, FakeProvider, Latency, RealResourceKey};
use platform_testkit::harness::{TRIO_API_VERSION, TRIO_KINDS, trio_composition};
use rusqlite::Connection;
use serde_json::Value;

use crash_support::{
    Rng, apply_one_by_one, database_claims, env_number, is_true, spawn_child, store_options,
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
        .latency(Latency::uniform(
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
    if std::env::var_os(CHILD_ENV).is_some() {
        return;
    }
    let seed = env_number("PLATFORM_CRASH_SEED", 0xc0ffee);
    let trials = env_number("PLATFORM_CRASH_TRIALS", 30);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let started = Instant::now();
    let mut rng = Rng(seed);
    let mut kills_with_progress = 0;
    let mut kills_mid_create = 0;
    for trial in 0..trials {
        let trial_seed = rng.next();
        let mut trial_rng = Rng(trial_seed);
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
