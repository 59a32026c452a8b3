//! The connection to the server: a small lazy pool, statements with time limits, and server
//! errors classified as transient or permanent with credentials removed.

use mysql_async::prelude::{FromRow, Queryable};
use mysql_async::{Conn, Params, Pool};
use std::time::Duration;

use platform_core::provider::ProviderError;

use crate::support::redact::redact;

/// How long connecting may take before it counts as a transient failure.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long one statement may take before it counts as a transient failure.
const STATEMENT_TIMEOUT: Duration = Duration::from_secs(30);

/// Where applications reach the server: the host and port put in outputs and URIs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Endpoint {
    pub(super) host: String,
    pub(super) port: u16,
}

/// The server behind a pool; nothing connects until the first statement.
pub struct Server {
    pub(super) pool: Pool,
    pub(super) endpoint: Endpoint,
    /// Where the admin connection goes, for messages (never with a password).
    pub(super) address: String,
    /// The admin password from the URL, removed from every message.
    pub(super) admin_password: Option<platform_core::secret::SecretValue>,
    /// Whether the server is MariaDB, asked once.
    pub(super) mariadb: std::sync::OnceLock<bool>,
    /// Set once the table of owners ([`super::owners::TABLE`]) is known to exist.
    pub(super) owners_table: std::sync::OnceLock<()>,
}

impl Server {
    /// A connection from the pool; an unreachable server is a transient error.
    pub(super) async fn session(&self) -> Result<Session<'_>, ProviderError> {
        match tokio::time::timeout(CONNECT_TIMEOUT, self.pool.get_conn()).await {
            Err(_) => Err(ProviderError::transient(format!(
                "mysql: timed out after {} s connecting to {}",
                CONNECT_TIMEOUT.as_secs(),
                self.address
            ))),
            Ok(Err(e)) => Err(self.error(&format!("cannot connect to {}", self.address), e, &[])),
            Ok(Ok(conn)) => Ok(Session { conn, server: self }),
        }
    }

    /// A driver or server error as a provider error, with `secrets` and the admin password
    /// removed from the message.
    pub(super) fn error(
        &self,
        what: &str,
        e: mysql_async::Error,
        secrets: &[&str],
    ) -> ProviderError {
        let mut hidden: Vec<&str> = secrets.to_vec();
        if let Some(p) = &self.admin_password {
            hidden.push(p.expose());
        }
        let message = redact(&format!("mysql: {what}: {e}"), &hidden);
        if is_transient(&e) {
            ProviderError::transient(message)
        } else {
            ProviderError::permanent(message)
        }
    }
}

/// Whether retrying may help: lost connections, timeouts, a busy or restarting server, a
/// lock conflict, or an account that another resource has not created yet.
fn is_transient(e: &mysql_async::Error) -> bool {
    match e {
        mysql_async::Error::Io(_) | mysql_async::Error::Driver(_) => true,
        mysql_async::Error::Other(_) => true,
        mysql_async::Error::Url(_) => false,
        mysql_async::Error::Server(s) => matches!(
            s.code,
            // too many connections, server shutting down, network errors, lock wait timeout,
            // deadlock, account limit reached, query interrupted, connection killed.
            1040 | 1053 | 1077 | 1078 | 1079 | 1080 | 1152
                ..=1161 | 1205 | 1213 | 1226 | 1203
                | 1317 | 1927
                // no such account yet: a Grant applied before its User
                | 1133
        ),
    }
}

/// One connection taken from the pool, returned when dropped.
pub(super) struct Session<'a> {
    conn: Conn,
    server: &'a Server,
}

impl Session<'_> {
    /// Where applications reach the server.
    pub(super) fn endpoint(&self) -> &Endpoint {
        &self.server.endpoint
    }

    /// Runs a prepared statement and returns its rows; `what` names the operation in errors.
    pub(super) async fn rows<T: FromRow + Send + 'static>(
        &mut self,
        statement: &str,
        params: Params,
        what: &str,
    ) -> Result<Vec<T>, ProviderError> {
        let run = self.conn.exec::<T, _, _>(statement, params);
        match tokio::time::timeout(STATEMENT_TIMEOUT, run).await {
            Err(_) => Err(timed_out(what)),
            Ok(r) => r.map_err(|e| self.server.error(what, e, &[])),
        }
    }

    /// Runs a statement given as text (account and grant statements cannot be prepared on
    /// MariaDB); `secrets` are removed from any error message.
    pub(super) async fn run(
        &mut self,
        statement: &str,
        what: &str,
        secrets: &[&str],
    ) -> Result<(), ProviderError> {
        let run = self.conn.query_drop(statement);
        match tokio::time::timeout(STATEMENT_TIMEOUT, run).await {
            Err(_) => Err(timed_out(what)),
            Ok(r) => r.map_err(|e| self.server.error(what, e, secrets)),
        }
    }

    /// Like [`Session::run`], but the server error with `code` counts as success (a grant
    /// that is already gone).
    pub(super) async fn run_allowing(
        &mut self,
        statement: &str,
        what: &str,
        code: u16,
    ) -> Result<(), ProviderError> {
        let run = self.conn.query_drop(statement);
        match tokio::time::timeout(STATEMENT_TIMEOUT, run).await {
            Err(_) => Err(timed_out(what)),
            Ok(Err(mysql_async::Error::Server(s))) if s.code == code => Ok(()),
            Ok(r) => r.map_err(|e| self.server.error(what, e, &[])),
        }
    }

    /// Whether the server is MariaDB (which keeps database comments) rather than MySQL.
    pub(super) async fn is_mariadb(&mut self) -> Result<bool, ProviderError> {
        if let Some(known) = self.server.mariadb.get() {
            return Ok(*known);
        }
        let version: Vec<String> = self
            .rows(
                "SELECT VERSION()",
                Params::Empty,
                "cannot read the server version",
            )
            .await?;
        let mariadb = version.iter().any(|v| v.contains("MariaDB"));
        Ok(*self.server.mariadb.get_or_init(|| mariadb))
    }
}

impl Session<'_> {
    /// Whether the table of owners exists (none before the first create records an owner).
    pub(super) async fn owners_table_exists(&mut self) -> Result<bool, ProviderError> {
        if self.server.owners_table.get().is_some() {
            return Ok(true);
        }
        let found: Vec<(i64,)> = self
            .rows(
                "SELECT 1 FROM information_schema.TABLES \
                 WHERE TABLE_SCHEMA = 'platform-owners' AND TABLE_NAME = 'owners'",
                Params::Empty,
                "cannot look for the table of owners",
            )
            .await?;
        if found.is_empty() {
            return Ok(false);
        }
        let _ = self.server.owners_table.set(());
        Ok(true)
    }

    /// Makes the table of owners unless it is known to exist.
    pub(super) async fn create_owners_table(&mut self) -> Result<(), ProviderError> {
        if self.owners_table_exists().await? {
            return Ok(());
        }
        for statement in super::owners::create_statements() {
            self.run(&statement, "cannot create the table of owners", &[])
                .await?;
        }
        let _ = self.server.owners_table.set(());
        Ok(())
    }
}

fn timed_out(what: &str) -> ProviderError {
    ProviderError::transient(format!(
        "mysql: {what}: no answer within {} s",
        STATEMENT_TIMEOUT.as_secs()
    ))
}
