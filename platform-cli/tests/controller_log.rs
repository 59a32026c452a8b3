//! `platformctl run` says what it does: with `--log-format json` every action is a JSON line
//! naming the resource; a database deleted behind its back is recreated and logged as such.

mod support;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use support::repo;

#[test]
fn run_logs_a_repaired_resource_as_a_json_line() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::create_dir(d.join("claims")).unwrap();
    std::fs::copy(
        repo().join("examples/quickstart/orders-db.yaml"),
        d.join("claims/orders-db.yaml"),
    )
    .unwrap();
    let applied = support::command(d)
        .args(["apply", "-f", "claims"])
        .output()
        .unwrap();
    assert!(applied.status.success(), "{applied:?}");
    let database = d.join(".platform/local/databases/default");
    let file = std::fs::read_dir(&database)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "sqlite3"))
        .expect("the local database file");
    std::fs::remove_file(&file).unwrap();

    let mut child = support::command(d)
        .args([
            "run",
            "--log-format",
            "json",
            "--log-level",
            "debug",
            "--poll-interval",
            "1s",
            "--concurrency",
            "2",
        ])
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut seen = Vec::new();
    let mut repaired = None;
    for line in lines.by_ref() {
        let line = line.unwrap();
        let event: serde_json::Value =
            serde_json::from_str(&line).unwrap_or_else(|e| panic!("not a JSON line ({e}): {line}"));
        seen.push(line);
        let message = event["fields"]["message"].as_str().unwrap_or_default();
        if message == "created"
            && event["fields"]["resource"]
                .as_str()
                .is_some_and(|r| r.contains("LocalDatabase"))
        {
            repaired = Some(event);
            break;
        }
        if Instant::now() > deadline {
            break;
        }
    }
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    // Read to the end (a full pipe would stall the controller): it logs that it stopped.
    let rest: Vec<String> = lines.map_while(Result::ok).collect();
    let status = child.wait().unwrap();
    assert!(
        rest.last()
            .is_some_and(|l| l.contains("controller stopped")),
        "the last line says the controller stopped: {rest:?}"
    );
    let event = repaired
        .unwrap_or_else(|| panic!("no 'created' line for the database:\n{}", seen.join("\n")));
    assert_eq!(event["level"], "INFO", "{event}");
    assert!(event["fields"]["externalName"].is_string(), "{event}");
    assert!(file.exists(), "the database file is back");
    assert!(status.success(), "run exits 0 on SIGTERM: {status:?}");
    assert!(
        seen.first()
            .is_some_and(|l| l.contains("controller running")),
        "the first line says the controller started: {seen:?}"
    );
    // Even at debug level, the password the recreated database handed out is in no line.
    let revealed = support::command(d)
        .args([
            "outputs",
            "DatabaseClaim",
            "orders-db",
            "--reveal",
            "-o",
            "json",
        ])
        .output()
        .unwrap();
    let outputs: serde_json::Value = serde_json::from_slice(&revealed.stdout).unwrap();
    let password = outputs["password"].as_str().expect("a password output");
    assert!(password.len() >= 16, "{outputs}");
    for line in seen.iter().chain(&rest) {
        assert!(!line.contains(password), "the password is logged: {line}");
    }
}

/// The controller's poll interval and concurrency come from the config's `controller`
/// settings unless a flag says otherwise; a bad value is a located config error.
#[test]
fn run_takes_its_settings_from_the_config_and_its_flags_win() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(
        d.join("platform.yaml"),
        "controller: {pollInterval: 7s, concurrency: 3}\n",
    )
    .unwrap();
    let first_line = |args: &[&str]| -> serde_json::Value {
        let mut child = support::command(d)
            .args(args)
            .stderr(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
        let line = lines.next().expect("a first line").unwrap();
        let _ = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status();
        let _rest: Vec<_> = lines.collect();
        let _ = child.wait();
        serde_json::from_str(&line).unwrap_or_else(|e| panic!("{e}: {line}"))
    };
    let configured = first_line(&["run", "--log-format", "json"]);
    assert_eq!(configured["fields"]["pollInterval"], "7s", "{configured}");
    assert_eq!(configured["fields"]["concurrency"], 3, "{configured}");
    let flagged = first_line(&["run", "--log-format", "json", "--concurrency", "5"]);
    assert_eq!(flagged["fields"]["concurrency"], 5, "{flagged}");
    assert_eq!(flagged["fields"]["pollInterval"], "7s", "{flagged}");

    std::fs::write(d.join("platform.yaml"), "controller: {concurrency: 0}\n").unwrap();
    let out = support::command(d).args(["get"]).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("platform.yaml:1:")
            && stderr.contains("controller.concurrency: expected a whole number from 1 to 1024"),
        "{stderr}"
    );
}
