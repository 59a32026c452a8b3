//! Leaks: real resources carrying the platform's marker that no stored claim owns. `drift`
//! reports them (exit 2, kind and name); `drift --fix --delete-orphans`, and only that,
//! deletes them, and never a resource a stored claim owns.

mod support;

use support::{expect, platformctl};

const KEPT: &str = "apiVersion: platform.dev/v1alpha1
kind: DatabaseClaim
metadata:
  name: kept-db
  namespace: team-a
spec:
  engine: sqlite
";

const LOST: &str = "apiVersion: platform.dev/v1alpha1
kind: DatabaseClaim
metadata:
  name: lost-db
  namespace: team-a
spec:
  engine: sqlite
---
apiVersion: platform.dev/v1alpha1
kind: BucketClaim
metadata:
  name: lost-files
  namespace: team
spec: {}
";

#[test]
fn leaked_resources_are_reported_and_deleted_only_when_asked() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    std::fs::write(dir.join("kept.yaml"), KEPT).unwrap();
    std::fs::write(dir.join("lost.yaml"), LOST).unwrap();
    expect(dir, &["apply", "-f", "kept.yaml", "-f", "lost.yaml"], 0);
    // The state is lost (moved aside with its key), and only one claim is applied again.
    std::fs::rename(dir.join(".platform/state.db"), dir.join("old-state.db")).unwrap();
    let _ = std::fs::rename(dir.join(".platform/state.key"), dir.join("old-state.key"));
    for sidecar in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(dir.join(format!(".platform/state.db{sidecar}")));
    }
    expect(dir, &["apply", "-f", "kept.yaml"], 0);

    let (report, _) = expect(dir, &["drift"], 2);
    assert!(
        report.contains("LocalDatabase databases/team-a/lost-db.sqlite3: leaked, owned by DatabaseClaim team-a/lost-db which is not stored"),
        "{report}"
    );
    assert!(
        report.contains("LocalBucket buckets/team-lost-files-")
            && report.contains("owned by BucketClaim team/lost-files"),
        "{report}"
    );
    assert!(
        !report.contains("kept-db"),
        "a stored claim's database is no leak: {report}"
    );
    assert!(report.contains("2 leaked resources found"), "{report}");
    let json: serde_json::Value =
        serde_json::from_str(&expect(dir, &["drift", "-o", "json"], 2).0).unwrap();
    assert_eq!(json["orphans"].as_array().unwrap().len(), 2, "{json}");

    // --fix alone corrects drift but leaves leaks alone: deleting data needs asking for.
    expect(dir, &["drift", "--fix"], 2);
    assert!(
        dir.join(".platform/local/databases/team-a/lost-db.sqlite3")
            .is_file()
    );
    // --delete-orphans without --fix is a usage error.
    let usage = platformctl(dir, &["drift", "--delete-orphans"]);
    assert_ne!(usage.status.code(), Some(0));

    let (fixed, _) = expect(dir, &["drift", "--fix", "--delete-orphans"], 0);
    assert!(fixed.contains("Deleted 2 leaked resources."), "{fixed}");
    assert!(
        !dir.join(".platform/local/databases/team-a/lost-db.sqlite3")
            .exists()
    );
    assert!(
        dir.join(".platform/local/databases/team-a/kept-db.sqlite3")
            .is_file()
    );
    let (clean, _) = expect(dir, &["drift"], 0);
    assert!(clean.contains("No drift: 1 resources checked."), "{clean}");
}
