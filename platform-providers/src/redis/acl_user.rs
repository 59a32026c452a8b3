//! `AclUser`: an ACL user confined to a key prefix and a channel pattern, with a command set
//! and a generated password.

use redis::Value as RedisValue;
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::BTreeMap;

use async_trait::async_trait;
use platform_core::provider::{
    Applied, ManagedKind, ManagedResource, Observation, Owner, ProviderError, diff_fields,
};
use platform_core::secret::{SecretMap, SecretValue};

use super::{OWNERS_KEY, Server, rules, target};
use crate::support::{ident, spec};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct AclUserSpec {
    username: Option<String>,
    key_prefix: Option<String>,
    commands: Option<String>,
    channels: Option<String>,
    enabled: Option<bool>,
}

/// Where applications reach the server: the host and port put in outputs and URIs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Endpoint {
    pub(super) host: String,
    pub(super) port: u16,
}

/// A checked `AclUser` spec, defaults filled in.
#[derive(Debug, Clone)]
pub(super) struct AclUser {
    pub(super) username: String,
    key_prefix: String,
    /// The command set as written (or the default), compared with what the server holds.
    commands_text: String,
    commands: Vec<String>,
    /// The channel pattern, without the leading `&`.
    channels: String,
    enabled: bool,
}

impl AclUser {
    /// The spec of `resource`, every name and rule checked; the username defaults to the
    /// external name, the key prefix to `<username>:`, the channels to `<keyPrefix>*`.
    pub(super) fn from_resource(resource: &ManagedResource) -> Result<Self, ProviderError> {
        let s: AclUserSpec = spec::parse(resource)?;
        let username = s.username.unwrap_or_else(|| resource.external_name.clone());
        ident::name("spec.username", &username)?;
        let key_prefix = s.key_prefix.unwrap_or_else(|| format!("{username}:"));
        ident::name("spec.keyPrefix", &key_prefix)?;
        let channels = s.channels.unwrap_or_else(|| format!("{key_prefix}*"));
        // A channel pattern is a name, optionally ending in one `*`: no other glob characters.
        ident::name(
            "spec.channels",
            channels.strip_suffix('*').unwrap_or(&channels),
        )?;
        let commands_text = s
            .commands
            .unwrap_or_else(|| rules::DEFAULT_COMMANDS.to_owned());
        let commands = rules::commands("spec.commands", &commands_text)?;
        Ok(AclUser {
            username,
            key_prefix,
            commands_text: commands.join(" "),
            commands,
            channels,
            enabled: s.enabled.unwrap_or(true),
        })
    }

    /// The rules of `ACL SETUSER` after the username: everything reset, then the given
    /// password digests, the key and channel patterns, and the commands.
    pub(super) fn rules(&self, digests: &[String]) -> Vec<String> {
        let mut out = vec![
            "reset".to_owned(),
            if self.enabled { "on" } else { "off" }.to_owned(),
        ];
        out.extend(digests.iter().cloned());
        out.push(format!("~{}*", self.key_prefix));
        out.push("resetchannels".to_owned());
        out.push(format!("&{}", self.channels));
        out.push("-@all".to_owned());
        out.extend(self.commands.iter().cloned());
        out.extend(rules::CONFINEMENT.iter().map(|r| (*r).to_owned()));
        out
    }

    /// What decides a user's flags and command set, apart from its patterns: users of one
    /// shape are described alike, so one scratch description serves them all.
    pub(super) fn shape(&self) -> Vec<String> {
        let mut out = vec![if self.enabled { "on" } else { "off" }.to_owned()];
        out.extend(self.commands.iter().cloned());
        out
    }

    /// What the server should describe for this user, given the description of a scratch
    /// user of the same shape: its flags and commands, this user's key and channel patterns.
    pub(super) fn expected(&self, scratch: &Described) -> Described {
        Described {
            keys: format!("~{}*", self.key_prefix),
            channels: format!("&{}", self.channels),
            passwords: Vec::new(),
            ..scratch.clone()
        }
    }

    fn desired(&self) -> Value {
        json!({
            "keyPrefix": self.key_prefix,
            "commands": self.commands_text,
            "channels": self.channels,
            "enabled": self.enabled,
        })
    }

    /// Outputs: host, port, username, keyPrefix.
    pub(super) fn outputs(&self, endpoint: &Endpoint) -> BTreeMap<String, Value> {
        BTreeMap::from([
            ("host".to_owned(), json!(endpoint.host)),
            ("port".to_owned(), json!(endpoint.port)),
            ("username".to_owned(), json!(self.username)),
            ("keyPrefix".to_owned(), json!(self.key_prefix)),
        ])
    }

    /// Secrets: password and `redis://username:password@host:port`.
    pub(super) fn secrets(&self, endpoint: &Endpoint, password: &str) -> SecretMap {
        // Usernames may hold ':', which ends the user part of a URL unless encoded.
        let user = self.username.replace(':', "%3A");
        let uri = format!(
            "redis://{user}:{password}@{}:{}",
            endpoint.host, endpoint.port
        );
        let mut out = SecretMap::new();
        out.insert("password", SecretValue::new(password));
        out.insert("uri", SecretValue::new(uri));
        out
    }

    /// What the server holds for this user compared with a scratch user made from the same
    /// rules: Redis rewrites command sets, so equal rules are recognised by equal rewrites.
    pub(super) fn observation(
        &self,
        endpoint: &Endpoint,
        expected: &Described,
        actual: Option<&Described>,
    ) -> Observation {
        let Some(actual) = actual else {
            return Observation::absent();
        };
        let pattern = |text: &str, sigil: char, same: bool, desired: &str| -> Value {
            if same {
                return json!(desired);
            }
            let bare = text.strip_prefix(sigil).unwrap_or(text);
            if !bare.contains(' ') {
                if let Some(prefix) = bare.strip_suffix('*').filter(|_| sigil == '~') {
                    return json!(prefix);
                }
                return json!(bare);
            }
            json!(text)
        };
        let key_prefix = pattern(
            &actual.keys,
            '~',
            actual.keys == expected.keys,
            &self.key_prefix,
        );
        let channels = pattern(
            &actual.channels,
            '&',
            actual.channels == expected.channels,
            &self.channels,
        );
        let commands =
            if actual.commands == expected.commands && actual.selectors == expected.selectors {
                json!(self.commands_text)
            } else if actual.selectors.is_empty() {
                json!(actual.commands)
            } else {
                json!(format!(
                    "{} (selectors {})",
                    actual.commands, actual.selectors
                ))
            };
        let enabled = if actual.flags.iter().any(|f| f == "nopass") {
            json!("on without a password (nopass)")
        } else if self.enabled && actual.passwords.is_empty() {
            // Passwords removed by hand: nobody can log in; update hands out a fresh one.
            json!("on with no password to log in with")
        } else if actual.flags == expected.flags {
            json!(self.enabled)
        } else {
            json!(actual.flags.iter().any(|f| f == "on"))
        };
        let actual_spec = json!({
            "keyPrefix": key_prefix,
            "commands": commands,
            "channels": channels,
            "enabled": enabled,
        });
        let diff = diff_fields("spec", &self.desired(), &actual_spec);
        Observation {
            exists: true,
            up_to_date: diff.is_empty(),
            ready: true,
            diff,
            outputs: self.outputs(endpoint),
            ..Observation::default()
        }
    }
}

/// A user as `ACL GETUSER` describes it (RESP2 arrays or RESP3 maps; Redis 6 key lists or
/// Redis 7 strings).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct Described {
    pub(super) flags: Vec<String>,
    /// Password digests (hex); the server keeps no plain text.
    pub(super) passwords: Vec<String>,
    commands: String,
    keys: String,
    channels: String,
    selectors: String,
}

fn text(value: &RedisValue) -> String {
    match value {
        RedisValue::BulkString(b) => String::from_utf8_lossy(b).into_owned(),
        RedisValue::SimpleString(s) => s.clone(),
        RedisValue::VerbatimString { text, .. } => text.clone(),
        RedisValue::Int(i) => i.to_string(),
        RedisValue::Array(items) | RedisValue::Set(items) => {
            items.iter().map(text).collect::<Vec<_>>().join(" ")
        }
        RedisValue::Map(pairs) => pairs
            .iter()
            .map(|(k, v)| format!("{} {}", text(k), text(v)))
            .collect::<Vec<_>>()
            .join(" "),
        _ => String::new(),
    }
}

fn list(value: &RedisValue) -> Vec<String> {
    match value {
        RedisValue::Array(items) | RedisValue::Set(items) => items.iter().map(text).collect(),
        other => vec![text(other)],
    }
}

impl Described {
    /// The description in an `ACL GETUSER` reply; `None` for a user that does not exist.
    pub(super) fn from_reply(reply: &RedisValue) -> Result<Option<Self>, String> {
        let pairs: Vec<(&RedisValue, &RedisValue)> = match reply {
            RedisValue::Nil => return Ok(None),
            RedisValue::Array(items) => items
                .chunks(2)
                .filter_map(|c| match c {
                    [k, v] => Some((k, v)),
                    _ => None,
                })
                .collect(),
            RedisValue::Map(pairs) => pairs.iter().map(|(k, v)| (k, v)).collect(),
            other => {
                return Err(format!(
                    "expected ACL GETUSER to answer with a list of fields, found {}",
                    kind_of(other)
                ));
            }
        };
        let mut d = Described::default();
        for (key, value) in pairs {
            match text(key).as_str() {
                "flags" => d.flags = list(value),
                "passwords" => d.passwords = list(value),
                "commands" => d.commands = text(value),
                "keys" => d.keys = text(value),
                "channels" => d.channels = text(value),
                "selectors" => d.selectors = text(value),
                _ => {}
            }
        }
        Ok(Some(d))
    }
}

fn kind_of(value: &RedisValue) -> &'static str {
    match value {
        RedisValue::Int(_) => "an integer",
        RedisValue::BulkString(_) | RedisValue::SimpleString(_) => "a string",
        RedisValue::Okay => "OK",
        _ => "another type",
    }
}

/// The `AclUser` kind.
pub(super) struct AclUserKind;

#[async_trait]
impl ManagedKind<Server> for AclUserKind {
    async fn observe(
        &self,
        server: &Server,
        resource: &ManagedResource,
    ) -> Result<Observation, ProviderError> {
        let mut seen = self
            .observe_many(server, std::slice::from_ref(resource))
            .await;
        seen.pop()
            .unwrap_or_else(|| Err(ProviderError::permanent("redis: no observation returned")))
    }

    /// One `MULTI` transaction for all: per user, a scratch user set to the same rules, its
    /// description, and the user's description; the scratch user is deleted at the end.
    /// Adopting a login whose create was never recorded gives it a fresh password (create
    /// resets it), since nobody can read the lost one back; other kinds change nothing.
    async fn adopt(
        &self,
        server: &Server,
        resource: &ManagedResource,
    ) -> Result<Applied, ProviderError> {
        self.create(server, resource).await
    }

    async fn observe_many(
        &self,
        server: &Server,
        resources: &[ManagedResource],
    ) -> Vec<Result<Observation, ProviderError>> {
        let users: Vec<Result<AclUser, ProviderError>> = resources.iter().map(target).collect();
        let checked: Vec<&AclUser> = users.iter().filter_map(|u| u.as_ref().ok()).collect();
        if checked.is_empty() {
            return users
                .into_iter()
                .map(|u| u.map(|_| Observation::absent()))
                .collect();
        }
        let names: Vec<&str> = checked.iter().map(|u| u.username.as_str()).collect();
        let answers = match server.owners(&names).await {
            Ok(owners) => match server.observe_checked(&checked, false).await {
                Ok(a) => a.into_iter().zip(owners).collect::<Vec<_>>(),
                Err(e) => return users.into_iter().map(|u| u.and(Err(e.clone()))).collect(),
            },
            Err(e) => return users.into_iter().map(|u| u.and(Err(e.clone()))).collect(),
        };
        let mut answers = answers.into_iter();
        users
            .into_iter()
            .zip(resources)
            .map(|(u, resource)| {
                u.and_then(|_| {
                    let (seen, owner) = answers.next().ok_or_else(|| {
                        ProviderError::permanent("redis: too few answers in the transaction")
                    })?;
                    Owner::check(resource, "ACL user", owner.as_ref())?;
                    seen
                })
            })
            .collect()
    }

    /// Sets the user with a fresh password, whether or not it exists.
    async fn create(
        &self,
        server: &Server,
        resource: &ManagedResource,
    ) -> Result<Applied, ProviderError> {
        let user = target(resource)?;
        server.claim(resource, &user).await?;
        server.reset_password(&user).await
    }

    /// Sets the spec's rules and keeps the user's passwords; a missing user, or one left
    /// without any password, gets a fresh one.
    async fn update(
        &self,
        server: &Server,
        resource: &ManagedResource,
    ) -> Result<Applied, ProviderError> {
        let user = target(resource)?;
        server.claim(resource, &user).await?;
        let digests: Vec<String> = match server.describe(&user).await? {
            Some(d) if !d.passwords.is_empty() => {
                d.passwords.iter().map(|p| format!("#{p}")).collect()
            }
            _ => return server.reset_password(&user).await,
        };
        // Digests come back from the server: check them before sending them back.
        if let Some(bad) = digests
            .iter()
            .find(|d| d.len() != 65 || !d[1..].bytes().all(|b| b.is_ascii_hexdigit()))
        {
            return Err(ProviderError::permanent(format!(
                "redis: ACL user {}: expected password digests of 64 hex digits, found one of {} characters",
                user.username,
                bad.len() - 1
            )));
        }
        server.set_user(&user, &digests, &[]).await?;
        Ok(Applied {
            outputs: user.outputs(&server.endpoint),
            ..Applied::default()
        })
    }

    async fn delete(
        &self,
        server: &Server,
        resource: &ManagedResource,
    ) -> Result<(), ProviderError> {
        let user = target(resource)?;
        let recorded = server.owners(&[&user.username]).await?.pop().flatten();
        Owner::check(resource, "ACL user", recorded.as_ref())?;
        let mut connection = server.admin.connection().await?;
        redis::pipe()
            .atomic()
            .cmd("ACL")
            .arg("DELUSER")
            .arg(&user.username)
            .ignore()
            .cmd("HDEL")
            .arg(OWNERS_KEY)
            .arg(&user.username)
            .ignore()
            .query_async::<()>(&mut connection)
            .await
            .map_err(|e| {
                server.admin.error(
                    &format!("cannot delete ACL user {}", user.username),
                    &e,
                    &[],
                )
            })
    }
}
