//! Side by side with the peer (`../shared/peers/dora_fourkeys.py`: Four Keys' formulas and
//! the dora.dev definitions): on three seeded 90-day logs from `gen_dora_events.py`, at three
//! moments, every figure equals the peer's recorded answer.

use std::path::Path;

use platform_metrics::dora::{Scope, dora};
use platform_metrics::fourkeys::fourkeys;
use platform_metrics::import::parse;
use platform_metrics::timeline::{Timeline, parse_time};
use serde_json::Value;

fn fixtures() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures"))
}

fn timeline(seed: u32) -> Timeline {
    let name = format!("events-{seed}.jsonl");
    let text = std::fs::read_to_string(fixtures().join(&name)).unwrap();
    Timeline::from_entries(&parse(&name, &text).expect("the peer's log imports"))
}

#[test]
fn every_figure_equals_the_peers_on_seeded_logs() {
    let mut compared = 0;
    for seed in [1, 2, 3] {
        let timeline = timeline(seed);
        for now in [
            "2026-11-30T18:00:00Z",
            "2026-10-15T09:30:00Z",
            "2026-12-20T00:00:00Z",
        ] {
            let file = format!("peer-{seed}-{}.json", &now[..10]);
            let peer: Value =
                serde_json::from_str(&std::fs::read_to_string(fixtures().join(&file)).unwrap())
                    .unwrap();
            let now_ms = parse_time(now).unwrap();
            let ours = serde_json::to_value(fourkeys(&timeline, now_ms)).unwrap();
            let theirs = &peer["fourkeys"];
            for (our_key, their_key) in [
                ("deploymentFrequency", "deployment_frequency"),
                ("medianLeadTimeMinutes", "median_lead_time_minutes"),
                ("leadTimeBucket", "lead_time_bucket"),
                ("medianTimeToRestoreHours", "median_time_to_restore_hours"),
                ("timeToRestoreBucket", "time_to_restore_bucket"),
                ("changeFailRate", "change_fail_rate"),
                ("changeFailRateBucket", "change_fail_rate_bucket"),
                ("deployments", "deployments"),
            ] {
                let (o, t) = (&ours[our_key], &theirs[their_key]);
                let same = match (o.as_f64(), t.as_f64()) {
                    (Some(a), Some(b)) => (a - b).abs() < 1e-9,
                    _ => o == t,
                };
                assert!(same, "{file}: {our_key}: ours {o}, Four Keys' {t}");
                compared += 1;
            }
            // The peer's DORA window has no end (it takes "now" to be after every event), so
            // its answer is comparable only at moments after the log ends.
            if now < "2026-11-30T18:00:01Z" && now != "2026-11-30T18:00:00Z" {
                continue;
            }
            let ours = dora(&timeline, &Scope::default_window(now_ms));
            let theirs = &peer["dora"];
            assert_eq!(
                ours.deployments as u64,
                theirs["deployments"].as_u64().unwrap(),
                "{file}"
            );
            assert_eq!(
                ours.change_fail_rate,
                theirs["change_fail_rate"].as_f64().unwrap(),
                "{file}"
            );
            assert_eq!(
                ours.deployment_rework_rate,
                theirs["deployment_rework_rate"].as_f64().unwrap(),
                "{file}"
            );
            compared += 3;
        }
    }
    assert_eq!(compared, 3 * 3 * 8 + 3 * 2 * 3);
}
