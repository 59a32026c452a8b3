//! What a process killed half-way through a local resource leaves behind, and how the next
//! apply or delete repairs it.

use rusqlite::Connection;
use serde_json::json;
use std::path::{Path, PathBuf};

use super::*;
use platform_core::model::DynamicObject;
use platform_core::provider::{Applied, Provider};

fn resource(kind: &str, name: &str, spec: Value) -> ManagedResource {
    let object: DynamicObject = serde_json::from_value(json!({
        "apiVersion": API_VERSION, "kind": kind,
        "metadata": {"name": name, "namespace": "team-a"}, "spec": spec
    }))
    .unwrap();
    ManagedResource::new(object)
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    PathBuf::from(format!("{}{suffix}", path.display()))
}

/// Leaves the database at `path` as a process killed in the middle of a write transaction
/// does: pages of the transaction already in the file and a hot `-journal` beside it.
fn cut_short_transaction(path: &Path) {
    let scratch = tempfile::tempdir().unwrap();
    let copy = scratch.path().join("db.sqlite3");
    std::fs::copy(path, &copy).unwrap();
    let conn = Connection::open(&copy).unwrap();
    // A small cache makes SQLite spill the transaction's pages into the file before commit.
    conn.execute_batch(
        "PRAGMA journal_mode=DELETE; PRAGMA cache_size=1;
         BEGIN; CREATE TABLE filler (x BLOB);",
    )
    .unwrap();
    for _ in 0..64 {
        conn.execute("INSERT INTO filler VALUES (zeroblob(4000))", [])
            .unwrap();
    }
    let journal = with_suffix(&copy, "-journal");
    assert!(journal.is_file(), "the transaction has a journal");
    for suffix in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(with_suffix(path, suffix));
    }
    std::fs::copy(&copy, path).unwrap();
    std::fs::copy(&journal, with_suffix(path, "-journal")).unwrap();
}

/// The file or folder a created resource reports in its `path` output.
fn path_of(applied: &Applied) -> PathBuf {
    PathBuf::from(applied.outputs["path"].as_str().unwrap())
}

fn files_under(dir: &Path) -> Vec<String> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            if entry.path().is_dir() {
                pending.push(entry.path());
            } else {
                found.push(entry.path().display().to_string());
            }
        }
    }
    found
}

#[tokio::test]
async fn a_database_killed_mid_write_is_rolled_back_and_applies_again() {
    let dir = tempfile::tempdir().unwrap();
    let provider = LocalProvider::new(dir.path());
    let db = resource("LocalDatabase", "orders", json!({"engine": "sqlite"}));
    let created = provider.create(&db).await.unwrap();
    let password = created.secrets.get("password").unwrap().expose().to_owned();
    let path = path_of(&created);
    cut_short_transaction(&path);

    // Before: every observe failed with "attempt to write a readonly database", so no apply
    // could ever repair the file.
    let observed = provider.observe(&db).await.unwrap();
    assert!(observed.exists && observed.up_to_date, "{observed:?}");
    assert_eq!(
        observed.secrets.get("password").map(|p| p.expose()),
        Some(password.as_str())
    );
    let updated = provider.update(&db).await.unwrap();
    assert_eq!(updated.secrets.get("password").unwrap().expose(), password);
    assert!(!with_suffix(&path, "-journal").exists());
    // The cut-short transaction is gone and the database is usable.
    let conn = Connection::open(&path).unwrap();
    let tables: i64 = conn
        .query_row(
            "SELECT count(*) FROM sqlite_master WHERE name = 'filler'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(tables, 0);
    conn.execute_batch("CREATE TABLE orders (id INTEGER); INSERT INTO orders VALUES (1);")
        .unwrap();
}

#[tokio::test]
async fn a_database_file_without_its_record_is_completed_with_a_password() {
    let dir = tempfile::tempdir().unwrap();
    let provider = LocalProvider::new(dir.path());
    let db = resource("LocalDatabase", "orders", json!({"engine": "sqlite"}));
    let path = path_of(&provider.create(&db).await.unwrap());
    provider.delete(&db).await.unwrap();
    // A create killed after SQLite made the file and before the record was written.
    std::fs::write(&path, b"").unwrap();
    let observed = provider.observe(&db).await.unwrap();
    assert!(observed.exists && !observed.up_to_date, "{observed:?}");
    assert!(observed.secrets.is_empty());
    // Recovery adopts it: the file is completed and its credentials handed out.
    let adopted = provider.adopt(&db).await.unwrap();
    let password = adopted.secrets.get("password").unwrap().expose().to_owned();
    let observed = provider.observe(&db).await.unwrap();
    assert!(observed.up_to_date, "{observed:?}");
    assert_eq!(
        observed.secrets.get("password").map(|p| p.expose()),
        Some(password.as_str())
    );
}

#[tokio::test]
async fn a_delete_after_a_killed_write_leaves_nothing_behind() {
    let dir = tempfile::tempdir().unwrap();
    let provider = LocalProvider::new(dir.path());
    let db = resource("LocalDatabase", "orders", json!({"engine": "sqlite"}));
    cut_short_transaction(&path_of(&provider.create(&db).await.unwrap()));
    provider.delete(&db).await.unwrap();
    assert_eq!(files_under(dir.path()), Vec::<String>::new());
    assert!(!provider.observe(&db).await.unwrap().exists);
}

#[tokio::test]
async fn a_bucket_with_a_damaged_meta_is_rewritten_and_a_delete_cut_short_is_finished() {
    let dir = tempfile::tempdir().unwrap();
    let provider = LocalProvider::new(dir.path());
    let bucket = resource("LocalBucket", "files", json!({"versioning": true}));
    let folder = path_of(&provider.create(&bucket).await.unwrap());
    std::fs::write(folder.join("report.txt"), b"kept").unwrap();
    std::fs::write(folder.join(".platform-bucket.json"), b"{\"versi").unwrap();
    let observed = provider.observe(&bucket).await.unwrap();
    assert!(observed.exists && !observed.up_to_date, "{observed:?}");
    provider.update(&bucket).await.unwrap();
    assert!(provider.observe(&bucket).await.unwrap().up_to_date);
    assert_eq!(std::fs::read(folder.join("report.txt")).unwrap(), b"kept");
    assert!(!folder.join(".platform-bucket.json.tmp").exists());

    // A delete killed after the folder was renamed away: the bucket is gone at once, and the
    // next delete removes what is left.
    let name = folder.file_name().unwrap().to_string_lossy().into_owned();
    std::fs::rename(&folder, folder.with_file_name(format!(".{name}.deleting"))).unwrap();
    assert!(!provider.observe(&bucket).await.unwrap().exists);
    provider.delete(&bucket).await.unwrap();
    assert_eq!(files_under(dir.path()), Vec::<String>::new());
}
