//! `local.sqlite3`: the tables behind local queues and caches.

use rusqlite::{Connection, OptionalExtension, params};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use super::{io_error, sql_error};
use crate::support::private_files::{create_private_dir_all, create_private_file};
use platform_core::provider::{Applied, Found, Observation, Owner, ProviderError, diff_fields};
use platform_core::secret::{SecretMap, SecretValue};
use std::collections::BTreeMap;

/// Where the shared tables live.
pub(crate) fn path(root: &Path) -> PathBuf {
    root.join("local.sqlite3")
}

/// How long opening the shared database waits for other connections.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Switches the file to WAL mode and creates the tables when missing.
const PREPARE: &str = "PRAGMA journal_mode=WAL;
    CREATE TABLE IF NOT EXISTS queues (name TEXT PRIMARY KEY, spec TEXT NOT NULL, password TEXT NOT NULL, owner TEXT);
    CREATE TABLE IF NOT EXISTS queue_messages (queue TEXT NOT NULL, id INTEGER PRIMARY KEY AUTOINCREMENT, body BLOB NOT NULL);
    CREATE TABLE IF NOT EXISTS caches (prefix TEXT PRIMARY KEY, spec TEXT NOT NULL, password TEXT NOT NULL, owner TEXT);
    CREATE TABLE IF NOT EXISTS cache_entries (key TEXT PRIMARY KEY, value BLOB NOT NULL);";

/// Opens (creating when needed) the shared database with its tables.
///
/// Connections opening a fresh file at once (an Application's queue and cache are created
/// together) race to switch it to WAL mode, and SQLite answers the losers "database is
/// locked" at once, without its busy handler: preparing is retried for up to
/// [`BUSY_TIMEOUT`].
pub(crate) fn open(root: &Path) -> Result<Connection, ProviderError> {
    create_private_dir_all(root).map_err(|e| io_error("cannot create", root, e))?;
    let db = path(root);
    // Passwords live in it: created 0600 before SQLite opens it (an existing file is kept).
    create_private_file(&db).map_err(|e| io_error("cannot create", &db, e))?;
    let conn = Connection::open(&db)
        .map_err(|e| sql_error(&format!("cannot open {}", db.display()), e))?;
    conn.busy_timeout(BUSY_TIMEOUT)
        .map_err(|e| sql_error("cannot set busy timeout", e))?;
    let deadline = Instant::now() + BUSY_TIMEOUT;
    loop {
        match conn
            .execute_batch(PREPARE)
            .and_then(|()| add_owner_columns(&conn))
        {
            Ok(()) => return Ok(conn),
            Err(e) if is_busy(&e) && Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(5));
            }
            Err(e) => return Err(sql_error(&format!("cannot prepare {}", db.display()), e)),
        }
    }
}

/// Files written before owners were recorded get the column; their rows' owner is recorded
/// on their next apply.
fn add_owner_columns(conn: &Connection) -> rusqlite::Result<()> {
    for table in ["queues", "caches"] {
        let has: bool = conn.query_row(
            "SELECT count(*) > 0 FROM pragma_table_info(?1) WHERE name = 'owner'",
            params![table],
            |r| r.get(0),
        )?;
        if !has {
            conn.execute_batch(&format!("ALTER TABLE {table} ADD COLUMN owner TEXT;"))?;
        }
    }
    Ok(())
}

fn is_busy(e: &rusqlite::Error) -> bool {
    matches!(
        e.sqlite_error_code(),
        Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
    )
}

/// A row of `queues` or `caches`: its recorded spec, password and owner.
pub(crate) struct Recorded {
    /// The spec it was last applied with.
    pub spec: Value,
    /// Its password.
    pub password: String,
    /// The claim that owns it; `None` for rows written before owners were recorded.
    pub owner: Option<Owner>,
}

/// The row `id` of a table.
pub(crate) fn get(
    conn: &Connection,
    table: Table,
    id: &str,
) -> Result<Option<Recorded>, ProviderError> {
    let row: Option<(String, String, Option<String>)> = conn
        .query_row(table.select(), params![id], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })
        .optional()
        .map_err(|e| sql_error("cannot read", e))?;
    Ok(row.map(|(spec, password, owner)| Recorded {
        spec: serde_json::from_str(&spec).unwrap_or(Value::Null),
        password,
        owner: owner.as_deref().and_then(Owner::from_key),
    }))
}

/// Inserts or replaces a row for `owner`, keeping its password when it exists; refuses a row
/// another claim owns. Returns the password.
pub(crate) fn put(
    conn: &Connection,
    table: Table,
    id: &str,
    spec: &Value,
    owner: &Owner,
) -> Result<String, ProviderError> {
    let password = match get(conn, table, id)? {
        Some(recorded) => {
            owner.may_use(table.what(), id, recorded.owner.as_ref())?;
            recorded.password
        }
        None => crate::support::credentials::password().map_err(ProviderError::transient)?,
    };
    conn.execute(
        table.upsert(),
        params![id, spec.to_string(), password, owner.key()],
    )
    .map_err(|e| sql_error("cannot write", e))?;
    Ok(password)
}

/// Refuses to delete the row `id` when another claim owns it.
pub(crate) fn may_delete(
    conn: &Connection,
    table: Table,
    id: &str,
    owner: &Owner,
) -> Result<(), ProviderError> {
    match get(conn, table, id)? {
        Some(recorded) => owner.may_use(table.what(), id, recorded.owner.as_ref()),
        None => Ok(()),
    }
}

/// The two registries.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Table {
    /// `queues`, keyed by queue name.
    Queues,
    /// `caches`, keyed by key prefix.
    Caches,
}

impl Table {
    /// What a row is, for messages.
    fn what(self) -> &'static str {
        match self {
            Table::Queues => "queue",
            Table::Caches => "cache",
        }
    }

    fn select(self) -> &'static str {
        match self {
            Table::Queues => "SELECT spec, password, owner FROM queues WHERE name = ?1",
            Table::Caches => "SELECT spec, password, owner FROM caches WHERE prefix = ?1",
        }
    }

    fn upsert(self) -> &'static str {
        match self {
            Table::Queues => {
                "INSERT INTO queues (name, spec, password, owner) VALUES (?1, ?2, ?3, ?4) ON CONFLICT(name) DO UPDATE SET spec = excluded.spec, owner = excluded.owner"
            }
            Table::Caches => {
                "INSERT INTO caches (prefix, spec, password, owner) VALUES (?1, ?2, ?3, ?4) ON CONFLICT(prefix) DO UPDATE SET spec = excluded.spec, owner = excluded.owner"
            }
        }
    }
}

/// One registry row as a resource: which row, the outputs it reports and the `uri` query that
/// names it (`queue=...`, `keyPrefix=...`).
pub(crate) struct Row<'a> {
    /// The table.
    pub table: Table,
    /// The row's key.
    pub id: &'a str,
    /// Outputs reported for it.
    pub outputs: BTreeMap<String, Value>,
    /// The query part of its `uri` secret.
    pub uri_query: String,
}

impl Row<'_> {
    fn secrets(&self, root: &Path, password: &str) -> SecretMap {
        let mut map = SecretMap::new();
        map.insert("password", SecretValue::new(password));
        map.insert(
            "uri",
            SecretValue::new(format!(
                "sqlite://{}?{}",
                path(root).display(),
                self.uri_query
            )),
        );
        map
    }

    /// Observes the row: absent, or present with its recorded spec compared to the desired one.
    pub(crate) fn observe(
        self,
        root: &Path,
        spec: &Value,
        owner: &Owner,
    ) -> Result<Observation, ProviderError> {
        if !path(root).is_file() {
            return Ok(Observation::absent());
        }
        let conn = open(root)?;
        let Some(recorded) = get(&conn, self.table, self.id)? else {
            return Ok(Observation::absent());
        };
        owner.may_use(self.table.what(), self.id, recorded.owner.as_ref())?;
        let diff = diff_fields("spec", spec, &recorded.spec);
        let secrets = self.secrets(root, &recorded.password);
        Ok(Observation {
            exists: true,
            up_to_date: diff.is_empty(),
            ready: true,
            diff,
            outputs: self.outputs,
            secrets,
        })
    }

    /// Creates or updates the row with the desired spec, keeping its password.
    pub(crate) fn apply(
        self,
        root: &Path,
        spec: &Value,
        owner: &Owner,
    ) -> Result<Applied, ProviderError> {
        let conn = open(root)?;
        let password = put(&conn, self.table, self.id, spec, owner)?;
        let secrets = self.secrets(root, &password);
        Ok(Applied {
            pending: false,
            outputs: self.outputs,
            secrets,
        })
    }
}

/// Every cache and queue row with its recorded owner.
pub(crate) fn list(root: &Path) -> Result<Vec<Found>, ProviderError> {
    if !path(root).is_file() {
        return Ok(Vec::new());
    }
    let conn = open(root)?;
    let mut found = Vec::new();
    for (kind, sql, field) in [
        (
            "LocalCache",
            "SELECT prefix, owner FROM caches",
            "keyPrefix",
        ),
        ("LocalQueue", "SELECT name, owner FROM queues", "queue"),
    ] {
        let mut statement = conn.prepare(sql).map_err(|e| sql_error("cannot list", e))?;
        let rows: Vec<(String, Option<String>)> = statement
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .and_then(|rows| rows.collect())
            .map_err(|e| sql_error("cannot list", e))?;
        for (id, owner) in rows {
            found.push(super::found(
                kind,
                &id,
                serde_json::json!({ field: id }),
                owner.as_deref().and_then(Owner::from_key),
            ));
        }
    }
    Ok(found)
}
