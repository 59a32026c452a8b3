//! The SQLite state store's files as a user meets them: a damaged or lost state file is
//! refused rather than taken as new, commands that only read never write, the files are
//! private to their owner, and a folder that cannot be written is named.

use platform_core::model::{DynamicObject, ObjectRef};
use platform_core::secret::{SecretMap, SecretValue};
use platform_core::store::{ListFilter, Precondition, StateStore, Write};
use platform_providers::store::sqlite::{SecretKeySource, SqliteOptions, SqliteStore};
use serde_json::json;
use std::path::{Path, PathBuf};

fn object(name: &str) -> DynamicObject {
    serde_json::from_value(json!({
        "apiVersion": "platform.dev/v1alpha1",
        "kind": "DatabaseClaim",
        "metadata": {"name": name, "namespace": "default"},
        "spec": {"engine": "sqlite"},
    }))
    .unwrap()
}

/// A project folder with `.platform/state.db` and its key file beside it.
struct Project {
    dir: tempfile::TempDir,
}

impl Project {
    fn new() -> Project {
        Project {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn platform(&self) -> PathBuf {
        self.dir.path().join(".platform")
    }

    fn state(&self) -> PathBuf {
        self.platform().join("state.db")
    }

    fn key_file(&self) -> PathBuf {
        self.platform().join("state.db.key")
    }

    fn options(&self) -> SqliteOptions {
        SqliteOptions {
            secret_key: SecretKeySource::File(self.key_file()),
            ..SqliteOptions::default()
        }
    }

    fn read_only(&self) -> SqliteOptions {
        SqliteOptions {
            read_only: true,
            ..self.options()
        }
    }

    /// Applies one claim with a secret, as `apply` would, and closes the store.
    async fn apply_one(&self, name: &str) {
        let store = SqliteStore::open_with(self.state(), self.options()).unwrap();
        let mut secrets = SecretMap::new();
        secrets.insert("password", SecretValue::new("hunter2"));
        store
            .commit(vec![
                Write::Put {
                    object: object(name),
                    expected: Precondition::Absent,
                },
                Write::PutSecrets {
                    key: ObjectRef::new("DatabaseClaim", "default", name).in_group("platform.dev"),
                    secrets,
                },
            ])
            .await
            .unwrap();
    }
}

fn claims() -> ListFilter {
    ListFilter::kind("platform.dev", "DatabaseClaim")
}

/// Truncates a file to 0 bytes, as a full disk, a bad copy or a crashed editor might.
fn truncate(path: &Path) {
    std::fs::File::create(path).unwrap();
    for suffix in ["-wal", "-shm"] {
        let mut name = path.as_os_str().to_os_string();
        name.push(suffix);
        let _ = std::fs::remove_file(PathBuf::from(name));
    }
}

#[tokio::test]
async fn an_empty_state_file_beside_its_key_file_is_refused_as_damaged() {
    let project = Project::new();
    project.apply_one("orders-db").await;
    truncate(&project.state());
    for options in [project.options(), project.read_only()] {
        let err = SqliteStore::open_with(project.state(), options)
            .expect_err("an empty state file beside a key file is not a new store")
            .to_string();
        assert!(
            err.contains(&format!(
                "{} exists but holds no platform state",
                project.state().display()
            )) && err.contains(&format!("while {} shows", project.key_file().display()))
                && err.contains("the state looks damaged or lost, and nothing was changed"),
            "{err}"
        );
    }
    // Refusing changed nothing: the file is still empty, for a restore to replace.
    assert_eq!(std::fs::metadata(project.state()).unwrap().len(), 0);
}

#[tokio::test]
async fn an_empty_state_file_beside_local_resources_is_refused_as_damaged() {
    let project = Project::new();
    let local = project.platform().join("local");
    std::fs::create_dir_all(&local).unwrap();
    std::fs::write(project.state(), "").unwrap();
    let options = SqliteOptions {
        state_traces: vec![local.clone()],
        ..project.options()
    };
    let err = SqliteStore::open_with(project.state(), options)
        .expect_err("an empty state file beside local resources is not a new store")
        .to_string();
    assert!(
        err.contains(&format!("while {} shows", local.display())),
        "{err}"
    );
}

#[tokio::test]
async fn a_new_folder_and_an_empty_file_without_traces_are_fresh_stores() {
    let project = Project::new();
    let store = SqliteStore::open_with(project.state(), project.options()).unwrap();
    assert!(store.list(&claims()).await.unwrap().is_empty());
    drop(store);
    // A run killed between creating the file and writing its schema leaves it empty, with
    // no key file yet: that is still a new store.
    truncate(&project.state());
    let store = SqliteStore::open_with(project.state(), project.options()).unwrap();
    assert!(store.list(&claims()).await.unwrap().is_empty());
}

#[tokio::test]
async fn a_read_only_store_reads_everything_and_writes_nothing() {
    let project = Project::new();
    project.apply_one("orders-db").await;
    let store = SqliteStore::open_with(project.state(), project.read_only()).unwrap();
    assert!(store.is_read_only());
    let listed = store.list(&claims()).await.unwrap();
    assert_eq!(listed.len(), 1);
    let key = ObjectRef::new("DatabaseClaim", "default", "orders-db").in_group("platform.dev");
    assert_eq!(
        store
            .secrets(&key)
            .await
            .unwrap()
            .get("password")
            .map(|v| v.expose().to_owned()),
        Some("hunter2".to_owned())
    );
    let err = store
        .commit(vec![Write::Delete {
            key,
            expected: Precondition::Any,
        }])
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("it was opened read-only, for a command that only reads; nothing was written"),
        "{err}"
    );
    drop(store);
    let store = SqliteStore::open_with(project.state(), project.options()).unwrap();
    assert_eq!(store.list(&claims()).await.unwrap().len(), 1);
}

#[tokio::test]
async fn a_read_only_store_of_a_missing_file_is_empty_and_creates_nothing() {
    let project = Project::new();
    let store = SqliteStore::open_with(project.state(), project.read_only()).unwrap();
    assert!(store.list(&claims()).await.unwrap().is_empty());
    drop(store);
    assert!(
        !project.platform().exists(),
        "a command that only reads created .platform"
    );
}

#[cfg(unix)]
#[tokio::test]
async fn state_files_and_folders_are_private_to_their_owner() {
    use std::os::unix::fs::PermissionsExt as _;
    let project = Project::new();
    project.apply_one("orders-db").await;
    // While a store is open, its -wal and -shm files exist too.
    let store = SqliteStore::open_with(project.state(), project.options()).unwrap();
    store.list(&claims()).await.unwrap();
    let mut seen = 0;
    let mut stack = vec![project.platform()];
    while let Some(path) = stack.pop() {
        let meta = std::fs::metadata(&path).unwrap();
        let mode = meta.permissions().mode() & 0o777;
        if meta.is_dir() {
            assert_eq!(
                mode,
                0o700,
                "{} is a folder others can open",
                path.display()
            );
            stack.extend(std::fs::read_dir(&path).unwrap().map(|e| e.unwrap().path()));
        } else {
            assert_eq!(mode, 0o600, "{} is a file others can read", path.display());
        }
        seen += 1;
    }
    assert!(
        seen >= 4,
        "expected .platform, state.db, its -wal and key file"
    );
}

/// Whether this process ignores file permissions (root), so a permission test proves nothing.
#[cfg(unix)]
fn permissions_are_ignored(dir: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt as _;
    let probe = dir.join("permission-probe");
    std::fs::create_dir(&probe).unwrap();
    std::fs::set_permissions(&probe, std::fs::Permissions::from_mode(0o500)).unwrap();
    let ignored = std::fs::write(probe.join("x"), "x").is_ok();
    std::fs::set_permissions(&probe, std::fs::Permissions::from_mode(0o700)).unwrap();
    std::fs::remove_dir_all(&probe).unwrap();
    ignored
}

/// Runs one test of this binary again as user `nobody` (through `setpriv`), for tests that
/// need permissions to deny access; when that is impossible, says why the test was skipped.
/// Read-only commands do not depend on it: they open the store with the read-only flag, which
/// a_read_only_store_reads_everything_and_writes_nothing checks as any user.
#[cfg(unix)]
fn rerun_as_nobody(test: &str) {
    let exe = std::env::current_exe().unwrap();
    let out = std::process::Command::new("setpriv")
        .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
        .arg(&exe)
        .args(["--exact", test, "--nocapture"])
        .output();
    match out {
        Ok(out) if out.status.code() == Some(127) || out.status.code() == Some(126) => println!(
            "skipped: running as root, and user nobody cannot run {}",
            exe.display()
        ),
        Ok(out) => assert!(
            out.status.success(),
            "{test} as user nobody:\n{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
        Err(e) => println!("skipped: running as root, and setpriv is not available ({e})"),
    }
}

#[cfg(unix)]
#[tokio::test]
async fn a_folder_that_cannot_be_written_is_read_and_named_on_write() {
    use std::os::unix::fs::PermissionsExt as _;
    let project = Project::new();
    project.apply_one("orders-db").await;
    if permissions_are_ignored(project.dir.path()) {
        // Running as root, chmod denies nothing: run this test again as an ordinary user.
        rerun_as_nobody("a_folder_that_cannot_be_written_is_read_and_named_on_write");
        return;
    }
    let set = |mode| {
        std::fs::set_permissions(project.platform(), std::fs::Permissions::from_mode(mode)).unwrap()
    };
    set(0o500);
    let read = SqliteStore::open_with(project.state(), project.read_only()).map(|_| ());
    let write = SqliteStore::open_with(project.state(), project.options()).map(|_| ());
    set(0o700);
    assert!(read.is_ok(), "reading a read-only folder: {read:?}");
    let err = write
        .expect_err("writing in a read-only folder")
        .to_string();
    assert!(
        err.contains(&format!(
            "cannot write {}: the folder {} is not writable (permission denied)",
            project.state().display(),
            project.platform().display()
        )),
        "{err}"
    );
}
