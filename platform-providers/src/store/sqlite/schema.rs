//! The tables of the state file and their forward migrations, run when a store opens.

use platform_core::store::StoreError;
use rusqlite::{Connection, TransactionBehavior};
use std::path::Path;

use super::sql_error;

/// Marks a SQLite file as a platform state file (`PRAGMA application_id`, "PLST").
const APPLICATION_ID: i64 = 0x504c_5354;

/// Migration `i` takes the schema from version `i` to `i + 1`; append, never edit.
const MIGRATIONS: &[&str] = &[
    // 1: objects, secrets, intents, events, the change feed and the counters.
    "
    CREATE TABLE counters (
        only INTEGER PRIMARY KEY CHECK (only = 1),
        resource_version INTEGER NOT NULL,
        change_seq INTEGER NOT NULL
    );
    INSERT INTO counters (only, resource_version, change_seq) VALUES (1, 0, 0);
    CREATE TABLE key_check (
        only INTEGER PRIMARY KEY CHECK (only = 1),
        nonce BLOB NOT NULL,
        sealed BLOB NOT NULL
    );
    CREATE TABLE objects (
        grp TEXT NOT NULL,
        kind TEXT NOT NULL,
        namespace TEXT NOT NULL,
        name TEXT NOT NULL,
        owner_grp TEXT,
        owner_kind TEXT,
        owner_name TEXT,
        resource_version INTEGER NOT NULL,
        generation INTEGER NOT NULL,
        uid TEXT NOT NULL,
        created TEXT NOT NULL,
        spec TEXT NOT NULL,
        body TEXT NOT NULL,
        PRIMARY KEY (grp, kind, namespace, name)
    );
    CREATE INDEX objects_by_owner ON objects (owner_grp, owner_kind, namespace, owner_name);
    CREATE TABLE secrets (
        grp TEXT NOT NULL,
        kind TEXT NOT NULL,
        namespace TEXT NOT NULL,
        name TEXT NOT NULL,
        secret TEXT NOT NULL,
        nonce BLOB NOT NULL,
        sealed BLOB NOT NULL,
        PRIMARY KEY (grp, kind, namespace, name, secret)
    ) WITHOUT ROWID;
    CREATE TABLE intents (
        grp TEXT NOT NULL,
        kind TEXT NOT NULL,
        namespace TEXT NOT NULL,
        name TEXT NOT NULL,
        body TEXT NOT NULL,
        PRIMARY KEY (grp, kind, namespace, name)
    ) WITHOUT ROWID;
    CREATE TABLE events (
        id INTEGER PRIMARY KEY,
        grp TEXT NOT NULL,
        kind TEXT NOT NULL,
        namespace TEXT NOT NULL,
        name TEXT NOT NULL,
        body TEXT NOT NULL
    );
    CREATE INDEX events_by_object ON events (grp, kind, namespace, name, id);
    CREATE TABLE changes (
        seq INTEGER PRIMARY KEY,
        change TEXT NOT NULL,
        grp TEXT NOT NULL,
        kind TEXT NOT NULL,
        namespace TEXT NOT NULL,
        name TEXT NOT NULL,
        resource_version TEXT NOT NULL
    );
    ",
];

/// The schema version this program writes; a file with a newer one is refused.
pub const SCHEMA_VERSION: u32 = MIGRATIONS.len() as u32;

/// What a file says about itself: application id, schema version, number of tables.
fn inspect(conn: &Connection) -> rusqlite::Result<(i64, i64, i64)> {
    let application_id = conn.pragma_query_value(None, "application_id", |r| r.get(0))?;
    let version = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    let tables = conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))?;
    Ok((application_id, version, tables))
}

/// Brings the file to [`SCHEMA_VERSION`] in one transaction, or says why it cannot. A file
/// already up to date is only read, so opening it does not wait for another process's write.
pub(super) fn migrate(conn: &mut Connection, path: &Path) -> Result<(), StoreError> {
    let err = |e| sql_error(path, e);
    let (application_id, version, _) = inspect(conn).map_err(err)?;
    if application_id == APPLICATION_ID && version == i64::from(SCHEMA_VERSION) {
        return Ok(());
    }
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(err)?;
    let (application_id, version, tables) = inspect(&tx).map_err(err)?;
    let foreign = if application_id == 0 {
        version != 0 || tables != 0
    } else {
        application_id != APPLICATION_ID
    };
    if foreign {
        return Err(StoreError::Unavailable(format!(
            "{} is a SQLite file of another program, not a platform state file",
            path.display()
        )));
    }
    if version > i64::from(SCHEMA_VERSION) {
        return Err(StoreError::Unavailable(format!(
            "{} has state schema version {version}, newer than version {SCHEMA_VERSION} that \
             this program knows: it was written by a newer platform; upgrade this program \
             (platformctl or the program embedding platform) to use it",
            path.display()
        )));
    }
    let from = usize::try_from(version).unwrap_or(0);
    if from == MIGRATIONS.len() {
        return Ok(());
    }
    for migration in &MIGRATIONS[from..] {
        tx.execute_batch(migration).map_err(err)?;
    }
    tx.pragma_update(None, "user_version", i64::from(SCHEMA_VERSION))
        .map_err(err)?;
    tx.pragma_update(None, "application_id", APPLICATION_ID)
        .map_err(err)?;
    tx.commit().map_err(err)
}
