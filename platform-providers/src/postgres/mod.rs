//! The PostgreSQL adapter: databases, login roles with generated passwords, database
//! privileges and extensions on one server, through tokio-postgres.
//!
//! | kind (`postgres.platform.dev/v1alpha1`) | spec fields | outputs | secrets |
//! |---|---|---|---|
//! | `Database` | `name`, `owner`?, `encoding`? (`UTF8`), `connectionLimit`? | host, port, database | uri (when this process knows the owner's password) |
//! | `Role` | `name`, `login`? (default true), `connectionLimit`?, `database`? (for the uri) | host, port, username | password, uri |
//! | `Grant` | `role`, `database`, `privileges` (`ALL`, `CONNECT`, `CREATE`, `TEMPORARY`, `TEMP`) | role, database | — |
//! | `Extension` | `name`, `database`, `version`? | database, extension, version | — |
//!
//! Settings (`environments.<env>.providers.postgres`): `url` (`postgres://user@host:port/db`,
//! the maintenance connection; `${env:NAME}` allowed), `maxConnections` (default 4), and `host`
//! / `port` to override what the outputs advertise to applications.
//!
//! Every database and role the adapter creates carries the comment [`MARKER`] followed by its
//! owner (`managed-by=platform owner=DatabaseClaim/team-a/orders uid=...`), so what the
//! platform made can be listed ([`PostgresProvider::marked`]) and no other claim can take it
//! over: observe, create, update and delete refuse a database or role recorded for another
//! owner, and a Grant or Extension touching one ([`Owner::check`]). A comment written before
//! owners were recorded is accepted and gets the owner on the next create or update. Passwords come from the OS
//! CSPRNG and reach the server only as SCRAM-SHA-256 verifiers. Creating a Role that exists
//! sets a fresh password and hands it out: the engine's crash recovery relies on it. A
//! Database hands out a `uri` for its owner when the password the owner has now is one this
//! process set (the server keeps only a verifier, so nobody can read a password back).
//!
//! `inventory` lists the marked databases and roles with the owners their comments record
//! (never a superuser, a `pg_*` role, a template database or `postgres`), for `drift`.
//!
//! Observe reports drift: a database or role dropped out of band, a changed owner, connection
//! limit, encoding or login flag, a revoked privilege, a changed extension version.
//! Every identifier is checked against a strict pattern before anything is sent, and quoted.

mod database;
mod errors;
mod extension;
mod grant;
mod pool;
mod role;
#[cfg(test)]
mod tests;

use async_trait::async_trait;
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::str::FromStr;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use platform_core::provider::{
    Adapter, AdapterContext, AsAdapter, Found, ManagedResource, Owner, ProviderError,
};
use postgres_protocol::escape::escape_identifier;

use crate::support::redact::redact_url_passwords;
use crate::support::settings::{self, SettingsError};
use errors::sql_error;
use pool::Pool;

/// apiVersion of the PostgreSQL managed kinds.
pub const API_VERSION: &str = "postgres.platform.dev/v1alpha1";
/// The managed kinds the PostgreSQL adapter serves.
pub const KINDS: &[&str] = &["Database", "Role", "Grant", "Extension"];
/// The first word of the comment on every database and role the adapter creates; the owner
/// follows it (see [`comment`]).
pub const MARKER: &str = "managed-by=platform";

/// The comment the adapter writes on the database or role of `resource`: [`MARKER`] and its
/// owner.
pub fn comment(resource: &ManagedResource) -> String {
    format!("{MARKER} {}", Owner::of(resource).marker())
}

/// How long a Database or Grant waits for the role or database it needs, which a sibling
/// resource of the same claim may be creating at the same moment.
const DEPENDENCY_WAIT: Duration = Duration::from_secs(10);

/// The databases and roles on the server that carry [`MARKER`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Marked {
    /// Database names, sorted.
    pub databases: Vec<String>,
    /// Role names, sorted.
    pub roles: Vec<String>,
}

/// Provisions databases, roles, grants and extensions on one PostgreSQL server.
#[derive(Clone)]
pub struct PostgresProvider {
    adapter: Adapter<Server>,
}

/// What the PostgreSQL kinds share: the connection pool, the address the outputs advertise
/// and the passwords this process set.
pub struct Server {
    pool: Pool,
    host: String,
    port: u16,
    /// Passwords this process set, by role, with the verifier sent: a Database hands out its
    /// owner's uri only while the server still holds that verifier.
    passwords: Mutex<HashMap<String, (String, String)>>,
}

impl fmt::Debug for PostgresProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PostgresProvider")
            .field("server", &pool::describe(self.server().pool.config()))
            .finish_non_exhaustive()
    }
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Settings {
    url: String,
    max_connections: Option<u32>,
    host: Option<String>,
    port: Option<u16>,
}

impl PostgresProvider {
    /// A provider from config settings `{url, maxConnections?, host?, port?}`. Nothing
    /// connects here: the first operation does, so an unreachable server is its transient error.
    pub fn from_settings(settings: &Value) -> Result<Self, SettingsError> {
        let s: Settings = settings::parse("postgres", settings)?;
        let mut config = tokio_postgres::Config::from_str(&s.url).map_err(|e| {
            SettingsError::new(
                "postgres",
                format!(
                    "url: expected postgres://user@host:port/database, found an unreadable URL ({})",
                    redact_url_passwords(&e.to_string())
                ),
            )
        })?;
        if config.get_dbname().is_none() {
            config.dbname("postgres");
        }
        let url_host = match config.get_hosts().first() {
            Some(tokio_postgres::config::Host::Tcp(h)) => h.clone(),
            _ => "localhost".to_owned(),
        };
        let url_port = config.get_ports().first().copied().unwrap_or(5432);
        let size = s.max_connections.unwrap_or(4);
        if size == 0 {
            return Err(SettingsError::new(
                "postgres",
                "maxConnections: expected at least 1, found 0",
            ));
        }
        let server = Server {
            pool: Pool::new(config, size as usize),
            host: s.host.unwrap_or(url_host),
            port: s.port.unwrap_or(url_port),
            passwords: Mutex::new(HashMap::new()),
        };
        Ok(PostgresProvider {
            adapter: Adapter::builder("postgres", API_VERSION, server)
                .kind("Database", database::Database)
                .kind("Role", role::Role)
                .kind("Grant", grant::Grant)
                .kind("Extension", extension::Extension)
                .build(),
        })
    }

    /// A provider for the server at `url` (`postgres://user@host:port/database`).
    pub fn new(url: &str) -> Result<Self, SettingsError> {
        Self::from_settings(&json!({ "url": url }))
    }

    fn server(&self) -> &Server {
        self.adapter.context()
    }

    /// The databases and roles whose comment starts with [`MARKER`] (whatever owner follows)
    /// and whose names start with `prefix`.
    pub async fn marked(&self, prefix: &str) -> Result<Marked, ProviderError> {
        let client = self.server().pool.get().await?;
        let rows = client
            .query(
                "SELECT 'd', datname::text FROM pg_database d
                   WHERE split_part(shobj_description(d.oid, 'pg_database'), ' ', 1) = $1
                     AND starts_with(datname, $2)
                 UNION ALL
                 SELECT 'r', rolname::text FROM pg_roles r
                   WHERE split_part(shobj_description(r.oid, 'pg_authid'), ' ', 1) = $1
                     AND starts_with(rolname, $2)
                 ORDER BY 1, 2",
                &[&MARKER, &prefix],
            )
            .await
            .map_err(|e| sql_error("cannot list marked databases and roles", &e, &[]))?;
        let mut marked = Marked::default();
        for row in rows {
            let kind: &str = row.get(0);
            let name: String = row.get(1);
            if kind == "d" {
                marked.databases.push(name);
            } else {
                marked.roles.push(name);
            }
        }
        Ok(marked)
    }
}

impl AsAdapter for PostgresProvider {
    type Context = Server;

    fn adapter(&self) -> &Adapter<Server> {
        &self.adapter
    }
}

/// Inventory: the marked databases and roles (see [`MARKER`]); grants and extensions carry no
/// marker and go with their database or role.
#[async_trait]
impl AdapterContext for Server {
    async fn inventory(adapter: &Adapter<Self>) -> Result<Option<Vec<Found>>, ProviderError> {
        adapter.context().listed().await.map(Some)
    }
}

impl Server {
    /// Every database and role carrying [`MARKER`], databases first (dropping a database
    /// before its owner role leaves the role nothing to reassign), each with the owner its
    /// comment records. Superusers and template databases are never listed, whatever their
    /// comment says: the server owns them.
    async fn listed(&self) -> Result<Vec<Found>, ProviderError> {
        let client = self.pool.get().await?;
        let rows = client
            .query(
                "SELECT 'Database', datname::text, shobj_description(d.oid, 'pg_database')
                   FROM pg_database d
                   WHERE split_part(shobj_description(d.oid, 'pg_database'), ' ', 1) = $1
                     AND NOT datistemplate AND datname <> 'postgres'
                 UNION ALL
                 SELECT 'Role', rolname::text, shobj_description(r.oid, 'pg_authid')
                   FROM pg_roles r
                   WHERE split_part(shobj_description(r.oid, 'pg_authid'), ' ', 1) = $1
                     AND NOT rolsuper AND rolname NOT LIKE 'pg\\_%'
                 ORDER BY 1, 2",
                &[&MARKER],
            )
            .await
            .map_err(|e| sql_error("cannot list marked databases and roles", &e, &[]))?;
        Ok(rows
            .iter()
            .map(|row| {
                let kind: &str = row.get(0);
                let name: String = row.get(1);
                let comment: String = row.get(2);
                crate::support::inventory::found(
                    API_VERSION,
                    kind,
                    &name,
                    json!({ "name": name }),
                    Owner::from_marker(&comment),
                )
            })
            .collect())
    }

    fn outputs(&self) -> BTreeMap<String, Value> {
        BTreeMap::from([
            ("host".to_owned(), json!(self.host)),
            ("port".to_owned(), json!(self.port)),
        ])
    }

    /// `postgres://user:password@host:port/database` for applications.
    fn uri(&self, user: &str, password: &str, database: &str) -> String {
        format!(
            "postgres://{user}:{password}@{}:{}/{database}",
            self.host, self.port
        )
    }

    fn remember(&self, role: &str, password: &str, verifier: &str) {
        self.passwords
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(role.to_owned(), (password.to_owned(), verifier.to_owned()));
    }

    fn forget(&self, role: &str) {
        self.passwords
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(role);
    }

    /// The password this process set for `role` with its verifier, if any.
    fn remembered(&self, role: &str) -> Option<(String, String)> {
        self.passwords
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(role)
            .cloned()
    }

    /// Waits until `query` (one `$1` parameter) finds a row for `name`.
    async fn wait_for(
        &self,
        client: &tokio_postgres::Client,
        what: &str,
        query: &str,
        name: &str,
    ) -> Result<(), ProviderError> {
        let started = std::time::Instant::now();
        let mut pause = Duration::from_millis(5);
        loop {
            let found = client
                .query_opt(query, &[&name])
                .await
                .map_err(|e| sql_error(&format!("cannot look up {what} {name}"), &e, &[]))?
                .is_some();
            if found {
                return Ok(());
            }
            if started.elapsed() >= DEPENDENCY_WAIT {
                return Err(ProviderError::transient(format!(
                    "{what} {name} does not exist (waited {} s); it is expected to be created by another resource",
                    DEPENDENCY_WAIT.as_secs()
                )));
            }
            tokio::time::sleep(pause).await;
            pause = (pause * 2).min(Duration::from_millis(200));
        }
    }

    async fn wait_for_role(
        &self,
        client: &tokio_postgres::Client,
        role: &str,
    ) -> Result<(), ProviderError> {
        self.wait_for(
            client,
            "role",
            "SELECT 1 FROM pg_roles WHERE rolname = $1",
            role,
        )
        .await
    }

    /// Refuses `resource` when the database (`Catalog::Database`) or role named `name` is
    /// recorded for another owner; succeeds when it does not exist or records no owner.
    async fn check_owner(
        &self,
        client: &impl tokio_postgres::GenericClient,
        resource: &ManagedResource,
        catalog: Catalog,
        name: &str,
    ) -> Result<(), ProviderError> {
        let recorded = recorded_owner(client, catalog, name).await?;
        Owner::check(resource, catalog.what(), recorded.as_ref())
    }

    async fn wait_for_database(
        &self,
        client: &tokio_postgres::Client,
        database: &str,
    ) -> Result<(), ProviderError> {
        self.wait_for(
            client,
            "database",
            "SELECT 1 FROM pg_database WHERE datname = $1",
            database,
        )
        .await
    }
}

/// Where a comment lives: on a database or on a role.
#[derive(Debug, Clone, Copy)]
enum Catalog {
    Database,
    Role,
}

impl Catalog {
    fn what(self) -> &'static str {
        match self {
            Catalog::Database => "database",
            Catalog::Role => "role",
        }
    }
}

/// The owner recorded in the comment of the database or role `name`; None when it does not
/// exist or its comment records no owner (written before owners were recorded, or by hand).
async fn recorded_owner(
    client: &impl tokio_postgres::GenericClient,
    catalog: Catalog,
    name: &str,
) -> Result<Option<Owner>, ProviderError> {
    let sql = match catalog {
        Catalog::Database => {
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = $1"
        }
        Catalog::Role => {
            "SELECT shobj_description(oid, 'pg_authid') FROM pg_roles WHERE rolname = $1"
        }
    };
    let row = client.query_opt(sql, &[&name]).await.map_err(|e| {
        sql_error(
            &format!("cannot read the owner of {} {name}", catalog.what()),
            &e,
            &[],
        )
    })?;
    Ok(row
        .and_then(|r| r.get::<_, Option<String>>(0))
        .and_then(|text| Owner::from_marker(&text)))
}

/// An identifier quoted for SQL (after it passed a strict check).
fn quote(identifier: &str) -> String {
    escape_identifier(identifier)
}
