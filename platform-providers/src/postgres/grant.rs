//! `Grant`: privileges of a role on a database, read back from `pg_database.datacl`, so a
//! privilege revoked out of band shows as drift (ownership alone grants nothing here). The
//! privileges are the role's and the database's data: a Grant touches neither when either is
//! recorded for another owner.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};

use super::errors::{missing, sql_error};
use super::{Catalog, Server, quote};
use crate::support::{ident, spec};
use async_trait::async_trait;
use platform_core::provider::{
    Applied, ManagedKind, ManagedResource, Observation, ProviderError, diff_fields,
};
use platform_core::secret::SecretMap;

/// The words `spec.privileges` accepts.
pub(super) const PRIVILEGES: &[&str] = &["ALL", "CONNECT", "CREATE", "TEMPORARY", "TEMP"];

/// The privileges a database has, as `aclexplode` names them.
const DATABASE_PRIVILEGES: [&str; 3] = ["CONNECT", "CREATE", "TEMPORARY"];

/// The spec of a Grant.
#[derive(Debug, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(super) struct GrantSpec {
    pub role: String,
    pub database: String,
    pub privileges: Vec<String>,
}

/// The checked spec and the privileges it means (`ALL` expanded, `TEMP` as `TEMPORARY`).
pub(super) fn checked(
    resource: &ManagedResource,
) -> Result<(GrantSpec, BTreeSet<&'static str>), ProviderError> {
    let spec: GrantSpec = spec::parse(resource)?;
    ident::sql("spec.role", &spec.role)?;
    ident::sql("spec.database", &spec.database)?;
    if spec.privileges.is_empty() {
        return Err(ProviderError::permanent(format!(
            "invalid spec.privileges of Grant {}: expected at least one of {}, found none",
            resource.external_name,
            PRIVILEGES.join(", ")
        )));
    }
    let mut wanted = BTreeSet::new();
    for (i, word) in spec.privileges.iter().enumerate() {
        match ident::one_of(&format!("spec.privileges[{i}]"), word, PRIVILEGES)? {
            "ALL" => wanted.extend(DATABASE_PRIVILEGES),
            "TEMP" => {
                wanted.insert("TEMPORARY");
            }
            other => {
                wanted.insert(other);
            }
        }
    }
    Ok((spec, wanted))
}

/// Refuses `resource` when its role or database is recorded for another owner.
async fn check_owners(
    server: &Server,
    client: &tokio_postgres::Client,
    resource: &ManagedResource,
    spec: &GrantSpec,
) -> Result<(), ProviderError> {
    server
        .check_owner(client, resource, Catalog::Role, &spec.role)
        .await?;
    server
        .check_owner(client, resource, Catalog::Database, &spec.database)
        .await
}

fn outputs(spec: &GrantSpec) -> BTreeMap<String, Value> {
    BTreeMap::from([
        ("role".to_owned(), json!(spec.role)),
        ("database".to_owned(), json!(spec.database)),
    ])
}

/// The privileges granted to `role` on `database` explicitly; None when either is missing.
async fn held(
    client: &tokio_postgres::Client,
    spec: &GrantSpec,
) -> Result<Option<BTreeSet<String>>, ProviderError> {
    let rows = client
        .query(
            "SELECT r.oid IS NOT NULL AND d.oid IS NOT NULL, a.privilege_type::text
             FROM (SELECT 1) one
             LEFT JOIN pg_roles r ON r.rolname = $1
             LEFT JOIN pg_database d ON d.datname = $2
             LEFT JOIN LATERAL aclexplode(d.datacl) a ON a.grantee = r.oid",
            &[&spec.role, &spec.database],
        )
        .await
        .map_err(|e| {
            sql_error(
                &format!(
                    "cannot read the privileges of {} on {}",
                    spec.role, spec.database
                ),
                &e,
                &[],
            )
        })?;
    let both_exist = rows.first().is_some_and(|r| r.get::<_, bool>(0));
    if !both_exist {
        return Ok(None);
    }
    Ok(Some(
        rows.iter()
            .filter_map(|r| r.get::<_, Option<String>>(1))
            .collect(),
    ))
}

pub(super) async fn observe(
    server: &Server,
    resource: &ManagedResource,
) -> Result<Observation, ProviderError> {
    let (spec, wanted) = checked(resource)?;
    let client = server.pool.get().await?;
    check_owners(server, &client, resource, &spec).await?;
    let Some(held) = held(&client, &spec).await? else {
        return Ok(Observation::absent());
    };
    if held.is_empty() {
        return Ok(Observation::absent());
    }
    // As the spec writes them when they match, else the privileges held, spelled out.
    let same = held.len() == wanted.len() && wanted.iter().all(|w| held.contains(*w));
    let actual_privileges = if same {
        json!(spec.privileges)
    } else {
        json!(held.iter().collect::<Vec<_>>())
    };
    let desired =
        json!({"role": spec.role, "database": spec.database, "privileges": spec.privileges});
    let actual =
        json!({"role": spec.role, "database": spec.database, "privileges": actual_privileges});
    let diff = diff_fields("spec", &desired, &actual);
    Ok(Observation {
        exists: true,
        up_to_date: diff.is_empty(),
        ready: true,
        diff,
        outputs: outputs(&spec),
        secrets: SecretMap::new(),
    })
}

/// Grants what the spec names and revokes the other database privileges (create and update).
pub(super) async fn apply(
    server: &Server,
    resource: &ManagedResource,
) -> Result<Applied, ProviderError> {
    let (spec, wanted) = checked(resource)?;
    let client = server.pool.get().await?;
    server.wait_for_role(&client, &spec.role).await?;
    server.wait_for_database(&client, &spec.database).await?;
    check_owners(server, &client, resource, &spec).await?;
    let (role, database) = (quote(&spec.role), quote(&spec.database));
    let grant: Vec<&str> = wanted.iter().copied().collect();
    let revoke: Vec<&str> = DATABASE_PRIVILEGES
        .iter()
        .copied()
        .filter(|p| !wanted.contains(p))
        .collect();
    let mut sql = format!(
        "GRANT {} ON DATABASE {database} TO {role}",
        grant.join(", ")
    );
    if !revoke.is_empty() {
        sql.push_str(&format!(
            "; REVOKE {} ON DATABASE {database} FROM {role}",
            revoke.join(", ")
        ));
    }
    client.batch_execute(&sql).await.map_err(|e| {
        sql_error(
            &format!(
                "cannot grant {} on {} to {}",
                grant.join(", "),
                spec.database,
                spec.role
            ),
            &e,
            &[],
        )
    })?;
    Ok(Applied {
        pending: false,
        outputs: outputs(&spec),
        secrets: SecretMap::new(),
    })
}

/// Revokes every database privilege of the role; succeeds when the role or database is gone.
pub(super) async fn delete(
    server: &Server,
    resource: &ManagedResource,
) -> Result<(), ProviderError> {
    let (spec, _) = checked(resource)?;
    let client = server.pool.get().await?;
    check_owners(server, &client, resource, &spec).await?;
    let sql = format!(
        "REVOKE ALL ON DATABASE {} FROM {}",
        quote(&spec.database),
        quote(&spec.role)
    );
    match client.batch_execute(&sql).await {
        Ok(()) => Ok(()),
        Err(e) if missing(&e) => Ok(()),
        Err(e) => Err(sql_error(
            &format!(
                "cannot revoke the privileges of {} on {}",
                spec.role, spec.database
            ),
            &e,
            &[],
        )),
    }
}

/// The `Grant` kind.
pub(super) struct Grant;

#[async_trait]
impl ManagedKind<Server> for Grant {
    async fn observe(
        &self,
        server: &Server,
        resource: &ManagedResource,
    ) -> Result<Observation, ProviderError> {
        observe(server, resource).await
    }

    async fn create(
        &self,
        server: &Server,
        resource: &ManagedResource,
    ) -> Result<Applied, ProviderError> {
        apply(server, resource).await
    }

    async fn update(
        &self,
        server: &Server,
        resource: &ManagedResource,
    ) -> Result<Applied, ProviderError> {
        apply(server, resource).await
    }

    async fn delete(
        &self,
        server: &Server,
        resource: &ManagedResource,
    ) -> Result<(), ProviderError> {
        delete(server, resource).await
    }

    /// Applies the privileges, as a create does.
    async fn adopt(
        &self,
        server: &Server,
        resource: &ManagedResource,
    ) -> Result<Applied, ProviderError> {
        self.create(server, resource).await
    }
}
