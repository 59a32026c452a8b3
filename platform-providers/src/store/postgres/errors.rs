//! PostgreSQL errors as store errors: what was being done, in the server's words.
//!
//! The URL is never part of a message: tokio-postgres errors name neither the password nor
//! the URL, and the store's own messages name only host, port, database and schema.

use platform_core::store::StoreError;

/// `e` while doing `what`, as an unavailable store.
pub(super) fn pg_error(what: &str, e: &tokio_postgres::Error) -> StoreError {
    match e.as_db_error() {
        Some(db) => StoreError::Unavailable(format!(
            "PostgreSQL state: {what}: {} [SQLSTATE {}]",
            db.message(),
            db.code().code()
        )),
        None => StoreError::Unavailable(format!("PostgreSQL state: {what}: {e}")),
    }
}

/// A pool error (no connection could be had) as an unavailable store.
pub(super) fn pool_error(where_: &str, e: deadpool_postgres::PoolError) -> StoreError {
    use deadpool_postgres::PoolError;
    let why = match e {
        PoolError::Backend(e) => {
            return pg_error(&format!("cannot connect to {where_}"), &e);
        }
        PoolError::Timeout(_) => "timed out waiting for a connection from the pool".to_owned(),
        PoolError::Closed => "the connection pool was closed".to_owned(),
        other => other.to_string(),
    };
    StoreError::Unavailable(format!("PostgreSQL state at {where_}: {why}"))
}

/// A stored JSON text that does not decode.
pub(super) fn json_error(what: &str, e: serde_json::Error) -> StoreError {
    StoreError::Unavailable(format!("PostgreSQL state: {what}: {e}"))
}
