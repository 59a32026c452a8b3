//! `User`: an account with a generated password and an optional connection limit.

use mysql_async::{Params, Value as SqlValue};
use serde::Deserialize;
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

use super::owners::Real;
use super::server::Server;
use super::{Checked, checked, claimed, observe_batch, observe_one, release};
use async_trait::async_trait;
use platform_core::provider::{
    Applied, ManagedKind, ManagedResource, Observation, ProviderError, diff_fields,
};
use platform_core::secret::{SecretMap, SecretValue};

use super::server::{Endpoint, Session};
use super::sql;
use crate::support::{credentials, ident, spec};

fn any_host() -> String {
    "%".to_owned()
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct UserSpec {
    name: String,
    #[serde(default = "any_host")]
    host: String,
    max_user_connections: Option<u32>,
    /// The database put in the handed-out URI (not a server property).
    database: Option<String>,
}

/// A checked `User` spec.
#[derive(Debug, Clone)]
pub(super) struct User {
    name: String,
    host: String,
    max_user_connections: Option<u32>,
    database: Option<String>,
}

impl User {
    /// The spec of `resource`, every identifier checked.
    pub(super) fn from_resource(resource: &ManagedResource) -> Result<Self, ProviderError> {
        let s: UserSpec = spec::parse(resource)?;
        ident::sql("spec.name", &s.name)?;
        sql::host("spec.host", &s.host)?;
        if let Some(d) = &s.database {
            ident::sql("spec.database", d)?;
        }
        Ok(User {
            name: s.name,
            host: s.host,
            max_user_connections: s.max_user_connections,
            database: s.database,
        })
    }

    /// The account's user name.
    pub(super) fn name(&self) -> &str {
        &self.name
    }

    /// The account's host part.
    pub(super) fn host(&self) -> &str {
        &self.host
    }

    fn account(&self) -> String {
        sql::account(&self.name, &self.host)
    }

    fn desired(&self) -> Value {
        let mut m = Map::new();
        if let Some(n) = self.max_user_connections {
            m.insert("maxUserConnections".into(), json!(n));
        }
        Value::Object(m)
    }

    /// ` WITH MAX_USER_CONNECTIONS n` when the spec sets a limit.
    fn limits(&self) -> String {
        match self.max_user_connections {
            Some(n) => format!(" WITH MAX_USER_CONNECTIONS {n}"),
            None => String::new(),
        }
    }
}

fn outputs(endpoint: &Endpoint, user: &User) -> BTreeMap<String, Value> {
    let mut out = BTreeMap::from([
        ("host".to_owned(), json!(endpoint.host)),
        ("port".to_owned(), json!(endpoint.port)),
        ("username".to_owned(), json!(user.name)),
    ]);
    if let Some(d) = &user.database {
        out.insert("database".to_owned(), json!(d));
    }
    out
}

fn secrets(endpoint: &Endpoint, user: &User, password: &str) -> SecretMap {
    // Names are `[a-z0-9_]` and passwords alphanumeric: nothing in the URI needs encoding.
    let path = user.database.as_deref().unwrap_or("");
    let uri = format!(
        "mysql://{}:{password}@{}:{}/{path}",
        user.name, endpoint.host, endpoint.port
    );
    let mut out = SecretMap::new();
    out.insert("password", SecretValue::new(password));
    out.insert("uri", SecretValue::new(uri));
    out
}

/// Observes `users` with one query of `mysql.user`.
pub(super) async fn observe_many(
    session: &mut Session<'_>,
    users: &[&User],
) -> Result<Vec<Observation>, ProviderError> {
    if users.is_empty() {
        return Ok(Vec::new());
    }
    let statement = format!(
        "SELECT User, Host, max_user_connections FROM mysql.user WHERE User IN ({})",
        sql::placeholders(users.len())
    );
    let params: Vec<SqlValue> = users.iter().map(|u| SqlValue::from(&u.name)).collect();
    let rows: Vec<(String, String, i64)> = session
        .rows(&statement, Params::from(params), "cannot list accounts")
        .await?;
    let found: BTreeMap<(String, String), i64> =
        rows.into_iter().map(|(u, h, m)| ((u, h), m)).collect();
    Ok(users
        .iter()
        .map(
            |user| match found.get(&(user.name.clone(), user.host.clone())) {
                None => Observation::absent(),
                Some(max) => {
                    let actual = json!({"maxUserConnections": max});
                    let diff = diff_fields("spec", &user.desired(), &actual);
                    Observation {
                        exists: true,
                        up_to_date: diff.is_empty(),
                        ready: true,
                        diff,
                        outputs: outputs(session.endpoint(), user),
                        ..Observation::default()
                    }
                }
            },
        )
        .collect())
}

/// Creates the account, or resets the password of an existing one, and hands out the new
/// password: after a crash the engine re-creates to recover credentials it never stored.
pub(super) async fn create(
    session: &mut Session<'_>,
    user: &User,
) -> Result<Applied, ProviderError> {
    let password = credentials::password().map_err(ProviderError::transient)?;
    // Account statements cannot take parameters on MariaDB: the password goes in a literal.
    // It is alphanumeric by construction; refuse anything else rather than trust escaping.
    if !password.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err(ProviderError::permanent(
            "mysql: expected a generated password of letters and digits, found other characters",
        ));
    }
    let secret = [password.as_str()];
    let account = user.account();
    let literal = sql::literal(&password);
    let what = format!("cannot create account {}@{}", user.name, user.host);
    session
        .run(
            &format!("CREATE USER IF NOT EXISTS {account} IDENTIFIED BY {literal}"),
            &what,
            &secret,
        )
        .await?;
    let what = format!(
        "cannot set the password of account {}@{}",
        user.name, user.host
    );
    session
        .run(
            &format!(
                "ALTER USER {account} IDENTIFIED BY {literal}{}",
                user.limits()
            ),
            &what,
            &secret,
        )
        .await?;
    let endpoint = session.endpoint().clone();
    Ok(Applied {
        outputs: outputs(&endpoint, user),
        secrets: secrets(&endpoint, user, &password),
        ..Applied::default()
    })
}

/// Sets the connection limit of the account, keeping its password; a missing account is
/// created with a fresh password.
pub(super) async fn update(
    session: &mut Session<'_>,
    user: &User,
) -> Result<Applied, ProviderError> {
    let seen = observe_many(session, &[user]).await?;
    if !seen.first().is_some_and(|o| o.exists) {
        return create(session, user).await;
    }
    let limits = user.limits();
    if !limits.is_empty() {
        let what = format!("cannot change account {}@{}", user.name, user.host);
        session
            .run(
                &format!("ALTER USER {}{limits}", user.account()),
                &what,
                &[],
            )
            .await?;
    }
    Ok(Applied {
        outputs: outputs(session.endpoint(), user),
        ..Applied::default()
    })
}

/// Drops the account; a missing one is fine.
pub(super) async fn delete(session: &mut Session<'_>, user: &User) -> Result<(), ProviderError> {
    let what = format!("cannot drop account {}@{}", user.name, user.host);
    session
        .run(
            &format!("DROP USER IF EXISTS {}", user.account()),
            &what,
            &[],
        )
        .await
}

/// The `User` kind.
pub(super) struct UserKind;

impl Checked for User {
    fn from_resource(resource: &ManagedResource) -> Result<Self, ProviderError> {
        User::from_resource(resource)
    }

    fn reals(&self) -> Vec<Real> {
        vec![Real::Account(
            self.name().to_owned(),
            self.host().to_owned(),
        )]
    }

    async fn observe_many(
        session: &mut Session<'_>,
        specs: &[&Self],
    ) -> Result<Vec<Observation>, ProviderError> {
        observe_many(session, specs).await
    }
}

#[async_trait]
impl ManagedKind<Server> for UserKind {
    async fn observe(
        &self,
        server: &Server,
        resource: &ManagedResource,
    ) -> Result<Observation, ProviderError> {
        observe_one::<User>(server, resource).await
    }

    /// One session for the batch: one query for the specs, one for the owners.
    async fn observe_many(
        &self,
        server: &Server,
        resources: &[ManagedResource],
    ) -> Vec<Result<Observation, ProviderError>> {
        observe_batch::<User>(server, resources).await
    }

    async fn create(
        &self,
        server: &Server,
        resource: &ManagedResource,
    ) -> Result<Applied, ProviderError> {
        let (user, mut session) = claimed::<User>(server, resource).await?;
        create(&mut session, &user).await
    }

    async fn update(
        &self,
        server: &Server,
        resource: &ManagedResource,
    ) -> Result<Applied, ProviderError> {
        let (user, mut session) = claimed::<User>(server, resource).await?;
        update(&mut session, &user).await
    }

    async fn delete(
        &self,
        server: &Server,
        resource: &ManagedResource,
    ) -> Result<(), ProviderError> {
        let (user, mut session) = checked::<User>(server, resource).await?;
        delete(&mut session, &user).await?;
        release(&mut session, &user).await
    }

    /// Gives a login whose create was never recorded a fresh password (create resets it),
    /// since nobody can read the lost one back.
    async fn adopt(
        &self,
        server: &Server,
        resource: &ManagedResource,
    ) -> Result<Applied, ProviderError> {
        self.create(server, resource).await
    }
}
