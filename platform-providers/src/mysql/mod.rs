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
    Applied, Found, ManagedResource, Observation, Owner, Provider, ProviderError,
};
use platform_core::secret::SecretValue;

use crate::support::redact::redact_url_passwords;
use crate::support::settings::{self, SettingsError};
use database::Database;
use grant::Grant;
use server::{Endpoint, Server, Session};
use user::User;

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
pub struct MysqlProvider {
    server: Server,
}

impl fmt::Debug for MysqlProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MysqlProvider")
            .field("address", &self.server.address)
            .field("endpoint", &self.server.endpoint)
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
        MysqlProvider {
            server: Server {
                pool: Pool::new(opts),
                endpoint,
                address,
                admin_password,
                mariadb: std::sync::OnceLock::new(),
                owners_table: std::sync::OnceLock::new(),
            },
        }
    }
}

/// A checked spec of one of the served kinds.
enum Target {
    Database(Database),
    User(User),
    Grant(Grant),
}

impl Target {
    fn from_resource(resource: &ManagedResource) -> Result<Self, ProviderError> {
        if resource.object.api_version != API_VERSION {
            return Err(unknown(resource));
        }
        match resource.kind() {
            "Database" => Database::from_resource(resource).map(Target::Database),
            "User" => User::from_resource(resource).map(Target::User),
            "Grant" => Grant::from_resource(resource).map(Target::Grant),
            _ => Err(unknown(resource)),
        }
    }

    /// The databases and accounts whose owner this target checks; a Grant changes both.
    fn reals(&self) -> Vec<Real> {
        match self {
            Target::Database(d) => vec![Real::Database(d.name().to_owned())],
            Target::User(u) => vec![Real::Account(u.name().to_owned(), u.host().to_owned())],
            Target::Grant(g) => vec![
                Real::Account(g.user().to_owned(), g.host().to_owned()),
                Real::Database(g.database().to_owned()),
            ],
        }
    }

    /// What this target records its owner on: its own database or account; a Grant none.
    fn own_real(&self) -> Option<Real> {
        match self {
            Target::Grant(_) => None,
            other => other.reals().pop(),
        }
    }

    /// Claims the target's own name for `resource`'s owner and checks every name it touches.
    async fn claim(
        &self,
        session: &mut Session<'_>,
        resource: &ManagedResource,
    ) -> Result<(), ProviderError> {
        if let Some(real) = self.own_real() {
            owners::claim(session, resource, &real).await?;
        }
        owners::check(session, resource, &self.reals()).await
    }
}

fn unknown(resource: &ManagedResource) -> ProviderError {
    ProviderError::permanent(format!(
        "the mysql adapter does not serve {} {}; it serves {} of {API_VERSION}",
        resource.object.api_version,
        resource.kind(),
        KINDS.join(", ")
    ))
}

/// Observes every checked target of one session, one query per kind.
async fn observe_targets(
    session: &mut Session<'_>,
    targets: &[Result<Target, ProviderError>],
) -> Vec<Result<Observation, ProviderError>> {
    let mut out: Vec<Result<Observation, ProviderError>> = targets
        .iter()
        .map(|t| match t {
            Err(e) => Err(e.clone()),
            Ok(_) => Ok(Observation::absent()),
        })
        .collect();
    let (mut dbs, mut users, mut grants) = (Vec::new(), Vec::new(), Vec::new());
    for (i, target) in targets.iter().enumerate() {
        match target {
            Ok(Target::Database(d)) => dbs.push((i, d)),
            Ok(Target::User(u)) => users.push((i, u)),
            Ok(Target::Grant(g)) => grants.push((i, g)),
            Err(_) => {}
        }
    }
    let (di, d): (Vec<usize>, Vec<&Database>) = dbs.into_iter().unzip();
    fill(&mut out, &di, database::observe_many(session, &d).await);
    let (ui, u): (Vec<usize>, Vec<&User>) = users.into_iter().unzip();
    fill(&mut out, &ui, user::observe_many(session, &u).await);
    let (gi, g): (Vec<usize>, Vec<&Grant>) = grants.into_iter().unzip();
    fill(&mut out, &gi, grant::observe_many(session, &g).await);
    out
}

fn fill(
    out: &mut [Result<Observation, ProviderError>],
    indices: &[usize],
    seen: Result<Vec<Observation>, ProviderError>,
) {
    match seen {
        Ok(seen) => {
            for (i, o) in indices.iter().zip(seen) {
                out[*i] = Ok(o);
            }
        }
        Err(e) => {
            for i in indices {
                out[*i] = Err(e.clone());
            }
        }
    }
}

#[async_trait]
impl Provider for MysqlProvider {
    fn name(&self) -> &str {
        "mysql"
    }

    fn kinds(&self) -> Vec<(String, String)> {
        crate::support::served_kinds(API_VERSION, KINDS)
    }

    async fn observe(&self, resource: &ManagedResource) -> Result<Observation, ProviderError> {
        let mut seen = self.observe_many(std::slice::from_ref(resource)).await;
        seen.pop()
            .unwrap_or_else(|| Err(ProviderError::permanent("mysql: no observation returned")))
    }

    /// Adopting a login whose create was never recorded gives it a fresh password (create
    /// resets it), since nobody can read the lost one back; other kinds change nothing.
    async fn adopt(&self, resource: &ManagedResource) -> Result<Applied, ProviderError> {
        self.create(resource).await
    }

    async fn observe_many(
        &self,
        resources: &[ManagedResource],
    ) -> Vec<Result<Observation, ProviderError>> {
        let targets: Vec<Result<Target, ProviderError>> =
            resources.iter().map(Target::from_resource).collect();
        if targets.iter().all(Result::is_err) {
            return targets
                .into_iter()
                .map(|t| t.map(|_| Observation::absent()))
                .collect();
        }
        match self.server.session().await {
            Ok(mut session) => {
                let mut seen = observe_targets(&mut session, &targets).await;
                let reals: Vec<Real> = targets.iter().flatten().flat_map(Target::reals).collect();
                match owners::recorded(&mut session, &reals).await {
                    Ok(recorded) => {
                        for ((resource, target), seen) in
                            resources.iter().zip(&targets).zip(&mut seen)
                        {
                            let Ok(target) = target else { continue };
                            for real in target.reals() {
                                if let Err(e) =
                                    Owner::check(resource, real.kind(), recorded.get(&real))
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

    async fn create(&self, resource: &ManagedResource) -> Result<Applied, ProviderError> {
        let target = Target::from_resource(resource)?;
        let mut session = self.server.session().await?;
        target.claim(&mut session, resource).await?;
        let owner = Owner::of(resource);
        match &target {
            Target::Database(d) => database::create(&mut session, d, &owner).await,
            Target::User(u) => user::create(&mut session, u).await,
            Target::Grant(g) => grant::create(&mut session, g).await,
        }
    }

    async fn update(&self, resource: &ManagedResource) -> Result<Applied, ProviderError> {
        let target = Target::from_resource(resource)?;
        let mut session = self.server.session().await?;
        target.claim(&mut session, resource).await?;
        let owner = Owner::of(resource);
        match &target {
            Target::Database(d) => database::update(&mut session, d, &owner).await,
            Target::User(u) => user::update(&mut session, u).await,
            Target::Grant(g) => grant::update(&mut session, g).await,
        }
    }

    /// The databases and accounts recorded in `platform-owners`.`owners` that exist, with the
    /// owner each record names. Grants have no record of their own: they go with their account
    /// and database. Names made before owners were recorded have no record and are not listed.
    async fn inventory(&self) -> Result<Option<Vec<Found>>, ProviderError> {
        let mut session = self.server.session().await?;
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

    async fn delete(&self, resource: &ManagedResource) -> Result<(), ProviderError> {
        let target = Target::from_resource(resource)?;
        let mut session = self.server.session().await?;
        owners::check(&mut session, resource, &target.reals()).await?;
        match &target {
            Target::Database(d) => database::delete(&mut session, d).await?,
            Target::User(u) => user::delete(&mut session, u).await?,
            Target::Grant(g) => grant::delete(&mut session, g).await?,
        }
        match target.own_real() {
            Some(real) => owners::release(&mut session, &real).await,
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests;
