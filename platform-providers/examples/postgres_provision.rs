//! Provisions PostgreSQL databases with their owner roles (the production composition: Role,
//! Database and Grant per DatabaseClaim) through the engine, and compares with the same SQL
//! statements sent one after another by a plain tokio-postgres client: CREATE ROLE with a
//! SCRAM verifier and COMMENT, CREATE DATABASE ... OWNER and COMMENT, GRANT.
//!
//! Runs `PLATFORM_PG_PROVISION_ROUNDS` rounds (default 3) of: the plain client and the engine
//! at concurrency 1 (which goes first alternates), then the engine at concurrency 16. After
//! every run, untimed, its databases and roles are dropped and the server checkpoints, so no
//! run pays for flushing the previous one's pages.
//!
//! Prints one JSON line: the medians plain_sequential_ms, engine_c1_ms (concurrency 1, like
//! for like), engine_c16_ms (concurrency 16), their ratios to the plain run and every run's
//! time under runs_ms; with
//! `PLATFORM_PG_PROVISION_SQLITE=1` also engine_c16_sqlite_ms (SqliteStore instead of
//! MemoryStore). `PLATFORM_PG_PROVISION_COUNT` changes the number of claims (default 200).
//! Everything under the example's prefix is dropped before, between the runs (untimed) and after.
//!
//! `cargo run --release -p platform-providers --no-default-features --features postgres,sqlite --example postgres_provision`
//! (PLATFORM_TEST_POSTGRES_URL, default postgres://postgres@127.0.0.1:5432/postgres). Exits
//! with status 1 and a message when PostgreSQL cannot be reached.

use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use postgres_protocol::escape::{escape_identifier, escape_literal};
use postgres_protocol::password::scram_sha_256;
use serde_json::json;

use platform_core::compose::CompositionLibrary;
use platform_core::engine::Engine;
use platform_core::kinds::{DatabaseClaim, DatabaseClaimSpec, DatabaseEngine};
use platform_core::model::DynamicObject;
use platform_core::provider::Provider;
use platform_core::store::{MemoryStore, StateStore};
use platform_providers::postgres::{MARKER, PostgresProvider};
use platform_providers::store::sqlite::{SecretKey, SecretKeySource, SqliteOptions, SqliteStore};

/// Every name the example creates starts with this (namespace `pgprov`).
const PREFIX: &str = "pgprov_";
const NAMESPACE: &str = "pgprov";
/// Connections dropping databases at once (each DROP DATABASE waits for a checkpoint).
const DROPPERS: usize = 16;

fn url() -> String {
    std::env::var("PLATFORM_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

async fn plain() -> Result<tokio_postgres::Client, tokio_postgres::Error> {
    let mut config: tokio_postgres::Config = url().parse().expect("a postgres:// URL");
    config.dbname("postgres");
    config.connect_timeout(std::time::Duration::from_secs(5));
    let (client, connection) = config.connect(tokio_postgres::NoTls).await?;
    tokio::spawn(connection);
    Ok(client)
}

/// Drops every database and role under [`PREFIX`] that carries the platform's marker.
async fn cleanup() -> Result<(), tokio_postgres::Error> {
    let client = plain().await?;
    let databases: Vec<String> = client
        .query(
            "SELECT datname::text FROM pg_database d WHERE starts_with(datname, $1)
               AND split_part(shobj_description(d.oid, 'pg_database'), ' ', 1) = $2",
            &[&PREFIX, &MARKER],
        )
        .await?
        .iter()
        .map(|r| r.get(0))
        .collect();
    let mut shares: Vec<Vec<String>> = vec![Vec::new(); DROPPERS];
    for (i, d) in databases.into_iter().enumerate() {
        shares[i % DROPPERS].push(d);
    }
    let mut droppers = tokio::task::JoinSet::new();
    for share in shares.into_iter().filter(|s| !s.is_empty()) {
        droppers.spawn(async move {
            let client = plain().await?;
            for d in share {
                client
                    .batch_execute(&format!(
                        "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                        escape_identifier(&d)
                    ))
                    .await?;
            }
            Ok::<_, tokio_postgres::Error>(())
        });
    }
    while let Some(joined) = droppers.join_next().await {
        joined.expect("a dropper panicked")?;
    }
    let roles: Vec<String> = client
        .query(
            "SELECT rolname::text FROM pg_roles r WHERE starts_with(rolname, $1)
               AND split_part(shobj_description(r.oid, 'pg_authid'), ' ', 1) = $2",
            &[&PREFIX, &MARKER],
        )
        .await?
        .iter()
        .map(|r| r.get(0))
        .collect();
    for role in roles {
        let role = escape_identifier(&role);
        client
            .batch_execute(&format!("DROP OWNED BY {role}; DROP ROLE IF EXISTS {role}"))
            .await?;
    }
    Ok(())
}

/// The role and database name the production composition gives claim `i`.
fn claim_name(i: usize) -> String {
    format!("db-{i:03}")
}

/// The same statements as the adapter sends for one claim, one after another.
async fn plain_claim(
    client: &tokio_postgres::Client,
    i: usize,
) -> Result<(), tokio_postgres::Error> {
    let name = format!("{NAMESPACE}_{}", claim_name(i)).replace('-', "_");
    let q = escape_identifier(&name);
    let marker = escape_literal(MARKER);
    let password = format!("{:032x}", rand_u128());
    let verifier = scram_sha_256(password.as_bytes());
    client
        .batch_execute(&format!(
            "BEGIN; CREATE ROLE {q} WITH LOGIN CONNECTION LIMIT 20 PASSWORD {}; \
             COMMENT ON ROLE {q} IS {marker}; COMMIT",
            escape_literal(&verifier)
        ))
        .await?;
    client
        .batch_execute(&format!(
            "CREATE DATABASE {q} OWNER {q} ENCODING 'UTF8' TEMPLATE template0"
        ))
        .await?;
    client
        .batch_execute(&format!("COMMENT ON DATABASE {q} IS {marker}"))
        .await?;
    client
        .batch_execute(&format!("GRANT ALL ON DATABASE {q} TO {q}"))
        .await
}

/// A password's worth of randomness for the plain run (the adapter uses the OS CSPRNG too).
fn rand_u128() -> u128 {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).expect("the OS random source");
    u128::from_le_bytes(bytes)
}

fn claims(count: usize) -> Vec<DynamicObject> {
    (0..count)
        .map(|i| {
            DatabaseClaim::new(
                claim_name(i),
                DatabaseClaimSpec::new(DatabaseEngine::Postgresql),
            )
            .in_namespace(NAMESPACE)
            .to_dynamic()
            .unwrap()
        })
        .collect()
}

fn engine(store: Arc<dyn StateStore>, concurrency: usize) -> Engine {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../compositions/production");
    let mut library = CompositionLibrary::new();
    library
        .load_paths(&[
            root.join("database-postgresql.yaml"),
            root.join("environment.yaml"),
        ])
        .expect("the production compositions load");
    let provider = PostgresProvider::from_settings(
        &json!({"url": url(), "maxConnections": concurrency.max(1)}),
    )
    .expect("postgres settings");
    let provider: Arc<dyn Provider> = Arc::new(provider);
    Engine::builder()
        .compositions(library)
        .environment("production")
        .provider(provider)
        .store(store)
        .concurrency(concurrency)
        .build()
}

/// Applies every claim in one apply; milliseconds taken.
async fn engine_run(store: Arc<dyn StateStore>, concurrency: usize, count: usize) -> f64 {
    let engine = engine(store, concurrency);
    let claims = claims(count);
    let started = Instant::now();
    let report = engine
        .apply(&claims)
        .await
        .unwrap_or_else(|e| fail(&e.to_string()));
    let ms = started.elapsed().as_secs_f64() * 1000.0;
    if !report.all_ready() {
        fail(&format!(
            "engine run at concurrency {concurrency}: not every claim is Ready"
        ));
    }
    ms
}

fn fail(message: &str) -> ! {
    eprintln!("postgres_provision: {message}");
    std::process::exit(1)
}

async fn clean(when: &str) {
    if let Err(e) = cleanup().await {
        fail(&format!(
            "cannot drop the example's databases and roles {when}: {e}"
        ));
    }
}

/// Drops what a run created, then checkpoints, so the next timed run does not pay for
/// flushing this one's pages (untimed; CHECKPOINT needs a superuser, as the default URL is).
async fn settle(when: &str) {
    clean(when).await;
    let client = plain().await.unwrap_or_else(|e| fail(&e.to_string()));
    if let Err(e) = client.batch_execute("CHECKPOINT").await {
        fail(&format!("cannot checkpoint {when}: {e}"));
    }
}

/// The same statements from one plain client, one claim after another.
async fn plain_run(count: usize) -> f64 {
    let client = plain().await.unwrap_or_else(|e| fail(&e.to_string()));
    let started = Instant::now();
    for i in 0..count {
        if let Err(e) = plain_claim(&client, i).await {
            fail(&format!("plain run, claim {i}: {e}"));
        }
    }
    started.elapsed().as_secs_f64() * 1000.0
}

/// The middle value (the upper one of an even count).
fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    sorted[sorted.len() / 2]
}

fn rounded(values: &[f64]) -> Vec<f64> {
    values.iter().map(|v| v.round()).collect()
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let count: usize = std::env::var("PLATFORM_PG_PROVISION_COUNT")
        .ok()
        .map(|v| v.parse().expect("PLATFORM_PG_PROVISION_COUNT: a number"))
        .unwrap_or(200);
    if let Err(e) = plain().await {
        fail(&format!(
            "PostgreSQL is unreachable at {} (set PLATFORM_TEST_POSTGRES_URL): {e}",
            redact(&url())
        ));
    }
    let rounds: usize = std::env::var("PLATFORM_PG_PROVISION_ROUNDS")
        .ok()
        .map(|v| v.parse().expect("PLATFORM_PG_PROVISION_ROUNDS: a number"))
        .unwrap_or(3)
        .max(1);
    settle("before the runs").await;

    // Rounds alternate which of the plain client and the engine at concurrency 1 goes first,
    // so neither always inherits the server's state from the other.
    let (mut plain_ms, mut c1, mut c16) = (Vec::new(), Vec::new(), Vec::new());
    for round in 0..rounds {
        for plain_first in [round % 2 == 0, round % 2 == 1] {
            if plain_first {
                plain_ms.push(plain_run(count).await);
                settle("after the plain run").await;
            } else {
                c1.push(engine_run(Arc::new(MemoryStore::new()), 1, count).await);
                settle("after the engine run at concurrency 1").await;
            }
        }
        c16.push(engine_run(Arc::new(MemoryStore::new()), 16, count).await);
        settle("after the engine run at concurrency 16").await;
    }
    let plain_ms_all = plain_ms.clone();
    let plain_ms = median(&plain_ms);
    let (c1_all, c16_all) = (c1.clone(), c16.clone());
    let (c1, c16) = (median(&c1), median(&c16));

    let mut line = json!({
        "claims": count,
        "rounds": rounds,
        "plain_sequential_ms": plain_ms.round(),
        "engine_c1_ms": c1.round(),
        "engine_c16_ms": c16.round(),
        "engine_c1_over_plain": (c1 / plain_ms * 1000.0).round() / 1000.0,
        "engine_c16_over_plain": (c16 / plain_ms * 1000.0).round() / 1000.0,
        "runs_ms": {
            "plain_sequential": rounded(&plain_ms_all),
            "engine_c1": rounded(&c1_all),
            "engine_c16": rounded(&c16_all),
        },
    });
    if std::env::var("PLATFORM_PG_PROVISION_SQLITE").is_ok_and(|v| v == "1") {
        let dir = tempfile_dir();
        let store = SqliteStore::open_with(
            dir.join("state.db"),
            SqliteOptions {
                secret_key: SecretKeySource::Key(SecretKey::from_bytes([3; 32])),
                ..Default::default()
            },
        )
        .unwrap_or_else(|e| fail(&format!("cannot open the SQLite store: {e}")));
        let ms = engine_run(Arc::new(store), 16, count).await;
        settle("after the engine run on SQLite").await;
        let _ = std::fs::remove_dir_all(&dir);
        line["engine_c16_sqlite_ms"] = json!(ms.round());
        line["engine_c16_sqlite_over_plain"] = json!((ms / plain_ms * 1000.0).round() / 1000.0);
    }
    println!("{line}");
}

/// A fresh folder under the system's temporary directory.
fn tempfile_dir() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("pgprov-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| fail(&format!("cannot create {dir:?}: {e}")));
    dir
}

/// The URL without a password.
fn redact(url: &str) -> String {
    match url.parse::<tokio_postgres::Config>() {
        Ok(config) if config.get_password().is_some() => {
            let (scheme, rest) = url.split_once("://").unwrap_or(("postgres", url));
            let after = rest.rsplit_once('@').map(|(_, host)| host).unwrap_or(rest);
            let user = config.get_user().unwrap_or("");
            format!("{scheme}://{user}:***@{after}")
        }
        _ => url.to_owned(),
    }
}
