//! `LocalDatabase`: a SQLite file; its spec and generated password are kept in a `_platform`
//! table inside it, so the file alone is the whole resource.

use rusqlite::{Connection, OpenFlags, OptionalExtension, params};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::Root;
use super::names::relative_path;
use super::{io_error, sql_error};
use crate::support::private_files::{create_private_dir_all, create_private_file};
use async_trait::async_trait;
use platform_core::provider::{
    Applied, Found, ManagedKind, ManagedResource, Observation, Owner, ProviderError, diff_fields,
};
use platform_core::secret::{SecretMap, SecretValue};

/// How long opening a database waits for the application's writes.
const BUSY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

/// The files SQLite keeps beside a database.
const SIDECARS: [&str; 3] = ["-journal", "-wal", "-shm"];

fn file_of(root: &Path, spec: &Value, name: &str) -> Result<PathBuf, ProviderError> {
    let relative = match spec.get("file").and_then(Value::as_str) {
        Some(file) => file.to_owned(),
        None => format!("{name}.sqlite3"),
    };
    relative_path("database file", &relative)?;
    Ok(root.join("databases").join(relative))
}

fn outputs(path: &Path, name: &str) -> BTreeMap<String, Value> {
    let database = path
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or(name)
        .to_owned();
    BTreeMap::from([
        ("host".to_owned(), json!("localhost")),
        ("port".to_owned(), json!(0)),
        ("database".to_owned(), json!(database)),
        ("username".to_owned(), json!(name)),
        ("path".to_owned(), json!(path.display().to_string())),
    ])
}

fn secrets(path: &Path, password: &str) -> SecretMap {
    let mut map = SecretMap::new();
    map.insert("password", SecretValue::new(password));
    map.insert(
        "uri",
        SecretValue::new(format!("sqlite://{}", path.display())),
    );
    map
}

/// What the `_platform` table records: the spec, the password and the owner (absent in files
/// written before owners were recorded).
struct Record {
    spec: Value,
    password: String,
    owner: Option<Owner>,
}

fn recorded(conn: &Connection) -> Result<Option<Record>, ProviderError> {
    let has_table: bool = conn
        .query_row(
            "SELECT count(*) > 0 FROM sqlite_master WHERE type = 'table' AND name = '_platform'",
            [],
            |r| r.get(0),
        )
        .map_err(|e| sql_error("cannot read the database", e))?;
    if !has_table {
        return Ok(None);
    }
    let row: Option<(String, String, Option<String>)> = conn
        .query_row("SELECT * FROM _platform WHERE id = 1", [], |r| {
            Ok((
                r.get("spec")?,
                r.get("password")?,
                r.get::<_, Option<String>>("owner").ok().flatten(),
            ))
        })
        .optional()
        .map_err(|e| sql_error("cannot read the database", e))?;
    Ok(row.map(|(spec, password, owner)| Record {
        spec: serde_json::from_str(&spec).unwrap_or(Value::Null),
        password,
        owner: owner.as_deref().and_then(Owner::from_key),
    }))
}

pub(crate) fn observe(
    root: &Path,
    spec: &Value,
    name: &str,
    owner: &Owner,
) -> Result<Observation, ProviderError> {
    let path = file_of(root, spec, name)?;
    if !path.is_file() {
        return Ok(Observation::absent());
    }
    // Read-write, never create: a process killed mid-write leaves a hot `-journal` that only a
    // connection able to write can roll back; a read-only one fails with "attempt to write a
    // readonly database" on every observe, and the resource could never be repaired.
    let conn = Connection::open_with_flags(
        &path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|e| sql_error(&format!("cannot open {}", path.display()), e))?;
    conn.busy_timeout(BUSY_TIMEOUT)
        .map_err(|e| sql_error("cannot set busy timeout", e))?;
    // No record, or one without a password, is a create cut short: not up to date, so the
    // next apply completes it.
    let record = recorded(&conn)?;
    owner.may_use(
        "database",
        &path.display().to_string(),
        record.as_ref().and_then(|r| r.owner.as_ref()),
    )?;
    let (actual, password) = record
        .filter(|r| !r.password.is_empty())
        .map(|r| (r.spec, r.password))
        .unwrap_or((Value::Null, String::new()));
    let diff = diff_fields("spec", spec, &actual);
    Ok(Observation {
        exists: true,
        up_to_date: diff.is_empty(),
        ready: true,
        diff,
        outputs: outputs(&path, name),
        secrets: if password.is_empty() {
            SecretMap::new()
        } else {
            secrets(&path, &password)
        },
    })
}

pub(crate) fn apply(
    root: &Path,
    spec: &Value,
    name: &str,
    owner: &Owner,
) -> Result<Applied, ProviderError> {
    let path = file_of(root, spec, name)?;
    if let Some(dir) = path.parent() {
        create_private_dir_all(dir).map_err(|e| io_error("cannot create", dir, e))?;
    }
    if !path.exists() {
        // Journal files without their database belong to a database deleted (or a create
        // killed) before: SQLite would replay them into the new file and bring old data back.
        remove_sidecars(&path)?;
        // The file holds a password: created 0600 here, SQLite keeps the mode and gives it
        // to its journal files.
        create_private_file(&path).map_err(|e| io_error("cannot create", &path, e))?;
    }
    let mut conn = Connection::open(&path)
        .map_err(|e| sql_error(&format!("cannot create {}", path.display()), e))?;
    // The application may have the file open too: wait for its writes instead of failing.
    conn.busy_timeout(BUSY_TIMEOUT)
        .map_err(|e| sql_error("cannot set busy timeout", e))?;
    conn.execute_batch("PRAGMA journal_mode=WAL;")
        .map_err(|e| sql_error(&format!("cannot prepare {}", path.display()), e))?;
    // The table, the spec and the password land in one transaction: a kill leaves the file
    // either without a record (observe says not up to date) or complete.
    let tx = conn
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
        .map_err(|e| sql_error(&format!("cannot write {}", path.display()), e))?;
    tx.execute_batch(
        "CREATE TABLE IF NOT EXISTS _platform (id INTEGER PRIMARY KEY CHECK (id = 1), spec TEXT NOT NULL, password TEXT NOT NULL, owner TEXT);",
    )
    .map_err(|e| sql_error(&format!("cannot prepare {}", path.display()), e))?;
    let has_owner: bool = tx
        .query_row(
            "SELECT count(*) > 0 FROM pragma_table_info('_platform') WHERE name = 'owner'",
            [],
            |r| r.get(0),
        )
        .map_err(|e| sql_error(&format!("cannot prepare {}", path.display()), e))?;
    if !has_owner {
        // Written before owners were recorded: the owner is recorded from now on.
        tx.execute_batch("ALTER TABLE _platform ADD COLUMN owner TEXT;")
            .map_err(|e| sql_error(&format!("cannot prepare {}", path.display()), e))?;
    }
    let record = recorded(&tx)?;
    owner.may_use(
        "database",
        &path.display().to_string(),
        record.as_ref().and_then(|r| r.owner.as_ref()),
    )?;
    let password = match record {
        Some(r) if !r.password.is_empty() => r.password,
        _ => crate::support::credentials::password().map_err(ProviderError::transient)?,
    };
    tx.execute(
        "INSERT INTO _platform (id, spec, password, owner) VALUES (1, ?1, ?2, ?3) ON CONFLICT(id) DO UPDATE SET spec = excluded.spec, password = excluded.password, owner = excluded.owner",
        params![spec.to_string(), password, owner.key()],
    )
    .map_err(|e| sql_error(&format!("cannot record the spec in {}", path.display()), e))?;
    tx.commit()
        .map_err(|e| sql_error(&format!("cannot record the spec in {}", path.display()), e))?;
    Ok(Applied {
        pending: false,
        outputs: outputs(&path, name),
        secrets: secrets(&path, &password),
    })
}

pub(crate) fn delete(
    root: &Path,
    spec: &Value,
    name: &str,
    owner: &Owner,
) -> Result<(), ProviderError> {
    let path = file_of(root, spec, name)?;
    // Another claim's database is refused; one that cannot be read (damaged) is ours to
    // remove, as its name derives from our claim.
    if path.is_file()
        && let Ok(conn) = Connection::open_with_flags(
            &path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        && let Ok(Some(record)) = recorded(&conn)
    {
        owner.may_use(
            "database",
            &path.display().to_string(),
            record.owner.as_ref(),
        )?;
    }
    // The database file first, in one step: from then on the resource is absent, and a delete
    // killed before the journal files go is finished by the next one (or the next create).
    remove_if_present(&path)?;
    remove_sidecars(&path)
}

/// Removes the `-journal`, `-wal` and `-shm` files of a database file.
fn remove_sidecars(path: &Path) -> Result<(), ProviderError> {
    for suffix in SIDECARS {
        remove_if_present(&PathBuf::from(format!("{}{suffix}", path.display())))?;
    }
    Ok(())
}

fn remove_if_present(file: &Path) -> Result<(), ProviderError> {
    match std::fs::remove_file(file) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(io_error("cannot delete", file, e)),
    }
}

/// Every database file under `databases/` with its recorded owner (files that cannot be read
/// are listed without one: not judged).
pub(crate) fn list(root: &Path) -> Result<Vec<Found>, ProviderError> {
    let base = root.join("databases");
    let mut found = Vec::new();
    let mut pending = vec![base.clone()];
    while let Some(dir) = pending.pop() {
        let entries = match std::fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => return Err(io_error("cannot list", &dir, e)),
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let Ok(relative) = path.strip_prefix(&base) else {
                continue;
            };
            let relative = relative.to_string_lossy().into_owned();
            if entry.file_type().is_ok_and(|t| t.is_dir()) {
                pending.push(path);
            } else if relative.ends_with(".sqlite3") {
                let owner = Connection::open_with_flags(
                    &path,
                    OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
                )
                .ok()
                .and_then(|conn| recorded(&conn).ok().flatten())
                .and_then(|record| record.owner);
                found.push(super::found(
                    "LocalDatabase",
                    &format!("databases/{relative}"),
                    json!({"engine": "sqlite", "file": relative}),
                    owner,
                ));
            }
        }
    }
    Ok(found)
}

/// The `LocalDatabase` kind: each operation runs on a blocking thread.
pub(super) struct LocalDatabase;

#[async_trait]
impl ManagedKind<Root> for LocalDatabase {
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
