//! `LocalBucket`: a directory; its spec is kept in `.platform-bucket.json` inside it.

use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::Root;
use super::io_error;
use super::names::relative_path;
use crate::support::private_files::{
    create_private_dir_all, create_private_file_afresh, create_private_file_new,
};
use async_trait::async_trait;
use platform_core::provider::{
    Applied, Found, ManagedKind, ManagedResource, Observation, Owner, ProviderError, diff_fields,
};
use platform_core::secret::SecretMap;

const META: &str = ".platform-bucket.json";
/// The owning claim (`Kind/namespace/name`), written once when the bucket is first created.
const OWNER: &str = ".platform-owner";
/// The meta file being written, renamed over [`META`] once complete.
const META_TEMPORARY: &str = ".platform-bucket.json.tmp";

fn dir_of(root: &Path, spec: &Value, name: &str) -> Result<PathBuf, ProviderError> {
    let relative = spec
        .get("directory")
        .and_then(Value::as_str)
        .unwrap_or(name)
        .to_owned();
    relative_path("bucket directory", &relative)?;
    Ok(root.join("buckets").join(relative))
}

fn outputs(dir: &Path) -> BTreeMap<String, Value> {
    let bucket = dir
        .file_name()
        .and_then(|s| s.to_str())
        .unwrap_or_default()
        .to_owned();
    BTreeMap::from([
        ("bucket".to_owned(), json!(bucket)),
        ("path".to_owned(), json!(dir.display().to_string())),
        (
            "endpoint".to_owned(),
            json!(format!("file://{}", dir.display())),
        ),
    ])
}

/// The bucket's owner as `.platform-owner` records it; `None` when the file is missing
/// (buckets written before owners were recorded).
fn recorded_owner(dir: &Path) -> Result<Option<Owner>, ProviderError> {
    let file = dir.join(OWNER);
    match std::fs::read_to_string(&file) {
        Ok(text) => Ok(Owner::from_key(&text)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(io_error("cannot read", &file, e)),
    }
}

/// Refuses a bucket another claim owns.
fn check_owner(dir: &Path, owner: &Owner) -> Result<(), ProviderError> {
    owner.may_use(
        "bucket",
        &dir.display().to_string(),
        recorded_owner(dir)?.as_ref(),
    )
}

/// Records `owner` in a bucket that has no owner yet: created exclusively, so of two claims
/// creating one folder at once exactly one records itself and the other is refused.
fn claim_for(dir: &Path, owner: &Owner) -> Result<(), ProviderError> {
    use std::io::Write as _;
    let file = dir.join(OWNER);
    match create_private_file_new(&file) {
        Ok(mut f) => f
            .write_all(owner.key().as_bytes())
            .and_then(|()| f.sync_data())
            .map_err(|e| io_error("cannot write", &file, e)),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            match recorded_owner(dir)? {
                Some(recorded) => {
                    owner.may_use("bucket", &dir.display().to_string(), Some(&recorded))
                }
                // Left empty by a kill right after it was created: ours to fill in.
                None => {
                    let mut f = create_private_file_afresh(&file)
                        .map_err(|e| io_error("cannot write", &file, e))?;
                    f.write_all(owner.key().as_bytes())
                        .and_then(|()| f.sync_data())
                        .map_err(|e| io_error("cannot write", &file, e))
                }
            }
        }
        Err(e) => Err(io_error("cannot write", &file, e)),
    }
}

pub(crate) fn observe(
    root: &Path,
    spec: &Value,
    name: &str,
    owner: &Owner,
) -> Result<Observation, ProviderError> {
    let dir = dir_of(root, spec, name)?;
    if !dir.is_dir() {
        return Ok(Observation::absent());
    }
    check_owner(&dir, owner)?;
    let meta = dir.join(META);
    let actual = match std::fs::read_to_string(&meta) {
        Ok(text) => serde_json::from_str(&text).unwrap_or(Value::Null),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Value::Null,
        Err(e) => return Err(io_error("cannot read", &meta, e)),
    };
    let diff = diff_fields("spec", spec, &actual);
    Ok(Observation {
        exists: true,
        up_to_date: diff.is_empty(),
        ready: true,
        diff,
        outputs: outputs(&dir),
        secrets: SecretMap::new(),
    })
}

pub(crate) fn apply(
    root: &Path,
    spec: &Value,
    name: &str,
    owner: &Owner,
) -> Result<Applied, ProviderError> {
    let dir = dir_of(root, spec, name)?;
    create_private_dir_all(&dir).map_err(|e| io_error("cannot create", &dir, e))?;
    claim_for(&dir, owner)?;
    write_meta(&dir, spec)?;
    Ok(Applied {
        pending: false,
        outputs: outputs(&dir),
        secrets: SecretMap::new(),
    })
}

/// Writes the meta file through a temporary file and a rename: a kill leaves the old meta or
/// the new one, never a truncated one.
fn write_meta(dir: &Path, spec: &Value) -> Result<(), ProviderError> {
    use std::io::Write as _;
    let meta = dir.join(META);
    let temporary = dir.join(META_TEMPORARY);
    let mut file = create_private_file_afresh(&temporary)
        .map_err(|e| io_error("cannot write", &temporary, e))?;
    file.write_all(spec.to_string().as_bytes())
        .and_then(|()| file.sync_data())
        .map_err(|e| io_error("cannot write", &temporary, e))?;
    drop(file);
    std::fs::rename(&temporary, &meta).map_err(|e| io_error("cannot write", &meta, e))
}

pub(crate) fn delete(
    root: &Path,
    spec: &Value,
    name: &str,
    owner: &Owner,
) -> Result<(), ProviderError> {
    let dir = dir_of(root, spec, name)?;
    if dir.is_dir() {
        check_owner(&dir, owner)?;
    }
    // Renamed away in one step first, so a delete cut short never leaves a half-emptied bucket
    // under its own name; the next delete (or this one) removes what was renamed.
    let doomed = doomed_of(&dir);
    match std::fs::rename(&dir, &doomed) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(io_error("cannot delete", &dir, e)),
    }
    match std::fs::remove_dir_all(&doomed) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(io_error("cannot delete", &doomed, e)),
    }
}

/// Where a bucket being deleted goes: a sibling whose name starts with '.', which no bucket
/// directory can have, so it never clashes with another bucket.
fn doomed_of(dir: &Path) -> PathBuf {
    let name = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    dir.with_file_name(format!(".{name}.deleting"))
}

/// Every bucket folder under `buckets/` with its recorded owner.
pub(crate) fn list(root: &Path) -> Result<Vec<Found>, ProviderError> {
    let base = root.join("buckets");
    let entries = match std::fs::read_dir(&base) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(io_error("cannot list", &base, e)),
    };
    let mut found = Vec::new();
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        // Folders being deleted start with '.'; no bucket does.
        if name.starts_with('.') || !entry.file_type().is_ok_and(|t| t.is_dir()) {
            continue;
        }
        found.push(super::found(
            "LocalBucket",
            &format!("buckets/{name}"),
            json!({"directory": name}),
            recorded_owner(&entry.path())?,
        ));
    }
    Ok(found)
}

/// The `LocalBucket` kind: each operation runs on a blocking thread.
pub(super) struct LocalBucket;

#[async_trait]
impl ManagedKind<Root> for LocalBucket {
    async fn observe(
        &self,
        root: &Root,
        resource: &ManagedResource,
    ) -> Result<Observation, ProviderError> {
        root.run(resource, observe).await
    }

    async fn create(
        &self,
        root: &Root,
        resource: &ManagedResource,
    ) -> Result<Applied, ProviderError> {
        root.run(resource, apply).await
    }

    async fn update(
        &self,
        root: &Root,
        resource: &ManagedResource,
    ) -> Result<Applied, ProviderError> {
        root.run(resource, apply).await
    }

    async fn delete(&self, root: &Root, resource: &ManagedResource) -> Result<(), ProviderError> {
        root.run(resource, delete).await
    }

    /// Completing what a create cut short left is idempotent and keeps a password already
    /// recorded, so adopting is applying.
    async fn adopt(
        &self,
        root: &Root,
        resource: &ManagedResource,
    ) -> Result<Applied, ProviderError> {
        root.run(resource, apply).await
    }
}
