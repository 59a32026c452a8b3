//! `Grant`: database-level privileges of an account on one database.

use mysql_async::{Params, Row, Value as SqlValue};
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};

use super::owners::Real;
use super::server::Server;
use super::{Checked, checked, claimed, observe_batch, observe_one, release};
use async_trait::async_trait;
use platform_core::provider::{
    Applied, ManagedKind, ManagedResource, Observation, ProviderError, diff_fields,
};

use super::server::{Endpoint, Session};
use super::sql;
use crate::support::{ident, spec};

fn any_host() -> String {
    "%".to_owned()
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct GrantSpec {
    /// The account and the database when both have this name.
    name: Option<String>,
    user: Option<String>,
    database: Option<String>,
    #[serde(default = "any_host")]
    host: String,
    privileges: Vec<String>,
}

/// A checked `Grant` spec.
#[derive(Debug, Clone)]
pub(super) struct Grant {
    user: String,
    host: String,
    database: String,
    /// The privileges, each once, `ALL` alone when it is named.
    privileges: BTreeSet<&'static str>,
}

/// The server error when revoking a grant that does not exist.
const NO_SUCH_GRANT: u16 = 1141;

impl Grant {
    /// The account's user name.
    pub(super) fn user(&self) -> &str {
        &self.user
    }

    /// The account's host part.
    pub(super) fn host(&self) -> &str {
        &self.host
    }

    /// The database the privileges are on.
    pub(super) fn database(&self) -> &str {
        &self.database
    }

    /// The spec of `resource`, every identifier and privilege checked.
    pub(super) fn from_resource(resource: &ManagedResource) -> Result<Self, ProviderError> {
        let s: GrantSpec = spec::parse(resource)?;
        let (user, database) = match (s.user, s.database, s.name) {
            (Some(u), Some(d), _) => (u, d),
            (u, d, Some(n)) => (u.unwrap_or_else(|| n.clone()), d.unwrap_or(n)),
            _ => {
                return Err(ProviderError::permanent(format!(
                    "invalid spec of Grant {}: expected spec.name, or spec.user and spec.database",
                    resource.external_name
                )));
            }
        };
        ident::sql("spec.user", &user)?;
        ident::sql("spec.database", &database)?;
        sql::host("spec.host", &s.host)?;
        if s.privileges.is_empty() {
            return Err(ProviderError::permanent(format!(
                "invalid spec.privileges of Grant {}: expected at least one privilege, found none",
                resource.external_name
            )));
        }
        let mut privileges = BTreeSet::new();
        for (i, p) in s.privileges.iter().enumerate() {
            let upper = p.to_ascii_uppercase();
            let word = if upper == "ALL PRIVILEGES" {
                "ALL"
            } else {
                upper.as_str()
            };
            privileges.insert(ident::one_of(
                &format!("spec.privileges[{i}]"),
                word,
                sql::PRIVILEGES,
            )?);
        }
        if privileges.contains("ALL") {
            privileges = BTreeSet::from(["ALL"]);
        }
        Ok(Grant {
            user,
            host: s.host,
            database,
            privileges,
        })
    }

    fn listed(&self) -> Value {
        json!(self.privileges.iter().collect::<Vec<_>>())
    }

    /// The desired privileges given what the server holds: `ALL` stands for every
    /// database-level privilege the server knows (its `mysql.db` columns).
    fn expanded(&self, held: &Held) -> BTreeSet<String> {
        if self.privileges.contains("ALL") {
            held.all.clone()
        } else {
            self.privileges.iter().map(|p| (*p).to_owned()).collect()
        }
    }

    /// `ON db.* TO 'user'@'host'` (or `FROM`).
    fn on(&self, direction: &str) -> String {
        format!(
            "ON {} {direction} {}",
            sql::grant_target(&self.database),
            sql::account(&self.user, &self.host)
        )
    }
}

/// What an account holds on a database, from its `mysql.db` row.
#[derive(Debug, Clone, Default)]
struct Held {
    /// The privileges held, `GRANT OPTION` included.
    privileges: BTreeSet<String>,
    /// Every database-level privilege of this server except `GRANT OPTION`: what `ALL` means.
    all: BTreeSet<String>,
}

impl Held {
    fn from_row(row: &Row) -> Self {
        let mut held = Held::default();
        for (i, column) in row.columns_ref().iter().enumerate() {
            let Some(privilege) = sql::privilege_of_column(&column.name_str()) else {
                continue;
            };
            if privilege != "GRANT OPTION" {
                held.all.insert(privilege.clone());
            }
            let yes = matches!(row.as_ref(i), Some(SqlValue::Bytes(b)) if b.as_slice() == b"Y");
            if yes {
                held.privileges.insert(privilege);
            }
        }
        held
    }

    /// The held privileges as a spec would list them.
    fn listed(&self) -> Value {
        if self.privileges == self.all {
            json!(["ALL"])
        } else {
            json!(self.privileges.iter().collect::<Vec<_>>())
        }
    }
}

fn outputs(endpoint: &Endpoint, grant: &Grant) -> BTreeMap<String, Value> {
    BTreeMap::from([
        ("host".to_owned(), json!(endpoint.host)),
        ("port".to_owned(), json!(endpoint.port)),
        ("database".to_owned(), json!(grant.database)),
        ("username".to_owned(), json!(grant.user)),
    ])
}

fn text(row: &Row, column: &str) -> Option<String> {
    let i = row
        .columns_ref()
        .iter()
        .position(|c| c.name_str() == column)?;
    match row.as_ref(i)? {
        SqlValue::Bytes(b) => Some(String::from_utf8_lossy(b).into_owned()),
        _ => None,
    }
}

/// What each grant's account holds on its database, with one query of `mysql.db`.
async fn held_many(
    session: &mut Session<'_>,
    grants: &[&Grant],
) -> Result<Vec<Option<Held>>, ProviderError> {
    let statement = format!(
        "SELECT * FROM mysql.db WHERE User IN ({})",
        sql::placeholders(grants.len())
    );
    let params: Vec<SqlValue> = grants.iter().map(|g| SqlValue::from(&g.user)).collect();
    let rows: Vec<Row> = session
        .rows(&statement, Params::from(params), "cannot list grants")
        .await?;
    let mut found: BTreeMap<(String, String, String), Held> = BTreeMap::new();
    for row in &rows {
        if let (Some(db), Some(user), Some(host)) =
            (text(row, "Db"), text(row, "User"), text(row, "Host"))
        {
            found.insert((db, user, host), Held::from_row(row));
        }
    }
    Ok(grants
        .iter()
        .map(|g| {
            let key = (sql::grant_db(&g.database), g.user.clone(), g.host.clone());
            found.get(&key).cloned()
        })
        .collect())
}

/// Observes `grants` with one query of `mysql.db`.
pub(super) async fn observe_many(
    session: &mut Session<'_>,
    grants: &[&Grant],
) -> Result<Vec<Observation>, ProviderError> {
    if grants.is_empty() {
        return Ok(Vec::new());
    }
    let held = held_many(session, grants).await?;
    Ok(grants
        .iter()
        .zip(held)
        .map(|(grant, held)| match held {
            None => Observation::absent(),
            Some(held) => {
                let (desired, actual) = if grant.expanded(&held) == held.privileges {
                    (grant.listed(), grant.listed())
                } else {
                    (grant.listed(), held.listed())
                };
                let diff = diff_fields(
                    "spec",
                    &json!({"privileges": desired}),
                    &json!({"privileges": actual}),
                );
                Observation {
                    exists: true,
                    up_to_date: diff.is_empty(),
                    ready: true,
                    diff,
                    outputs: outputs(session.endpoint(), grant),
                    ..Observation::default()
                }
            }
        })
        .collect())
}

/// Grants the privileges when the account holds none on the database; an existing grant is
/// left as it is.
pub(super) async fn create(
    session: &mut Session<'_>,
    grant: &Grant,
) -> Result<Applied, ProviderError> {
    let held = held_many(session, &[grant]).await?.pop().flatten();
    if held.is_none() {
        give(
            session,
            grant,
            &grant.privileges.iter().map(|p| (*p).to_owned()).collect(),
        )
        .await?;
    }
    Ok(Applied {
        outputs: outputs(session.endpoint(), grant),
        ..Applied::default()
    })
}

/// Grants what is missing and revokes what is not in the spec.
pub(super) async fn update(
    session: &mut Session<'_>,
    grant: &Grant,
) -> Result<Applied, ProviderError> {
    match held_many(session, &[grant]).await?.pop().flatten() {
        None => return create(session, grant).await,
        Some(held) => {
            let wanted = grant.expanded(&held);
            let missing: BTreeSet<String> = wanted.difference(&held.privileges).cloned().collect();
            let extra: BTreeSet<String> = held.privileges.difference(&wanted).cloned().collect();
            if !missing.is_empty() {
                give(session, grant, &missing).await?;
            }
            if !extra.is_empty() {
                take(session, grant, &extra).await?;
            }
        }
    }
    Ok(Applied {
        outputs: outputs(session.endpoint(), grant),
        ..Applied::default()
    })
}

/// Revokes everything the account holds on the database; nothing held is fine.
pub(super) async fn delete(session: &mut Session<'_>, grant: &Grant) -> Result<(), ProviderError> {
    let Some(held) = held_many(session, &[grant]).await?.pop().flatten() else {
        return Ok(());
    };
    if !held.privileges.is_empty() {
        take(session, grant, &held.privileges).await?;
    }
    Ok(())
}

/// Privilege names come from [`sql::PRIVILEGES`] or the server's own column names, checked
/// again here as they are spliced into a statement.
fn privilege_list(privileges: &BTreeSet<String>) -> Result<String, ProviderError> {
    let mut words = Vec::new();
    for p in privileges {
        if !p.bytes().all(|b| b.is_ascii_uppercase() || b == b' ') {
            return Err(ProviderError::permanent(format!(
                "mysql: expected a privilege of capital letters and spaces, found {p:?}"
            )));
        }
        words.push(if p == "ALL" {
            "ALL PRIVILEGES"
        } else {
            p.as_str()
        });
    }
    Ok(words.join(", "))
}

async fn give(
    session: &mut Session<'_>,
    grant: &Grant,
    privileges: &BTreeSet<String>,
) -> Result<(), ProviderError> {
    let statement = format!("GRANT {} {}", privilege_list(privileges)?, grant.on("TO"));
    let what = format!(
        "cannot grant on {} to {}@{}",
        grant.database, grant.user, grant.host
    );
    session.run(&statement, &what, &[]).await
}

async fn take(
    session: &mut Session<'_>,
    grant: &Grant,
    privileges: &BTreeSet<String>,
) -> Result<(), ProviderError> {
    let statement = format!(
        "REVOKE {} {}",
        privilege_list(privileges)?,
        grant.on("FROM")
    );
    let what = format!(
        "cannot revoke on {} from {}@{}",
        grant.database, grant.user, grant.host
    );
    session.run_allowing(&statement, &what, NO_SUCH_GRANT).await
}

/// The `Grant` kind.
pub(super) struct GrantKind;

impl Checked for Grant {
    fn from_resource(resource: &ManagedResource) -> Result<Self, ProviderError> {
        Grant::from_resource(resource)
    }

    fn reals(&self) -> Vec<Real> {
        vec![
            Real::Account(self.user().to_owned(), self.host().to_owned()),
            Real::Database(self.database().to_owned()),
        ]
    }

    /// A Grant records no owner of its own: it goes with its account and database.
    fn own_real(&self) -> Option<Real> {
        None
    }

    async fn observe_many(
        session: &mut Session<'_>,
        specs: &[&Self],
    ) -> Result<Vec<Observation>, ProviderError> {
        observe_many(session, specs).await
    }
}

#[async_trait]
impl ManagedKind<Server> for GrantKind {
    async fn observe(
        &self,
        server: &Server,
        resource: &ManagedResource,
    ) -> Result<Observation, ProviderError> {
        observe_one::<Grant>(server, resource).await
    }

    /// One session for the batch: one query for the specs, one for the owners.
    async fn observe_many(
        &self,
        server: &Server,
        resources: &[ManagedResource],
    ) -> Vec<Result<Observation, ProviderError>> {
        observe_batch::<Grant>(server, resources).await
    }

    async fn create(
        &self,
        server: &Server,
        resource: &ManagedResource,
    ) -> Result<Applied, ProviderError> {
        let (grant, mut session) = claimed::<Grant>(server, resource).await?;
        create(&mut session, &grant).await
    }

    async fn update(
        &self,
        server: &Server,
        resource: &ManagedResource,
    ) -> Result<Applied, ProviderError> {
        let (grant, mut session) = claimed::<Grant>(server, resource).await?;
        update(&mut session, &grant).await
    }

    async fn delete(
        &self,
        server: &Server,
        resource: &ManagedResource,
    ) -> Result<(), ProviderError> {
        let (grant, mut session) = checked::<Grant>(server, resource).await?;
        delete(&mut session, &grant).await?;
        release(&mut session, &grant).await
    }

    /// Adopting is creating: the privileges are granted again.
    async fn adopt(
        &self,
        server: &Server,
        resource: &ManagedResource,
    ) -> Result<Applied, ProviderError> {
        self.create(server, resource).await
    }
}
