//! Hand-computed timelines for each metric and its edge cases, and bad import lines.

use platform_metrics::dora::{Scope, dora};
use platform_metrics::import::parse;
use platform_metrics::timeline::{Timeline, parse_time};

fn timeline(lines: &[&str]) -> Timeline {
    Timeline::from_entries(&parse("t.jsonl", &lines.join("\n")).expect("valid lines"))
}

fn scope(since: &str, until: &str) -> Scope {
    Scope {
        since_ms: parse_time(since).unwrap(),
        until_ms: parse_time(until).unwrap(),
        env: "production".into(),
        service: None,
    }
}

#[test]
fn no_deployments_gives_zero_rates_and_no_medians() {
    let t = timeline(&[r#"{"kind":"change","id":"c1","time":"2026-11-01T10:00:00Z"}"#]);
    let m = dora(&t, &scope("2026-11-01T00:00:00Z", "2026-11-08T00:00:00Z"));
    assert_eq!(m.deployments, 0);
    assert_eq!(m.change_fail_rate, 0.0);
    assert_eq!(m.change_lead_time_median_minutes, None);
    assert_eq!(m.failed_deployment_recovery_median_minutes, None);
    assert_eq!(m.cluster.deployment_frequency, None);
}

#[test]
fn a_week_of_deployments_computed_by_hand() {
    let t = timeline(&[
        // c1 at 10:00 deployed by d1 at 11:00 (60 min); c2 at 12:00 fails in d2 at 13:00 and
        // ships in d3 at 15:00 (180 min; its first successful deployment); c3 at 09:00 goes
        // out in d4 at 09:30 (30 min) and again in d5, which does not count it twice.
        r#"{"kind":"change","id":"c1","time":"2026-11-02T10:00:00Z"}"#,
        r#"{"kind":"deploy","id":"d1","time":"2026-11-02T11:00:00Z","changes":["c1"],"status":"success","env":"production","service":"component:default/shop"}"#,
        r#"{"kind":"change","id":"c2","time":"2026-11-03T12:00:00Z"}"#,
        r#"{"kind":"deploy","id":"d2","time":"2026-11-03T13:00:00Z","changes":["c2"],"status":"failure","env":"production","service":"component:default/shop"}"#,
        r#"{"kind":"deploy","id":"d3","time":"2026-11-03T15:00:00Z","changes":["c2"],"status":"success","env":"production","service":"component:default/shop"}"#,
        r#"{"kind":"change","id":"c3","time":"2026-11-04T09:00:00Z"}"#,
        r#"{"kind":"deploy","id":"d4","time":"2026-11-04T09:30:00Z","changes":["c3"],"status":"success","env":"production","service":"component:default/shop","unplanned":true}"#,
        r#"{"kind":"deploy","id":"d5","time":"2026-11-05T09:30:00Z","changes":["c3"],"status":"success","env":"production","service":"component:default/shop"}"#,
        // Staging deploys never count.
        r#"{"kind":"deploy","id":"s1","time":"2026-11-05T10:00:00Z","changes":["c3"],"status":"failure","env":"staging"}"#,
        // An incident caused by d4, opened 10:00 and resolved 10:45; the next successful
        // deploy of the service (d5) comes later, so the resolution ends it: 45 minutes.
        r#"{"kind":"incident","id":"i1","time_created":"2026-11-04T10:00:00Z","time_resolved":"2026-11-04T10:45:00Z","root_cause":null,"caused_by_deploy":"d4","service":"component:default/shop"}"#,
        // An unresolved incident: recovered by the next successful deploy (d5), 23.5 h later.
        r#"{"kind":"incident","id":"i2","time_created":"2026-11-04T10:00:00Z","time_resolved":null,"root_cause":"c1","service":"component:default/shop"}"#,
    ]);
    let m = dora(&t, &scope("2026-11-01T00:00:00Z", "2026-11-08T00:00:00Z"));
    assert_eq!(m.deployments, 5);
    assert_eq!(m.deployments_per_day, 0.7143);
    // Lead times 60, 180, 30: median 60.
    assert_eq!(m.change_lead_time_median_minutes, Some(60.0));
    // Failed: d2 (failed), d4 (named by i1), d1 (holds i2's root cause): 3 of 5.
    assert_eq!(m.change_fail_rate, 0.6);
    // Recoveries: d2 → d3 120 min; i1 45 min; i2 → d5 1410 min: median 120.
    assert_eq!(m.failed_deployment_recovery_median_minutes, Some(120.0));
    assert_eq!(m.deployment_rework_rate, 0.2);
    assert_eq!(m.cluster.deployment_frequency, Some("high"));
    assert_eq!(m.cluster.change_lead_time, Some("elite"));
    assert_eq!(m.cluster.change_fail_rate, Some("low"));
    assert_eq!(m.cluster.failed_deployment_recovery, Some("high"));

    // Window edges: after `since`, up to and including `until`.
    let edge = dora(&t, &scope("2026-11-02T11:00:00Z", "2026-11-04T09:30:00Z"));
    assert_eq!(
        edge.deployments, 3,
        "d2, d3 and d4; d1 is at the start, excluded"
    );

    // One service only.
    let mut other = scope("2026-11-01T00:00:00Z", "2026-11-08T00:00:00Z");
    other.service = Some("component:default/other".into());
    assert_eq!(dora(&t, &other).deployments, 0);
}

#[test]
fn bad_lines_are_all_reported_with_file_line_and_field() {
    let text = [
        r#"{"kind":"change","id":"c1","time":"2026-11-02T10:00:00Z"}"#,
        r#"{"kind":"deploy","id":"d1","time":"yesterday"}"#,
        r#"not json"#,
        r#"[1,2]"#,
        r#"{"kind":"rollout","id":"r1","time":"2026-11-02T10:00:00Z"}"#,
        r#"{"kind":"deploy","id":"d2","time":"2026-11-02T10:00:00Z","status":"ok"}"#,
        r#"{"kind":"deploy","id":"d3","time":"2026-11-02T10:00:00Z","changes":"c1"}"#,
        r#"{"kind":"survey","id":"s1","time":"2026-11-02T10:00:00Z","score":11}"#,
        r#"{"kind":"incident","id":"i1","time_created":"2026-11-02T10:00:00Z","time_resolved":"soon"}"#,
        r#"{"kind":"change","time":"2026-11-02T10:00:00Z"}"#,
    ]
    .join("\n");
    let errors: Vec<String> = parse("events.jsonl", &text)
        .unwrap_err()
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(errors.len(), 9, "{errors:#?}");
    let expect = [
        "events.jsonl:2: time: expected an ISO 8601 time",
        "events.jsonl:3: (line): expected one JSON object, found invalid JSON",
        "events.jsonl:4: (line): expected a JSON object, found a list",
        "events.jsonl:5: kind: expected one of change, deploy, incident, survey, ticket, found \"rollout\"",
        "events.jsonl:6: status: expected success or failure, found \"ok\"",
        "events.jsonl:7: changes: expected a list of change ids, found the string \"c1\"",
        "events.jsonl:8: score: expected a score from 0 to 10, found the number 11",
        "events.jsonl:9: time_resolved: expected an ISO 8601 time",
        "events.jsonl:10: id: expected a value, found nothing",
    ];
    for (e, x) in errors.iter().zip(expect) {
        assert!(e.starts_with(x), "{e}\nexpected to start with {x}");
    }
}

/// A report's per-service lines, the lead times shared, equal each service computed alone, in
/// windows that cut deployments apart from the changes they ship.
#[test]
fn per_service_figures_equal_each_service_alone() {
    use platform_metrics::dora::dora_by_service;
    // Three weeks: a change every hour, a deploy of one of five services every third hour
    // shipping what came before, a failure every seventh deploy, an incident every 20 hours.
    let hour = |h: usize| format!("2026-11-{:02}T{:02}:00:00Z", 1 + h / 24, h % 24);
    let mut lines = Vec::new();
    let mut pending = Vec::new();
    for h in 0..21 * 24 {
        lines.push(format!(
            r#"{{"kind":"change","id":"c{h}","time":"{}"}}"#,
            hour(h)
        ));
        pending.push(format!("\"c{h}\""));
        if h % 3 == 2 {
            let status = if h % 21 == 20 { "failure" } else { "success" };
            lines.push(format!(
                r#"{{"kind":"deploy","id":"d{h}","time":"{}","changes":[{}],"status":"{status}","unplanned":{},"service":"component:default/svc-{}"}}"#,
                hour(h),
                pending.join(","),
                h % 5 == 0,
                h % 5
            ));
            pending.clear();
        }
        if h % 20 == 19 {
            lines.push(format!(
                r#"{{"kind":"incident","id":"i{h}","time_created":"{}","time_resolved":"{}","root_cause":"c{}","service":"component:default/svc-{}"}}"#,
                hour(h),
                hour(h + 2),
                h - 7,
                h % 5
            ));
        }
    }
    let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
    let t = timeline(&lines);
    let mut compared = 0;
    for (since, until) in [
        ("2026-10-01T00:00:00Z", "2027-01-01T00:00:00Z"),
        ("2026-11-03T00:00:00Z", "2026-11-10T12:00:00Z"),
        ("2026-11-12T06:30:00Z", "2026-11-13T00:00:00Z"),
    ] {
        let window = scope(since, until);
        let lines = dora_by_service(&t, &window);
        assert_eq!(lines.len(), 6, "all services, then five");
        assert_eq!(lines[0].0, None);
        for (service, figures) in &lines {
            let alone = Scope {
                service: service.clone(),
                ..window.clone()
            };
            assert_eq!(figures, &dora(&t, &alone), "{service:?} {since}..{until}");
            compared += 1;
        }
    }
    assert_eq!(compared, 18);
    assert!(
        dora(&t, &scope("2026-10-01T00:00:00Z", "2027-01-01T00:00:00Z")).change_fail_rate > 0.0
    );
}
