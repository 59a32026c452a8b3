//! A run that fails says so: `drift` never reports a resource it could not observe as checked
//! and clean, `apply` never ends on "No changes", and a claim whose last reconcile failed is
//! not left Ready True.

mod support;

use std::path::{Path, PathBuf};

use support::{expect, repo};

/// The SQLite files under a folder whose name contains `name`.
fn database_files(dir: &Path, name: &str) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let path = entry.path();
            let file = path.file_name().unwrap().to_string_lossy().into_owned();
            if path.is_dir() {
                pending.push(path);
            } else if file.contains(name) && file.ends_with(".sqlite3") {
                found.push(path);
            }
        }
    }
    found
}

fn condition(claims: &serde_json::Value, name: &str, type_: &str) -> serde_json::Value {
    let claim = claims["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["metadata"]["name"] == name)
        .unwrap_or_else(|| panic!("no claim {name} in {claims}"));
    claim["status"]["conditions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["type"] == type_)
        .cloned()
        .unwrap_or_else(|| panic!("no {type_} condition on {claim}"))
}

#[test]
fn a_database_that_cannot_be_read_fails_drift_and_apply_and_is_not_ready() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::create_dir(d.join("quickstart")).unwrap();
    for file in ["orders-db.yaml", "storefront-app.yaml"] {
        std::fs::copy(
            repo().join("examples/quickstart").join(file),
            d.join("quickstart").join(file),
        )
        .unwrap();
    }
    expect(d, &["apply", "-f", "quickstart"], 0);
    let databases = database_files(&d.join(".platform/local/databases"), "orders-db");
    assert_eq!(databases.len(), 1, "{databases:?}");
    // Damaged beyond what the adapter can repair: every observe and update fails.
    std::fs::write(&databases[0], "not a database ".repeat(100)).unwrap();
    for suffix in ["-wal", "-shm", "-journal"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", databases[0].display()));
    }

    let (out, err) = expect(d, &["drift"], 1);
    assert!(
        err.contains("cannot observe") && err.contains("orders-db-database"),
        "{err}"
    );
    assert!(err.contains("not a database"), "{err}");
    assert!(!out.contains("No drift"), "{out}");
    assert!(
        out.contains("1 of 5 resources could not be observed"),
        "{out}"
    );

    let (out, err) = expect(d, &["apply", "-f", "quickstart"], 1);
    assert!(!out.contains("No changes"), "{out}");
    assert!(!out.contains("Apply complete"), "{out}");
    assert!(
        out.contains("DatabaseClaim default/orders-db Failed"),
        "{out}"
    );
    assert!(out.contains("Apply failed: 1 claims not applied"), "{out}");
    assert!(
        err.contains("not applied: DatabaseClaim default/orders-db"),
        "{err}"
    );

    let (json, _) = expect(d, &["get", "-o", "json"], 0);
    let claims: serde_json::Value = serde_json::from_str(&json).unwrap();
    let ready = condition(&claims, "orders-db", "Ready");
    assert_ne!(ready["status"], "True", "{ready}");
    assert!(
        ready["message"]
            .as_str()
            .unwrap()
            .contains("not a database"),
        "{ready}"
    );
    let synced = condition(&claims, "orders-db", "Synced");
    assert_eq!(synced["status"], "False", "{synced}");
    assert_eq!(synced["reason"], "ReconcileError", "{synced}");
    // The other claims are untouched.
    assert_eq!(
        condition(&claims, "storefront-db", "Ready")["status"],
        "True"
    );

    // After the failed apply the record says its reconcile failed: drift still observes it
    // (before, it was left out and drift said "No drift: 4 resources checked").
    let (out, _) = expect(d, &["drift"], 1);
    assert!(
        out.contains("1 of 5 resources could not be observed"),
        "{out}"
    );
}

/// A claim an apply stored but never reconciled (the apply was killed in between) is not a
/// silent `Unknown`: `get` says it is pending and what finishes it.
#[test]
fn a_claim_stored_by_a_killed_apply_says_what_finishes_it() {
    use platform_core::model::DynamicObject;
    use platform_core::store::{Precondition, StateStore, Write};

    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::create_dir_all(d.join(".platform")).unwrap();
    let claim: DynamicObject = serde_json::from_value(serde_json::json!({
        "apiVersion": "platform.dev/v1alpha1",
        "kind": "DatabaseClaim",
        "metadata": {"name": "orders-db", "namespace": "default"},
        "spec": {"engine": "sqlite"}
    }))
    .unwrap();
    let store =
        platform_providers::store::sqlite::SqliteStore::open(d.join(".platform/state.db")).unwrap();
    tokio::runtime::Runtime::new()
        .unwrap()
        .block_on(store.commit(vec![Write::Put {
            object: claim,
            expected: Precondition::Any,
        }]))
        .unwrap();
    drop(store);
    let out = support::platformctl(d, &["get"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{out:?}");
    let row = stdout
        .lines()
        .find(|l| l.contains("orders-db"))
        .unwrap_or_else(|| panic!("{stdout}"));
    assert!(
        row.contains("Unknown")
            && row.contains("pending")
            && row.contains("`platformctl apply` or `platformctl run` finishes it"),
        "{row}"
    );
}
