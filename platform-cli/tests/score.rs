//! Score workloads through platformctl: validate, plan, apply, env, graph and delete on the
//! local adapter, and a resource removed from the score file deprovisioned on the next apply.

mod support;

use std::path::Path;

use support::{expect, repo};

const WORKLOAD: &str = "apiVersion: score.dev/v1b1
metadata:
  name: web
containers:
  main:
    image: web:1
    variables:
      DB_HOST: ${resources.db.host}
      DB_NAME: ${resources.db.name}
      DB_URL: postgres://${resources.db.username}:${resources.db.password}@${resources.db.host}/${resources.db.name}
      CACHE_HOST: ${resources.cache.host}
      APP: ${metadata.name}
      LITERAL: $${resources.db.host}
    files:
      /etc/web.conf:
        content: \"db=${resources.db.host}\"
resources:
  db:
    type: postgres
  cache:
    type: redis
";

fn write(dir: &Path, text: &str) {
    std::fs::write(dir.join("score.yaml"), text).unwrap();
}

fn without_cache(text: &str) -> String {
    text.replace("      CACHE_HOST: ${resources.cache.host}\n", "")
        .replace("  cache:\n    type: redis\n", "")
}

#[test]
fn every_corpus_workload_validates_with_warnings_for_what_this_platform_does_not_serve() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = repo().join("platform-core/tests/fixtures/score");
    let mut files = Vec::new();
    let mut folders = vec![corpus];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(folder).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                folders.push(path);
            } else if path.extension().is_some_and(|e| e == "yaml") {
                files.push(path);
            }
        }
    }
    // Several workloads share a name (my-workload), so each is validated on its own.
    assert_eq!(files.len(), 78);
    let mut warned = String::new();
    for file in &files {
        let (stdout, stderr) = expect(dir.path(), &["validate", "-f", file.to_str().unwrap()], 0);
        assert_eq!(stdout.trim(), "1 document, 0 errors", "{}", file.display());
        assert!(
            stderr.lines().all(|l| l.starts_with("warning: ")),
            "{stderr}"
        );
        warned.push_str(&stderr);
    }
    assert!(
        warned.contains("resources.dns.type: resource \"dns\" of workload"),
        "{warned}"
    );
    assert!(
        warned.contains("the array form of files is deprecated"),
        "{warned}"
    );
}

#[test]
fn an_unserved_type_fails_plan_and_apply_with_its_location() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), &format!("{WORKLOAD}  dns:\n    type: dns\n"));
    let (_, warned) = expect(dir.path(), &["validate", "-f", "score.yaml"], 0);
    assert!(
        warned.contains("warning: score.yaml:23:11: resources.dns.type"),
        "{warned}"
    );
    for verb in ["plan", "apply"] {
        let (_, stderr) = expect(dir.path(), &[verb, "-f", "score.yaml"], 1);
        assert!(
            stderr.contains("score.yaml:23:11: resources.dns.type: resource \"dns\" of workload \"web\" has type \"dns\""),
            "{verb}: {stderr}"
        );
    }
    assert!(
        !dir.path().join(".platform/local").exists(),
        "nothing was provisioned"
    );
}

#[test]
fn a_workload_applies_resolves_its_variables_and_deprovisions_a_removed_resource() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, WORKLOAD);
    let (stdout, _) = expect(d, &["apply", "-f", "score.yaml"], 0);
    assert!(stdout.contains("Application default/web Ready"), "{stdout}");
    assert!(
        stdout.contains("DatabaseClaim default/web-db Ready"),
        "{stdout}"
    );
    assert!(
        stdout.contains("CacheClaim default/web-cache Ready"),
        "{stdout}"
    );

    let (masked, _) = expect(d, &["env", "Workload", "web"], 0);
    assert!(masked.contains("APP=web\n"), "{masked}");
    assert!(masked.contains("DB_HOST=localhost\n"), "{masked}");
    assert!(masked.contains("DB_NAME=web-db\n"), "{masked}");
    assert!(masked.contains("DB_URL=\"********\"\n"), "{masked}");
    assert!(
        masked.contains("LITERAL=\"\\${resources.db.host}\"\n"),
        "{masked}"
    );

    let (json, _) = expect(
        d,
        &["env", "Application", "web", "--reveal", "-o", "json"],
        0,
    );
    let vars: serde_json::Value = serde_json::from_str(&json).unwrap();
    let url = vars["DB_URL"].as_str().unwrap();
    let password = url
        .strip_prefix("postgres://default-web-db-database:")
        .and_then(|rest| rest.split_once('@'))
        .map(|(p, _)| p)
        .unwrap_or_else(|| panic!("{url}"));
    assert!(password.len() >= 16, "{url}");
    assert_eq!(vars["CACHE_HOST"], "localhost");
    assert_eq!(vars["LITERAL"], "${resources.db.host}");

    // The secret is nowhere in clear: not in the state file, not in what get and describe print.
    let state = std::fs::read(d.join(".platform/state.db")).unwrap();
    assert!(
        !state
            .windows(password.len())
            .any(|w| w == password.as_bytes()),
        "the password is stored in clear"
    );
    let (got, _) = expect(d, &["get", "-A", "-o", "json"], 0);
    let (described, _) = expect(d, &["describe", "Application", "web"], 0);
    assert!(!got.contains(password) && !described.contains(password));

    let (graph, _) = expect(d, &["graph", "-f", "score.yaml"], 0);
    assert!(
        graph.contains("\"Application/web\" -> \"CacheClaim/web-cache\""),
        "{graph}"
    );

    // The cache leaves the score file: the next apply deletes its claim and its table.
    write(d, &without_cache(WORKLOAD));
    let (planned, _) = expect(d, &["plan", "-f", "score.yaml", "--detailed-exitcode"], 2);
    assert!(
        planned.contains("- LocalCache web-cache-cache"),
        "{planned}"
    );
    assert!(
        planned.contains("Plan: 0 to create, 0 to update, 1 to delete."),
        "{planned}"
    );
    assert!(
        planned.contains("Application default/web  (none)  27.40  (-15.00)"),
        "{planned}"
    );
    expect(d, &["apply", "-f", "score.yaml"], 0);
    let (listed, _) = expect(d, &["get", "-o", "json"], 0);
    let listed: serde_json::Value = serde_json::from_str(&listed).unwrap();
    let kinds: Vec<&str> = listed["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds.iter().filter(|k| **k == "CacheClaim").count(),
        0,
        "{kinds:?}"
    );
    assert_eq!(
        kinds.iter().filter(|k| **k == "DatabaseClaim").count(),
        1,
        "{kinds:?}"
    );
    let (drift, _) = expect(d, &["drift"], 0);
    assert!(!drift.contains("LocalCache"), "no leaked cache: {drift}");

    expect(d, &["delete", "-f", "score.yaml", "--yes"], 0);
    let (after, _) = expect(d, &["get", "-o", "json"], 0);
    let after: serde_json::Value = serde_json::from_str(&after).unwrap();
    assert_eq!(after["items"].as_array().unwrap().len(), 0);
}

#[test]
fn a_team_maps_its_own_type_in_the_config() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(
        d.join("platform.yaml"),
        "scoreTypes:\n  kv:\n    kind: CacheClaim\n    spec: {maxMemoryMiB: 64}\n    outputs: {address: outputs.host, token: secrets.password}\n",
    )
    .unwrap();
    write(
        d,
        "apiVersion: score.dev/v1b1\nmetadata: {name: kvapp}\ncontainers:\n  main:\n    image: x\n    variables:\n      KV: ${resources.store.address}\n      TOKEN: ${resources.store.token}\nresources:\n  store: {type: kv}\n",
    );
    expect(d, &["apply", "-f", "score.yaml"], 0);
    let (env, _) = expect(d, &["env", "Workload", "kvapp", "-o", "json"], 0);
    let vars: serde_json::Value = serde_json::from_str(&env).unwrap();
    assert_eq!(vars["KV"], "localhost");
    assert_eq!(vars["TOKEN"], "********");
}
