//! `local.sqlite3`: the tables behind local queues and caches.

use rusqlite::{Connection, OptionalExtension, params};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use super::{io_error, sql_error};
use crate::support::private_files::{create_private_dir_all, create_private_file};
use platform_core::provider::{Applied, Observation, ProviderError, diff_fields};
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
    CREATE TABLE IF NOT EXISTS queues (name TEXT PRIMARY KEY, spec TEXT NOT NULL, password TEXT NOT NULL);
    CREATE TABLE IF NOT EXISTS queue_messages (queue TEXT NOT NULL, id INTEGER PRIMARY KEY AUTOINCREMENT, body BLOB NOT NULL);
    CREATE TABLE IF NOT EXISTS caches (prefix TEXT PRIMARY KEY, spec TEXT NOT NULL, password TEXT NOT NULL);
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
        match conn.execute_batch(PREPARE) {
            Ok(()) => return Ok(conn),
            Err(e) if is_busy(&e) && Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(5));
            }
            Err(e) => return Err(sql_error(&format!("cannot prepare {}", db.display()), e)),
        }
    }
}

fn is_busy(e: &rusqlite::Error) -> bool {
    matches!(
        e.sqlite_error_code(),
        Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
    )
}

/// A row of `queues` or `caches`: its recorded spec and password.
pub(crate) fn get(
    conn: &Connection,
    table: Table,
    id: &str,
) -> Result<Option<(Value, String)>, ProviderError> {
    let row: Option<(String, String)> = conn
        .query_row(table.select(), params![id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()
        .map_err(|e| sql_error("cannot read", e))?;
    Ok(row.map(|(spec, password)| (serde_json::from_str(&spec).unwrap_or(Value::Null), password)))
}

/// Inserts or replaces a row, keeping its password when it exists; returns the password.
pub(crate) fn put(
    conn: &Connection,
    table: Table,
    id: &str,
    spec: &Value,
) -> Result<String, ProviderError> {
    let password = match get(conn, table, id)? {
        Some((_, password)) => password,
        None => crate::support::credentials::password().map_err(ProviderError::transient)?,
    };
    conn.execute(table.upsert(), params![id, spec.to_string(), password])
        .map_err(|e| sql_error("cannot write", e))?;
    Ok(password)
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
    fn select(self) -> &'static str {
        match self {
            Table::Queues => "SELECT spec, password FROM queues WHERE name = ?1",
            Table::Caches => "SELECT spec, password FROM caches WHERE prefix = ?1",
        }
    }

    fn upsert(self) -> &'static str {
        match self {
            Table::Queues => {
                "INSERT INTO queues (name, spec, password) VALUES (?1, ?2, ?3) ON CONFLICT(name) DO UPDATE SET spec = excluded.spec"
            }
            Table::Caches => {
                "INSERT INTO caches (prefix, spec, password) VALUES (?1, ?2, ?3) ON CONFLICT(prefix) DO UPDATE SET spec = excluded.spec"
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
    pub(crate) fn observe(self, root: &Path, spec: &Value) -> Result<Observation, ProviderError> {
        if !path(root).is_file() {
            return Ok(Observation::absent());
        }
        let conn = open(root)?;
        let Some((actual, password)) = get(&conn, self.table, self.id)? else {
            return Ok(Observation::absent());
        };
        let diff = diff_fields("spec", spec, &actual);
        let secrets = self.secrets(root, &password);
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
    pub(crate) fn apply(self, root: &Path, spec: &Value) -> Result<Applied, ProviderError> {
        let conn = open(root)?;
        let password = put(&conn, self.table, self.id, spec)?;
        let secrets = self.secrets(root, &password);
        Ok(Applied {
            pending: false,
            outputs: self.outputs,
            secrets,
        })
    }
}
