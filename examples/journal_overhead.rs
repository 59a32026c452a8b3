//! Journal overhead: what recording a deployment adds to an apply. An Application asking for a
//! database (three managed resources on zero-latency fakes, so the run measures the engine
//! and the state file, not a cloud) is applied with a new image N times in a production
//! environment, where each apply is a deployment recorded in the journal after a look for the
//! earlier deployment it may roll back to, and N times in another environment, where nothing
//! is recorded. Both keep their state in a SQLite file whose journal already holds H earlier
//! deployments of the service, an hour apart; the applies are half an hour apart by the
//! engines' clock (a service deploying 48 times a day). The two alternate, so a busy machine
//! slows both alike. Prints
//! one JSON line: the median and mean apply of each, and the overhead in percent. A third
//! argument gives the fakes a latency per call (ms), as a real provider has.
//!
//! ```sh
//! cargo run --release -p examples --example journal_overhead                 # N=300, H=1000
//! cargo run --release -p examples --example journal_overhead -- 1000 5000
//! cargo run --release -p examples --example journal_overhead -- 300 1000 5   # 5 ms a call
//! ```

use serde_json::{Value, json};
use std::sync::Arc;
use std::time::{Duration, Instant};

use platform_core::clock::ManualClock;
use platform_core::engine::{Deployment, Engine};
use platform_core::model::DynamicObject;
use platform_core::store::{JournalEntry, StateStore, kinds};
use platform_providers::store::sqlite::{SecretKey, SecretKeySource, SqliteOptions, SqliteStore};
use platform_testkit::fake::Delay;
use platform_testkit::harness::{Harness, trio_composition};

/// The Application, with the image of one release.
fn app(release: usize) -> DynamicObject {
    serde_json::from_value(json!({
        "apiVersion": "platform.dev/v1alpha1", "kind": "Application",
        "metadata": {"name": "shop", "namespace": "team-a",
                     "labels": {"platform.dev/owner": "team-a"}},
        "spec": {
            "replicas": 2,
            "containers": [{"name": "shop", "image": format!("shop:{release}")}],
            "resources": {"db": {"kind": "DatabaseClaim",
                                 "spec": {"engine": "postgresql", "size": "small"}}},
        },
    }))
    .expect("a valid Application")
}

/// When the first measured apply happens, by the engines' clock.
const START_MS: i64 = 1_793_610_000_000;
/// Between two applies, by the engines' clock.
const APART_MS: i64 = 30 * 60 * 1000;

/// `history` earlier deployments of the service, an hour apart, ending an hour before the
/// first apply (within the journal's retention, so none is pruned).
fn history(history: usize) -> Vec<JournalEntry> {
    let now = START_MS;
    (0..history)
        .map(|i| {
            let time = now - (history - i + 1) as i64 * 3_600_000;
            JournalEntry::new(
                kinds::DEPLOY,
                format!("team-a/shop@{time}"),
                time,
                Some("component:team-a/shop".into()),
                Some("production".into()),
                &json!({"status": "success", "changes": [format!("c{i}")],
                        "specDigest": format!("{i:064x}")}),
            )
        })
        .collect()
}

/// One side of the comparison: its own fakes, state file and engine.
struct Side {
    _harness: Harness,
    clock: ManualClock,
    _dir: tempfile::TempDir,
    store: Arc<SqliteStore>,
    engine: Engine,
    times: Vec<Duration>,
}

impl Side {
    async fn new(production: bool, earlier: usize, latency_ms: u64) -> Result<Side, String> {
        let harness = Harness::builder().composition(trio_composition()).build();
        harness.provider().recorder().set_recording(false);
        if latency_ms > 0 {
            harness
                .provider()
                .set_call_latency(Delay::fixed(Duration::from_millis(latency_ms)))
                .map_err(|e| e.to_string())?;
        }
        let dir = tempfile::tempdir().map_err(|e| format!("temporary folder: {e}"))?;
        let store = Arc::new(
            SqliteStore::open_with(
                dir.path().join("state.db"),
                SqliteOptions {
                    secret_key: SecretKeySource::Key(SecretKey::from_bytes([1; 32])),
                    ..SqliteOptions::default()
                },
            )
            .map_err(|e| e.to_string())?,
        );
        store
            .journal_append(history(earlier))
            .await
            .map_err(|e| e.to_string())?;
        let clock = ManualClock::at(START_MS);
        let engine = harness
            .engine_builder()
            .store(store.clone())
            .production(production)
            .clock(Arc::new(clock.clone()))
            .build();
        let mut side = Side {
            _harness: harness,
            clock,
            _dir: dir,
            store,
            engine,
            times: Vec::new(),
        };
        // The first apply creates the database: not what is measured.
        side.apply(0).await?;
        side.times.clear();
        Ok(side)
    }

    async fn apply(&mut self, release: usize) -> Result<(), String> {
        self.clock.advance(APART_MS);
        let checked = self
            .engine
            .check(&[app(release)])
            .map_err(|e| e.to_string())?;
        let start = Instant::now();
        let report = self
            .engine
            .apply_checked_as(checked, &Deployment::default())
            .await
            .map_err(|e| e.to_string())?;
        self.times.push(start.elapsed());
        if !report.all_ready() {
            return Err(format!("release {release} did not become ready"));
        }
        Ok(())
    }

    /// Median and mean apply, in milliseconds.
    fn figures(&self) -> (f64, f64) {
        let mut ms: Vec<f64> = self.times.iter().map(|t| t.as_secs_f64() * 1e3).collect();
        ms.sort_by(f64::total_cmp);
        let median = ms[ms.len() / 2];
        let mean = ms.iter().sum::<f64>() / ms.len() as f64;
        (median, mean)
    }
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

async fn run(applies: usize, earlier: usize, latency_ms: u64) -> Result<Value, String> {
    let mut quiet = Side::new(false, earlier, latency_ms).await?;
    let mut recorded = Side::new(true, earlier, latency_ms).await?;
    for release in 1..=applies {
        quiet.apply(release).await?;
        recorded.apply(release).await?;
    }
    let deploys = recorded
        .store
        .journal(&platform_core::store::JournalQuery {
            kinds: vec![kinds::DEPLOY.into()],
            ..Default::default()
        })
        .await
        .map_err(|e| e.to_string())?
        .len();
    if deploys != earlier + applies + 1 {
        return Err(format!(
            "expected {} deployments in the journal, found {deploys}",
            earlier + applies + 1
        ));
    }
    let (quiet_median, quiet_mean) = quiet.figures();
    let (recorded_median, recorded_mean) = recorded.figures();
    Ok(json!({
        "applies": applies,
        "earlierDeployments": earlier,
        "latencyMs": latency_ms,
        "unrecordedMedianMs": round3(quiet_median),
        "recordedMedianMs": round3(recorded_median),
        "unrecordedMeanMs": round3(quiet_mean),
        "recordedMeanMs": round3(recorded_mean),
        "overheadMedianPercent": round3((recorded_median / quiet_median - 1.0) * 100.0),
        "overheadMeanPercent": round3((recorded_mean / quiet_mean - 1.0) * 100.0),
    }))
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let args: Result<Vec<usize>, _> = std::env::args().skip(1).map(|a| a.parse()).collect();
    let (applies, earlier, latency_ms) = match args.as_deref() {
        Ok([]) => (300, 1000, 0),
        Ok([n]) => (*n, 1000, 0),
        Ok([n, h]) => (*n, *h, 0),
        Ok([n, h, l]) => (*n, *h, *l as u64),
        _ => {
            eprintln!(
                "error: expected [APPLIES] [EARLIER_DEPLOYMENTS] [LATENCY_MS], whole numbers"
            );
            return std::process::ExitCode::FAILURE;
        }
    };
    match run(applies.max(1), earlier, latency_ms).await {
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
