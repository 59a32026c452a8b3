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
    // 2: leases, so two processes never work on one claim at once.
    "
    CREATE TABLE leases (
        grp TEXT NOT NULL,
        kind TEXT NOT NULL,
        namespace TEXT NOT NULL,
        name TEXT NOT NULL,
        holder TEXT NOT NULL,
        token INTEGER NOT NULL,
        expires_at_ms INTEGER NOT NULL,
        PRIMARY KEY (grp, kind, namespace, name)
    ) WITHOUT ROWID;
    ",
    // 3: the journal, what happened for metrics, read by time range.
    "
    CREATE TABLE journal (
        kind TEXT NOT NULL,
        id TEXT NOT NULL,
        time_ms INTEGER NOT NULL,
        service TEXT,
        env TEXT,
        body TEXT NOT NULL,
        PRIMARY KEY (kind, id)
    ) WITHOUT ROWID;
    CREATE INDEX journal_by_time ON journal (time_ms, kind, id);
    ",
    // 4: the journal kept in time order, so a range read walks the table itself instead of
    // looking each row up from an index; `(kind, id)` stays unique through its own index,
    // and a service's entries (a rollback looks for its earlier deployments) have theirs.
    "
    CREATE TABLE journal_in_time_order (
        time_ms INTEGER NOT NULL,
        kind TEXT NOT NULL,
        id TEXT NOT NULL,
        service TEXT,
        env TEXT,
        body TEXT NOT NULL,
        PRIMARY KEY (time_ms, kind, id)
    ) WITHOUT ROWID;
    INSERT INTO journal_in_time_order (time_ms, kind, id, service, env, body)
        SELECT time_ms, kind, id, service, env, body FROM journal;
    DROP TABLE journal;
    ALTER TABLE journal_in_time_order RENAME TO journal;
    CREATE UNIQUE INDEX journal_key ON journal (kind, id);
    CREATE INDEX journal_by_service ON journal (service, kind, time_ms);
    ",
    // 5: the service index leaves out entries without a service (imported changes, most of
    // a journal), which no read by service can want: an import writes a third less.
    "
    DROP INDEX journal_by_service;
    CREATE INDEX journal_by_service ON journal (service, kind, time_ms)
        WHERE service IS NOT NULL;
    ",
];

/// The schema version this program writes; a file with a newer one is refused.
pub const SCHEMA_VERSION: u32 = MIGRATIONS.len() as u32;

/// What a file says about itself: application id, schema version, number of tables.
pub(super) fn inspect(conn: &Connection) -> rusqlite::Result<(i64, i64, i64)> {
    let application_id = conn.pragma_query_value(None, "application_id", |r| r.get(0))?;
    let version = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    let tables = conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))?;
    Ok((application_id, version, tables))
}

/// What a state file holds, from [`inspect`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Found {
    /// The platform schema at [`SCHEMA_VERSION`].
    Current,
    /// The platform schema at an older version, which migrations bring up to date.
    Older(i64),
    /// No schema at all: an empty file, or a SQLite file without tables.
    Empty,
}

/// Classifies what [`inspect`] found; a file of another program or a newer platform is an
/// error.
pub(super) fn classify(
    (application_id, version, tables): (i64, i64, i64),
    path: &Path,
) -> Result<Found, StoreError> {
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
    Ok(if version == i64::from(SCHEMA_VERSION) {
        Found::Current
    } else if application_id == 0 {
        Found::Empty
    } else {
        Found::Older(version)
    })
}

/// When a state file without the platform schema may become a new store.
///
/// The rule: a state file that did not exist before this open is always a new store. A file
/// that existed but holds no platform schema (0 bytes, or a SQLite file without tables) is a
/// new store only when nothing shows that state was kept here before; when one of
/// [`NewStore::traces`] exists (the key file beside the state, the local adapter's folder),
/// the state was lost or damaged (truncated, replaced, restored from an empty backup), and
/// taking it as new would plan to create again everything that already exists. Then the open
/// fails and says so.
pub(super) struct NewStore {
    /// Whether the state file existed before it was opened.
    pub existed: bool,
    /// Paths whose existence shows state was kept beside this file.
    pub traces: Vec<std::path::PathBuf>,
}

impl NewStore {
    /// Refuses an existing file without schema when a trace of earlier state exists.
    pub fn check(&self, path: &Path) -> Result<(), StoreError> {
        if !self.existed {
            return Ok(());
        }
        let Some(trace) = self.traces.iter().find(|t| t.exists()) else {
            return Ok(());
        };
        Err(StoreError::Unavailable(format!(
            "{state} exists but holds no platform state (it is empty or has no tables), while \
             {trace} shows that state was kept here: the state looks damaged or lost, and \
             nothing was changed. Restore {state} from a backup; or, to start over and give up \
             what the old state recorded (real resources it created are then no longer \
             managed), move {state} and {trace} aside",
            state = path.display(),
            trace = trace.display()
        )))
    }
}

/// Brings the file to [`SCHEMA_VERSION`] in one transaction, or says why it cannot. A file
/// already up to date is only read, so opening it does not wait for another process's write.
pub(super) fn migrate(
    conn: &mut Connection,
    path: &Path,
    new_store: &NewStore,
) -> Result<(), StoreError> {
    let err = |e| sql_error(path, e);
    if classify(inspect(conn).map_err(err)?, path)? == Found::Current {
        return Ok(());
    }
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(err)?;
    let from = match classify(inspect(&tx).map_err(err)?, path)? {
        Found::Current => return Ok(()),
        Found::Older(version) => usize::try_from(version).unwrap_or(0),
        Found::Empty => {
            new_store.check(path)?;
            0
        }
    };
    for migration in &MIGRATIONS[from..] {
        tx.execute_batch(migration).map_err(err)?;
    }
    tx.pragma_update(None, "user_version", i64::from(SCHEMA_VERSION))
        .map_err(err)?;
    tx.pragma_update(None, "application_id", APPLICATION_ID)
        .map_err(err)?;
    tx.commit().map_err(err)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_journal_keeps_every_entry_and_its_keys_through_migration_4() {
        let conn = Connection::open_in_memory().unwrap();
        for migration in &MIGRATIONS[..3] {
            conn.execute_batch(migration).unwrap();
        }
        conn.execute_batch(
            "INSERT INTO journal VALUES ('deploy', 'd1', 2000, 'component:default/shop', 'production', '{}');
             INSERT INTO journal VALUES ('change', 'c1', 1000, NULL, NULL, '{\"x\":1}');
             INSERT INTO journal VALUES ('change', 'c2', 3000, NULL, NULL, '{}');",
        )
        .unwrap();
        conn.execute_batch(MIGRATIONS[3]).unwrap();
        let rows: Vec<(String, i64, String)> = conn
            .prepare("SELECT id, time_ms, body FROM journal ORDER BY time_ms")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(
            rows,
            [
                ("c1".to_owned(), 1000, "{\"x\":1}".to_owned()),
                ("d1".to_owned(), 2000, "{}".to_owned()),
                ("c2".to_owned(), 3000, "{}".to_owned()),
            ]
        );
        // A key is still kept once, whatever its time.
        let added = conn
            .execute(
                "INSERT OR IGNORE INTO journal (kind, id, time_ms, body) VALUES ('change', 'c1', 5000, '{}')",
                [],
            )
            .unwrap();
        assert_eq!(added, 0);
    }

    #[test]
    fn a_read_by_service_uses_the_service_index_after_migration_5() {
        let conn = Connection::open_in_memory().unwrap();
        for migration in MIGRATIONS {
            conn.execute_batch(migration).unwrap();
        }
        let plan: Vec<String> = conn
            .prepare(
                "EXPLAIN QUERY PLAN SELECT id FROM journal \
                 WHERE time_ms >= 0 AND time_ms < 10 AND kind IN ('deploy') AND service = 'x'",
            )
            .unwrap()
            .query_map([], |r| r.get::<_, String>(3))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert!(
            plan.iter().any(|step| step.contains("journal_by_service")),
            "{plan:?}"
        );
    }
}
