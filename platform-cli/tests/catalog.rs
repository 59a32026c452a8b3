//! `platformctl catalog`: the catalog kept in step through apply and delete with the local
//! adapter, queries from files with `-f`, import, export, check, and hostile input.

mod support;

use std::path::Path;

use serde_json::Value;
use support::{expect, platformctl, repo, text};

fn ok(dir: &Path, args: &[&str]) -> String {
    expect(dir, args, 0).0
}

fn refs(json: &str) -> Vec<String> {
    let v: Value = serde_json::from_str(json).expect("json");
    v["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| i["ref"].as_str().expect("ref").to_owned())
        .collect()
}

/// A temp folder holding the quickstart claims, applied with the local adapter.
fn applied() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for file in ["orders-db.yaml", "storefront-app.yaml"] {
        std::fs::copy(
            repo().join("examples/quickstart").join(file),
            dir.path().join(file),
        )
        .unwrap();
    }
    ok(
        dir.path(),
        &["apply", "-f", "orders-db.yaml", "storefront-app.yaml"],
    );
    dir
}

#[test]
fn apply_and_delete_keep_the_catalog_in_step() {
    let dir = applied();
    let d = dir.path();
    let listed = refs(&ok(d, &["catalog", "list", "-o", "json"]));
    assert_eq!(
        listed,
        [
            "component:default/storefront",
            "resource:default/orders-db.databaseclaim",
            "resource:default/storefront-cache.cacheclaim",
            "resource:default/storefront-db.databaseclaim",
            "resource:default/storefront-events.queueclaim",
            "resource:default/storefront-files.bucketclaim",
        ]
    );
    let got: Value = serde_json::from_str(&ok(
        d,
        &["catalog", "get", "component:storefront", "-o", "json"],
    ))
    .unwrap();
    let item = &got["items"][0];
    assert_eq!(item["spec"]["owner"], "team-orders");
    assert_eq!(
        item["spec"]["lifecycle"], "local",
        "lifecycle comes from the environment"
    );
    let relations = ok(d, &["catalog", "relations"]);
    assert!(
        relations.contains(
            "component:default/storefront dependsOn resource:default/storefront-db.databaseclaim\n"
        ),
        "{relations}"
    );
    let impact = ok(
        d,
        &[
            "catalog",
            "impact",
            "resource:default/storefront-db.databaseclaim",
        ],
    );
    assert!(
        impact.contains(
            "resource:default/storefront-db.databaseclaim -> component:default/storefront"
        ),
        "{impact}"
    );

    ok(d, &["delete", "Application", "storefront", "--yes"]);
    let listed = refs(&ok(d, &["catalog", "list", "-o", "json"]));
    assert_eq!(listed, ["resource:default/orders-db.databaseclaim"]);
    let out = platformctl(d, &["catalog", "relations"]);
    assert!(
        !text(&out.stdout).contains("storefront") && !text(&out.stderr).contains("storefront"),
        "no relation names a deleted entity: {}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    ok(d, &["delete", "DatabaseClaim", "orders-db", "--yes"]);
    assert!(refs(&ok(d, &["catalog", "list", "-o", "json"])).is_empty());
}

#[test]
fn queries_read_files_only_with_f() {
    let r = repo();
    // No state folder is created or needed.
    let dir = tempfile::tempdir().unwrap();
    let catalog = r.join("examples/catalog");
    let c = catalog.to_str().unwrap();
    let owned = ok(
        dir.path(),
        &["catalog", "owned-by", "group:infrastructure", "-f", c],
    );
    assert_eq!(
        owned,
        "REF                            OWNER\n\
api:default/orders-api         group:default/team-orders\n\
component:default/storefront   group:default/team-orders\n\
resource:payments/ledger-db    group:default/infrastructure\n"
    );
    let impact: Value = serde_json::from_str(&ok(
        dir.path(),
        &[
            "catalog",
            "impact",
            "resource:payments/ledger-db",
            "-f",
            c,
            "-o",
            "json",
        ],
    ))
    .unwrap();
    let last = &impact["items"][2];
    assert_eq!(last["ref"], "component:default/checkout");
    assert_eq!(last["path"].as_array().unwrap().len(), 4);
    let orphans = ok(dir.path(), &["catalog", "orphans", "-f", c, "-o", "json"]);
    assert_eq!(refs(&orphans), Vec::<String>::new());
    let yaml = ok(
        dir.path(),
        &["catalog", "list", "--kind", "group", "-f", c, "-o", "yaml"],
    );
    assert!(
        yaml.starts_with("items:\n") && yaml.contains("ref: group:default/team-orders"),
        "{yaml}"
    );
    let dot = ok(
        dir.path(),
        &[
            "catalog",
            "graph",
            "api:orders-api",
            "--depth",
            "1",
            "-f",
            c,
        ],
    );
    assert!(dot.starts_with("digraph catalog {"));
    assert!(dot.contains("\"component:default/storefront\" -> \"api:default/orders-api\" [label=\"providesApi\"];"), "{dot}");
    assert!(
        !dot.contains("ledger-db"),
        "depth 1 stops before the database: {dot}"
    );
    assert!(!dir.path().join(".platform").exists());
}

/// The README's example: its output is this test's expectation.
#[test]
fn readme_relations_example() {
    let out = ok(&repo(), &["catalog", "relations", "-f", "examples/catalog"]);
    let readme = std::fs::read_to_string(repo().join("README.md")).unwrap();
    let block = readme
        .split("$ platformctl catalog relations -f examples/catalog\n")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .expect("README holds the example");
    assert_eq!(out, block);
}

#[test]
fn import_merges_reports_conflicts_and_check_compares_dependencies() {
    let dir = applied();
    let d = dir.path();
    std::fs::write(
        d.join("catalog-info.yaml"),
        "\
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: storefront
  description: The shop.
spec:
  type: service
  lifecycle: local
  owner: team-web
  providesApis: [orders-api]
  dependsOn:
    - resource:default/storefront-db.databaseclaim
    - resource:default/legacy-db
",
    )
    .unwrap();
    let out = platformctl(d, &["catalog", "import", "catalog-info.yaml"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("catalog-info.yaml:1:1: component:default/storefront spec.owner: the platform owns this field; kept \"team-orders\", declared \"team-web\""), "{stderr}");
    assert!(
        stderr
            .contains("component:default/storefront spec.dependsOn: the platform owns this field"),
        "{stderr}"
    );
    let got: Value = serde_json::from_str(&ok(
        d,
        &["catalog", "get", "component:storefront", "-o", "json"],
    ))
    .unwrap();
    let item = &got["items"][0];
    assert_eq!(
        item["spec"]["owner"], "team-orders",
        "the platform's owner wins"
    );
    assert_eq!(
        item["metadata"]["description"], "The shop.",
        "fields the platform does not set are kept"
    );
    assert_eq!(item["spec"]["providesApis"][0], "orders-api");

    let out = platformctl(d, &["catalog", "check"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    let lines: Vec<String> = text(&out.stdout).lines().map(str::to_owned).collect();
    assert_eq!(lines.len(), 4, "{lines:?}");
    assert!(lines.iter().any(|l| l.ends_with("component:default/storefront declares dependsOn resource:default/legacy-db, which the platform's graph does not have")), "{lines:?}");
    assert!(lines.iter().any(|l| l.ends_with("component:default/storefront depends on resource:default/storefront-cache.cacheclaim in the platform's graph, which its catalog file does not declare")), "{lines:?}");
    let json: Value = serde_json::from_str(&text(
        &platformctl(d, &["catalog", "check", "-o", "json"]).stdout,
    ))
    .unwrap();
    assert_eq!(json["items"].as_array().unwrap().len(), 4);
}

#[test]
fn unregister_removes_imported_entities_and_refuses_the_platforms() {
    let dir = applied();
    let d = dir.path();
    std::fs::write(
        d.join("legacy.yaml"),
        "\
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: legacy-billing
spec:
  type: service
  lifecycle: deprecated
  owner: team-orders
  dependsOn: [resource:default/storefront-db.databaseclaim]
",
    )
    .unwrap();
    ok(d, &["catalog", "import", "legacy.yaml"]);
    let listed = refs(&ok(d, &["catalog", "list", "-o", "json"]));
    assert!(listed.contains(&"component:default/legacy-billing".to_owned()));
    let impact = refs(&ok(
        d,
        &[
            "catalog",
            "impact",
            "resource:default/storefront-db.databaseclaim",
            "-o",
            "json",
        ],
    ));
    assert!(impact.contains(&"component:default/legacy-billing".to_owned()));

    // A platform entity (from a claim) and an unknown reference: refused, nothing removed.
    let out = platformctl(
        d,
        &[
            "catalog",
            "unregister",
            "component:legacy-billing",
            "component:storefront",
            "component:legacy-bill",
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("component:default/storefront: the platform derives it from a claim; delete the claim instead"), "{stderr}");
    assert!(
        stderr.contains("component:default/legacy-bill: no imported entity has this reference"),
        "{stderr}"
    );
    let listed = refs(&ok(d, &["catalog", "list", "-o", "json"]));
    assert!(listed.contains(&"component:default/legacy-billing".to_owned()));

    ok(d, &["catalog", "unregister", "component:legacy-billing"]);
    let listed = refs(&ok(d, &["catalog", "list", "-o", "json"]));
    assert!(!listed.contains(&"component:default/legacy-billing".to_owned()));
    assert!(listed.contains(&"component:default/storefront".to_owned()));
    let relations = ok(d, &["catalog", "relations"]);
    assert!(
        !relations.contains("legacy-billing"),
        "no relation names the removed entity: {relations}"
    );
}

#[test]
fn export_passes_validation_and_imports_back_to_the_same_relations() {
    let dir = applied();
    let d = dir.path();
    let written = ok(d, &["catalog", "export", "out"]);
    assert!(
        written.contains("out/default/storefront/catalog-info.yaml"),
        "{written}"
    );
    assert!(
        written.contains("out/catalog-info.yaml"),
        "orders-db has no component: {written}"
    );
    let validated = ok(d, &["catalog", "validate", "out"]);
    assert_eq!(validated, "6 documents, 0 invalid, 0 errors\n");
    let from_store = ok(d, &["catalog", "relations"]);
    let from_files = ok(d, &["catalog", "relations", "-f", "out"]);
    assert_eq!(from_store, from_files);
    assert_eq!(
        ok(d, &["catalog", "list"]),
        ok(d, &["catalog", "list", "-f", "out"])
    );
}

#[test]
fn hostile_input_gives_located_errors_never_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(
        d.join("hostile.yaml"),
        "\
apiVersion: backstage.io/v1alpha1
kind: Spaceship
metadata:
  name: enterprise
spec: {}
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: [not, a, string]
spec: {type: service, lifecycle: x, owner: team}
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: ok
spec:
  type: service
  lifecycle: x
  owner: a:b:c:d
  dependsOn: [db]
---
apiVersion: backstage.io/v1alpha1
kind: API
metadata:
  name: api
spec:
  type: openapi
  lifecycle: x
  owner: team
  definition:
    $text: ./folder
",
    )
    .unwrap();
    std::fs::create_dir(d.join("folder")).unwrap();
    let big = format!(
        "apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata:\n  name: big\n  description: \"{}\"\nspec: {{type: team, children: []}}\n",
        "x".repeat(10 * 1024 * 1024)
    );
    std::fs::write(d.join("big.yaml"), big).unwrap();
    let out = platformctl(
        d,
        &[
            "catalog",
            "validate",
            "hostile.yaml",
            "big.yaml",
            "--resolve-placeholders",
        ],
    );
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    let lines: Vec<&str> = stderr.lines().collect();
    assert!(
        lines[0].starts_with("hostile.yaml:2:7: kind: expected one of the kinds Component, API"),
        "{lines:?}"
    );
    assert!(lines.contains(&"hostile.yaml:10:9: metadata.name: expected 1-63 characters [A-Za-z0-9] separated by any of -_., found a sequence"), "{lines:?}");
    assert!(lines.iter().any(|l| l.starts_with("hostile.yaml:20:10: spec.owner: expected [kind:][namespace/]name whose name is 1-63 characters")), "{lines:?}");
    assert!(lines.contains(&"hostile.yaml:21:15: spec.dependsOn[0]: expected a kind (such as \"component:db\"): this field has no default kind"), "{lines:?}");
    assert!(lines.iter().any(|l| l.starts_with("hostile.yaml:32:12: spec.definition['$text']: cannot read ./folder: expected a regular file, found a directory")), "{lines:?}");
    assert_eq!(
        text(&out.stdout),
        "5 documents, 4 invalid, 6 errors\n",
        "the 10 MB file is valid: {stderr}"
    );
    // A folder where a file is expected, and a file too large for the loader.
    let out = platformctl(
        d,
        &[
            "catalog",
            "list",
            "-f",
            "hostile.yaml",
            "folder/missing.yaml",
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("folder/missing.yaml:1:1: (file): cannot read"),
        "{}",
        text(&out.stderr)
    );
    std::fs::write(d.join("huge.yaml"), "x".repeat(17 * 1024 * 1024)).unwrap();
    let out = platformctl(d, &["catalog", "validate", "huge.yaml"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).starts_with("huge.yaml:1:1: (file): "),
        "{}",
        text(&out.stderr)
    );
    let out = platformctl(d, &["catalog", "list", "--no-such-flag"]);
    assert_eq!(out.status.code(), Some(64));
}

/// The catalog's references of the stored claims: an Application is a Component, any other
/// claim a Resource named `NAME.KIND`.
fn claim_refs(dir: &Path) -> std::collections::BTreeSet<String> {
    let list: Value = serde_json::from_str(&ok(dir, &["get", "-A", "-o", "json"])).unwrap();
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            let (kind, name) = (
                c["kind"].as_str().unwrap(),
                c["metadata"]["name"].as_str().unwrap(),
            );
            let namespace = c["metadata"]["namespace"].as_str().unwrap_or("default");
            if kind == "Application" {
                format!("component:{namespace}/{name}")
            } else {
                format!("resource:{namespace}/{name}.{}", kind.to_lowercase())
            }
        })
        .collect()
}

fn entity_refs(dir: &Path) -> std::collections::BTreeSet<String> {
    refs(&ok(dir, &["catalog", "list", "-o", "json"]))
        .into_iter()
        .collect()
}

/// kill -9 at any moment of an apply or a delete: a claim and its entity are stored together
/// or not at all, and the next run brings both to the end state.
#[test]
fn a_killed_apply_or_delete_never_leaves_the_catalog_out_of_step() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::copy(
        repo().join("examples/quickstart/storefront-app.yaml"),
        d.join("storefront-app.yaml"),
    )
    .unwrap();
    let mut files = vec!["storefront-app.yaml".to_owned()];
    for i in 0..12 {
        let file = format!("db-{i}.yaml");
        std::fs::write(
            d.join(&file),
            format!(
                "apiVersion: platform.dev/v1alpha1\nkind: DatabaseClaim\nmetadata:\n  name: db-{i}\n  labels:\n    platform.dev/owner: team-{}\nspec:\n  engine: postgresql\n  size: small\n",
                i % 3
            ),
        )
        .unwrap();
        files.push(file);
    }
    let mut apply = vec!["apply", "-f"];
    apply.extend(files.iter().map(String::as_str));
    let mut delete = vec!["delete", "-f"];
    delete.extend(files.iter().map(String::as_str));
    let mut killed = 0;
    for (round, delay_ms) in [10u64, 40, 80, 120, 160, 220, 300, 400]
        .into_iter()
        .enumerate()
    {
        let args = if round % 3 == 2 { &delete } else { &apply };
        let mut child = support::command(d)
            .args(args)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(delay_ms));
        if child.try_wait().unwrap().is_none() {
            child.kill().unwrap(); // SIGKILL
            killed += 1;
        }
        child.wait().unwrap();
        assert_eq!(
            claim_refs(d),
            entity_refs(d),
            "round {round}: {args:?} killed after {delay_ms} ms"
        );
    }
    assert!(killed >= 3, "only {killed} runs were killed mid-way");
    ok(d, &apply);
    let claims = claim_refs(d);
    assert_eq!(claims.len(), 17, "{claims:?}");
    assert_eq!(claims, entity_refs(d));
    ok(d, &delete);
    assert!(entity_refs(d).is_empty());
}
