//! `Database`: a database with an owner, an encoding and a connection limit, marked as the
//! platform's with the claim that owns it. CREATE DATABASE cannot run in a transaction: the
//! marker follows it, under an advisory lock on the name so that no other process checks or
//! writes the owner in between, and a create repeated after a crash completes what the first
//! one left.

use postgres_protocol::escape::escape_literal;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashMap};

use super::errors::{already_exists, missing, sql_error};
use super::{Catalog, Server, comment, quote};
use crate::support::{ident, spec};
use async_trait::async_trait;
use platform_core::provider::{
    Applied, ManagedKind, ManagedResource, Observation, Owner, ProviderError, diff_fields,
};
use platform_core::secret::{SecretMap, SecretValue};

/// The spec of a Database.
#[derive(Debug, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(super) struct DatabaseSpec {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encoding: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connection_limit: Option<i32>,
}

/// The checked spec: every identifier passes the strict pattern.
pub(super) fn checked(resource: &ManagedResource) -> Result<DatabaseSpec, ProviderError> {
    let spec: DatabaseSpec = spec::parse(resource)?;
    ident::sql("spec.name", &spec.name)?;
    if let Some(owner) = &spec.owner {
        ident::sql("spec.owner", owner)?;
    }
    if let Some(encoding) = &spec.encoding {
        let ok = !encoding.is_empty()
            && encoding.len() <= 20
            && encoding
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_');
        if !ok {
            let shown: String = encoding.chars().take(40).collect();
            return Err(ProviderError::permanent(format!(
                "invalid spec.encoding of Database {}: expected a PostgreSQL encoding name in capitals such as UTF8 or LATIN1, found {shown:?}",
                resource.external_name
            )));
        }
    }
    if let Some(limit) = spec.connection_limit
        && limit < -1
    {
        return Err(ProviderError::permanent(format!(
            "invalid spec.connectionLimit of Database {}: expected -1 (no limit) or more, found {limit}",
            resource.external_name
        )));
    }
    Ok(spec)
}

fn outputs(server: &Server, spec: &DatabaseSpec) -> BTreeMap<String, Value> {
    let mut outputs = server.outputs();
    outputs.insert("database".to_owned(), json!(spec.name));
    outputs
}

/// The owners' passwords this process set that the server still holds, by owner.
async fn known_passwords(
    server: &Server,
    client: &tokio_postgres::Client,
    owners: &[String],
) -> HashMap<String, String> {
    let remembered: HashMap<String, (String, String)> = owners
        .iter()
        .filter_map(|o| server.remembered(o).map(|p| (o.clone(), p)))
        .collect();
    if remembered.is_empty() {
        return HashMap::new();
    }
    let names: Vec<String> = remembered.keys().cloned().collect();
    // pg_authid needs a superuser; without one, trust what this process set.
    let current = client
        .query(
            "SELECT rolname::text, rolpassword FROM pg_authid WHERE rolname::text = ANY($1::text[])",
            &[&names],
        )
        .await;
    match current {
        Ok(rows) => rows
            .iter()
            .filter_map(|row| {
                let name: String = row.get(0);
                let verifier: Option<String> = row.get(1);
                let (password, sent) = remembered.get(&name)?;
                (verifier.as_deref() == Some(sent.as_str())).then(|| (name, password.clone()))
            })
            .collect(),
        Err(_) => remembered
            .into_iter()
            .map(|(name, (password, _))| (name, password))
            .collect(),
    }
}

fn secrets(server: &Server, spec: &DatabaseSpec, passwords: &HashMap<String, String>) -> SecretMap {
    let mut out = SecretMap::new();
    if let Some(owner) = &spec.owner
        && let Some(password) = passwords.get(owner)
    {
        out.insert(
            "uri",
            SecretValue::new(server.uri(owner, password, &spec.name)),
        );
    }
    out
}

/// Observes many databases with one query over `pg_database`.
pub(super) async fn observe_many(
    server: &Server,
    resources: &[ManagedResource],
) -> Vec<Result<Observation, ProviderError>> {
    let specs: Vec<Result<DatabaseSpec, ProviderError>> = resources.iter().map(checked).collect();
    let names: Vec<String> = specs
        .iter()
        .filter_map(|s| s.as_ref().ok().map(|s| s.name.clone()))
        .collect();
    if names.is_empty() {
        return specs
            .into_iter()
            .map(|s| s.map(|_| Observation::absent()))
            .collect();
    }
    let client = match server.pool.get().await {
        Ok(client) => client,
        Err(e) => return resources.iter().map(|_| Err(e.clone())).collect(),
    };
    let rows = client
        .query(
            "SELECT datname::text, pg_get_userbyid(datdba)::text,
                    pg_encoding_to_char(encoding)::text, datconnlimit,
                    shobj_description(oid, 'pg_database')
             FROM pg_database WHERE datname::text = ANY($1::text[])",
            &[&names],
        )
        .await
        .map_err(|e| sql_error("cannot read pg_database", &e, &[]));
    let rows = match rows {
        Ok(rows) => rows,
        Err(e) => return resources.iter().map(|_| Err(e.clone())).collect(),
    };
    let found: HashMap<String, (Value, Option<Owner>)> = rows
        .iter()
        .map(|row| {
            let name: String = row.get(0);
            let owner: String = row.get(1);
            let encoding: String = row.get(2);
            let limit: i32 = row.get(3);
            let recorded = row
                .get::<_, Option<String>>(4)
                .and_then(|c| Owner::from_marker(&c));
            let actual = json!({
                "name": name, "owner": owner, "encoding": encoding, "connectionLimit": limit
            });
            (name, (actual, recorded))
        })
        .collect();
    let owners: Vec<String> = specs
        .iter()
        .filter_map(|s| s.as_ref().ok().and_then(|s| s.owner.clone()))
        .collect();
    let passwords = known_passwords(server, &client, &owners).await;
    resources
        .iter()
        .zip(specs)
        .map(|(resource, spec)| {
            let spec = spec?;
            let Some((actual, recorded)) = found.get(&spec.name) else {
                return Ok(Observation::absent());
            };
            Owner::check(resource, "database", recorded.as_ref())?;
            let desired = serde_json::to_value(&spec).unwrap_or(Value::Null);
            let diff = diff_fields("spec", &desired, actual);
            Ok(Observation {
                exists: true,
                up_to_date: diff.is_empty(),
                ready: true,
                diff,
                outputs: outputs(server, &spec),
                secrets: secrets(server, &spec, &passwords),
            })
        })
        .collect()
}

/// Creates the database (after its owner role exists) and marks it; a database that exists
/// is left as it is, its marker set, unless it is recorded for another owner.
pub(super) async fn create(
    server: &Server,
    resource: &ManagedResource,
) -> Result<Applied, ProviderError> {
    let spec = checked(resource)?;
    let client = server.pool.get().await?;
    if let Some(owner) = &spec.owner {
        server.wait_for_role(&client, owner).await?;
    }
    let mut sql = format!("CREATE DATABASE {}", quote(&spec.name));
    if let Some(owner) = &spec.owner {
        sql.push_str(&format!(" OWNER {}", quote(owner)));
    }
    if let Some(encoding) = &spec.encoding {
        // template1 may hold another encoding; template0 accepts any.
        sql.push_str(&format!(
            " ENCODING {} TEMPLATE template0",
            escape_literal(encoding)
        ));
    }
    if let Some(limit) = spec.connection_limit {
        sql.push_str(&format!(" CONNECTION LIMIT {limit}"));
    }
    let what = format!("cannot create database {}", spec.name);
    locked(&client, &spec.name, async {
        match client.batch_execute(&sql).await {
            Ok(()) => {}
            Err(e) if already_exists(&e) => {
                server
                    .check_owner(&*client, resource, Catalog::Database, &spec.name)
                    .await?
            }
            Err(e) => return Err(sql_error(&what, &e, &[])),
        }
        mark(&client, resource, &spec.name).await
    })
    .await?;
    let passwords = known_passwords(server, &client, spec.owner.as_slice()).await;
    Ok(Applied {
        pending: false,
        outputs: outputs(server, &spec),
        secrets: secrets(server, &spec, &passwords),
    })
}

async fn mark(
    client: &tokio_postgres::Client,
    resource: &ManagedResource,
    name: &str,
) -> Result<(), ProviderError> {
    client
        .batch_execute(&format!(
            "COMMENT ON DATABASE {} IS {}",
            quote(name),
            escape_literal(&comment(resource))
        ))
        .await
        .map_err(|e| sql_error(&format!("cannot mark database {name}"), &e, &[]))
}

/// Runs `work` holding the session advisory lock of database `name`: checking the owner a
/// database records and writing one are then one step for every process of the platform.
async fn locked<T>(
    client: &tokio_postgres::Client,
    name: &str,
    work: impl Future<Output = Result<T, ProviderError>>,
) -> Result<T, ProviderError> {
    let key = format!("platform.dev/database/{name}");
    let what = format!("cannot lock database {name}");
    client
        .execute("SELECT pg_advisory_lock(hashtextextended($1, 0))", &[&key])
        .await
        .map_err(|e| sql_error(&what, &e, &[]))?;
    let result = work.await;
    // A connection that fails here is closed, and the server drops its locks with it.
    let unlocked = client
        .execute(
            "SELECT pg_advisory_unlock(hashtextextended($1, 0))",
            &[&key],
        )
        .await;
    let value = result?;
    unlocked.map_err(|e| sql_error(&what, &e, &[]))?;
    Ok(value)
}

/// Sets owner and connection limit; an encoding cannot change, so a different one is a
/// permanent error. Creates the database when it is missing.
pub(super) async fn update(
    server: &Server,
    resource: &ManagedResource,
) -> Result<Applied, ProviderError> {
    let spec = checked(resource)?;
    let client = server.pool.get().await?;
    let what = format!("cannot update database {}", spec.name);
    let row = client
        .query_opt(
            "SELECT pg_encoding_to_char(encoding)::text FROM pg_database WHERE datname = $1",
            &[&spec.name],
        )
        .await
        .map_err(|e| sql_error(&what, &e, &[]))?;
    let Some(row) = row else {
        drop(client);
        return create(server, resource).await;
    };
    let encoding: String = row.get(0);
    if let Some(desired) = &spec.encoding
        && *desired != encoding
    {
        return Err(ProviderError::permanent(format!(
            "{what}: spec.encoding is {desired} but the database was created with {encoding}; an encoding cannot change (drop and create the database to change it)"
        )));
    }
    let name = quote(&spec.name);
    let mut sql = Vec::new();
    if let Some(owner) = &spec.owner {
        server.wait_for_role(&client, owner).await?;
        sql.push(format!("ALTER DATABASE {name} OWNER TO {}", quote(owner)));
    }
    if let Some(limit) = spec.connection_limit {
        sql.push(format!("ALTER DATABASE {name} CONNECTION LIMIT {limit}"));
    }
    sql.push(format!(
        "COMMENT ON DATABASE {name} IS {}",
        escape_literal(&comment(resource))
    ));
    let altered = locked(&client, &spec.name, async {
        server
            .check_owner(&*client, resource, Catalog::Database, &spec.name)
            .await?;
        match client.batch_execute(&sql.join("; ")).await {
            Ok(()) => Ok(true),
            Err(e) if missing(&e) && e.to_string().contains("database") => Ok(false),
            Err(e) => Err(sql_error(&what, &e, &[])),
        }
    })
    .await?;
    if !altered {
        drop(client);
        return create(server, resource).await;
    }
    let passwords = known_passwords(server, &client, spec.owner.as_slice()).await;
    Ok(Applied {
        pending: false,
        outputs: outputs(server, &spec),
        secrets: secrets(server, &spec, &passwords),
    })
}

/// Drops the database, ending its sessions (`WITH (FORCE)`); succeeds when it is gone and
/// refuses one recorded for another owner.
pub(super) async fn delete(
    server: &Server,
    resource: &ManagedResource,
) -> Result<(), ProviderError> {
    let spec = checked(resource)?;
    let client = server.pool.get().await?;
    locked(&client, &spec.name, async {
        server
            .check_owner(&*client, resource, Catalog::Database, &spec.name)
            .await?;
        client
            .batch_execute(&format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                quote(&spec.name)
            ))
            .await
            .map_err(|e| sql_error(&format!("cannot drop database {}", spec.name), &e, &[]))
    })
    .await
}

/// The `Database` kind: one query over `pg_database` observes a batch.
pub(super) struct Database;

#[async_trait]
impl ManagedKind<Server> for Database {
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

    /// Completes what a create cut short left (its marker, its owner), as a create does.
    async fn adopt(
        &self,
        server: &Server,
        resource: &ManagedResource,
    ) -> Result<Applied, ProviderError> {
        self.create(server, resource).await
    }

    /// One query over `pg_database` for the whole batch.
    async fn observe_many(
        &self,
        server: &Server,
        resources: &[ManagedResource],
    ) -> Vec<Result<Observation, ProviderError>> {
        observe_many(server, resources).await
    }
}
