//! `Extension`: an extension installed in one database (a connection to that database). Its
//! tables and types are that database's data: an Extension touches no database recorded for
//! another owner.

use postgres_protocol::escape::escape_literal;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::collections::BTreeMap;

use super::errors::sql_error;
use super::{Catalog, Server, quote};
use crate::support::{ident, spec};
use async_trait::async_trait;
use platform_core::provider::{
    Applied, ManagedKind, ManagedResource, Observation, ProviderError, diff_fields,
};
use platform_core::secret::SecretMap;

/// The spec of an Extension.
#[derive(Debug, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(super) struct ExtensionSpec {
    pub name: String,
    pub database: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
}

/// The checked spec. Extension names may hold `-` (`uuid-ossp`); they are always quoted.
pub(super) fn checked(resource: &ManagedResource) -> Result<ExtensionSpec, ProviderError> {
    let spec: ExtensionSpec = spec::parse(resource)?;
    ident::name_at_most("spec.name", &spec.name, crate::support::ident::SQL_MAX)?;
    ident::sql("spec.database", &spec.database)?;
    if let Some(version) = &spec.version {
        ident::name_at_most("spec.version", version, crate::support::ident::SQL_MAX)?;
    }
    Ok(spec)
}

fn outputs(spec: &ExtensionSpec, version: &str) -> BTreeMap<String, Value> {
    BTreeMap::from([
        ("database".to_owned(), json!(spec.database)),
        ("extension".to_owned(), json!(spec.name)),
        ("version".to_owned(), json!(version)),
    ])
}

/// A connection to the extension's database, or None when that database does not exist;
/// refuses a database recorded for another owner than `resource`'s.
async fn connect(
    server: &Server,
    resource: &ManagedResource,
    spec: &ExtensionSpec,
) -> Result<Option<tokio_postgres::Client>, ProviderError> {
    let exists = {
        let client = server.pool.get().await?;
        server
            .check_owner(&*client, resource, Catalog::Database, &spec.database)
            .await?;
        client
            .query_opt(
                "SELECT 1 FROM pg_database WHERE datname = $1",
                &[&spec.database],
            )
            .await
            .map_err(|e| sql_error("cannot read pg_database", &e, &[]))?
            .is_some()
    };
    if !exists {
        return Ok(None);
    }
    match server.pool.connect_to(&spec.database).await {
        Ok(client) => Ok(Some(client)),
        // Dropped between the look-up and the connection.
        Err(e) if e.message.contains("does not exist") => Ok(None),
        Err(e) => Err(e),
    }
}

async fn installed(
    client: &tokio_postgres::Client,
    spec: &ExtensionSpec,
) -> Result<Option<String>, ProviderError> {
    Ok(client
        .query_opt(
            "SELECT extversion FROM pg_extension WHERE extname = $1",
            &[&spec.name],
        )
        .await
        .map_err(|e| sql_error("cannot read pg_extension", &e, &[]))?
        .map(|row| row.get(0)))
}

pub(super) async fn observe(
    server: &Server,
    resource: &ManagedResource,
) -> Result<Observation, ProviderError> {
    let spec = checked(resource)?;
    let Some(client) = connect(server, resource, &spec).await? else {
        return Ok(Observation::absent());
    };
    let Some(version) = installed(&client, &spec).await? else {
        return Ok(Observation::absent());
    };
    let desired = serde_json::to_value(&spec).unwrap_or(Value::Null);
    let actual = json!({"name": spec.name, "database": spec.database, "version": version});
    let diff = diff_fields("spec", &desired, &actual);
    Ok(Observation {
        exists: true,
        up_to_date: diff.is_empty(),
        ready: true,
        diff,
        outputs: outputs(&spec, &version),
        secrets: SecretMap::new(),
    })
}

/// Installs the extension, or moves it to the desired version.
pub(super) async fn apply(
    server: &Server,
    resource: &ManagedResource,
) -> Result<Applied, ProviderError> {
    let spec = checked(resource)?;
    {
        let client = server.pool.get().await?;
        server.wait_for_database(&client, &spec.database).await?;
    }
    let Some(client) = connect(server, resource, &spec).await? else {
        return Err(ProviderError::transient(format!(
            "database {} of extension {} does not exist",
            spec.database, spec.name
        )));
    };
    let name = quote(&spec.name);
    let what = format!(
        "cannot install extension {} in {}",
        spec.name, spec.database
    );
    let current = installed(&client, &spec).await?;
    let sql = match (&current, &spec.version) {
        (None, Some(v)) => format!(
            "CREATE EXTENSION IF NOT EXISTS {name} VERSION {}",
            escape_literal(v)
        ),
        (None, None) => format!("CREATE EXTENSION IF NOT EXISTS {name}"),
        (Some(have), Some(v)) if have != v => {
            format!("ALTER EXTENSION {name} UPDATE TO {}", escape_literal(v))
        }
        (Some(_), _) => String::new(),
    };
    if !sql.is_empty() {
        client
            .batch_execute(&sql)
            .await
            .map_err(|e| sql_error(&what, &e, &[]))?;
    }
    let version = installed(&client, &spec).await?.unwrap_or_default();
    Ok(Applied {
        pending: false,
        outputs: outputs(&spec, &version),
        secrets: SecretMap::new(),
    })
}

/// Drops the extension; succeeds when it or its database is gone.
pub(super) async fn delete(
    server: &Server,
    resource: &ManagedResource,
) -> Result<(), ProviderError> {
    let spec = checked(resource)?;
    let Some(client) = connect(server, resource, &spec).await? else {
        return Ok(());
    };
    client
        .batch_execute(&format!("DROP EXTENSION IF EXISTS {}", quote(&spec.name)))
        .await
        .map_err(|e| {
            sql_error(
                &format!("cannot drop extension {} in {}", spec.name, spec.database),
                &e,
                &[],
            )
        })
}

/// The `Extension` kind.
pub(super) struct Extension;

#[async_trait]
impl ManagedKind<Server> for Extension {
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

    /// Installs the extension, as a create does.
    async fn adopt(
        &self,
        server: &Server,
        resource: &ManagedResource,
    ) -> Result<Applied, ProviderError> {
        self.create(server, resource).await
    }
}
