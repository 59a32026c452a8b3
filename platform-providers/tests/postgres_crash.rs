//! Process crash test against a real PostgreSQL: a child process applies DatabaseClaims through
//! the engine (SQLite state store, the production composition: Role, Database and Grant per
//! claim) and is killed with SIGKILL at random moments, restarted, and finally run to
//! completion. Over 20 seeded trials:
//!
//! - a claim the child acknowledged as Ready before a kill is still Ready in the state after it;
//! - every claim ends Ready, with no create intent left pending;
//! - every database and role on the server carrying the platform's marker under the trial's
//!   prefix has exactly one Synced record in the state, and every record a real object (no
//!   duplicate, no orphan, no phantom);
//! - every claim's `uri` secret parses, names the claim's role and database and the server's
//!   host and port, and carries the claim's `password`; for a few claims per trial (chosen by
//!   the seed) that password is checked against the role's SCRAM verifier (the test server
//!   trusts 127.0.0.1, so logging in would prove nothing; the check costs about 80 ms of CPU
//!   in a debug build, hence a sample).
//!
//! Size: 100 claims per trial, as the issue asks; 20 trials took 120 s in a debug build on two
//! cores (each trial's drops overlap the next trial). Each claim costs a real CREATE DATABASE
//! (a copy of template1 through the WAL, 20 to 70 ms), a DROP DATABASE and SCRAM verifiers
//! (4096 HMAC rounds; the workspace builds sha2, hmac and postgres-protocol optimised in debug
//! builds, because unoptimised they took about 80 ms per verifier).
//! `PLATFORM_PG_CRASH_CLAIMS` changes the size, `PLATFORM_CRASH_TRIALS` the number of trials,
//! `PLATFORM_CRASH_SEED` replays another seed's trials.
//!
//! The child is this test binary run again with [`CHILD_ENV`] set. Everything a run creates is
//! dropped at the end of each trial, and again when the test ends, also when it fails.

mod crash_support;
#[path = "real/mod.rs"]
mod real;
mod scram;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::sync::Arc;
use std::time::{Duration, Instant};

use postgres_protocol::escape::escape_identifier;

use platform_core::compose::CompositionLibrary;
use platform_core::engine::Engine;
use platform_core::model::{DynamicObject, Resource};
use platform_core::provider::Provider;
use platform_core::rng::SeededRng;
use platform_core::store::{ListFilter, StateStore};
use platform_providers::postgres::{API_VERSION, PostgresProvider};
use platform_providers::store::sqlite::SqliteStore;

use scram::scram_matches;

use crash_support::{
    apply_one_by_one, database_claims, env_number, is_true, spawn_child, store_options,
};

/// Set (to the trial's folder) when this binary runs as the child.
const CHILD_ENV: &str = "PLATFORM_PG_CRASH_CHILD_DIR";
/// The trial's namespace, which prefixes every database and role name.
const NAMESPACE_ENV: &str = "PLATFORM_PG_CRASH_NAMESPACE";
/// Claims each child applies (default [`DEFAULT_CLAIMS`]).
const CLAIMS_ENV: &str = "PLATFORM_PG_CRASH_CLAIMS";
/// Claims per trial unless [`CLAIMS_ENV`] says otherwise.
const DEFAULT_CLAIMS: u64 = 100;
/// Claims per trial whose password is checked against the role's SCRAM verifier.
const SCRAM_SAMPLE: usize = 3;
/// Connections dropping databases at once: each DROP DATABASE waits for a checkpoint, and
/// drops waiting together share one.
const DROPPERS: usize = 16;

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

fn claim_count() -> usize {
    env_number(CLAIMS_ENV, DEFAULT_CLAIMS) as usize
}

fn claims(namespace: &str) -> Vec<DynamicObject> {
    database_claims(namespace, claim_count())
}

/// The role and database name the production composition gives a claim: namespace and name
/// cut to fit, and the claim id (`fmt: "%.24s_%.26s_%s"`).
fn sql_name(namespace: &str, claim: &str) -> String {
    let id = platform_core::compose::claim_id("DatabaseClaim", namespace, claim);
    format!("{namespace:.24}_{claim:.26}_{id}").replace('-', "_")
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

// ---------------------------------------------------------------------------------------------
// The child.

/// The child: applies its claims one by one, acknowledging each once Ready.
async fn run_child(dir: &Path, namespace: &str) {
    let store: Arc<dyn StateStore> =
        Arc::new(SqliteStore::open_with(dir.join("state.db"), store_options()).unwrap());
    apply_one_by_one(engine(store), claims(namespace), |claim| {
        claim.metadata.name.clone()
    })
    .await;
}

// ---------------------------------------------------------------------------------------------
// The parent.

/// Starts the child on a trial folder and namespace.
fn start_child(dir: &Path, namespace: &str) -> (Child, std::thread::JoinHandle<Vec<String>>) {
    let mut command = Command::new(std::env::current_exe().unwrap());
    command
        .env(CHILD_ENV, dir)
        .env(NAMESPACE_ENV, namespace)
        .env(CLAIMS_ENV, claim_count().to_string());
    spawn_child(command)
}

/// Everything in a trial's state file, and how many create intents are pending.
async fn read_state(dir: &Path) -> (SqliteStore, Vec<DynamicObject>, usize) {
    let store = SqliteStore::open_with(dir.join("state.db"), store_options()).unwrap();
    let stored = store.list(&ListFilter::all()).await.unwrap();
    let intents = store.intents().await.unwrap().len();
    (store, stored, intents)
}

/// Panics unless every acknowledged claim is stored Ready.
fn assert_acknowledged_kept(
    stored: &[DynamicObject],
    acknowledged: &BTreeSet<String>,
    context: &str,
) {
    for name in acknowledged {
        let claim = stored
            .iter()
            .find(|o| o.kind == "DatabaseClaim" && o.metadata.name == *name);
        let Some(claim) = claim else {
            panic!("{context}: acknowledged claim {name} is missing from state.db");
        };
        assert!(
            is_true(claim, "Ready"),
            "{context}: acknowledged claim {name} is no longer Ready: {:?}",
            claim.status
        );
    }
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

async fn plain() -> Result<tokio_postgres::Client, tokio_postgres::Error> {
    let mut config: tokio_postgres::Config = url().parse().unwrap();
    config.dbname("postgres");
    let (client, connection) = config.connect(tokio_postgres::NoTls).await?;
    tokio::spawn(connection);
    Ok(client)
}

/// Drops every database and role whose name starts with `prefix`, databases on
/// [`DROPPERS`] connections at once. Returns how many databases and roles it dropped.
async fn drop_prefix(prefix: &str) -> Result<(usize, usize), tokio_postgres::Error> {
    let client = plain().await?;
    let databases: Vec<String> = client
        .query(
            "SELECT datname::text FROM pg_database WHERE starts_with(datname, $1)",
            &[&prefix],
        )
        .await?
        .iter()
        .map(|row| row.get(0))
        .collect();
    let dropped_databases = databases.len();
    let mut shares: Vec<Vec<String>> = vec![Vec::new(); DROPPERS];
    for (i, database) in databases.into_iter().enumerate() {
        shares[i % DROPPERS].push(database);
    }
    let mut droppers = tokio::task::JoinSet::new();
    for share in shares.into_iter().filter(|s| !s.is_empty()) {
        droppers.spawn(async move {
            let client = plain().await?;
            for database in share {
                client
                    .batch_execute(&format!(
                        "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                        escape_identifier(&database)
                    ))
                    .await?;
            }
            Ok::<_, tokio_postgres::Error>(())
        });
    }
    let mut first_error = None;
    while let Some(joined) = droppers.join_next().await {
        if let Err(e) = joined.expect("a dropper panicked") {
            first_error.get_or_insert(e);
        }
    }
    if let Some(e) = first_error {
        return Err(e);
    }
    let roles: Vec<String> = client
        .query(
            "SELECT rolname::text FROM pg_roles WHERE starts_with(rolname, $1)",
            &[&prefix],
        )
        .await?
        .iter()
        .map(|row| row.get(0))
        .collect();
    for role in &roles {
        let role = escape_identifier(role);
        client
            .batch_execute(&format!("DROP OWNED BY {role}; DROP ROLE IF EXISTS {role}"))
            .await?;
    }
    Ok((dropped_databases, roles.len()))
}

/// A drop of everything under `prefix` on a thread of its own, with its own runtime.
type Dropping = std::thread::JoinHandle<(String, Duration, Result<(usize, usize), String>)>;

fn start_drop(prefix: String) -> Dropping {
    std::thread::spawn(move || {
        let started = Instant::now();
        let result = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(drop_prefix(&prefix))
            .map_err(|e| e.to_string());
        (prefix, started.elapsed(), result)
    })
}

/// Waits for a drop; panics when it failed. Returns how long the drop took.
fn finish_drop(dropping: Dropping) -> Duration {
    let (prefix, took, result) = dropping.join().expect("the drop thread panicked");
    if let Err(e) = result {
        panic!("cannot drop the databases and roles under {prefix}: {e}");
    }
    took
}

/// Drops what the run created under its prefix when dropped, also when a check panicked.
struct DropOnExit(String);

impl Drop for DropOnExit {
    fn drop(&mut self) {
        let prefix = self.0.clone();
        // Its own runtime on its own thread: this may run inside the test's runtime.
        match start_drop(prefix).join() {
            Ok((_, _, Ok((0, 0)))) => {}
            Ok((_, _, Ok((databases, roles)))) => {
                eprintln!(
                    "dropped {databases} databases and {roles} roles left under {}",
                    self.0
                );
            }
            Ok((_, _, Err(e))) => eprintln!("cannot drop what is left under {}: {e}", self.0),
            Err(_) => eprintln!(
                "cannot drop what is left under {}: the cleanup panicked",
                self.0
            ),
        }
    }
}

/// Checks every claim's `uri` and `password` secrets against its names and the server's
/// address, and for the `sampled` claims the password against the role's SCRAM verifier.
/// Never prints a secret.
async fn check_credentials(
    store: &SqliteStore,
    claims: &[&DynamicObject],
    namespace: &str,
    sampled: &BTreeSet<usize>,
    context: &str,
) {
    let server: tokio_postgres::Config = url().parse().unwrap();
    let verifiers: BTreeMap<String, Option<String>> = plain()
        .await
        .unwrap()
        .query(
            "SELECT rolname::text, rolpassword FROM pg_authid WHERE starts_with(rolname, $1)",
            &[&format!("{namespace}_")],
        )
        .await
        .unwrap()
        .iter()
        .map(|row| (row.get(0), row.get(1)))
        .collect();
    for (i, claim) in claims.iter().enumerate() {
        let claim_name = &claim.metadata.name;
        let name = sql_name(namespace, claim_name);
        let secrets = store.secrets(&claim.object_ref()).await.unwrap();
        let keys: Vec<&String> = secrets.keys().collect();
        let (Some(uri), Some(password)) = (secrets.get("uri"), secrets.get("password")) else {
            panic!("{context}: claim {claim_name} lacks a uri or password secret; it has {keys:?}");
        };
        let (uri, password) = (uri.expose(), password.expose());
        let Ok(parsed) = uri.parse::<tokio_postgres::Config>() else {
            panic!("{context}: the uri of claim {claim_name} does not parse as a PostgreSQL URL");
        };
        assert_eq!(
            parsed.get_user(),
            Some(name.as_str()),
            "{context}: the user in the uri of {claim_name}"
        );
        assert_eq!(
            parsed.get_dbname(),
            Some(name.as_str()),
            "{context}: the database in the uri of {claim_name}"
        );
        assert_eq!(
            parsed.get_hosts(),
            server.get_hosts(),
            "{context}: the host in the uri of {claim_name}"
        );
        assert_eq!(
            parsed.get_ports().first().copied().unwrap_or(5432),
            server.get_ports().first().copied().unwrap_or(5432),
            "{context}: the port in the uri of {claim_name}"
        );
        assert!(
            parsed.get_password() == Some(password.as_bytes()),
            "{context}: the uri of {claim_name} does not carry the claim's password secret"
        );
        let Some(Some(verifier)) = verifiers.get(&name) else {
            panic!("{context}: role {name} of claim {claim_name} has no password on the server");
        };
        assert!(
            verifier.starts_with("SCRAM-SHA-256$"),
            "{context}: role {name} holds no SCRAM-SHA-256 verifier"
        );
        if sampled.contains(&i) {
            assert!(
                scram_matches(verifier, password),
                "{context}: the password handed out for {claim_name} is not role {name}'s (its SCRAM verifier differs)"
            );
        }
    }
}

async fn killed_children_leave_no_orphan_and_no_duplicate() {
    let seed = env_number("PLATFORM_CRASH_SEED", 0x9e5);
    let trials = env_number("PLATFORM_CRASH_TRIALS", 20);
    let count = claim_count();
    let run_prefix = format!("pgc{}t", std::process::id());
    let _cleanup = DropOnExit(run_prefix.clone());
    let started = Instant::now();
    let mut rng = SeededRng::new(seed);
    let (mut kills, mut kills_with_progress, mut kills_mid_create) = (0, 0, 0);
    let (mut kill_time, mut final_time, mut drop_time) =
        (Duration::ZERO, Duration::ZERO, Duration::ZERO);
    let mut dropping = None;
    for trial in 0..trials {
        let mut trial_rng = SeededRng::new(rng.next_u64());
        let namespace = format!("{run_prefix}{trial}");
        let prefix = format!("{namespace}_");
        let context = format!("seed {seed:#x} trial {trial} ({namespace})");
        let dir = tempfile::tempdir().unwrap();
        let mut acknowledged = BTreeSet::new();
        for kill in 0..trial_rng.between(1, 2) {
            let t = Instant::now();
            let (mut child, reader) = start_child(dir.path(), &namespace);
            std::thread::sleep(Duration::from_millis(trial_rng.between(30, 1600)));
            // SIGKILL; a child that already finished is not an error.
            let _ = child.kill();
            child.wait().unwrap();
            kill_time += t.elapsed();
            kills += 1;
            let acked = reader.join().unwrap();
            if !acked.is_empty() {
                kills_with_progress += 1;
            }
            acknowledged.extend(acked);
            let (_, stored, intents) = read_state(dir.path()).await;
            if intents > 0 {
                kills_mid_create += 1;
            }
            assert_acknowledged_kept(
                &stored,
                &acknowledged,
                &format!("{context} after kill {kill}"),
            );
        }

        let t = Instant::now();
        let (child, reader) = start_child(dir.path(), &namespace);
        let output = child.wait_with_output().unwrap();
        final_time += t.elapsed();
        let acked = reader.join().unwrap();
        assert!(
            output.status.success(),
            "{context}: the final child failed: {}\n{}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
        assert_eq!(
            acked.len(),
            count,
            "{context}: claims acknowledged by the final run"
        );

        let (store, stored, intents) = read_state(dir.path()).await;
        assert_acknowledged_kept(&stored, &acknowledged, &context);
        let claims: Vec<&DynamicObject> = stored
            .iter()
            .filter(|o| o.kind == "DatabaseClaim")
            .collect();
        assert_eq!(claims.len(), count, "{context}");
        let unready: Vec<&str> = claims
            .iter()
            .filter(|c| !is_true(c, "Ready"))
            .map(|c| c.metadata.name.as_str())
            .collect();
        assert!(
            unready.is_empty(),
            "{context}: claims not Ready: {unready:?}"
        );
        assert_eq!(intents, 0, "{context}: create intents left pending");

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
            assert_eq!(real.len(), count, "{context}: marked {kind}");
        }

        let mut sampled = BTreeSet::new();
        while sampled.len() < SCRAM_SAMPLE.min(count) {
            sampled.insert(trial_rng.between(0, count as u64 - 1) as usize);
        }
        check_credentials(&store, &claims, &namespace, &sampled, &context).await;
        drop(store);

        // Dropped while the next trial runs: the drops wait for checkpoints (I/O), the child
        // mostly computes SCRAM verifiers (CPU). One trial's drops at a time.
        if let Some(previous) = dropping.take() {
            drop_time += finish_drop(previous);
        }
        dropping = Some(start_drop(prefix));
    }
    if let Some(previous) = dropping.take() {
        drop_time += finish_drop(previous);
    }
    eprintln!(
        "{trials} trials of {count} claims in {:.1} s (killed runs {:.1} s, final runs {:.1} s, \
         drops {:.1} s, overlapping the next trial); {kills} kills, {kills_with_progress} after some claims were \
         acknowledged, {kills_mid_create} left create intents pending",
        started.elapsed().as_secs_f64(),
        kill_time.as_secs_f64(),
        final_time.as_secs_f64(),
        drop_time.as_secs_f64(),
    );
    // The recovery path must actually be exercised, or the test proves little.
    if trials >= 10 {
        assert!(
            kills_mid_create > 0,
            "no kill landed between a create intent and its record"
        );
    }
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
