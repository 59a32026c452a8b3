//! `platformctl events import` and `platformctl metrics dora`: an import is all or nothing
//! and idempotent, and the figures read back from the state equal the peer's.

mod support;

use serde_json::Value;
use support::{expect, repo};

/// `promtool check metrics` accepts the text. Where promtool is missing, the check is
/// skipped, except with `PLATFORM_REAL_SERVICES=1` (CI), where it must be there.
fn promtool_accepts(text: &str) {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let child = Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn();
    let mut child = match child {
        Ok(child) => child,
        Err(e) => {
            assert!(
                std::env::var("PLATFORM_REAL_SERVICES").as_deref() != Ok("1"),
                "promtool (Debian package prometheus) is needed: {e}"
            );
            eprintln!("promtool not found; the OpenMetrics check is skipped");
            return;
        }
    };
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "promtool: {}{}\n{text}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn imported_events_give_the_peers_figures_and_importing_twice_adds_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let fixtures = repo().join("platform-metrics/tests/fixtures");
    let events = fixtures.join("events-1.jsonl").display().to_string();

    // A file with one bad line among good ones imports nothing.
    let mut text = std::fs::read_to_string(&events).unwrap();
    text.push_str("{\"kind\":\"deploy\",\"id\":\"late\",\"time\":\"not a time\"}\n");
    std::fs::write(d.join("bad.jsonl"), &text).unwrap();
    let (_, stderr) = expect(d, &["events", "import", "bad.jsonl"], 1);
    assert!(
        stderr.contains("bad.jsonl:420: time: expected an ISO 8601 time"),
        "{stderr}"
    );
    assert!(stderr.contains("nothing was imported"), "{stderr}");

    let (out, _) = expect(d, &["events", "import", &events], 0);
    assert_eq!(
        out.trim(),
        "Imported 419 events (0 already in the journal)."
    );
    let (out, _) = expect(d, &["events", "import", &events], 0);
    assert_eq!(
        out.trim(),
        "Imported 0 events (419 already in the journal)."
    );

    let peer: Value = serde_json::from_str(
        &std::fs::read_to_string(fixtures.join("peer-1-2026-11-30.json")).unwrap(),
    )
    .unwrap();
    let now = "2026-11-30T18:00:00Z";
    let (out, _) = expect(d, &["metrics", "dora", "--now", now, "-o", "json"], 0);
    let ours: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(ours["deployments"], peer["dora"]["deployments"]);
    assert_eq!(ours["changeFailRate"], peer["dora"]["change_fail_rate"]);
    assert_eq!(
        ours["deploymentReworkRate"],
        peer["dora"]["deployment_rework_rate"]
    );
    assert_eq!(ours["cluster"]["deploymentFrequency"], "elite");

    let (out, _) = expect(
        d,
        &["metrics", "dora", "--fourkeys", "--now", now, "-o", "json"],
        0,
    );
    let ours: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(ours["deployments"], peer["fourkeys"]["deployments"]);
    assert_eq!(
        ours["medianLeadTimeMinutes"].as_f64(),
        peer["fourkeys"]["median_lead_time_minutes"].as_f64()
    );
    assert_eq!(
        ours["deploymentFrequency"],
        peer["fourkeys"]["deployment_frequency"]
    );

    let (text, _) = expect(d, &["metrics", "dora", "--now", now, "-o", "prometheus"], 0);
    assert!(
        text.contains("platform_dora_deployments{service=\"all\"} 121.0"),
        "{text}"
    );
    promtool_accepts(&text);

    // Four Keys' figures as Prometheus text: its numbers, and each bucket as a labelled series.
    let (text, _) = expect(
        d,
        &[
            "metrics",
            "dora",
            "--fourkeys",
            "--now",
            now,
            "-o",
            "prometheus",
        ],
        0,
    );
    let deployments = peer["fourkeys"]["deployments"].as_u64().unwrap();
    assert!(
        text.contains(&format!("platform_fourkeys_deployments {deployments}.0")),
        "{text}"
    );
    let frequency = peer["fourkeys"]["deployment_frequency"].as_str().unwrap();
    assert!(
        text.contains(&format!(
            "platform_fourkeys_classification{{figure=\"deployment_frequency\",bucket=\"{frequency}\"}} 1.0"
        )),
        "{text}"
    );
    promtool_accepts(&text);

    let (out, _) = expect(d, &["metrics", "dora", "--now", now], 0);
    assert!(
        out.contains("deployments                           121"),
        "{out}"
    );
    expect(d, &["metrics", "dora", "--now", "yesterday"], 1);
}

#[test]
fn applies_in_a_production_environment_record_deployments() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(
        d.join("platform.yaml"),
        "defaultEnvironment: local\nenvironments:\n  local:\n    production: true\n",
    )
    .unwrap();
    let app =
        std::fs::read_to_string(repo().join("examples/quickstart/storefront-app.yaml")).unwrap();
    let db = std::fs::read_to_string(repo().join("examples/quickstart/orders-db.yaml")).unwrap();
    std::fs::write(d.join("app.yaml"), &app).unwrap();
    std::fs::write(d.join("db.yaml"), &db).unwrap();
    expect(
        d,
        &["apply", "-f", "db.yaml", "app.yaml", "--commit", "c0ffee1"],
        0,
    );
    // Unchanged: no deployment.
    expect(d, &["apply", "-f", "db.yaml", "app.yaml"], 0);
    // Changed, marked unplanned by its annotation: a second deployment.
    let changed = app
        .replacen("replicas: 2", "replicas: 3", 1)
        .replacen(
            "metadata:\n",
            "metadata:\n  annotations:\n    platform.dev/unplanned: \"true\"\n    platform.dev/commits: \"feed5, beef6\"\n",
            1,
        );
    assert_ne!(changed, app, "the example changed");
    std::fs::write(d.join("app.yaml"), &changed).unwrap();
    expect(d, &["apply", "-f", "db.yaml", "app.yaml"], 0);

    let (out, _) = expect(d, &["metrics", "dora", "-o", "json"], 0);
    let m: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(m["deployments"], 2, "{m}");
    assert_eq!(m["deploymentReworkRate"], 0.5, "{m}");
    assert_eq!(m["changeFailRate"], 0.0, "{m}");
    let (text, _) = expect(d, &["metrics", "dora", "-o", "prometheus"], 0);
    assert!(
        text.contains(
            "platform_dora_deployment_rework_rate{service=\"component:default/storefront\"} 0.5"
        ),
        "{text}"
    );
    promtool_accepts(&text);

    // The same claims in a non-production environment record nothing.
    let other = tempfile::tempdir().unwrap();
    std::fs::write(
        other.path().join("platform.yaml"),
        "defaultEnvironment: local\nenvironments:\n  local: {}\n",
    )
    .unwrap();
    std::fs::write(other.path().join("app.yaml"), &app).unwrap();
    std::fs::write(other.path().join("db.yaml"), &db).unwrap();
    expect(other.path(), &["apply", "-f", "db.yaml", "app.yaml"], 0);
    let (out, _) = expect(other.path(), &["metrics", "dora", "-o", "json"], 0);
    let m: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(m["deployments"], 0, "{m}");
}

/// An RFC 3339 time `days` before now.
fn days_ago(days: i64) -> String {
    jiff::Timestamp::now()
        .checked_sub(jiff::SignedDuration::from_hours(24 * days))
        .unwrap()
        .to_string()
}

#[test]
fn platform_metrics_come_from_applies_imports_and_the_catalog() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(
        d.join("platform.yaml"),
        "defaultEnvironment: local\nenvironments:\n  local:\n    production: true\nmetrics:\n  retention: 30d\n  platform: {scaffoldMinutes: 60}\n",
    )
    .unwrap();
    for file in ["storefront-app.yaml", "orders-db.yaml"] {
        std::fs::copy(repo().join("examples/quickstart").join(file), d.join(file)).unwrap();
    }
    expect(
        d,
        &["apply", "-f", "orders-db.yaml", "storefront-app.yaml"],
        0,
    );
    // Two unhappy answers, a ticket, and a ticket older than the retention.
    let lines = [
        format!(
            r#"{{"kind":"survey","id":"s1","time":"{}","score":2,"team":"shop"}}"#,
            days_ago(2)
        ),
        format!(
            r#"{{"kind":"survey","id":"s2","time":"{}","score":3,"team":"shop"}}"#,
            days_ago(2)
        ),
        format!(
            r#"{{"kind":"ticket","id":"t1","opened":"{}","team":"shop"}}"#,
            days_ago(3)
        ),
        format!(
            r#"{{"kind":"ticket","id":"t0","opened":"{}","team":"shop"}}"#,
            days_ago(45)
        ),
    ];
    std::fs::write(d.join("events.jsonl"), lines.join("\n")).unwrap();
    expect(d, &["events", "import", "events.jsonl"], 0);

    let (out, _) = expect(d, &["metrics", "platform", "-o", "json"], 0);
    let m: Value = serde_json::from_str(&out).unwrap();
    // The storefront Application is a component the platform provisions: adopted.
    assert_eq!(
        m["adoption"],
        serde_json::json!({"components": 1, "golden": 1, "rate": 1.0}),
        "{m}"
    );
    // Both claims were created outside any template; the storefront's first deployment came
    // with its creation.
    assert_eq!(m["escapeHatches"]["claimsOutsideTemplates"], 2, "{m}");
    assert_eq!(m["timeToFirstDeploy"]["services"], 1, "{m}");
    assert_eq!(m["timeToFirstDeploy"]["medianMinutes"], 0.0, "{m}");
    assert_eq!(
        m["satisfaction"],
        serde_json::json!({"responses": 2, "nps": -100.0}),
        "{m}"
    );
    assert_eq!(
        m["tickets"]["opened"], 1,
        "the 45-day-old ticket is past the retention: {m}"
    );
    let warnings: Vec<&str> = m["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["name"].as_str().unwrap())
        .collect();
    assert_eq!(warnings, ["high-adoption-low-satisfaction"], "{m}");

    let (table, err) = expect(d, &["metrics", "platform"], 0);
    assert!(
        table.contains("adoption") && table.contains("1 (1 of 1 components)"),
        "{table}"
    );
    assert!(
        err.contains(
            "warning: high-adoption-low-satisfaction: adoption 1 (high from 0.7) with NPS -100"
        ),
        "{err}"
    );
    let (text, _) = expect(d, &["metrics", "platform", "-o", "prometheus"], 0);
    assert!(text.contains("platform_adoption_rate 1.0"), "{text}");
    assert!(
        text.contains("platform_anti_metric{name=\"high-adoption-low-satisfaction\"} 1.0"),
        "{text}"
    );
    promtool_accepts(&text);
}

#[test]
fn a_misspelt_metrics_setting_is_a_located_error() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(
        d.join("platform.yaml"),
        "metrics:\n  retention: 0s\n  platform: {highAdoptoin: 0.5}\n  retain: 5d\n",
    )
    .unwrap();
    let (_, err) = expect(d, &["metrics", "platform"], 1);
    assert!(
        err.contains("platform.yaml:2:14"),
        "the zero retention is located: {err}"
    );
    assert!(
        err.contains("highAdoptoin"),
        "the misspelt threshold is named: {err}"
    );
    assert!(err.contains("retain"), "the unknown key is named: {err}");
}
