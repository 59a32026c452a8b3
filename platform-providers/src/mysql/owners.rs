//! Which claim owns each database and account, in a table on the server itself.
//!
//! MariaDB cannot put a comment or attribute on an account (`CREATE USER ... COMMENT` and
//! `ATTRIBUTE` are MySQL 8 only) and MySQL keeps no comment on a database, so the one place
//! both servers share is a table: [`TABLE`], one row per database or account, its primary key
//! the real name. A create claims the name with `INSERT IGNORE` before it touches anything,
//! so of two claims creating one name at the same moment exactly one wins; the other reads
//! the winner back and is refused. The schema's name holds a `-`, which no spec name may, so
//! no claim can ask for it as its database.

use mysql_async::{Params, Value as SqlValue};
use std::collections::{HashMap, HashSet};

use platform_core::provider::{ManagedResource, Owner, ProviderError};

use super::server::Session;
use super::sql;

/// The schema and table of the records, quoted.
pub(super) const TABLE: &str = "`platform-owners`.`owners`";

/// What a record names: a database, or an account `user@host`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(super) enum Real {
    Database(String),
    Account(String, String),
}

impl Real {
    pub(super) fn kind(&self) -> &'static str {
        match self {
            Real::Database(_) => "database",
            Real::Account(..) => "account",
        }
    }

    /// The record's name: the database, or `user@host`.
    pub(super) fn name(&self) -> String {
        match self {
            Real::Database(name) => name.clone(),
            Real::Account(user, host) => format!("{user}@{host}"),
        }
    }
}

/// The owners recorded for `reals`; a name without a record is missing from the answer.
pub(super) async fn recorded(
    session: &mut Session<'_>,
    reals: &[Real],
) -> Result<HashMap<Real, Owner>, ProviderError> {
    if reals.is_empty() || !session.owners_table_exists().await? {
        return Ok(HashMap::new());
    }
    let statement = format!(
        "SELECT kind, name, owner FROM {TABLE} WHERE (kind, name) IN ({})",
        vec!["(?, ?)"; reals.len()].join(", ")
    );
    let params: Vec<SqlValue> = reals
        .iter()
        .flat_map(|r| [SqlValue::from(r.kind()), SqlValue::from(r.name())])
        .collect();
    let rows: Vec<(String, String, String)> = session
        .rows(&statement, Params::from(params), "cannot read owners")
        .await?;
    Ok(reals
        .iter()
        .filter_map(|real| {
            let (_, _, owner) = rows
                .iter()
                .find(|(k, n, _)| k == real.kind() && *n == real.name())?;
            Some((real.clone(), Owner::from_key(owner)?))
        })
        .collect())
}

/// Every record whose database or account exists, with its owner (None when the record
/// cannot be read as one), databases first. The server's own schemas and accounts are never
/// listed, whatever the table says.
pub(super) async fn listed(
    session: &mut Session<'_>,
) -> Result<Vec<(Real, Option<Owner>)>, ProviderError> {
    if !session.owners_table_exists().await? {
        return Ok(Vec::new());
    }
    let what = "cannot list the recorded databases and accounts";
    let records: Vec<(String, String, String)> = session
        .rows(
            &format!("SELECT kind, name, owner FROM {TABLE} ORDER BY kind DESC, name"),
            Params::Empty,
            what,
        )
        .await?;
    let databases: Vec<(String,)> = session
        .rows(
            "SELECT SCHEMA_NAME FROM information_schema.SCHEMATA",
            Params::Empty,
            what,
        )
        .await?;
    let accounts: Vec<(String, String)> = session
        .rows("SELECT User, Host FROM mysql.user", Params::Empty, what)
        .await?;
    let databases: HashSet<String> = databases.into_iter().map(|(name,)| name).collect();
    let accounts: HashSet<(String, String)> = accounts.into_iter().collect();
    Ok(records
        .into_iter()
        .filter_map(|(kind, name, owner)| {
            let real = match kind.as_str() {
                "database"
                    if databases.contains(&name) && !SYSTEM_SCHEMAS.contains(&name.as_str()) =>
                {
                    Real::Database(name)
                }
                "account" => {
                    let (user, host) = name.split_once('@')?;
                    let account = (user.to_owned(), host.to_owned());
                    if !accounts.contains(&account) || is_system_user(user) {
                        return None;
                    }
                    Real::Account(account.0, account.1)
                }
                _ => return None,
            };
            Some((real, Owner::from_key(&owner)))
        })
        .collect())
}

/// Schemas the server (or this adapter's records) own.
const SYSTEM_SCHEMAS: &[&str] = &[
    "mysql",
    "information_schema",
    "performance_schema",
    "sys",
    "platform-owners",
];

/// Accounts the server owns: `root`, `mariadb.sys`, `mysql.sys`, `mysql.session`, ...
fn is_system_user(user: &str) -> bool {
    user == "root" || user.starts_with("mysql.") || user.starts_with("mariadb.")
}

/// Refuses `resource` when any of `reals` is recorded for another owner.
pub(super) async fn check(
    session: &mut Session<'_>,
    resource: &ManagedResource,
    reals: &[Real],
) -> Result<(), ProviderError> {
    let owners = recorded(session, reals).await?;
    for real in reals {
        Owner::check(resource, real.kind(), owners.get(real))?;
    }
    Ok(())
}

/// Records `resource`'s owner for `real` unless another is recorded, then refuses `resource`
/// when the record names another owner.
pub(super) async fn claim(
    session: &mut Session<'_>,
    resource: &ManagedResource,
    real: &Real,
) -> Result<(), ProviderError> {
    session.create_owners_table().await?;
    let statement = format!("INSERT IGNORE INTO {TABLE} (kind, name, owner) VALUES (?, ?, ?)");
    let params = Params::from(vec![
        SqlValue::from(real.kind()),
        SqlValue::from(real.name()),
        SqlValue::from(Owner::of(resource).key()),
    ]);
    session
        .rows::<(String,)>(&statement, params, "cannot record the owner")
        .await?;
    check(session, resource, std::slice::from_ref(real)).await
}

/// Removes the record of `real` (after its database or account was dropped).
pub(super) async fn release(session: &mut Session<'_>, real: &Real) -> Result<(), ProviderError> {
    if !session.owners_table_exists().await? {
        return Ok(());
    }
    let statement = format!("DELETE FROM {TABLE} WHERE kind = ? AND name = ?");
    let params = Params::from(vec![
        SqlValue::from(real.kind()),
        SqlValue::from(real.name()),
    ]);
    session
        .rows::<(String,)>(&statement, params, "cannot remove the owner record")
        .await?;
    Ok(())
}

/// The statements that make the schema and table of the records.
pub(super) fn create_statements() -> [String; 2] {
    [
        format!(
            "CREATE DATABASE IF NOT EXISTS {} CHARACTER SET ascii",
            sql::ident("platform-owners")
        ),
        format!(
            "CREATE TABLE IF NOT EXISTS {TABLE} (kind VARCHAR(16) NOT NULL, \
             name VARCHAR(300) NOT NULL, owner VARCHAR(800) NOT NULL, \
             PRIMARY KEY (kind, name)) CHARACTER SET ascii"
        ),
    ]
}
