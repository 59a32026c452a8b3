//! Scale: apply N claims (each composing to 3 managed resources) to zero-latency fakes, apply
//! again unchanged, sweep for drift; print one JSON line of timings and peak memory (MiB).
//!
//! ```sh
//! cargo run --release --example scale -- --resources 10000
//! cargo run --release --example scale -- --resources 1000 --shape single --latency-ms 5 --concurrency 64
//! cargo run --release --example scale -- --resources 10000 --store sqlite
//! cargo run --release -p examples --features postgres-store --example scale -- --resources 10000 --store postgres
//! ```
//!
//! `--shape single` composes each claim to one independent resource, to compare an apply with
//! provider latency against the ideal `N × latency / concurrency`. `--store sqlite` keeps the
//! state in a SQLite file in a temporary folder (removed at exit) instead of in memory;
//! `--store postgres` (feature `postgres-store`) in a schema of its own, dropped at exit, of the
//! PostgreSQL at `PLATFORM_TEST_POSTGRES_URL` (default `postgres://postgres@127.0.0.1:5432/postgres`).

use serde_json::json;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use platform_core::compose::{
    ComposeError, ComposeRequest, Composed, ComposedResource, CompositeTypeRef, Composition,
    ReadBack,
};
use platform_core::kinds::{DatabaseClaim, DatabaseClaimSpec, DatabaseEngine, Size};
use platform_core::model::DynamicObject;
use platform_providers::store::sqlite::{SecretKey, SecretKeySource, SqliteOptions, SqliteStore};
use platform_testkit::fake::Delay;
use platform_testkit::harness::{Harness, TRIO_API_VERSION, trio_composition};

struct Args {
    resources: usize,
    shape: String,
    latency_ms: u64,
    concurrency: usize,
    store: String,
}

fn args() -> Result<Args, String> {
    let mut out = Args {
        resources: 1000,
        shape: "trio".into(),
        latency_ms: 0,
        concurrency: 16,
        store: "memory".into(),
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--resources" => {
                out.resources = value()?.parse().map_err(|e| format!("--resources: {e}"))?
            }
            "--shape" => out.shape = value()?,
            "--latency-ms" => {
                out.latency_ms = value()?.parse().map_err(|e| format!("--latency-ms: {e}"))?
            }
            "--concurrency" => {
                out.concurrency = value()?
                    .parse()
                    .map_err(|e| format!("--concurrency: {e}"))?
            }
            "--store" => out.store = value()?,
            other => {
                return Err(format!(
                    "unknown flag {other:?}; expected --resources N, --shape trio|single, --latency-ms MS, --concurrency N, --store memory|sqlite|postgres"
                ));
            }
        }
    }
    if !["memory", "sqlite", "postgres"].contains(&out.store.as_str()) {
        return Err(format!(
            "--store {}: expected memory, sqlite or postgres",
            out.store
        ));
    }
    if out.store == "postgres" && !cfg!(feature = "postgres-store") {
        return Err("--store postgres: build with --features postgres-store".into());
    }
    Ok(out)
}

/// One claim, one independent managed resource.
struct Single {
    type_ref: CompositeTypeRef,
    labels: BTreeMap<String, String>,
}

impl Composition for Single {
    fn name(&self) -> &str {
        "single"
    }
    fn composite_type(&self) -> &CompositeTypeRef {
        &self.type_ref
    }
    fn labels(&self) -> &BTreeMap<String, String> {
        &self.labels
    }
    fn compose(&self, request: &ComposeRequest<'_>) -> Result<Composed, ComposeError> {
        let name = request.composite["metadata"]["name"]
            .as_str()
            .unwrap_or_default();
        Ok(Composed {
            read_back: ReadBack::new(request.composite.clone()),
            resources: vec![ComposedResource {
                name: "database".into(),
                object: json!({"apiVersion": TRIO_API_VERSION, "kind": "Database",
                               "metadata": {"name": format!("{name}-database")}, "spec": {"size": request.composite["spec"]["size"]}}),
                ready: false,
            }],
            ..Composed::default()
        })
    }
}

/// Peak resident memory of this process in MiB (`VmHWM`, which Linux reports in KiB).
fn peak_rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map_or(0.0, |kb| (kb / 1024.0 * 10.0).round() / 10.0)
}

fn ms(d: Duration) -> f64 {
    (d.as_secs_f64() * 10_000.0).round() / 10.0
}

async fn run(args: Args) -> Result<serde_json::Value, String> {
    let composition: Arc<dyn Composition> = match args.shape.as_str() {
        "trio" => trio_composition(),
        "single" => Arc::new(Single {
            type_ref: CompositeTypeRef {
                api_version: "platform.dev/v1alpha1".into(),
                kind: "DatabaseClaim".into(),
            },
            labels: BTreeMap::new(),
        }),
        other => return Err(format!("--shape {other}: expected trio or single")),
    };
    let harness = Harness::builder()
        .composition(composition)
        .concurrency(args.concurrency)
        .build();
    // Some 120,000 calls at 10,000 claims, never looked at: the run measures the engine.
    harness.provider().recorder().set_recording(false);
    if args.latency_ms > 0 {
        harness
            .provider()
            .set_call_latency(Delay::fixed(Duration::from_millis(args.latency_ms)))
            .map_err(|e| e.to_string())?;
    }
    let sizes = [Size::Small, Size::Medium, Size::Large, Size::Xlarge];
    let objects: Vec<DynamicObject> = (0..args.resources)
        .map(|i| {
            let mut spec = DatabaseClaimSpec::new(DatabaseEngine::Postgresql);
            spec.size = sizes[i % 4];
            DatabaseClaim::new(format!("db-{i}"), spec)
                .in_namespace(format!("team-{}", i % 50))
                .to_dynamic()
                .map_err(|e| e.to_string())
        })
        .collect::<Result<_, _>>()?;
    // Kept until the end of the run: dropping it removes the state file.
    let state_dir = tempfile::tempdir().map_err(|e| format!("temporary folder: {e}"))?;
    let sqlite_engine = if args.store == "sqlite" {
        let store = SqliteStore::open_with(
            state_dir.path().join("state.db"),
            SqliteOptions {
                secret_key: SecretKeySource::Key(SecretKey::from_bytes([1; 32])),
                ..SqliteOptions::default()
            },
        )
        .map_err(|e| e.to_string())?;
        Some(harness.engine_builder().store(Arc::new(store)).build())
    } else if args.store == "postgres" {
        Some(postgres::engine(&harness).await?)
    } else {
        None
    };
    let engine = sqlite_engine.as_ref().unwrap_or(harness.engine());

    let start = Instant::now();
    let planned = engine
        .plan(&objects)
        .await
        .map_err(|e| e.to_string())?
        .actions
        .len();
    let plan_ms = ms(start.elapsed());

    let start = Instant::now();
    let all_ready = engine
        .apply(&objects)
        .await
        .map_err(|e| e.to_string())?
        .all_ready();
    let apply_ms = ms(start.elapsed());
    if !all_ready {
        return Err("not every claim became ready".into());
    }

    let start = Instant::now();
    let changed = engine
        .apply(&objects)
        .await
        .map_err(|e| e.to_string())?
        .changed();
    let noop_apply_ms = ms(start.elapsed());
    if changed {
        return Err("an unchanged apply changed something".into());
    }

    let start = Instant::now();
    let drift = engine.detect_drift().await.map_err(|e| e.to_string())?;
    let drift_sweep_ms = ms(start.elapsed());

    let managed = harness.cloud().len();
    let mut line = json!({
        "resources": args.resources,
        "store": args.store,
        "managed": managed,
        "plan_ms": plan_ms,
        "apply_ms": apply_ms,
        "noop_apply_ms": noop_apply_ms,
        "drift_sweep_ms": drift_sweep_ms,
        "peak_rss_mib": peak_rss_mib(),
    });
    if args.latency_ms > 0 {
        let ideal = managed as f64 * args.latency_ms as f64 / args.concurrency as f64;
        line["latency_ms"] = json!(args.latency_ms);
        line["concurrency"] = json!(args.concurrency);
        line["ideal_apply_ms"] = json!((ideal * 10.0).round() / 10.0);
        line["apply_vs_ideal"] = json!((apply_ms / ideal * 100.0).round() / 100.0);
    }
    if args.store == "postgres" {
        postgres::drop_schema().await?;
    }
    if planned != managed || drift.checked != managed {
        return Err(format!(
            "expected {managed} planned and checked resources, found {} and {}",
            planned, drift.checked
        ));
    }
    Ok(line)
}

/// The state in a schema of a real PostgreSQL, one per run.
#[cfg(feature = "postgres-store")]
mod postgres {
    use platform_core::engine::Engine;
    use platform_providers::store::postgres::{PostgresOptions, PostgresStore};
    use platform_providers::store::secret_key::{SecretKey, SecretKeySource};
    use platform_testkit::harness::Harness;
    use std::sync::Arc;

    fn url() -> String {
        std::env::var("PLATFORM_TEST_POSTGRES_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
    }

    fn schema() -> String {
        format!("scale_{}", std::process::id())
    }

    /// An engine of the harness's parts on a new schema.
    pub async fn engine(harness: &Harness) -> Result<Engine, String> {
        let options = PostgresOptions {
            schema: schema(),
            secret_key: SecretKeySource::Key(SecretKey::from_bytes([1; 32])),
            ..PostgresOptions::default()
        };
        let store = PostgresStore::connect(&url(), options)
            .await
            .map_err(|e| e.to_string())?;
        Ok(harness.engine_builder().store(Arc::new(store)).build())
    }

    /// Drops the run's schema.
    pub async fn drop_schema() -> Result<(), String> {
        let (client, connection) = tokio_postgres::connect(&url(), tokio_postgres::NoTls)
            .await
            .map_err(|e| format!("cannot reach PostgreSQL: {e}"))?;
        tokio::spawn(connection);
        client
            .batch_execute(&format!("DROP SCHEMA \"{}\" CASCADE", schema()))
            .await
            .map_err(|e| format!("cannot drop the schema: {e}"))
    }
}

#[cfg(not(feature = "postgres-store"))]
mod postgres {
    use platform_core::engine::Engine;
    use platform_testkit::harness::Harness;

    /// Refused in [`super::args`] without the feature.
    pub async fn engine(_harness: &Harness) -> Result<Engine, String> {
        Err("--store postgres: build with --features postgres-store".into())
    }

    /// Nothing to drop without the feature.
    pub async fn drop_schema() -> Result<(), String> {
        Ok(())
    }
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
