//! The MySQL/MariaDB adapter: databases, accounts with generated passwords, and grants.
//!
//! | kind (`mysql.platform.dev/v1alpha1`) | spec fields | outputs | secrets |
//! |---|---|---|---|
//! | `Database` | `name`, `characterSet`?, `collation`? | host, port, database | — |
//! | `User` | `name`, `host` (default `%`), `maxUserConnections`?, `database`? (for the URI) | host, port, username, database? | password, uri |
//! | `Grant` | `name` (account and database) or `user` + `database`, `host` (default `%`), `privileges` (`ALL`, `SELECT`, ...) | host, port, database, username | — |
//!
//! Settings (`environments.<env>.providers.mysql`): `url` (`mysql://root@127.0.0.1:3306`),
//! and `host` / `port` when applications reach the server at another address than the admin.
//!
//! Every name is checked against a strict pattern before anything is sent, then quoted.
//! Creating an existing `User` resets its password and hands out the new one (the engine's
//! crash recovery relies on it); creating an existing database or grant changes nothing.
//! Grants escape `_` in the database name, so a grant on `team_a` does not cover `teamXa`.
//! Databases created on MariaDB carry the comment `managed by platform owner=Kind/ns/name`.
//! Observing many resources takes one query per kind.
//!
//! The owner of every database and account (the claim it was made for) is recorded in the
//! table `platform-owners`.`owners` on the server (see [`owners`] for why there): observe,
//! create, adopt, update and delete refuse a database or account recorded for another owner,
//! and so does a Grant on one. Names made before owners were recorded have no record: they
//! are accepted, and the next create or update records its owner. `inventory` lists the
//! recorded databases and accounts that exist (never the server's own), for `drift`.

mod database;
mod grant;
mod owners;
mod server;
mod sql;
mod user;

use async_trait::async_trait;
use mysql_async::{Opts, OptsBuilder, Pool, PoolConstraints, PoolOpts};
use serde_json::Value;
use std::fmt;

use owners::Real;
use platform_core::provider::{
    Adapter, AdapterContext, AsAdapter, Found, ManagedResource, Observation, Owner, ProviderError,
};
use platform_core::secret::SecretValue;

use crate::support::redact::redact_url_passwords;
use crate::support::settings::{self, SettingsError};
use server::{Endpoint, Server, Session};

/// apiVersion of the MySQL managed kinds.
pub const API_VERSION: &str = "mysql.platform.dev/v1alpha1";
/// The managed kinds the MySQL adapter serves.
pub const KINDS: &[&str] = &["Database", "User", "Grant"];

/// At most this many admin connections are open at once.
const MAX_CONNECTIONS: usize = 4;

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Settings {
    url: String,
    host: Option<String>,
    port: Option<u16>,
}

/// Provisions databases, accounts and grants on one MySQL or MariaDB server.
#[derive(Clone)]
pub struct MysqlProvider {
    adapter: Adapter<Server>,
}

impl fmt::Debug for MysqlProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MysqlProvider")
            .field("address", &self.server().address)
            .field("endpoint", &self.server().endpoint)
            .finish_non_exhaustive()
    }
}

impl MysqlProvider {
    /// A provider from config settings `{url, host?, port?}`; nothing connects until the first
    /// operation.
    pub fn from_settings(settings: &Value) -> Result<Self, SettingsError> {
        let s: Settings = settings::parse("mysql", settings)?;
        let opts = Opts::from_url(&s.url).map_err(|e| {
            SettingsError::new(
                "mysql",
                format!(
                    "url: expected mysql://user[:password]@host[:port], found {:?}: {e}",
                    redact_url_passwords(&s.url)
                ),
            )
        })?;
        Ok(Self::with_opts(opts, s.host, s.port))
    }

    /// A provider for the server at `url`, applications reaching it at the same address.
    pub fn new(url: &str) -> Result<Self, SettingsError> {
        Self::from_settings(&serde_json::json!({ "url": url }))
    }

    fn with_opts(opts: Opts, host: Option<String>, port: Option<u16>) -> Self {
        let address = format!("{}:{}", opts.ip_or_hostname(), opts.tcp_port());
        let endpoint = Endpoint {
            host: host.unwrap_or_else(|| opts.ip_or_hostname().to_owned()),
            port: port.unwrap_or(opts.tcp_port()),
        };
        let admin_password = opts.pass().map(SecretValue::new);
        let constraints = PoolConstraints::new(0, MAX_CONNECTIONS)
            .unwrap_or(mysql_async::DEFAULT_POOL_CONSTRAINTS);
        let opts = OptsBuilder::from_opts(opts)
            .pool_opts(PoolOpts::default().with_constraints(constraints));
        let server = Server {
            pool: Pool::new(opts),
            endpoint,
            address,
            admin_password,
            mariadb: std::sync::OnceLock::new(),
            owners_table: std::sync::OnceLock::new(),
        };
        MysqlProvider {
            adapter: Adapter::builder("mysql", API_VERSION, server)
                .kind("Database", database::DatabaseKind)
                .kind("User", user::UserKind)
                .kind("Grant", grant::GrantKind)
                .build(),
        }
    }

    fn server(&self) -> &Server {
        self.adapter.context()
    }
}

impl AsAdapter for MysqlProvider {
    type Context = Server;

    fn adapter(&self) -> &Adapter<Server> {
        &self.adapter
    }
}

/// A checked spec of one served kind and the names whose owner it checks; each kind's file
/// implements it, and the helpers below do what every kind does around its own statements.
trait Checked: Sized + Send + Sync {
    /// The checked spec of `resource`.
    fn from_resource(resource: &ManagedResource) -> Result<Self, ProviderError>;

    /// The databases and accounts whose owner this spec checks; a Grant changes both.
    fn reals(&self) -> Vec<Real>;

    /// What this spec records its owner on: its own database or account; a Grant none.
    fn own_real(&self) -> Option<Real> {
        self.reals().pop()
    }

    /// Observes `specs` with one query.
    async fn observe_many(
        session: &mut Session<'_>,
        specs: &[&Self],
    ) -> Result<Vec<Observation>, ProviderError>;
}

/// Observes one resource of kind `T` as a batch of one.
async fn observe_one<T: Checked>(
    server: &Server,
    resource: &ManagedResource,
) -> Result<Observation, ProviderError> {
    observe_batch::<T>(server, std::slice::from_ref(resource))
        .await
        .pop()
        .unwrap_or_else(|| Err(ProviderError::permanent("mysql: no observation returned")))
}

/// Observes resources of kind `T` in one session: one query for the specs, one for the
/// owners of every name they touch.
async fn observe_batch<T: Checked>(
    server: &Server,
    resources: &[ManagedResource],
) -> Vec<Result<Observation, ProviderError>> {
    let targets: Vec<Result<T, ProviderError>> = resources.iter().map(T::from_resource).collect();
    if targets.iter().all(Result::is_err) {
        return targets
            .into_iter()
            .map(|t| t.map(|_| Observation::absent()))
            .collect();
    }
    match server.session().await {
        Ok(mut session) => {
            let mut seen = observe_targets(&mut session, &targets).await;
            let reals: Vec<Real> = targets.iter().flatten().flat_map(T::reals).collect();
            match owners::recorded(&mut session, &reals).await {
                Ok(recorded) => {
                    for ((resource, target), seen) in resources.iter().zip(&targets).zip(&mut seen)
                    {
                        let Ok(target) = target else { continue };
                        for real in target.reals() {
                            if let Err(e) = Owner::check(resource, real.kind(), recorded.get(&real))
                            {
                                *seen = Err(e);
                                break;
                            }
                        }
                    }
                }
                Err(e) => seen = seen.into_iter().map(|s| s.and(Err(e.clone()))).collect(),
            }
            seen
        }
        Err(e) => targets
            .into_iter()
            .map(|t| t.and_then(|_| Err(e.clone())))
            .collect(),
    }
}

/// Observes every checked target of one session with one query.
async fn observe_targets<T: Checked>(
    session: &mut Session<'_>,
    targets: &[Result<T, ProviderError>],
) -> Vec<Result<Observation, ProviderError>> {
    let mut out: Vec<Result<Observation, ProviderError>> = targets
        .iter()
        .map(|t| match t {
            Err(e) => Err(e.clone()),
            Ok(_) => Ok(Observation::absent()),
        })
        .collect();
    let (indices, checked): (Vec<usize>, Vec<&T>) = targets
        .iter()
        .enumerate()
        .filter_map(|(i, t)| t.as_ref().ok().map(|t| (i, t)))
        .unzip();
    if checked.is_empty() {
        return out;
    }
    match T::observe_many(session, &checked).await {
        Ok(seen) => {
            for (i, o) in indices.iter().zip(seen) {
                out[*i] = Ok(o);
            }
        }
        Err(e) => {
            for i in indices {
                out[i] = Err(e.clone());
            }
        }
    }
    out
}

/// The checked spec of `resource` and a session in which its own name is claimed for its
/// owner and every name it touches is checked: what a create or update starts with.
async fn claimed<'s, T: Checked>(
    server: &'s Server,
    resource: &ManagedResource,
) -> Result<(T, Session<'s>), ProviderError> {
    let target = T::from_resource(resource)?;
    let mut session = server.session().await?;
    if let Some(real) = target.own_real() {
        owners::claim(&mut session, resource, &real).await?;
    }
    owners::check(&mut session, resource, &target.reals()).await?;
    Ok((target, session))
}

/// The checked spec of `resource` and a session in which every name it touches was checked:
/// what a delete starts with.
async fn checked<'s, T: Checked>(
    server: &'s Server,
    resource: &ManagedResource,
) -> Result<(T, Session<'s>), ProviderError> {
    let target = T::from_resource(resource)?;
    let mut session = server.session().await?;
    owners::check(&mut session, resource, &target.reals()).await?;
    Ok((target, session))
}

/// Removes the owner record of a deleted spec's own name.
async fn release<T: Checked>(session: &mut Session<'_>, target: &T) -> Result<(), ProviderError> {
    match target.own_real() {
        Some(real) => owners::release(session, &real).await,
        None => Ok(()),
    }
}

/// The databases and accounts recorded in `platform-owners`.`owners` that exist, with the
/// owner each record names. Grants have no record of their own: they go with their account
/// and database. Names made before owners were recorded have no record and are not listed.
#[async_trait]
impl AdapterContext for Server {
    async fn inventory(adapter: &Adapter<Self>) -> Result<Option<Vec<Found>>, ProviderError> {
        let mut session = adapter.context().session().await?;
        let listed = owners::listed(&mut session).await?;
        Ok(Some(
            listed
                .into_iter()
                .map(|(real, owner)| {
                    let (kind, spec) = match &real {
                        Real::Database(name) => ("Database", serde_json::json!({ "name": name })),
                        Real::Account(user, host) => {
                            ("User", serde_json::json!({ "name": user, "host": host }))
                        }
                    };
                    crate::support::inventory::found(API_VERSION, kind, &real.name(), spec, owner)
                })
                .collect(),
        ))
    }
}

#[cfg(test)]
mod tests;
