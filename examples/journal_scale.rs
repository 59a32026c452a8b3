//! Journal scale: N events (a tenth deploys, a hundredth incidents, the rest changes) as a
//! JSON-lines import, parsed and appended to a SQLite state file in one transaction, then
//! every DORA and Four Keys figure computed over them; prints one JSON line of timings.
//!
//! ```sh
//! cargo run --release -p examples --example journal_scale              # 1,000,000 events
//! cargo run --release -p examples --example journal_scale -- 100000
//! ```

use std::fmt::Write as _;
use std::time::Instant;

use platform_core::store::StateStore;
use platform_metrics::dora::{Scope, dora_each};
use platform_metrics::fourkeys::fourkeys;
use platform_metrics::import::parse;
use platform_metrics::timeline::Timeline;
use platform_providers::store::sqlite::SqliteStore;

/// 2026-01-01T00:00:00Z in milliseconds.
const START_MS: i64 = 1_767_225_600_000;

fn iso(ms: i64) -> String {
    jiff::Timestamp::from_millisecond(ms)
        .expect("a time in range")
        .to_string()
}

#[tokio::main]
async fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    // Spread over a year: one event every `step` ms.
    let step = 365 * 86_400_000 / n as i64;
    let mut text = String::with_capacity(n * 160);
    let mut changes_since_deploy = Vec::new();
    for i in 0..n {
        let t = START_MS + i as i64 * step;
        let service = format!("component:default/svc-{}", i % 50);
        if i % 100 == 99 {
            let _ = writeln!(
                text,
                r#"{{"kind":"incident","id":"inc-{i}","time_created":"{}","time_resolved":"{}","root_cause":"c-{}","caused_by_deploy":null,"service":"{service}"}}"#,
                iso(t),
                iso(t + 3_600_000),
                i - 5
            );
        } else if i % 10 == 9 {
            let changes = changes_since_deploy
                .drain(..)
                .map(|c| format!("\"{c}\""))
                .collect::<Vec<_>>()
                .join(",");
            let status = if i % 70 == 69 { "failure" } else { "success" };
            let _ = writeln!(
                text,
                r#"{{"kind":"deploy","id":"d-{i}","time":"{}","changes":[{changes}],"status":"{status}","env":"production","unplanned":{},"service":"{service}"}}"#,
                iso(t),
                i % 130 == 129
            );
        } else {
            let _ = writeln!(
                text,
                r#"{{"kind":"change","id":"c-{i}","time":"{}"}}"#,
                iso(t)
            );
            changes_since_deploy.push(format!("c-{i}"));
        }
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let store = SqliteStore::open(dir.path().join("state.db")).expect("state file");

    let started = Instant::now();
    let entries = parse("events.jsonl", &text).expect("generated lines are valid");
    let parsed = started.elapsed();
    let added = store.journal_append(entries).await.expect("append");
    let imported = started.elapsed();
    assert_eq!(added, n);

    let started = Instant::now();
    let now_ms = START_MS + 365 * 86_400_000;
    let entries = store.journal(&Timeline::query(None)).await.expect("read");
    let read = started.elapsed();
    let timeline = Timeline::from_journal(entries);
    let quarter = Scope::default_window(now_ms);
    let year = Scope {
        since_ms: START_MS,
        ..quarter.clone()
    };
    let [overall, year] =
        <[_; 2]>::try_from(dora_each(&timeline, &[quarter, year])).expect("one result a scope");
    let four = fourkeys(&timeline, now_ms);
    let computed = started.elapsed();
    println!(
        "{}",
        serde_json::json!({
            "events": n,
            "parseMs": parsed.as_millis(),
            "importMs": imported.as_millis(),
            "readMs": read.as_millis(),
            "readAndComputeMs": computed.as_millis(),
            "deployments91Days": overall.deployments,
            "deploymentsYear": year.deployments,
            "changeFailRate": year.change_fail_rate,
            "fourKeysDeployments": four.deployments,
        })
    );
}
