//! `User`: an internal user with a generated password, tags and permissions in one vhost.

use rabbitmq_http_client::password_hashing;
use rabbitmq_http_client::requests::{Permissions, UserParams};
use rabbitmq_http_client::responses;
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashMap};

use async_trait::async_trait;
use platform_core::provider::{
    Applied, ManagedKind, ManagedResource, Observation, ProviderError, diff_fields,
};
use platform_core::secret::{SecretMap, SecretValue};

use super::connection::Connection;
use super::owners::{self, Real};
use super::{default_vhost, endpoint_outputs, name_or_external, names};
use crate::support::{credentials, ident, spec};

/// Tags a user may be given (they open the management UI and API to it).
const TAGS: &[&str] = &[
    "management",
    "policymaker",
    "monitoring",
    "administrator",
    "impersonator",
];

/// The spec of a `User`.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct UserSpec {
    name: Option<String>,
    #[serde(default = "default_vhost")]
    vhost: String,
    #[serde(default)]
    tags: Vec<String>,
    #[serde(default)]
    permissions: PermissionsSpec,
}

/// Permission patterns; each defaults to the user's own resources.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct PermissionsSpec {
    configure: Option<String>,
    write: Option<String>,
    read: Option<String>,
}

/// A user's spec with defaults filled in and every value checked.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Desired {
    pub name: String,
    pub vhost: String,
    pub tags: Vec<String>,
    pub configure: String,
    pub write: String,
    pub read: String,
}

impl Desired {
    pub fn of(resource: &ManagedResource) -> Result<Self, ProviderError> {
        let s: UserSpec = spec::parse(resource)?;
        let name = name_or_external(&s.name, resource);
        ident::name("spec.name", &name)?;
        names::vhost("spec.vhost", &s.vhost)?;
        let mut tags = Vec::with_capacity(s.tags.len());
        for (i, tag) in s.tags.iter().enumerate() {
            tags.push(ident::one_of(&format!("spec.tags[{i}]"), tag, TAGS)?.to_owned());
        }
        tags.sort();
        tags.dedup();
        let own = names::own_resources(&name);
        let pick = |field: &str, value: Option<String>| -> Result<String, ProviderError> {
            let value = value.unwrap_or_else(|| own.clone());
            names::pattern(field, &value)?;
            Ok(value)
        };
        Ok(Desired {
            configure: pick("spec.permissions.configure", s.permissions.configure)?,
            write: pick("spec.permissions.write", s.permissions.write)?,
            read: pick("spec.permissions.read", s.permissions.read)?,
            name,
            vhost: s.vhost,
            tags,
        })
    }

    /// The spec-shaped view compared with the server's.
    fn view(&self) -> Value {
        json!({
            "tags": self.tags,
            "permissions": {"configure": self.configure, "write": self.write, "read": self.read},
        })
    }

    fn permissions(&self) -> Permissions<'_> {
        Permissions {
            user: &self.name,
            vhost: &self.vhost,
            configure: &self.configure,
            write: &self.write,
            read: &self.read,
        }
    }

    fn outputs(&self, conn: &Connection) -> BTreeMap<String, Value> {
        let mut outputs = endpoint_outputs(conn, &self.vhost);
        outputs.insert("username".into(), json!(self.name));
        outputs
    }

    /// The user as an owned object (users are not per vhost).
    fn real(&self) -> Real {
        Real::User(self.name.clone())
    }
}

/// The spec-shaped view of what the server holds.
fn actual_view(user: &responses::User, permissions: Option<&responses::Permissions>) -> Value {
    let mut tags: Vec<String> = user
        .tags
        .0
        .iter()
        .filter(|t| !t.is_empty())
        .cloned()
        .collect();
    tags.sort();
    json!({
        "tags": tags,
        "permissions": permissions.map(|p| json!({
            "configure": p.configure, "write": p.write, "read": p.read,
        })),
    })
}

fn observation(
    conn: &Connection,
    desired: &Desired,
    user: Option<&responses::User>,
    permissions: Option<&responses::Permissions>,
) -> Observation {
    let Some(user) = user else {
        return Observation::absent();
    };
    let diff = diff_fields("spec", &desired.view(), &actual_view(user, permissions));
    Observation {
        exists: true,
        up_to_date: diff.is_empty(),
        ready: true,
        diff,
        outputs: desired.outputs(conn),
        secrets: SecretMap::new(),
    }
}

async fn read(
    conn: &Connection,
    desired: &Desired,
) -> Result<Option<(responses::User, Option<responses::Permissions>)>, ProviderError> {
    let user = match conn.client.get_user(&desired.name).await {
        Ok(user) => user,
        Err(e) if e.is_not_found() => return Ok(None),
        Err(e) => return Err(conn.error(&format!("read user {:?}", desired.name), e)),
    };
    let permissions = match conn
        .client
        .get_permissions(&desired.vhost, &desired.name)
        .await
    {
        Ok(p) => Some(p),
        Err(e) if e.is_not_found() => None,
        Err(e) => {
            return Err(conn.error(
                &format!(
                    "read permissions of user {:?} in vhost {:?}",
                    desired.name, desired.vhost
                ),
                e,
            ));
        }
    };
    Ok(Some((user, permissions)))
}

pub(super) async fn observe(
    conn: &Connection,
    resource: &ManagedResource,
) -> Result<Observation, ProviderError> {
    let desired = Desired::of(resource)?;
    owners::check(conn, resource, &desired.real()).await?;
    let found = read(conn, &desired).await?;
    Ok(observation(
        conn,
        &desired,
        found.as_ref().map(|(u, _)| u),
        found.as_ref().and_then(|(_, p)| p.as_ref()),
    ))
}

/// Users of many resources: all users in one call, the permissions of each vhost in one, and
/// all owner records in one.
pub(super) async fn observe_many(
    conn: &Connection,
    resources: &[ManagedResource],
) -> Vec<Result<Observation, ProviderError>> {
    let desired: Vec<Result<Desired, ProviderError>> = resources.iter().map(Desired::of).collect();
    let records = match owners::all(conn).await {
        Ok(records) => records,
        Err(e) => return desired.iter().map(|_| Err(e.clone())).collect(),
    };
    let users = match conn.client.list_users().await {
        Ok(users) => users,
        Err(e) => {
            let e = conn.error("list users", e);
            return desired.iter().map(|_| Err(e.clone())).collect();
        }
    };
    let users: HashMap<&str, &responses::User> =
        users.iter().map(|u| (u.name.as_str(), u)).collect();
    let mut by_vhost: HashMap<String, Result<Vec<responses::Permissions>, ProviderError>> =
        HashMap::new();
    for d in desired.iter().flatten() {
        if by_vhost.contains_key(&d.vhost) {
            continue;
        }
        let listed = match conn.client.list_permissions_in(&d.vhost).await {
            Ok(list) => Ok(list),
            // A vhost that does not exist has no permissions.
            Err(e) if e.is_not_found() => Ok(Vec::new()),
            Err(e) => Err(conn.error(&format!("list permissions in vhost {:?}", d.vhost), e)),
        };
        by_vhost.insert(d.vhost.clone(), listed);
    }
    desired
        .into_iter()
        .zip(resources)
        .map(|(d, resource)| {
            let d = d?;
            records.check(resource, &d.real())?;
            let permissions = match &by_vhost[&d.vhost] {
                Ok(list) => list.iter().find(|p| p.user == d.name),
                Err(e) => return Err(e.clone()),
            };
            Ok(observation(
                conn,
                &d,
                users.get(d.name.as_str()).copied(),
                permissions,
            ))
        })
        .collect()
}

/// Sets the user with `password_hash` and its tags, then its permissions.
async fn put(
    conn: &Connection,
    desired: &Desired,
    password_hash: &str,
) -> Result<(), ProviderError> {
    let tags = desired.tags.join(",");
    conn.client
        .create_user(&UserParams::new(&desired.name, password_hash, &tags))
        .await
        .map_err(|e| conn.error(&format!("set user {:?}", desired.name), e))?;
    put_permissions(conn, desired).await
}

async fn put_permissions(conn: &Connection, desired: &Desired) -> Result<(), ProviderError> {
    conn.client
        .declare_permissions(&desired.permissions())
        .await
        .map_err(|e| {
            let e = conn.error(
                &format!(
                    "set permissions of user {:?} in vhost {:?}",
                    desired.name, desired.vhost
                ),
                e,
            );
            if e.class == platform_core::provider::ErrorClass::NotFound {
                // The vhost may be created later in the same apply.
                ProviderError::transient(format!(
                    "{} (does vhost {:?} exist?)",
                    e.message, desired.vhost
                ))
            } else {
                e
            }
        })
}

/// Creates the user, or resets the password of an existing one: the fresh password is returned
/// either way, so credentials survive a crash between create and record. The owner is recorded
/// first, and a user recorded for another owner is refused.
pub(super) async fn create(
    conn: &Connection,
    resource: &ManagedResource,
) -> Result<Applied, ProviderError> {
    let desired = Desired::of(resource)?;
    owners::claim(conn, resource, &desired.real()).await?;
    create_claimed(conn, &desired).await
}

/// Sets the user with a fresh password, once its owner is recorded.
async fn create_claimed(conn: &Connection, desired: &Desired) -> Result<Applied, ProviderError> {
    let password = credentials::password().map_err(ProviderError::transient)?;
    let salt = password_hashing::salt();
    let hash = password_hashing::base64_encoded_salted_password_hash_sha256(&salt, &password);
    put(conn, desired, &hash).await?;
    let uri = format!(
        "amqp://{}:{}@{}:{}/{}",
        desired.name,
        password,
        conn.amqp.host,
        conn.amqp.port,
        names::vhost_in_uri(&desired.vhost)
    );
    let mut secrets = SecretMap::new();
    secrets.insert("password", SecretValue::new(password));
    secrets.insert("uri", SecretValue::new(uri));
    Ok(Applied {
        pending: false,
        outputs: desired.outputs(conn),
        secrets,
    })
}

/// Brings tags and permissions to the spec and keeps the password; a missing user is created
/// (with a fresh password, returned).
pub(super) async fn update(
    conn: &Connection,
    resource: &ManagedResource,
) -> Result<Applied, ProviderError> {
    let desired = Desired::of(resource)?;
    owners::claim(conn, resource, &desired.real()).await?;
    let Some((user, permissions)) = read(conn, &desired).await? else {
        return create_claimed(conn, &desired).await;
    };
    let diff = diff_fields(
        "spec",
        &desired.view(),
        &actual_view(&user, permissions.as_ref()),
    );
    if diff.iter().any(|d| d.path == "spec.tags") {
        match &user.password_hash {
            // Re-sending the stored hash keeps the password the application holds.
            Some(hash) => put(conn, &desired, hash.as_str()).await?,
            None => return create_claimed(conn, &desired).await,
        }
    } else if !diff.is_empty() {
        put_permissions(conn, &desired).await?;
    }
    Ok(Applied {
        pending: false,
        outputs: desired.outputs(conn),
        secrets: SecretMap::new(),
    })
}

pub(super) async fn delete(
    conn: &Connection,
    resource: &ManagedResource,
) -> Result<(), ProviderError> {
    let desired = Desired::of(resource)?;
    let real = desired.real();
    owners::check(conn, resource, &real).await?;
    conn.client
        .delete_user(&desired.name, true)
        .await
        .map_err(|e| conn.error(&format!("delete user {:?}", desired.name), e))?;
    owners::release(conn, &real).await
}

/// The `User` kind.
pub(super) struct User;

#[async_trait]
impl ManagedKind<Connection> for User {
    async fn observe(
        &self,
        conn: &Connection,
        resource: &ManagedResource,
    ) -> Result<Observation, ProviderError> {
        observe(conn, resource).await
    }

    async fn create(
        &self,
        conn: &Connection,
        resource: &ManagedResource,
    ) -> Result<Applied, ProviderError> {
        create(conn, resource).await
    }

    async fn update(
        &self,
        conn: &Connection,
        resource: &ManagedResource,
    ) -> Result<Applied, ProviderError> {
        update(conn, resource).await
    }

    async fn delete(
        &self,
        conn: &Connection,
        resource: &ManagedResource,
    ) -> Result<(), ProviderError> {
        delete(conn, resource).await
    }

    /// Gives a login whose create was never recorded a fresh password (create resets it),
    /// since nobody can read the lost one back.
    async fn adopt(
        &self,
        conn: &Connection,
        resource: &ManagedResource,
    ) -> Result<Applied, ProviderError> {
        self.create(conn, resource).await
    }

    /// A batch of more than one: two calls per vhost for all users and their permissions.
    async fn observe_many(
        &self,
        conn: &Connection,
        resources: &[ManagedResource],
    ) -> Vec<Result<Observation, ProviderError>> {
        if resources.len() > 1 {
            return observe_many(conn, resources).await;
        }
        let mut out = Vec::with_capacity(resources.len());
        for resource in resources {
            out.push(observe(conn, resource).await);
        }
        out
    }
}
