//! Workers at scale: N claims stored in a PostgreSQL state, then reconciled by W engines
//! running their controller loops on that one database (each with its own connection pool,
//! as W `platformctl run` processes would), against the fake provider with a fixed latency
//! per call. Prints one JSON line: the time until every claim is Ready and the claims per
//! second, the CPU seconds the PostgreSQL server and this process used meanwhile, then, with
//! the N claims in place, how long new claims (submitted one by one) take to become Ready.
//!
//! ```sh
//! cargo run --release -p examples --features postgres-store --example workers_scale -- \
//!     --claims 10000 --workers 2 --latency-ms 5
//! ```
//!
//! The server is `PLATFORM_TEST_POSTGRES_URL` (default `postgres://postgres@127.0.0.1:5432/postgres`);
//! the run uses a schema of its own and drops it at the end.

use std::sync::Arc;
use std::time::{Duration, Instant};

use platform_core::engine::Engine;
use platform_core::kinds::{DatabaseClaim, DatabaseClaimSpec, DatabaseEngine};
use platform_core::model::DynamicObject;
use platform_core::store::{ListFilter, StateStore};
use platform_providers::store::postgres::{PostgresOptions, PostgresStore};
use platform_providers::store::secret_key::{SecretKey, SecretKeySource};
use platform_testkit::fake::Delay;
use platform_testkit::harness::{Harness, trio_composition};

struct Args {
    claims: usize,
    workers: usize,
    latency_ms: u64,
    concurrency: usize,
    new_claims: usize,
}

fn args() -> Result<Args, String> {
    let mut out = Args {
        claims: 1000,
        workers: 1,
        latency_ms: 5,
        concurrency: 16,
        new_claims: 100,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().ok_or_else(|| format!("{flag} needs a value"))?;
        let number: usize = value
            .parse()
            .map_err(|e| format!("{flag}: expected a number, found {value:?}: {e}"))?;
        match flag.as_str() {
            "--claims" => out.claims = number,
            "--workers" => out.workers = number.max(1),
            "--latency-ms" => out.latency_ms = number as u64,
            "--concurrency" => out.concurrency = number.max(1),
            "--new-claims" => out.new_claims = number,
            other => {
                return Err(format!(
                    "unknown flag {other:?}; expected --claims N, --workers W, --latency-ms MS, --concurrency N, --new-claims N"
                ));
            }
        }
    }
    Ok(out)
}

/// CPU seconds (user and system) used so far by the processes whose command name starts
/// with `name`, or by this process when `name` is `None`.
fn cpu_seconds(name: Option<&str>) -> f64 {
    let ticks = |stat: &str| -> Option<u64> {
        let after = &stat[stat.rfind(')')? + 1..];
        let fields: Vec<&str> = after.split_whitespace().collect();
        Some(fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?)
    };
    let total: u64 = match name {
        None => std::fs::read_to_string("/proc/self/stat")
            .ok()
            .and_then(|s| ticks(&s))
            .unwrap_or(0),
        Some(name) => std::fs::read_dir("/proc")
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|entry| {
                let dir = entry.path();
                let comm = std::fs::read_to_string(dir.join("comm")).ok()?;
                if !comm.trim().starts_with(name) {
                    return None;
                }
                ticks(&std::fs::read_to_string(dir.join("stat")).ok()?)
            })
            .sum(),
    };
    total as f64 / 100.0
}

fn claim(i: usize, namespace: &str) -> Result<DynamicObject, String> {
    DatabaseClaim::new(
        format!("db-{i}"),
        DatabaseClaimSpec::new(DatabaseEngine::Postgresql),
    )
    .in_namespace(namespace)
    .to_dynamic()
    .map_err(|e| e.to_string())
}

/// Ready at the generation stored.
fn ready(object: &DynamicObject) -> bool {
    let Some(status) = &object.status else {
        return false;
    };
    let observed = status.get("observedGeneration").and_then(|g| g.as_i64());
    let conditions = status.get("conditions").and_then(|c| c.as_array());
    observed.is_some()
        && observed == object.metadata.generation
        && conditions.is_some_and(|c| {
            c.iter()
                .any(|c| c["type"] == "Ready" && c["status"] == "True")
        })
}

async fn open(url: &str, schema: &str) -> Result<Arc<PostgresStore>, String> {
    let options = PostgresOptions {
        schema: schema.to_owned(),
        pool_size: 8,
        secret_key: SecretKeySource::Key(SecretKey::from_bytes([7; 32])),
        ..PostgresOptions::default()
    };
    PostgresStore::connect(url, options)
        .await
        .map(Arc::new)
        .map_err(|e| e.to_string())
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let index = ((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1;
    (sorted[index] * 10.0).round() / 10.0
}

async fn run(args: Args) -> Result<serde_json::Value, String> {
    let url = std::env::var("PLATFORM_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    let schema = format!("workers_scale_{}", std::process::id());
    let harness = Harness::builder()
        .composition(trio_composition())
        .concurrency(args.concurrency)
        .build();
    harness.provider().recorder().set_recording(false);
    harness
        .provider()
        .set_call_latency(Delay::fixed(Duration::from_millis(args.latency_ms)))
        .map_err(|e| e.to_string())?;
    let mut engines: Vec<Engine> = Vec::new();
    let mut stores: Vec<Arc<PostgresStore>> = Vec::new();
    for i in 0..args.workers {
        let store = open(&url, &schema).await?;
        engines.push(
            harness
                .engine_builder()
                .store(store.clone())
                .worker_id(format!("bench-{i}"))
                .poll_interval(Duration::from_secs(3600))
                .build(),
        );
        stores.push(store);
    }
    let reader = open(&url, &schema).await?;
    let filter = ListFilter::kind("platform.dev", "DatabaseClaim");

    // Stored at once, as `apply --async` does: the workers take them from the store.
    let objects: Vec<DynamicObject> = (0..args.claims)
        .map(|i| claim(i, &format!("team-{}", i % 50)))
        .collect::<Result<_, _>>()?;
    let started = Instant::now();
    for chunk in objects.chunks(1000) {
        let checked = engines[0].check(chunk).map_err(|e| e.to_string())?;
        engines[0]
            .submit_checked(checked)
            .await
            .map_err(|e| e.to_string())?;
    }
    let submit_s = started.elapsed().as_secs_f64();

    let (stop, stopped) = tokio::sync::watch::channel(false);
    let mut loops = tokio::task::JoinSet::new();
    let (db_before, own_before) = (cpu_seconds(Some("postgres")), cpu_seconds(None));
    let started = Instant::now();
    for engine in &engines {
        let engine = engine.clone();
        let mut stopped = stopped.clone();
        loops.spawn(async move {
            engine
                .run(async move {
                    let _ = stopped.wait_for(|s| *s).await;
                })
                .await
        });
    }
    loop {
        tokio::time::sleep(Duration::from_millis(500)).await;
        let listed = reader.list(&filter).await.map_err(|e| e.to_string())?;
        if listed.iter().filter(|c| ready(c)).count() == args.claims {
            break;
        }
        if started.elapsed() > Duration::from_secs(1800) {
            return Err("not every claim was Ready after 30 minutes".into());
        }
    }
    let reconcile_s = started.elapsed().as_secs_f64();
    let (db_cpu, own_cpu) = (
        cpu_seconds(Some("postgres")) - db_before,
        cpu_seconds(None) - own_before,
    );

    // With the N claims in place: new claims one by one, each timed until Ready.
    let mut latencies = Vec::new();
    let mut waiting = tokio::task::JoinSet::new();
    for i in 0..args.new_claims {
        let object = claim(i, "latecomers")?;
        let key = platform_core::model::Resource::object_ref(&object);
        let checked = engines[0].check(&[object]).map_err(|e| e.to_string())?;
        let submitted = Instant::now();
        engines[0]
            .submit_checked(checked)
            .await
            .map_err(|e| e.to_string())?;
        let reader = reader.clone();
        waiting.spawn(async move {
            loop {
                if let Ok(Some(object)) = reader.get(&key).await
                    && ready(&object)
                {
                    return submitted.elapsed().as_secs_f64() * 1000.0;
                }
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        });
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    while let Some(latency) = waiting.join_next().await {
        latencies.push(latency.map_err(|e| e.to_string())?);
    }
    latencies.sort_by(f64::total_cmp);

    let _ = stop.send(true);
    while let Some(ended) = loops.join_next().await {
        ended
            .map_err(|e| e.to_string())?
            .map_err(|e| e.to_string())?;
    }
    let workers = reader
        .workers(60_000)
        .await
        .map_err(|e| e.to_string())?
        .unwrap_or_default();
    let per_worker: Vec<u64> = workers.iter().map(|w| w.beat.reconciled).collect();
    drop((engines, stores));
    let round = |x: f64| (x * 100.0).round() / 100.0;
    let line = serde_json::json!({
        "claims": args.claims,
        "workers": args.workers,
        "latency_ms": args.latency_ms,
        "concurrency": args.concurrency,
        "submit_s": round(submit_s),
        "reconcile_s": round(reconcile_s),
        "claims_per_s": round(args.claims as f64 / reconcile_s),
        "reconciled_per_worker": per_worker,
        "postgres_cpu_s": round(db_cpu),
        "engines_cpu_s": round(own_cpu),
        "postgres_cpu_share": round(db_cpu / (db_cpu + own_cpu).max(0.001)),
        "new_claims": args.new_claims,
        "new_claim_ready_ms": {
            "p50": percentile(&latencies, 0.50),
            "p99": percentile(&latencies, 0.99),
            "max": percentile(&latencies, 1.0),
        },
    });
    drop_schema(&url, &schema).await?;
    Ok(line)
}

async fn drop_schema(url: &str, schema: &str) -> Result<(), String> {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .map_err(|e| format!("cannot reach PostgreSQL: {e}"))?;
    tokio::spawn(connection);
    client
        .batch_execute(&format!("DROP SCHEMA \"{schema}\" CASCADE"))
        .await
        .map_err(|e| format!("cannot drop schema {schema}: {e}"))
}

fn main() -> std::process::ExitCode {
    let args = match args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("error: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(args)) {
        Ok(line) => {
            println!("{line}");
            std::process::ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
