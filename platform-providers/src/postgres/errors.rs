//! Server errors as provider errors: what may pass with a retry is transient, the rest
//! permanent, always in the server's words with credentials removed.

use tokio_postgres::error::SqlState;

use crate::support::redact::redact;
use platform_core::provider::ProviderError;

/// SQLSTATE codes worth a retry: the server is busy, starting, shutting down, or two
/// transactions collided.
fn is_transient(code: &SqlState) -> bool {
    let text = code.code();
    // Class 08: connection exceptions; class 53: insufficient resources (too_many_connections).
    text.starts_with("08")
        || text.starts_with("53")
        || [
            SqlState::CANNOT_CONNECT_NOW,
            SqlState::ADMIN_SHUTDOWN,
            SqlState::CRASH_SHUTDOWN,
            SqlState::T_R_SERIALIZATION_FAILURE,
            SqlState::T_R_DEADLOCK_DETECTED,
            SqlState::LOCK_NOT_AVAILABLE,
            SqlState::QUERY_CANCELED,
            SqlState::OBJECT_IN_USE,
        ]
        .contains(code)
}

/// `e` while doing `what`, classified, with `secrets` and URL passwords removed.
pub(crate) fn sql_error(what: &str, e: &tokio_postgres::Error, secrets: &[&str]) -> ProviderError {
    match e.as_db_error() {
        Some(db) => {
            let detail = match db.detail() {
                Some(d) => format!(" ({d})"),
                None => String::new(),
            };
            let message = redact(
                &format!(
                    "{what}: {} [SQLSTATE {}]{detail}",
                    db.message(),
                    db.code().code()
                ),
                secrets,
            );
            if is_transient(db.code()) {
                ProviderError::transient(message)
            } else {
                ProviderError::permanent(message)
            }
        }
        None => {
            // No server answer: refused, reset, timed out or closed. Worth a retry, unless the
            // client refused the settings themselves.
            let message = redact(&format!("{what}: {e}"), secrets);
            match e.code() {
                Some(code) if !is_transient(code) => ProviderError::permanent(message),
                _ => ProviderError::transient(message),
            }
        }
    }
}

/// Whether `e` is the server saying that an object of that name already exists.
pub(crate) fn already_exists(e: &tokio_postgres::Error) -> bool {
    matches!(
        e.code(),
        Some(c) if *c == SqlState::DUPLICATE_DATABASE
            || *c == SqlState::DUPLICATE_OBJECT
            || *c == SqlState::UNIQUE_VIOLATION
    )
}

/// Whether `e` says an object does not exist.
pub(crate) fn missing(e: &tokio_postgres::Error) -> bool {
    matches!(
        e.code(),
        Some(c) if *c == SqlState::UNDEFINED_OBJECT
            || *c == SqlState::INVALID_CATALOG_NAME
    )
}
