//! `Database`: a schema with its default character set and collation.

use mysql_async::{Params, Value as SqlValue};
use serde::Deserialize;
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

use super::owners::Real;
use super::server::Server;
use super::{Checked, checked, claimed, observe_batch, observe_one, release};
use async_trait::async_trait;
use platform_core::provider::{
    Applied, ManagedKind, ManagedResource, Observation, Owner, ProviderError, diff_fields,
};

use super::server::{Endpoint, Session};
use super::sql;
use crate::support::{ident, spec};

/// The comment that marks a database as created by this adapter (MariaDB keeps it); the
/// owner's marker follows it.
pub(super) const MARK: &str = "managed by platform";

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct DatabaseSpec {
    name: String,
    character_set: Option<String>,
    collation: Option<String>,
}

/// A checked `Database` spec.
#[derive(Debug, Clone)]
pub(super) struct Database {
    name: String,
    character_set: Option<String>,
    collation: Option<String>,
}

impl Database {
    /// The spec of `resource`, every identifier checked.
    pub(super) fn from_resource(resource: &ManagedResource) -> Result<Self, ProviderError> {
        let s: DatabaseSpec = spec::parse(resource)?;
        ident::sql("spec.name", &s.name)?;
        if let Some(c) = &s.character_set {
            ident::sql("spec.characterSet", c)?;
        }
        if let Some(c) = &s.collation {
            ident::sql("spec.collation", c)?;
        }
        Ok(Database {
            name: s.name,
            character_set: s.character_set,
            collation: s.collation,
        })
    }

    /// The database's name.
    pub(super) fn name(&self) -> &str {
        &self.name
    }

    /// The compared fields of the spec, as written.
    fn desired(&self) -> Value {
        let mut m = Map::new();
        if let Some(c) = &self.character_set {
            m.insert("characterSet".into(), json!(c));
        }
        if let Some(c) = &self.collation {
            m.insert("collation".into(), json!(c));
        }
        Value::Object(m)
    }

    /// `CHARACTER SET x COLLATE y`, as far as the spec sets them.
    fn options(&self) -> String {
        let mut out = String::new();
        if let Some(c) = &self.character_set {
            out.push_str(&format!(" CHARACTER SET {}", sql::ident(c)));
        }
        if let Some(c) = &self.collation {
            out.push_str(&format!(" COLLATE {}", sql::ident(c)));
        }
        out
    }
}

fn outputs(endpoint: &Endpoint, db: &Database) -> BTreeMap<String, Value> {
    BTreeMap::from([
        ("host".to_owned(), json!(endpoint.host)),
        ("port".to_owned(), json!(endpoint.port)),
        ("database".to_owned(), json!(db.name)),
    ])
}

/// Observes `dbs` with one query of `information_schema.SCHEMATA`.
pub(super) async fn observe_many(
    session: &mut Session<'_>,
    dbs: &[&Database],
) -> Result<Vec<Observation>, ProviderError> {
    if dbs.is_empty() {
        return Ok(Vec::new());
    }
    let statement = format!(
        "SELECT SCHEMA_NAME, DEFAULT_CHARACTER_SET_NAME, DEFAULT_COLLATION_NAME \
         FROM information_schema.SCHEMATA WHERE SCHEMA_NAME IN ({})",
        sql::placeholders(dbs.len())
    );
    let params: Vec<SqlValue> = dbs.iter().map(|d| SqlValue::from(&d.name)).collect();
    let rows: Vec<(String, String, String)> = session
        .rows(&statement, Params::from(params), "cannot list databases")
        .await?;
    let found: BTreeMap<String, (String, String)> =
        rows.into_iter().map(|(n, c, k)| (n, (c, k))).collect();
    Ok(dbs
        .iter()
        .map(|db| match found.get(&db.name) {
            None => Observation::absent(),
            Some((charset, collation)) => {
                let actual = json!({"characterSet": charset, "collation": collation});
                let diff = diff_fields("spec", &db.desired(), &actual);
                Observation {
                    exists: true,
                    up_to_date: diff.is_empty(),
                    ready: true,
                    diff,
                    outputs: outputs(session.endpoint(), db),
                    ..Observation::default()
                }
            }
        })
        .collect())
}

/// Creates the database when missing; an existing one is left as it is.
pub(super) async fn create(
    session: &mut Session<'_>,
    db: &Database,
    owner: &Owner,
) -> Result<Applied, ProviderError> {
    let comment = comment(session, owner).await?;
    let statement = format!(
        "CREATE DATABASE IF NOT EXISTS {}{}{comment}",
        sql::ident(&db.name),
        db.options()
    );
    let what = format!("cannot create database {}", db.name);
    session.run(&statement, &what, &[]).await?;
    Ok(Applied {
        outputs: outputs(session.endpoint(), db),
        ..Applied::default()
    })
}

/// ` COMMENT '...'` with the owner on MariaDB, nothing on MySQL (no database comments).
async fn comment(session: &mut Session<'_>, owner: &Owner) -> Result<String, ProviderError> {
    Ok(if session.is_mariadb().await? {
        format!(
            " COMMENT {}",
            sql::literal(&format!("{MARK} {}", owner.marker()))
        )
    } else {
        String::new()
    })
}

/// Creates the database when missing and sets its character set, collation and comment.
pub(super) async fn update(
    session: &mut Session<'_>,
    db: &Database,
    owner: &Owner,
) -> Result<Applied, ProviderError> {
    let applied = create(session, db, owner).await?;
    let options = format!("{}{}", db.options(), comment(session, owner).await?);
    if !options.is_empty() {
        let statement = format!("ALTER DATABASE {}{options}", sql::ident(&db.name));
        let what = format!("cannot change database {}", db.name);
        session.run(&statement, &what, &[]).await?;
    }
    Ok(applied)
}

/// Drops the database; a missing one is fine.
pub(super) async fn delete(session: &mut Session<'_>, db: &Database) -> Result<(), ProviderError> {
    let statement = format!("DROP DATABASE IF EXISTS {}", sql::ident(&db.name));
    let what = format!("cannot drop database {}", db.name);
    session.run(&statement, &what, &[]).await
}

/// The `Database` kind.
pub(super) struct DatabaseKind;

impl Checked for Database {
    fn from_resource(resource: &ManagedResource) -> Result<Self, ProviderError> {
        Database::from_resource(resource)
    }

    fn reals(&self) -> Vec<Real> {
        vec![Real::Database(self.name().to_owned())]
    }

    async fn observe_many(
        session: &mut Session<'_>,
        specs: &[&Self],
    ) -> Result<Vec<Observation>, ProviderError> {
        observe_many(session, specs).await
    }
}

#[async_trait]
impl ManagedKind<Server> for DatabaseKind {
    async fn observe(
        &self,
        server: &Server,
        resource: &ManagedResource,
    ) -> Result<Observation, ProviderError> {
        observe_one::<Database>(server, resource).await
    }

    /// One session for the batch: one query for the specs, one for the owners.
    async fn observe_many(
        &self,
        server: &Server,
        resources: &[ManagedResource],
    ) -> Vec<Result<Observation, ProviderError>> {
        observe_batch::<Database>(server, resources).await
    }

    async fn create(
        &self,
        server: &Server,
        resource: &ManagedResource,
    ) -> Result<Applied, ProviderError> {
        let (db, mut session) = claimed::<Database>(server, resource).await?;
        create(&mut session, &db, &Owner::of(resource)).await
    }

    async fn update(
        &self,
        server: &Server,
        resource: &ManagedResource,
    ) -> Result<Applied, ProviderError> {
        let (db, mut session) = claimed::<Database>(server, resource).await?;
        update(&mut session, &db, &Owner::of(resource)).await
    }

    async fn delete(
        &self,
        server: &Server,
        resource: &ManagedResource,
    ) -> Result<(), ProviderError> {
        let (db, mut session) = checked::<Database>(server, resource).await?;
        delete(&mut session, &db).await?;
        release(&mut session, &db).await
    }

    /// Adopting is creating: an existing database is left as it is.
    async fn adopt(
        &self,
        server: &Server,
        resource: &ManagedResource,
    ) -> Result<Applied, ProviderError> {
        self.create(server, resource).await
    }
}
