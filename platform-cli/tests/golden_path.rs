//! End-to-end tests of the golden path: the built `platformctl` applies, inspects, repairs and
//! deletes the quickstart on the local adapter, and fails readably on bad input.

mod support;

use std::process::Command;

use support::{expect, quickstart_dir, repo, text};

#[test]
fn quickstart_applies_converges_and_repairs_a_deleted_database() {
    let dir = quickstart_dir();
    let d = dir.path();

    let (plan, _) = expect(d, &["plan", "-f", "quickstart", "--detailed-exitcode"], 2);
    assert!(
        plan.contains("+ LocalDatabase orders-db-database"),
        "{plan}"
    );
    assert!(
        plan.ends_with("Plan: 5 to create, 0 to update, 0 to delete.\n"),
        "{plan}"
    );

    let (applied, _) = expect(d, &["apply", "-f", "quickstart"], 0);
    for claim in [
        "DatabaseClaim default/orders-db Ready",
        "Application default/storefront Ready",
        "DatabaseClaim default/storefront-db Ready",
        "CacheClaim default/storefront-cache Ready",
        "QueueClaim default/storefront-events Ready",
        "BucketClaim default/storefront-files Ready",
    ] {
        assert!(applied.contains(claim), "{claim} missing in:\n{applied}");
    }
    assert_eq!(applied.matches("created, Ready").count(), 5, "{applied}");
    assert!(!applied.contains("NotReady"), "{applied}");
    assert!(applied.contains("host: localhost"), "{applied}");
    assert!(
        applied.contains("api.QUEUE_NAME: default.storefront-events"),
        "{applied}"
    );
    assert!(applied.ends_with("Apply complete: 5 created, 0 updated, 0 deleted.\n"));
    let db_file = d.join(".platform/local/databases/default/orders-db.sqlite3");
    assert!(db_file.is_file());
    assert!(d.join(".platform/state.db").is_file());

    // Run again: nothing changes.
    let (again, _) = expect(d, &["apply", "-f", "quickstart"], 0);
    assert!(
        again.ends_with("No changes: 5 resources are up to date.\n"),
        "{again}"
    );
    let (plan, _) = expect(d, &["plan", "-f", "quickstart", "--detailed-exitcode"], 0);
    assert!(
        plan.ends_with("No changes: 5 resources are up to date.\n"),
        "{plan}"
    );
    assert!(
        plan.contains("Monthly estimate: 156.80 USD (no change)"),
        "{plan}"
    );

    // The database file deleted by hand is drift; apply recreates it.
    std::fs::remove_file(&db_file).unwrap();
    let (drift, _) = expect(d, &["drift"], 2);
    assert!(
        drift.contains(
            "LocalDatabase orders-db-database (default-orders-db-database) of DatabaseClaim default/orders-db: missing"
        ),
        "{drift}"
    );
    let (plan, _) = expect(d, &["plan", "-f", "quickstart", "--detailed-exitcode"], 2);
    assert!(
        plan.ends_with("Plan: 1 to create, 0 to update, 0 to delete.\n"),
        "{plan}"
    );
    let (repaired, _) = expect(d, &["apply", "-f", "quickstart"], 0);
    assert!(repaired.ends_with("Apply complete: 1 created, 0 updated, 0 deleted.\n"));
    assert!(db_file.is_file());
    let (clean, _) = expect(d, &["drift"], 0);
    assert_eq!(clean, "No drift: 5 resources checked.\n");
}

#[test]
fn drift_fix_repairs_and_exits_0() {
    let dir = quickstart_dir();
    let d = dir.path();
    expect(d, &["apply", "-f", "quickstart"], 0);
    let id = platform_core::compose::claim_id("BucketClaim", "default", "storefront-files");
    let bucket = d.join(format!(
        ".platform/local/buckets/default-storefront-files-{id}"
    ));
    std::fs::remove_dir_all(&bucket).unwrap();
    let (fixed, _) = expect(d, &["drift", "--fix"], 0);
    assert!(fixed.contains("1 corrected"), "{fixed}");
    assert!(bucket.is_dir());
}

#[test]
fn get_describe_and_outputs_show_state_but_never_secrets_unless_revealed() {
    let dir = quickstart_dir();
    let d = dir.path();
    expect(d, &["apply", "-f", "quickstart"], 0);

    let (revealed, _) = expect(
        d,
        &[
            "outputs",
            "DatabaseClaim",
            "orders-db",
            "--reveal",
            "-o",
            "json",
        ],
        0,
    );
    let revealed: serde_json::Value = serde_json::from_str(&revealed).unwrap();
    let password = revealed["password"].as_str().unwrap().to_owned();
    assert_eq!(password.len(), 32);
    assert_eq!(revealed["host"], "localhost");

    let (masked, _) = expect(d, &["outputs", "DatabaseClaim", "orders-db"], 0);
    assert!(masked.contains("password   ********"), "{masked}");
    assert!(!masked.contains(&password));

    let (table, _) = expect(d, &["get"], 0);
    assert!(table.starts_with("NAMESPACE   KIND"), "{table}");
    assert_eq!(table.lines().count(), 7, "{table}");

    let (json, _) = expect(d, &["get", "-o", "json"], 0);
    assert!(!json.contains(&password));
    let list: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(list["apiVersion"], "v1");
    assert_eq!(list["kind"], "List");
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), 6);
    let db = items
        .iter()
        .find(|i| i["metadata"]["name"] == "orders-db")
        .unwrap();
    assert_eq!(db["status"]["conditions"][0]["type"], "Ready");
    assert_eq!(db["status"]["conditions"][0]["status"], "True");
    assert_eq!(db["status"]["outputs"]["database"], "orders-db");

    let (one, _) = expect(d, &["get", "Application", "storefront", "-o", "yaml"], 0);
    assert!(one.contains("name: storefront"), "{one}");

    let (described, _) = expect(d, &["describe", "Application", "storefront"], 0);
    assert!(!described.contains(&password));
    assert!(
        described.contains("Ready    True     Available"),
        "{described}"
    );
    assert!(
        described.contains("api.DATABASE_PASSWORD (values hidden"),
        "{described}"
    );
    assert!(
        described.contains("LocalBucket     storefront-files-bucket"),
        "{described}"
    );
    assert!(described.contains("Accepted"), "{described}");

    let (_, err) = expect(d, &["describe", "DatabaseClaim", "nope"], 1);
    assert_eq!(
        err,
        "error: DatabaseClaim default/nope not found\nhint: `platformctl get -A` lists what is applied\n"
    );
}

/// The local database composition with connection details like production's PostgreSQL one:
/// the user name and host read from fields, beside the password and uri the provider hands out.
const DATABASE_WITH_DETAILS: &str = "apiVersion: apiextensions.crossplane.io/v1
kind: Composition
metadata:
  name: databaseclaim-details
spec:
  compositeTypeRef: {apiVersion: platform.dev/v1alpha1, kind: DatabaseClaim}
  mode: Pipeline
  pipeline:
    - step: patch-and-transform
      functionRef: {name: function-patch-and-transform}
      input:
        apiVersion: pt.fn.crossplane.io/v1beta1
        kind: Resources
        resources:
          - name: database
            base:
              apiVersion: local.platform.dev/v1alpha1
              kind: LocalDatabase
              spec: {engine: sqlite}
            patches:
              - type: CombineFromComposite
                combine:
                  variables: [{fromFieldPath: metadata.namespace}, {fromFieldPath: metadata.name}]
                  strategy: string
                  string: {fmt: '%s/%s.sqlite3'}
                toFieldPath: spec.file
              - type: ToCompositeFieldPath
                fromFieldPath: status.outputs.host
                toFieldPath: status.outputs.host
            connectionDetails:
              - {name: password, fromConnectionSecretKey: password}
              - {name: uri, fromConnectionSecretKey: uri}
              - {name: username, fromFieldPath: status.outputs.username}
              - {name: host, fromFieldPath: status.outputs.host}
";

#[test]
fn outputs_masks_only_what_the_provider_hands_out_as_secret() {
    let dir = quickstart_dir();
    let d = dir.path();
    std::fs::write(d.join("details.yaml"), DATABASE_WITH_DETAILS).unwrap();
    std::fs::write(
        d.join("platform.yaml"),
        "compositions: [details.yaml]\nenvironments:\n  local:\n    compositions: {DatabaseClaim: databaseclaim-details}\n",
    )
    .unwrap();
    let (applied, _) = expect(d, &["apply", "-f", "quickstart/orders-db.yaml"], 0);
    assert!(applied.contains("host: localhost"), "{applied}");

    let (table, _) = expect(d, &["outputs", "DatabaseClaim", "orders-db"], 0);
    let row = |name: &str| {
        table
            .lines()
            .find(|l| l.split_whitespace().next() == Some(name))
            .map(|l| l.split_whitespace().collect::<Vec<_>>())
            .unwrap_or_else(|| panic!("no {name} in\n{table}"))
    };
    // Host and user name are shown as apply printed them, and are not marked secret.
    assert_eq!(row("host"), ["host", "localhost"], "{table}");
    assert_eq!(row("username")[1..].len(), 1, "{table}");
    assert_ne!(row("username")[1], "********", "{table}");
    // What the provider handed out as secret stays masked, marked secret.
    assert_eq!(row("password"), ["password", "********", "yes"], "{table}");
    assert_eq!(row("uri"), ["uri", "********", "yes"], "{table}");

    let (revealed, _) = expect(
        d,
        &[
            "outputs",
            "DatabaseClaim",
            "orders-db",
            "--reveal",
            "-o",
            "json",
        ],
        0,
    );
    let revealed: serde_json::Value = serde_json::from_str(&revealed).unwrap();
    assert_eq!(revealed["host"], "localhost");
    assert_eq!(revealed["password"].as_str().unwrap().len(), 32);
    let (described, _) = expect(d, &["describe", "DatabaseClaim", "orders-db"], 0);
    assert!(!described.contains(revealed["password"].as_str().unwrap()));
}

#[test]
fn delete_respects_references_and_removes_real_resources() {
    let dir = quickstart_dir();
    let d = dir.path();
    expect(d, &["apply", "-f", "quickstart"], 0);

    let (_, err) = expect(d, &["delete", "DatabaseClaim", "storefront-db"], 1);
    assert!(
        err.starts_with(
            "error: DatabaseClaim default/storefront-db is used by Application default/storefront"
        ),
        "{err}"
    );

    let (deleted, _) = expect(d, &["delete", "Application", "storefront"], 0);
    assert!(
        deleted.ends_with("Delete complete: 9 deleted, 0 kept.\n"),
        "{deleted}"
    );
    let id = platform_core::compose::claim_id("BucketClaim", "default", "storefront-files");
    assert!(
        !d.join(format!(
            ".platform/local/buckets/default-storefront-files-{id}"
        ))
        .exists()
    );
    let (left, _) = expect(d, &["get", "-o", "json"], 0);
    let list: serde_json::Value = serde_json::from_str(&left).unwrap();
    assert_eq!(list["items"].as_array().unwrap().len(), 1);

    let (deleted, _) = expect(d, &["delete", "-f", "quickstart"], 0);
    assert!(
        deleted.contains("Application default/storefront not found"),
        "{deleted}"
    );
    assert!(
        deleted.ends_with("Delete complete: 2 deleted, 0 kept.\n"),
        "{deleted}"
    );
    assert!(
        !d.join(".platform/local/databases/default/orders-db.sqlite3")
            .exists()
    );
    let (none, _) = expect(d, &["get"], 0);
    assert_eq!(none, "No claims found.\n");
}

#[test]
fn plan_json_gives_actions_and_diffs_as_data() {
    let dir = quickstart_dir();
    let (json, _) = expect(dir.path(), &["plan", "-f", "quickstart", "-o", "json"], 0);
    let plan: serde_json::Value = serde_json::from_str(&json).unwrap();
    let actions = plan["actions"].as_array().unwrap();
    assert_eq!(actions.len(), 5);
    assert!(actions.iter().all(|a| a["action"] == "create"), "{json}");
    assert_eq!(actions[0]["claim"]["name"], "orders-db");
}

#[test]
fn bad_input_is_one_readable_error_and_exit_1() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("broken.yaml"), "kind: DatabaseClaim\nmetadata: [\n").unwrap();
    let (_, err) = expect(d, &["apply", "-f", "broken.yaml"], 1);
    assert!(
        err.starts_with("error: invalid input:\nbroken.yaml:"),
        "{err}"
    );

    std::fs::write(
        d.join("unknown.yaml"),
        "apiVersion: platform.dev/v1alpha1\nkind: Nope\nmetadata: {name: x}\n",
    )
    .unwrap();
    let (_, err) = expect(d, &["plan", "-f", "unknown.yaml"], 1);
    assert_eq!(
        err,
        "error: invalid input:\nunknown.yaml:2:7: kind: unknown kind \"Nope\"; registered kinds: Application, BucketClaim, CacheClaim, DatabaseClaim, QueueClaim\n"
    );

    let (_, err) = expect(d, &["get", "Foo"], 1);
    assert!(
        err.contains("hint: `platformctl kinds` lists the known kinds"),
        "{err}"
    );

    let (_, err) = expect(d, &["apply", "-f", "missing"], 1);
    assert!(err.starts_with("error: invalid input:\nmissing"), "{err}");
    assert!(!err.contains("panicked"));

    // A usage error: 64, never 2 (which would read as "changes" to a script).
    let (_, err) = expect(
        d,
        &["apply", "-f", "x.yaml", "--wait", "--timeout", "soon"],
        64,
    );
    assert!(
        err.contains("expected a duration such as 90s, 5m or 500ms"),
        "{err}"
    );
}

#[test]
fn a_failing_provider_names_the_claim_and_the_cause() {
    let dir = quickstart_dir();
    let d = dir.path();
    // The local adapter's root is a file: nothing can be created under it.
    std::fs::write(d.join("blocked"), "").unwrap();
    std::fs::write(
        d.join("platform.yaml"),
        "environments:\n  local:\n    providers:\n      local: {root: blocked}\n",
    )
    .unwrap();
    let (out, err) = expect(d, &["apply", "-f", "quickstart/orders-db.yaml"], 1);
    assert!(
        out.contains("DatabaseClaim default/orders-db Failed"),
        "{out}"
    );
    assert!(out.contains("1 of 1 resources are not Ready."), "{out}");
    assert!(
        err.starts_with("error: not applied: DatabaseClaim default/orders-db (database: transient error: cannot create"),
        "{err}"
    );
    assert!(err.contains("Not a directory"), "{err}");
    assert!(err.ends_with("hint: `platformctl describe KIND NAME` shows conditions and events\n"));

    let (_, err) = expect(
        d,
        &[
            "apply",
            "-f",
            "quickstart/orders-db.yaml",
            "--wait",
            "--timeout",
            "1s",
        ],
        1,
    );
    assert!(err.contains("DatabaseClaim default/orders-db"), "{err}");
}

#[test]
fn apply_wait_returns_when_everything_is_ready() {
    let dir = quickstart_dir();
    let (out, _) = expect(
        dir.path(),
        &["apply", "-f", "quickstart", "--wait", "--timeout", "30s"],
        0,
    );
    assert!(
        out.contains("Application default/storefront Ready"),
        "{out}"
    );
}

#[test]
fn config_errors_are_located_and_unknown_adapters_and_environments_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(
        d.join("platform.yaml"),
        "environments:\n  prod:\n    providers:\n      aws: {}\n    bogus: 1\n",
    )
    .unwrap();
    let (_, err) = expect(d, &["get"], 1);
    // Which adapters follow `local` depends on the build's features.
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 3, "{err}");
    assert_eq!(lines[0], "error: invalid config:");
    assert!(
        lines[1].starts_with(
            "platform.yaml:4:7: environments.prod.providers.aws: no adapter named \"aws\" exists; available adapters: local"
        ),
        "{err}"
    );
    assert_eq!(
        lines[2],
        "platform.yaml:5:5: environments.prod.bogus: unknown config key \"bogus\"; expected one of: providers, compositions, config, production"
    );

    // Adapter settings are checked when the environment is used, pointing at the adapter.
    std::fs::write(
        d.join("platform.yaml"),
        "defaultEnvironment: dev\nenvironments:\n  dev:\n    providers:\n      local: {root: \"${env:PLATFORM_TEST_SURELY_UNSET}\"}\n",
    )
    .unwrap();
    let (_, err) = expect(d, &["apply", "-f", "nothing.yaml"], 1);
    assert_eq!(
        err,
        "error: invalid config:\n\
         platform.yaml:5:7: environments.dev.providers.local: root: environment variable PLATFORM_TEST_SURELY_UNSET is not set\n"
    );
    std::fs::write(
        d.join("platform.yaml"),
        "defaultEnvironment: dev\nenvironments:\n  dev:\n    providers:\n      local: {rooot: x}\n",
    )
    .unwrap();
    let (_, err) = expect(d, &["apply", "-f", "nothing.yaml"], 1);
    assert!(
        err.contains("platform.yaml:5:7: environments.dev.providers.local: unknown field `rooot`, expected `root`"),
        "{err}"
    );

    std::fs::write(
        d.join("platform.yaml"),
        "defaultEnvironment: dev\nenvironments:\n  dev: {}\n",
    )
    .unwrap();
    let (_, err) = expect(d, &["get", "--env", "prod"], 1);
    assert_eq!(
        err,
        "error: environment \"prod\" is not configured\nhint: configured environments: dev\n"
    );
    expect(d, &["get"], 0);

    std::fs::write(d.join("platform.yaml"), "state: redis://db/platform\n").unwrap();
    let (_, err) = expect(d, &["get"], 1);
    assert!(err.contains("state is a redis:// URL"), "{err}");

    // Nothing listens on port 1: the PostgreSQL state says so (or, in a build without it,
    // that the build has no PostgreSQL state store), naming the place, never the password.
    std::fs::write(
        d.join("platform.yaml"),
        "state: postgres://platform:pw-hidden@127.0.0.1:1/platform\n",
    )
    .unwrap();
    let (_, err) = expect(d, &["get"], 1);
    let expected = if cfg!(feature = "postgres-store") {
        "postgres://127.0.0.1:1/platform (schema platform)"
    } else {
        "this build of platformctl has no PostgreSQL state store"
    };
    assert!(err.contains(expected), "{err}");
    assert!(!err.contains("pw-hidden"), "{err}");
}

#[test]
fn init_writes_a_working_starter_and_refuses_to_overwrite() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (out, _) = expect(d, &["init"], 0);
    assert!(out.contains("wrote platform.yaml"), "{out}");
    let (applied, _) = expect(d, &["apply", "-f", "claims"], 0);
    assert!(
        applied.contains("Application default/storefront Ready"),
        "{applied}"
    );
    assert!(
        d.join(".platform/local/databases/default/orders-db.sqlite3")
            .is_file()
    );

    let (_, err) = expect(d, &["init"], 1);
    assert_eq!(
        err,
        "error: refusing to overwrite platform.yaml, claims/orders-db.yaml, claims/storefront-app.yaml\nhint: run init in an empty folder, or move these files away\n"
    );
}

#[cfg(unix)]
#[test]
fn run_stops_cleanly_on_sigterm() {
    let dir = quickstart_dir();
    let d = dir.path();
    expect(d, &["apply", "-f", "quickstart"], 0);
    let child = support::command(d)
        .arg("run")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(700));
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let out = child.wait_with_output().unwrap();
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(stderr.ends_with("controller stopped\n"), "{stderr}");
}

#[test]
fn graph_maps_claims_to_their_claims_and_resources() {
    let dir = quickstart_dir();
    let (dot, _) = expect(dir.path(), &["graph", "-f", "quickstart"], 0);
    assert!(dot.starts_with("digraph platform {"), "{dot}");
    assert!(dot.contains("\"Application/storefront\" -> \"DatabaseClaim/storefront-db\";"));
    assert!(dot.contains("\"DatabaseClaim/orders-db\" -> \"LocalDatabase/orders-db-database\";"));
    let (mermaid, _) = expect(
        dir.path(),
        &["graph", "-f", "quickstart", "-o", "mermaid"],
        0,
    );
    assert!(mermaid.starts_with("flowchart LR\n"), "{mermaid}");
    assert_eq!(mermaid.matches(" --> ").count(), 9, "{mermaid}");
}

#[test]
fn config_compositions_add_to_the_bundled_ones_and_environments_pick_defaults() {
    let dir = quickstart_dir();
    let d = dir.path();
    let bundled = std::fs::read_to_string(repo().join("compositions/local/database.yaml")).unwrap();
    std::fs::create_dir(d.join("mine")).unwrap();
    std::fs::write(d.join("mine/database.yaml"), &bundled).unwrap();
    std::fs::write(d.join("platform.yaml"), "compositions: [mine/]\n").unwrap();
    let (_, err) = expect(d, &["plan", "-f", "quickstart"], 1);
    assert_eq!(
        err,
        "error: invalid config:\nmine/database.yaml:2:1: metadata.name: composition \"databaseclaim-local\" is defined twice\nhint: config `compositions` add to the bundled ones; give yours another name\n"
    );

    std::fs::write(
        d.join("mine/database.yaml"),
        bundled.replace("name: databaseclaim-local", "name: team-database"),
    )
    .unwrap();
    std::fs::write(
        d.join("platform.yaml"),
        "compositions: [mine/]\nenvironments:\n  local:\n    compositions: {DatabaseClaim: team-database}\n",
    )
    .unwrap();
    let (out, _) = expect(d, &["apply", "-f", "quickstart/orders-db.yaml"], 0);
    assert!(
        out.contains("DatabaseClaim default/orders-db Ready (composition team-database)"),
        "{out}"
    );
}
