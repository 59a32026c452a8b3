//! The Redis adapter: ACL users confined to a key prefix, a channel pattern and a command set.
//!
//! | kind (`redis.platform.dev/v1alpha1`) | spec fields | outputs | secrets |
//! |---|---|---|---|
//! | `AclUser` | `username` (default: the external name), `keyPrefix` (default `<username>:`), `commands` (default `+@read +@write +@keyspace -@dangerous`), `channels` (default `<keyPrefix>*`), `enabled` (default true) | host, port, username, keyPrefix | password, uri |
//!
//! Settings (`environments.<env>.providers.redis`): `url` (`redis://127.0.0.1:6379`, with
//! `user:password@` when the server needs them), and `host` / `port` when applications reach
//! the server at another address than the admin. Needs Redis 7 or later.
//!
//! A user gets `~<keyPrefix>*`, `&<channels>`, `-@all`, its command set, then rules that keep
//! it inside its prefix whatever the set says: `-@admin` and no FLUSHALL, FLUSHDB, SWAPDB,
//! KEYS, SCAN, RANDOMKEY, MOVE, MIGRATE or FUNCTION (they act on keys they do not name).
//! Passwords are generated and sent as SHA-256 digests (`#<hex>`), never in plain text.
//! Creating an existing user resets its password and hands out the new one (the engine's
//! crash recovery relies on it); update keeps the passwords the user has.
//!
//! Redis rewrites command sets (`+@read` becomes a list of categories and commands), so
//! observe compares a user with a scratch user given the same rules in the same `MULTI`
//! transaction (never visible to other clients); the scratch description is remembered per
//! command set, so a later observe costs one `ACL GETUSER` per user, and a user that looks
//! drifted against a remembered description is checked again with a fresh scratch user.
//! Observing many users is one transaction. Out-of-band changes show as a diff.
//!
//! ACL users carry no metadata, so the owner of each (the claim it was made for) is kept in
//! the hash [`OWNERS_KEY`], field the username, value `Kind/namespace/name`. Create and update
//! claim the username with `HSETNX` before touching the user, so of two claims setting one
//! username exactly one wins; observe, create, adopt, update and delete refuse a user recorded
//! for another owner, and delete removes the field in the `MULTI` that deletes the user. A
//! user made before owners were recorded is accepted and recorded on its next create or
//! update. The hash lives in the admin's database 0; applications' users cannot reach it
//! unless their key prefix is `platform.dev:`.
//!
//! `inventory` lists the users that exist and have a record in [`OWNERS_KEY`] (never
//! `default`), for `drift`.
//!
//! Users live in the server's memory: with an ACL file, `ACL SAVE` is the operator's to run;
//! a user lost in a restart is observed as missing and re-created with a fresh password.

mod acl_user;
mod connection;
mod password;
mod rules;

use async_trait::async_trait;
use redis::{ConnectionAddr, IntoConnectionInfo, Value as RedisValue};
use serde_json::Value;
use std::collections::HashMap;
use std::fmt;
use std::sync::Mutex;

use platform_core::provider::{
    Adapter, AdapterContext, Applied, AsAdapter, Found, ManagedResource, Observation, Owner,
    ProviderError,
};
use platform_core::secret::SecretValue;

use crate::support::credentials;
use crate::support::redact::redact_url_passwords;
use crate::support::settings::{self, SettingsError};
use acl_user::{AclUser, Described, Endpoint};
use connection::Admin;

/// apiVersion of the Redis managed kinds.
pub const API_VERSION: &str = "redis.platform.dev/v1alpha1";
/// The managed kinds the Redis adapter serves.
pub const KINDS: &[&str] = &["AclUser"];
/// The hash recording each ACL user's owner: field the username, value [`Owner::key`].
pub const OWNERS_KEY: &str = "platform.dev:owners";

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Settings {
    url: String,
    host: Option<String>,
    port: Option<u16>,
}

/// Provisions ACL users on one Redis server.
#[derive(Clone)]
pub struct RedisProvider {
    adapter: Adapter<Server>,
}

/// What the redis kind is given: the admin connection, the address applications are told
/// and what this process learned of the server's ACL descriptions.
pub struct Server {
    admin: Admin,
    endpoint: Endpoint,
    /// Scratch descriptions by user shape: Redis describes a command set the same way
    /// until it restarts with other commands.
    shapes: Mutex<HashMap<Vec<String>, Described>>,
}

impl fmt::Debug for RedisProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let server = self.server();
        f.debug_struct("RedisProvider")
            .field("address", &server.admin.address)
            .field("endpoint", &server.endpoint)
            .finish_non_exhaustive()
    }
}

impl RedisProvider {
    /// A provider from config settings `{url, host?, port?}`; nothing connects until the first
    /// operation.
    pub fn from_settings(settings: &Value) -> Result<Self, SettingsError> {
        let s: Settings = settings::parse("redis", settings)?;
        let bad_url = |e: &dyn fmt::Display| {
            SettingsError::new(
                "redis",
                redact_url_passwords(&format!(
                    "url: expected redis://[user:password@]host[:port], found {:?}: {e}",
                    s.url
                )),
            )
        };
        let info = s
            .url
            .as_str()
            .into_connection_info()
            .map_err(|e| bad_url(&e))?;
        let (host, port) = match info.addr() {
            ConnectionAddr::Tcp(host, port) => (host.clone(), *port),
            ConnectionAddr::TcpTls { host, port, .. } => (host.clone(), *port),
            other => return Err(bad_url(&format!("a TCP address is needed, not {other}"))),
        };
        let password = info.redis_settings().password().map(SecretValue::new);
        let client = redis::Client::open(info).map_err(|e| bad_url(&e))?;
        let endpoint = Endpoint {
            host: s.host.unwrap_or_else(|| host.clone()),
            port: s.port.unwrap_or(port),
        };
        let server = Server {
            admin: Admin::new(client, format!("{host}:{port}"), password),
            endpoint,
            shapes: Mutex::new(HashMap::new()),
        };
        Ok(RedisProvider {
            adapter: Adapter::builder("redis", API_VERSION, server)
                .kind("AclUser", acl_user::AclUserKind)
                .build(),
        })
    }

    /// A provider for the server at `url`, applications reaching it at the same address.
    pub fn new(url: &str) -> Result<Self, SettingsError> {
        Self::from_settings(&serde_json::json!({ "url": url }))
    }

    fn server(&self) -> &Server {
        self.adapter.context()
    }
}

impl AsAdapter for RedisProvider {
    type Context = Server;

    fn adapter(&self) -> &Adapter<Server> {
        &self.adapter
    }
}

impl Server {
    /// Sets a user's rules with `ACL SETUSER`; `secrets` are removed from any error.
    async fn set_user(
        &self,
        user: &AclUser,
        digests: &[String],
        secrets: &[&str],
    ) -> Result<(), ProviderError> {
        let mut connection = self.admin.connection().await?;
        let mut command = redis::cmd("ACL");
        command
            .arg("SETUSER")
            .arg(&user.username)
            .arg(user.rules(digests));
        command
            .query_async::<()>(&mut connection)
            .await
            .map_err(|e| {
                self.admin.error(
                    &format!("cannot set ACL user {}", user.username),
                    &e,
                    secrets,
                )
            })
    }

    /// The user as the server describes it, `None` when it does not exist.
    async fn describe(&self, user: &AclUser) -> Result<Option<Described>, ProviderError> {
        let mut connection = self.admin.connection().await?;
        let reply: RedisValue = redis::cmd("ACL")
            .arg("GETUSER")
            .arg(&user.username)
            .query_async(&mut connection)
            .await
            .map_err(|e| {
                self.admin
                    .error(&format!("cannot read ACL user {}", user.username), &e, &[])
            })?;
        Described::from_reply(&reply).map_err(|e| {
            ProviderError::permanent(format!("redis: ACL user {}: {e}", user.username))
        })
    }

    /// The owners recorded for `usernames`, in order (None: no record).
    async fn owners(&self, usernames: &[&str]) -> Result<Vec<Option<Owner>>, ProviderError> {
        let mut connection = self.admin.connection().await?;
        let recorded: Vec<Option<String>> = redis::cmd("HMGET")
            .arg(OWNERS_KEY)
            .arg(usernames)
            .query_async(&mut connection)
            .await
            .map_err(|e| {
                self.admin
                    .error("cannot read the owners of ACL users", &e, &[])
            })?;
        Ok(recorded
            .into_iter()
            .map(|o| o.as_deref().and_then(Owner::from_key))
            .collect())
    }

    /// Every ACL user that exists and has an owner recorded in [`OWNERS_KEY`], by username,
    /// with that owner: one `MULTI` reading the hash and `ACL USERS`. The `default` user is
    /// the server's and never listed; a record whose user is gone is not a real resource.
    async fn recorded_users(&self) -> Result<Vec<(String, Option<Owner>)>, ProviderError> {
        let mut connection = self.admin.connection().await?;
        let (recorded, users): (Vec<(String, String)>, Vec<String>) = redis::pipe()
            .atomic()
            .cmd("HGETALL")
            .arg(OWNERS_KEY)
            .cmd("ACL")
            .arg("USERS")
            .query_async(&mut connection)
            .await
            .map_err(|e| {
                self.admin
                    .error("cannot list the recorded ACL users", &e, &[])
            })?;
        let users: std::collections::HashSet<String> = users.into_iter().collect();
        let mut listed: Vec<(String, Option<Owner>)> = recorded
            .into_iter()
            .filter(|(username, _)| username != "default" && users.contains(username))
            .map(|(username, owner)| (username, Owner::from_key(&owner)))
            .collect();
        listed.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(listed)
    }

    /// Records `resource`'s owner for the user unless another is recorded (one `HSETNX`, so
    /// of two claims exactly one wins), then refuses `resource` if the record names another.
    async fn claim(&self, resource: &ManagedResource, user: &AclUser) -> Result<(), ProviderError> {
        let mut connection = self.admin.connection().await?;
        let (recorded,): (Option<String>,) = redis::pipe()
            .atomic()
            .cmd("HSETNX")
            .arg(OWNERS_KEY)
            .arg(&user.username)
            .arg(Owner::of(resource).key())
            .ignore()
            .cmd("HGET")
            .arg(OWNERS_KEY)
            .arg(&user.username)
            .query_async(&mut connection)
            .await
            .map_err(|e| {
                self.admin.error(
                    &format!("cannot record the owner of ACL user {}", user.username),
                    &e,
                    &[],
                )
            })?;
        let recorded = recorded.as_deref().and_then(Owner::from_key);
        Owner::check(resource, "ACL user", recorded.as_ref())
    }

    /// Gives the user a fresh password (its others are dropped) and the spec's rules.
    async fn reset_password(&self, user: &AclUser) -> Result<Applied, ProviderError> {
        let password = credentials::password().map_err(ProviderError::transient)?;
        let digest = password::digest_rule(&password);
        self.set_user(user, std::slice::from_ref(&digest), &[&password])
            .await?;
        Ok(Applied {
            outputs: user.outputs(&self.endpoint),
            secrets: user.secrets(&self.endpoint, &password),
            ..Applied::default()
        })
    }
}

/// The checked ACL user of `resource` (the adapter routed only `AclUser`s here).
fn target(resource: &ManagedResource) -> Result<AclUser, ProviderError> {
    AclUser::from_resource(resource)
}

/// One answer of the observe transaction: a refusal is a permanent error with the server's
/// message.
fn answer<'a>(
    username: &str,
    reply: Option<&'a RedisValue>,
) -> Result<&'a RedisValue, ProviderError> {
    match reply {
        Some(RedisValue::ServerError(e)) => Err(ProviderError::permanent(format!(
            "redis: ACL user {username}: the server refused its rules: {}",
            e.details().unwrap_or(e.code())
        ))),
        Some(reply) => Ok(reply),
        None => Err(ProviderError::permanent(format!(
            "redis: ACL user {username}: an answer is missing from the observe transaction"
        ))),
    }
}

/// A scratch user name nobody else uses; it only exists inside one transaction.
fn scratch_name() -> Result<String, ProviderError> {
    let mut bytes = [0u8; 8];
    getrandom::fill(&mut bytes)
        .map_err(|e| ProviderError::transient(format!("redis: no random source: {e}")))?;
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    Ok(format!("platform-scratch-{hex}"))
}

#[async_trait]
impl AdapterContext for Server {
    /// The ACL users with an owner recorded in [`OWNERS_KEY`]. Users made before owners were
    /// recorded carry no mark at all, so they cannot be told from users made by hand and are
    /// not listed.
    async fn inventory(adapter: &Adapter<Self>) -> Result<Option<Vec<Found>>, ProviderError> {
        let users = adapter.context().recorded_users().await?;
        Ok(Some(
            users
                .into_iter()
                .map(|(username, owner)| {
                    let spec = serde_json::json!({ "username": username });
                    crate::support::inventory::found(API_VERSION, "AclUser", &username, spec, owner)
                })
                .collect(),
        ))
    }
}

impl Server {
    /// Observes checked users in one `MULTI` transaction. A user whose shape (see
    /// [`AclUser::shape`]) was described before costs one `ACL GETUSER`; otherwise a scratch
    /// user of that shape is set and described too. Users found not up to date against a
    /// remembered description are observed again with a fresh scratch user (unless `fresh`
    /// already says so), so a changed server never shows false drift.
    async fn observe_checked(
        &self,
        users: &[&AclUser],
        fresh: bool,
    ) -> Result<Vec<Result<Observation, ProviderError>>, ProviderError> {
        let known: HashMap<Vec<String>, Described> = if fresh {
            HashMap::new()
        } else {
            self.shapes
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .clone()
        };
        let scratch = scratch_name()?;
        let mut pipe = redis::pipe();
        pipe.atomic().ignore_errors();
        let mut expected = 0;
        for user in users {
            if !known.contains_key(&user.shape()) {
                pipe.cmd("ACL")
                    .arg("SETUSER")
                    .arg(&scratch)
                    .arg(user.rules(&[]));
                pipe.cmd("ACL").arg("GETUSER").arg(&scratch);
                expected += 2;
            }
            pipe.cmd("ACL").arg("GETUSER").arg(&user.username);
            expected += 1;
        }
        if expected > users.len() {
            pipe.cmd("ACL").arg("DELUSER").arg(&scratch);
            expected += 1;
        }
        let mut connection = self.admin.connection().await?;
        let replies: Vec<RedisValue> = pipe
            .query_async(&mut connection)
            .await
            .map_err(|e| self.admin.error("cannot observe ACL users", &e, &[]))?;
        if replies.len() != expected {
            return Err(ProviderError::permanent(format!(
                "redis: expected {expected} answers to the observe transaction, found {}",
                replies.len()
            )));
        }
        let mut replies = replies.iter();
        let mut out = Vec::with_capacity(users.len());
        let mut recheck = Vec::new();
        for (i, user) in users.iter().enumerate() {
            let remembered = known.get(&user.shape());
            let scratch = match remembered {
                Some(_) => None,
                None => Some((replies.next(), replies.next())),
            };
            let actual = replies.next();
            let seen = self.read_answers(user, remembered, scratch, actual);
            if remembered.is_some() && seen.as_ref().is_ok_and(|o| o.exists && !o.up_to_date) {
                recheck.push(i);
            }
            out.push(seen);
        }
        if !recheck.is_empty() {
            let again: Vec<&AclUser> = recheck.iter().map(|i| users[*i]).collect();
            let seen = Box::pin(self.observe_checked(&again, true)).await?;
            for (i, o) in recheck.into_iter().zip(seen) {
                out[i] = o;
            }
        }
        Ok(out)
    }

    /// One user's observation from its answers: the scratch user's (`None` when its shape
    /// was remembered) and its own. A new scratch description is remembered.
    fn read_answers(
        &self,
        user: &AclUser,
        remembered: Option<&Described>,
        scratch: Option<(Option<&RedisValue>, Option<&RedisValue>)>,
        actual: Option<&RedisValue>,
    ) -> Result<Observation, ProviderError> {
        let described = |reply: Option<&RedisValue>| {
            Described::from_reply(answer(&user.username, reply)?).map_err(|e| {
                ProviderError::permanent(format!("redis: ACL user {}: {e}", user.username))
            })
        };
        let shape = match (remembered, scratch) {
            (Some(known), _) => known.clone(),
            (None, Some((set, get))) => {
                answer(&user.username, set)?;
                let fresh = described(get)?.unwrap_or_default();
                self.shapes
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .insert(user.shape(), fresh.clone());
                fresh
            }
            (None, None) => Described::default(),
        };
        let actual = described(actual)?;
        Ok(user.observation(&self.endpoint, &user.expected(&shape), actual.as_ref()))
    }
}

#[cfg(test)]
mod tests;
