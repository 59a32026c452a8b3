//! `Role`: a role with a generated password, sent only as a SCRAM-SHA-256 verifier, created in
//! one transaction with the platform's marker and its owner. Creating one that exists sets a
//! fresh password, unless the role is recorded for another owner.

use postgres_protocol::escape::escape_literal;
use postgres_protocol::password::scram_sha_256;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use tokio_postgres::error::SqlState;

use super::errors::{already_exists, missing, sql_error};
use super::{Catalog, Server, comment, quote};
use crate::support::{credentials, ident, spec};
use async_trait::async_trait;
use platform_core::provider::{
    Applied, ManagedKind, ManagedResource, Observation, Owner, ProviderError, diff_fields,
};
use platform_core::secret::{SecretMap, SecretValue};

/// The spec of a Role.
#[derive(Debug, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(super) struct RoleSpec {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub login: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connection_limit: Option<i32>,
    /// The database the handed-out uri names (default: the role's name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub database: Option<String>,
}

impl RoleSpec {
    fn login(&self) -> bool {
        self.login.unwrap_or(true)
    }

    /// The fields observe compares, as the server would report them.
    fn desired(&self) -> Value {
        let mut v = json!({"name": self.name, "login": self.login()});
        if let Some(limit) = self.connection_limit {
            v["connectionLimit"] = json!(limit);
        }
        v
    }

    fn options(&self) -> String {
        format!(
            "{} CONNECTION LIMIT {}",
            if self.login() { "LOGIN" } else { "NOLOGIN" },
            self.connection_limit.unwrap_or(-1)
        )
    }
}

/// The checked spec: every identifier passes the strict pattern.
pub(super) fn checked(resource: &ManagedResource) -> Result<RoleSpec, ProviderError> {
    let spec: RoleSpec = spec::parse(resource)?;
    ident::sql("spec.name", &spec.name)?;
    if let Some(database) = &spec.database {
        ident::sql("spec.database", database)?;
    }
    if let Some(limit) = spec.connection_limit
        && limit < -1
    {
        return Err(ProviderError::permanent(format!(
            "invalid spec.connectionLimit of Role {}: expected -1 (no limit) or more, found {limit}",
            resource.external_name
        )));
    }
    Ok(spec)
}

fn outputs(server: &Server, spec: &RoleSpec) -> std::collections::BTreeMap<String, Value> {
    let mut outputs = server.outputs();
    outputs.insert("username".to_owned(), json!(spec.name));
    outputs
}

/// Observes many roles with one query over `pg_roles`.
pub(super) async fn observe_many(
    server: &Server,
    resources: &[ManagedResource],
) -> Vec<Result<Observation, ProviderError>> {
    let specs: Vec<Result<RoleSpec, ProviderError>> = resources.iter().map(checked).collect();
    let names: Vec<String> = specs
        .iter()
        .filter_map(|s| s.as_ref().ok().map(|s| s.name.clone()))
        .collect();
    let rows = if names.is_empty() {
        Ok(Vec::new())
    } else {
        match server.pool.get().await {
            Ok(client) => client
                .query(
                    "SELECT rolname::text, rolcanlogin, rolconnlimit,
                            shobj_description(oid, 'pg_authid')
                     FROM pg_roles WHERE rolname::text = ANY($1::text[])",
                    &[&names],
                )
                .await
                .map_err(|e| sql_error("cannot read pg_roles", &e, &[])),
            Err(e) => Err(e),
        }
    };
    let rows = match rows {
        Ok(rows) => rows,
        Err(e) => return resources.iter().map(|_| Err(e.clone())).collect(),
    };
    let found: std::collections::HashMap<String, (Value, Option<Owner>)> = rows
        .iter()
        .map(|row| {
            let name: String = row.get(0);
            let login: bool = row.get(1);
            let limit: i32 = row.get(2);
            let owner = row
                .get::<_, Option<String>>(3)
                .and_then(|c| Owner::from_marker(&c));
            let actual = json!({"name": name, "login": login, "connectionLimit": limit});
            (name, (actual, owner))
        })
        .collect();
    resources
        .iter()
        .zip(specs)
        .map(|(resource, spec)| {
            let spec = spec?;
            let Some((actual, owner)) = found.get(&spec.name) else {
                return Ok(Observation::absent());
            };
            Owner::check(resource, "role", owner.as_ref())?;
            let diff = diff_fields("spec", &spec.desired(), actual);
            Ok(Observation {
                exists: true,
                up_to_date: diff.is_empty(),
                ready: true,
                diff,
                outputs: outputs(server, &spec),
                // The server keeps a verifier only: the password is handed out by create.
                secrets: SecretMap::new(),
            })
        })
        .collect()
}

/// Creates the role with a fresh password, or sets a fresh password on the role that exists.
pub(super) async fn create(
    server: &Server,
    resource: &ManagedResource,
) -> Result<Applied, ProviderError> {
    let spec = checked(resource)?;
    let password = credentials::password().map_err(ProviderError::transient)?;
    let verifier = scram_sha_256(password.as_bytes());
    let secrets = [password.as_str(), verifier.as_str()];
    let name = quote(&spec.name);
    let comment = format!(
        "COMMENT ON ROLE {name} IS {}",
        escape_literal(&comment(resource))
    );
    let create = format!(
        "CREATE ROLE {name} WITH {} PASSWORD {}; {comment}",
        spec.options(),
        escape_literal(&verifier)
    );
    let reset = format!(
        "ALTER ROLE {name} WITH PASSWORD {}; {comment}",
        escape_literal(&verifier)
    );
    let mut client = server.pool.get().await?;
    // Before anything is remembered: another owner's password stays the one remembered.
    server
        .check_owner(&*client, resource, Catalog::Role, &spec.name)
        .await?;
    // Remembered before the commit, so a Database waiting for this role finds the password
    // as soon as the role is visible.
    let previous = server.remembered(&spec.name);
    server.remember(&spec.name, &password, &verifier);
    let result = async {
        let what = format!("cannot create role {}", spec.name);
        let tx = client
            .transaction()
            .await
            .map_err(|e| sql_error(&what, &e, &secrets))?;
        match tx.batch_execute(&create).await {
            Ok(()) => {
                return tx
                    .commit()
                    .await
                    .map_err(|e| sql_error(&what, &e, &secrets));
            }
            Err(e) if already_exists(&e) => {}
            Err(e) => return Err(sql_error(&what, &e, &secrets)),
        }
        drop(tx);
        // It exists (made earlier, or concurrently): a fresh password is the one handed out.
        let what = format!("cannot set a new password for role {}", spec.name);
        let tx = client
            .transaction()
            .await
            .map_err(|e| sql_error(&what, &e, &secrets))?;
        // Checked again in the transaction that resets: the role may have been made meanwhile.
        server
            .check_owner(&tx, resource, Catalog::Role, &spec.name)
            .await?;
        tx.batch_execute(&reset)
            .await
            .map_err(|e| sql_error(&what, &e, &secrets))?;
        tx.commit()
            .await
            .map_err(|e| sql_error(&what, &e, &secrets))
    }
    .await;
    if let Err(e) = result {
        match previous {
            Some((password, verifier)) => server.remember(&spec.name, &password, &verifier),
            None => server.forget(&spec.name),
        }
        return Err(e);
    }
    let database = spec.database.as_deref().unwrap_or(&spec.name);
    let mut out = SecretMap::new();
    out.insert("password", SecretValue::new(password.clone()));
    out.insert(
        "uri",
        SecretValue::new(server.uri(&spec.name, &password, database)),
    );
    Ok(Applied {
        pending: false,
        outputs: outputs(server, &spec),
        secrets: out,
    })
}

/// Sets login and connection limit (never the password) and records the owner; creates the
/// role when it is missing.
pub(super) async fn update(
    server: &Server,
    resource: &ManagedResource,
) -> Result<Applied, ProviderError> {
    let spec = checked(resource)?;
    let sql = format!(
        "ALTER ROLE {} WITH {}; COMMENT ON ROLE {} IS {}",
        quote(&spec.name),
        spec.options(),
        quote(&spec.name),
        escape_literal(&comment(resource))
    );
    let what = format!("cannot update role {}", spec.name);
    let mut client = server.pool.get().await?;
    let done = {
        let tx = client
            .transaction()
            .await
            .map_err(|e| sql_error(&what, &e, &[]))?;
        server
            .check_owner(&tx, resource, Catalog::Role, &spec.name)
            .await?;
        match tx.batch_execute(&sql).await {
            Ok(()) => tx.commit().await,
            Err(e) => Err(e),
        }
    };
    match done {
        Ok(()) => Ok(Applied {
            pending: false,
            outputs: outputs(server, &spec),
            secrets: SecretMap::new(),
        }),
        Err(e) if missing(&e) => {
            drop(client);
            create(server, resource).await
        }
        Err(e) => Err(sql_error(&what, &e, &[])),
    }
}

/// Drops the role, first handing what it owns in any database to the adapter's own user;
/// refuses a role recorded for another owner.
pub(super) async fn delete(
    server: &Server,
    resource: &ManagedResource,
) -> Result<(), ProviderError> {
    let spec = checked(resource)?;
    let what = format!("cannot drop role {}", spec.name);
    let client = server.pool.get().await?;
    server
        .check_owner(&*client, resource, Catalog::Role, &spec.name)
        .await?;
    let exists = client
        .query_opt("SELECT 1 FROM pg_roles WHERE rolname = $1", &[&spec.name])
        .await
        .map_err(|e| sql_error(&what, &e, &[]))?
        .is_some();
    server.forget(&spec.name);
    if !exists {
        return Ok(());
    }
    // Objects the role owns or holds privileges on in other databases block DROP ROLE;
    // REASSIGN and DROP OWNED act in the database they run in (and on shared objects).
    let elsewhere: Vec<String> = client
        .query(
            "SELECT DISTINCT d.datname::text FROM pg_shdepend s
               JOIN pg_database d ON d.oid = s.dbid
               JOIN pg_roles r ON r.oid = s.refobjid
             WHERE s.refclassid = 'pg_authid'::regclass AND r.rolname = $1
               AND d.datname <> current_database() AND d.datallowconn",
            &[&spec.name],
        )
        .await
        .map_err(|e| sql_error(&what, &e, &[]))?
        .iter()
        .map(|row| row.get(0))
        .collect();
    let name = quote(&spec.name);
    let disown = format!("REASSIGN OWNED BY {name} TO CURRENT_USER; DROP OWNED BY {name}");
    for database in elsewhere {
        match server.pool.connect_to(&database).await {
            Ok(other) => match other.batch_execute(&disown).await {
                Ok(()) => {}
                Err(e) if missing(&e) => {}
                Err(e) => return Err(sql_error(&format!("{what} (in {database})"), &e, &[])),
            },
            // A database dropped meanwhile holds nothing any more.
            Err(e) if e.message.contains("does not exist") => {}
            Err(e) => return Err(e),
        }
    }
    let drop_sql = format!("{disown}; DROP ROLE IF EXISTS {name}");
    match client.batch_execute(&drop_sql).await {
        Ok(()) => Ok(()),
        Err(e) if missing(&e) => Ok(()),
        // A database of the role being dropped at the same moment: worth a retry.
        Err(e) if e.code() == Some(&SqlState::DEPENDENT_OBJECTS_STILL_EXIST) => {
            Err(ProviderError::transient(sql_error(&what, &e, &[]).message))
        }
        Err(e) => Err(sql_error(&what, &e, &[])),
    }
}

/// The `Role` kind: one query over `pg_roles` observes a batch.
pub(super) struct Role;

#[async_trait]
impl ManagedKind<Server> for Role {
    async fn observe(
        &self,
        server: &Server,
        resource: &ManagedResource,
    ) -> Result<Observation, ProviderError> {
        observe_many(server, std::slice::from_ref(resource))
            .await
            .pop()
            .unwrap_or_else(|| Err(ProviderError::transient("no observation")))
    }

    async fn create(
        &self,
        server: &Server,
        resource: &ManagedResource,
    ) -> Result<Applied, ProviderError> {
        create(server, resource).await
    }

    async fn update(
        &self,
        server: &Server,
        resource: &ManagedResource,
    ) -> Result<Applied, ProviderError> {
        update(server, resource).await
    }

    async fn delete(
        &self,
        server: &Server,
        resource: &ManagedResource,
    ) -> Result<(), ProviderError> {
        delete(server, resource).await
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

    /// One query over `pg_roles` for the whole batch.
    async fn observe_many(
        &self,
        server: &Server,
        resources: &[ManagedResource],
    ) -> Vec<Result<Observation, ProviderError>> {
        observe_many(server, resources).await
    }
}
