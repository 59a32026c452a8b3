//! The tables of a PostgreSQL state schema and their forward migrations, run when a store
//! opens, under an advisory lock so two processes opening at once migrate once.

use deadpool_postgres::Client;
use platform_core::store::StoreError;

use super::errors::pg_error;

/// Migration `i` takes the schema from version `i` to `i + 1`; append, never edit. `{s}` is the
/// quoted schema name. Key columns use the "C" collation, so the database orders objects as
/// the other stores do (byte order), whatever the database's own collation.
const MIGRATIONS: &[&str] = &[
    // 1: what the SQLite store holds at its version 3, in one step.
    r#"
    CREATE TABLE {s}.counters (
        row_id integer PRIMARY KEY CHECK (row_id = 1),
        resource_version bigint NOT NULL,
        change_seq bigint NOT NULL
    );
    INSERT INTO {s}.counters (row_id, resource_version, change_seq) VALUES (1, 0, 0);
    CREATE TABLE {s}.key_check (
        row_id integer PRIMARY KEY CHECK (row_id = 1),
        nonce bytea NOT NULL,
        sealed bytea NOT NULL
    );
    CREATE TABLE {s}.objects (
        grp text COLLATE "C" NOT NULL,
        kind text COLLATE "C" NOT NULL,
        namespace text COLLATE "C" NOT NULL,
        name text COLLATE "C" NOT NULL,
        owner_grp text COLLATE "C",
        owner_kind text COLLATE "C",
        owner_name text COLLATE "C",
        resource_version bigint NOT NULL,
        generation bigint NOT NULL,
        uid text NOT NULL,
        created text NOT NULL,
        spec text NOT NULL,
        body text NOT NULL,
        PRIMARY KEY (grp, kind, namespace, name)
    );
    CREATE INDEX objects_by_owner ON {s}.objects (owner_grp, owner_kind, namespace, owner_name);
    CREATE TABLE {s}.secrets (
        grp text COLLATE "C" NOT NULL,
        kind text COLLATE "C" NOT NULL,
        namespace text COLLATE "C" NOT NULL,
        name text COLLATE "C" NOT NULL,
        secret text COLLATE "C" NOT NULL,
        nonce bytea NOT NULL,
        sealed bytea NOT NULL,
        PRIMARY KEY (grp, kind, namespace, name, secret)
    );
    CREATE TABLE {s}.intents (
        grp text COLLATE "C" NOT NULL,
        kind text COLLATE "C" NOT NULL,
        namespace text COLLATE "C" NOT NULL,
        name text COLLATE "C" NOT NULL,
        body text NOT NULL,
        PRIMARY KEY (grp, kind, namespace, name)
    );
    CREATE TABLE {s}.events (
        id bigserial PRIMARY KEY,
        grp text COLLATE "C" NOT NULL,
        kind text COLLATE "C" NOT NULL,
        namespace text COLLATE "C" NOT NULL,
        name text COLLATE "C" NOT NULL,
        body text NOT NULL
    );
    CREATE INDEX events_by_object ON {s}.events (grp, kind, namespace, name, id);
    CREATE TABLE {s}.changes (
        seq bigint PRIMARY KEY,
        change text NOT NULL,
        grp text COLLATE "C" NOT NULL,
        kind text COLLATE "C" NOT NULL,
        namespace text COLLATE "C" NOT NULL,
        name text COLLATE "C" NOT NULL,
        resource_version text NOT NULL
    );
    CREATE TABLE {s}.leases (
        grp text COLLATE "C" NOT NULL,
        kind text COLLATE "C" NOT NULL,
        namespace text COLLATE "C" NOT NULL,
        name text COLLATE "C" NOT NULL,
        holder text NOT NULL,
        token bigint NOT NULL,
        expires_at_ms bigint NOT NULL,
        PRIMARY KEY (grp, kind, namespace, name)
    );
    CREATE TABLE {s}.journal (
        kind text COLLATE "C" NOT NULL,
        id text COLLATE "C" NOT NULL,
        time_ms bigint NOT NULL,
        service text,
        env text,
        body text NOT NULL,
        PRIMARY KEY (kind, id)
    );
    CREATE INDEX journal_by_time ON {s}.journal (time_ms, kind, id);
    "#,
    // 2: the reconcilers sharing the schema, one row each, written at every heartbeat.
    r#"
    CREATE TABLE {s}.workers (
        holder text COLLATE "C" PRIMARY KEY,
        id text,
        host text NOT NULL,
        pid bigint NOT NULL,
        started_ms bigint NOT NULL,
        heartbeat_ms bigint NOT NULL,
        reconciled bigint NOT NULL,
        per_second double precision NOT NULL
    );
    "#,
];

/// The schema version this program writes; a schema with a newer one is refused.
pub const SCHEMA_VERSION: u32 = MIGRATIONS.len() as u32;

/// Brings the schema `quoted` (named `name`) to [`SCHEMA_VERSION`] in one transaction,
/// creating it when missing, or says why it cannot.
pub(super) async fn migrate(
    client: &mut Client,
    quoted: &str,
    name: &str,
) -> Result<(), StoreError> {
    let err =
        |what: &str, e: tokio_postgres::Error| pg_error(&format!("{what} of schema {name}"), &e);
    let tx = client
        .transaction()
        .await
        .map_err(|e| err("cannot migrate the state", e))?;
    // One migrating process at a time per schema; the lock ends with the transaction.
    tx.execute(
        "SELECT pg_advisory_xact_lock(hashtext('platform state schema ' || $1))",
        &[&name],
    )
    .await
    .map_err(|e| err("cannot lock the migration", e))?;
    tx.batch_execute(&format!(
        "CREATE SCHEMA IF NOT EXISTS {quoted}; \
         CREATE TABLE IF NOT EXISTS {quoted}.schema_version (\
             row_id integer PRIMARY KEY CHECK (row_id = 1), version integer NOT NULL, \
             application text NOT NULL)"
    ))
    .await
    .map_err(|e| err("cannot create the version table", e))?;
    let found = tx
        .query_opt(
            &format!("SELECT version, application FROM {quoted}.schema_version"),
            &[],
        )
        .await
        .map_err(|e| err("cannot read the version", e))?;
    let from = match found {
        None => {
            let tables: i64 = tx
                .query_one(
                    "SELECT count(*) FROM pg_tables WHERE schemaname = $1 \
                     AND tablename <> 'schema_version'",
                    &[&name],
                )
                .await
                .map_err(|e| err("cannot list the tables", e))?
                .get(0);
            if tables > 0 {
                return Err(StoreError::Unavailable(format!(
                    "schema {name} holds {tables} tables of another program, not platform \
                     state: choose another schema name"
                )));
            }
            tx.execute(
                &format!(
                    "INSERT INTO {quoted}.schema_version (row_id, version, application) \
                     VALUES (1, 0, 'platform state')"
                ),
                &[],
            )
            .await
            .map_err(|e| err("cannot record the version", e))?;
            0
        }
        Some(row) => {
            let version: i32 = row.get(0);
            let application: String = row.get(1);
            if application != "platform state" {
                return Err(StoreError::Unavailable(format!(
                    "schema {name} belongs to {application:?}, not platform state: choose \
                     another schema name"
                )));
            }
            if version > SCHEMA_VERSION as i32 {
                return Err(StoreError::Unavailable(format!(
                    "schema {name} has state schema version {version}, newer than version \
                     {SCHEMA_VERSION} that this program knows: it was written by a newer \
                     platform; upgrade this program (platformctl or the program embedding \
                     platform) to use it"
                )));
            }
            usize::try_from(version).unwrap_or(0)
        }
    };
    if from == MIGRATIONS.len() {
        return tx
            .commit()
            .await
            .map_err(|e| err("cannot end the migration", e));
    }
    for migration in &MIGRATIONS[from..] {
        tx.batch_execute(&migration.replace("{s}", quoted))
            .await
            .map_err(|e| err("cannot migrate", e))?;
    }
    tx.execute(
        &format!("UPDATE {quoted}.schema_version SET version = $1"),
        &[&(SCHEMA_VERSION as i32)],
    )
    .await
    .map_err(|e| err("cannot record the version", e))?;
    tx.commit()
        .await
        .map_err(|e| err("cannot commit the migration", e))
}
