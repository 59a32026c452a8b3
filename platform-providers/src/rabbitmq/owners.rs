//! Which claim owns each object the adapter made, recorded in RabbitMQ global parameters.
//!
//! Queue arguments are fixed at declaration, user tags are read by RabbitMQ as permissions and
//! exchanges and bindings carry no free metadata, so the owner of each object lives beside it:
//! one global parameter (`PUT /api/global-parameters/{name}`) per object, named from its kind,
//! vhost and name ([`Real::record_name`]), its value `{"owner": "Kind/namespace/name", "uid":
//! ...}`. Global parameters are readable in one call (batch observes), survive restarts, are
//! part of a definitions export, and only an administrator may write them.
//!
//! The management API has no create-if-absent: a `PUT` overwrites. A claim therefore reads the
//! record, writes its own when there is none, and reads it back, refusing itself when the
//! read-back names another owner. Of two claims racing for one name, the one written last keeps
//! it and the other is refused at its read-back, unless that read-back came before the other's
//! write; that window (two requests of two reconciles of distinct claims at the same moment)
//! remains. The server would answer a conditional `PUT` (`If-None-Match: *`, 412 when the
//! record exists), but the management client offers no way to send that header.
//!
//! RabbitMQ turns each global parameter's name into an Erlang atom, and a node never forgets
//! an atom until it restarts (about a million fit): each distinct object name costs one.

use rabbitmq_http_client::password_hashing;
use rabbitmq_http_client::requests::GlobalRuntimeParameterDefinition;
use serde_json::{Map, Value, json};
use std::collections::HashMap;

use platform_core::provider::{ManagedResource, Owner, ProviderError};

use super::connection::Connection;

/// The start of every readable record name; no other global parameter starts so.
pub(super) const PREFIX: &str = "platform.dev/owner/";
/// The start of a record name whose readable form would be too long: the kind and the SHA-256
/// of the readable form follow.
const HASHED_PREFIX: &str = "platform.dev/owner-sha256/";
/// The longest global parameter name RabbitMQ takes (it becomes an atom).
const NAME_MAX: usize = 255;

/// An object whose owner is recorded.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(super) enum Real {
    /// A virtual host (never `/`, which belongs to the server).
    Vhost(String),
    /// A user; users are not per vhost.
    User(String),
    /// A queue in a vhost.
    Queue { vhost: String, name: String },
    /// An exchange in a vhost.
    Exchange { vhost: String, name: String },
    /// A binding, identified by all its fields.
    Binding {
        vhost: String,
        source: String,
        destination: String,
        to_queue: bool,
        routing_key: String,
    },
}

impl Real {
    fn kind(&self) -> &'static str {
        match self {
            Real::Vhost(_) => "Vhost",
            Real::User(_) => "User",
            Real::Queue { .. } => "Queue",
            Real::Exchange { .. } => "Exchange",
            Real::Binding { .. } => "Binding",
        }
    }

    /// Kind and identifying fields joined by `/`. Names, vhosts and routing keys hold no `/`
    /// and no `%` (they are checked before this is called), and the vhost `/` is written
    /// `%2f`, so distinct objects never give the same text.
    fn readable(&self) -> String {
        let vh = |vhost: &str| {
            if vhost == "/" {
                "%2f".to_owned()
            } else {
                vhost.to_owned()
            }
        };
        match self {
            Real::Vhost(name) => format!("Vhost/{}", vh(name)),
            Real::User(name) => format!("User/{name}"),
            Real::Queue { vhost, name } => format!("Queue/{}/{name}", vh(vhost)),
            Real::Exchange { vhost, name } => format!("Exchange/{}/{name}", vh(vhost)),
            Real::Binding {
                vhost,
                source,
                destination,
                to_queue,
                routing_key,
            } => format!(
                "Binding/{}/{source}/{}/{destination}/{routing_key}",
                vh(vhost),
                if *to_queue { "queue" } else { "exchange" }
            ),
        }
    }

    /// The global parameter that records this object's owner: the readable form when it fits
    /// RabbitMQ's limit, else the kind and a SHA-256 of the readable form under another
    /// prefix, so the two forms never meet.
    pub(super) fn record_name(&self) -> String {
        let readable = self.readable();
        if PREFIX.len() + readable.len() <= NAME_MAX {
            return format!("{PREFIX}{readable}");
        }
        // The management client's salted SHA-256 with an empty salt is plain SHA-256, so the
        // adapter needs no hashing crate of its own.
        let digest = password_hashing::salted_password_hash_sha256(&[], &readable);
        let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
        format!("{HASHED_PREFIX}{}/{hex}", self.kind())
    }

    /// The spec of a resource of this kind naming the object, kept in the record so that a
    /// record whose name is hashed still says which object it is (and a sweep for resources no
    /// claim owns could rebuild a resource to delete).
    fn spec(&self) -> Value {
        match self {
            Real::Vhost(name) | Real::User(name) => json!({"name": name}),
            Real::Queue { vhost, name } | Real::Exchange { vhost, name } => {
                json!({"name": name, "vhost": vhost})
            }
            Real::Binding {
                vhost,
                source,
                destination,
                to_queue,
                routing_key,
            } => json!({
                "vhost": vhost, "source": source, "destination": destination,
                "destinationType": if *to_queue { "queue" } else { "exchange" },
                "routingKey": routing_key,
            }),
        }
    }

    /// The object as messages name it: `queue "orders" in vhost "/"`.
    pub(super) fn describe(&self) -> String {
        match self {
            Real::Vhost(name) => format!("vhost {name:?}"),
            Real::User(name) => format!("user {name:?}"),
            Real::Queue { vhost, name } => format!("queue {name:?} in vhost {vhost:?}"),
            Real::Exchange { vhost, name } => format!("exchange {name:?} in vhost {vhost:?}"),
            Real::Binding {
                vhost,
                source,
                destination,
                to_queue,
                routing_key,
            } => format!(
                "binding {source:?} -> {} {destination:?} (routing key {routing_key:?}) in vhost {vhost:?}",
                if *to_queue { "queue" } else { "exchange" }
            ),
        }
    }
}

/// The record's value: `owner` (`Kind/namespace/name`), its `uid` when known, and the object
/// (`kind` and `spec`, as a resource of the adapter would name it).
fn value_of(real: &Real, owner: &Owner) -> Map<String, Value> {
    let mut value = Map::new();
    value.insert("owner".into(), json!(owner.key()));
    if let Some(uid) = &owner.uid {
        value.insert("uid".into(), json!(uid));
    }
    value.insert("kind".into(), json!(real.kind()));
    value.insert("spec".into(), real.spec());
    value
}

/// The owner a record's value names; a value that names none is refused, as it may be a
/// damaged record of another claim.
fn owner_in(real: &Real, value: &Value) -> Result<Owner, ProviderError> {
    let owner = value
        .get("owner")
        .and_then(Value::as_str)
        .and_then(Owner::from_key);
    match owner {
        Some(owner) => Ok(Owner {
            uid: value.get("uid").and_then(Value::as_str).map(str::to_owned),
            ..owner
        }),
        None => {
            let shown: String = value.to_string().chars().take(200).collect();
            Err(ProviderError::permanent(format!(
                "rabbitmq: cannot tell who owns {}: global parameter {:?} holds {shown}, expected {{\"owner\": \"Kind/namespace/name\"}}; correct it, or remove it (rabbitmqctl clear_global_parameter) if the object is yours",
                real.describe(),
                real.record_name()
            )))
        }
    }
}

/// Every record on the server, by global parameter name: one call, for batch observes.
pub(super) async fn all(conn: &Connection) -> Result<Records, ProviderError> {
    let listed = conn
        .client
        .list_global_runtime_parameters()
        .await
        .map_err(|e| conn.error("list the owner records (global parameters)", e))?;
    Ok(Records(
        listed
            .into_iter()
            .filter(|p| p.name.starts_with(PREFIX) || p.name.starts_with(HASHED_PREFIX))
            .map(|p| (p.name, p.value.0))
            .collect(),
    ))
}

/// An object as its owner record names it.
pub(super) struct Recorded {
    /// Kind of the resource naming it (`Queue`).
    pub(super) kind: String,
    /// Its name (a binding's record name, without the prefix, as it has none).
    pub(super) name: String,
    /// The spec of a resource naming it.
    pub(super) spec: Value,
    /// The owner recorded.
    pub(super) owner: Option<Owner>,
}

/// Owner records read at once, by global parameter name.
pub(super) struct Records(HashMap<String, Value>);

impl Records {
    /// The owner recorded for `real`, if any.
    pub(super) fn owner(&self, real: &Real) -> Result<Option<Owner>, ProviderError> {
        self.0
            .get(&real.record_name())
            .map(|value| owner_in(real, value))
            .transpose()
    }

    /// Every record as the object it names: its kind, the spec naming it (both as the record
    /// keeps them), the name it goes by, and the owner it records (None when the value names
    /// none). Records of the vhost `/`, which belongs to the server, are skipped, as are
    /// records that do not say which object they are.
    pub(super) fn objects(&self) -> Vec<Recorded> {
        let mut objects: Vec<Recorded> = self
            .0
            .iter()
            .filter_map(|(record, value)| {
                let kind = value.get("kind")?.as_str()?.to_owned();
                let spec = value.get("spec")?.clone();
                if kind == "Vhost" && spec.get("name")?.as_str()? == "/" {
                    return None;
                }
                let name = match spec.get("name").and_then(Value::as_str) {
                    Some(name) => name.to_owned(),
                    None => record
                        .strip_prefix(PREFIX)
                        .or_else(|| record.strip_prefix(HASHED_PREFIX))?
                        .to_owned(),
                };
                let owner = value
                    .get("owner")
                    .and_then(Value::as_str)
                    .and_then(Owner::from_key)
                    .map(|owner| Owner {
                        uid: value.get("uid").and_then(Value::as_str).map(str::to_owned),
                        ..owner
                    });
                Some(Recorded {
                    kind,
                    name,
                    spec,
                    owner,
                })
            })
            .collect();
        objects.sort_by(|a, b| (&a.kind, &a.name).cmp(&(&b.kind, &b.name)));
        objects
    }

    /// Refuses `resource` when `real` is recorded for another owner.
    pub(super) fn check(
        &self,
        resource: &ManagedResource,
        real: &Real,
    ) -> Result<(), ProviderError> {
        refuse_other(resource, real, self.owner(real)?.as_ref())
    }
}

/// The owner recorded for `real`, if any.
async fn recorded(conn: &Connection, real: &Real) -> Result<Option<Owner>, ProviderError> {
    let name = real.record_name();
    match conn.client.get_global_runtime_parameter(&name).await {
        Ok(p) => owner_in(real, &p.value.0).map(Some),
        Err(e) if e.is_not_found() => Ok(None),
        Err(e) => Err(conn.error(
            &format!(
                "read the owner of {} (global parameter {name:?})",
                real.describe()
            ),
            e,
        )),
    }
}

fn refuse_other(
    resource: &ManagedResource,
    real: &Real,
    recorded: Option<&Owner>,
) -> Result<(), ProviderError> {
    Owner::check(
        resource,
        &format!("rabbitmq: {} for", real.describe()),
        recorded,
    )
}

/// Refuses `resource` when `real` is recorded for another owner. An object without a record
/// (made before owners were recorded) is accepted.
pub(super) async fn check(
    conn: &Connection,
    resource: &ManagedResource,
    real: &Real,
) -> Result<(), ProviderError> {
    refuse_other(resource, real, recorded(conn, real).await?.as_ref())
}

/// Refuses `resource` by the first of `reals` that has a record: an object's own record, then
/// the record of what it belongs to (a binding's destination).
pub(super) async fn check_first(
    conn: &Connection,
    resource: &ManagedResource,
    reals: &[&Real],
) -> Result<(), ProviderError> {
    for real in reals {
        if let Some(owner) = recorded(conn, real).await? {
            return refuse_other(resource, real, Some(&owner));
        }
    }
    Ok(())
}

/// Records `resource`'s owner for `real` unless another is recorded, before the object is
/// made or changed, and refuses `resource` when the record (read back after writing) names
/// another owner. An object made before owners were recorded gets its record here.
pub(super) async fn claim(
    conn: &Connection,
    resource: &ManagedResource,
    real: &Real,
) -> Result<(), ProviderError> {
    let mine = Owner::of(resource);
    match recorded(conn, real).await? {
        Some(owner) if owner == mine => return Ok(()),
        Some(owner) if !owner.same(&mine) => {
            return refuse_other(resource, real, Some(&owner));
        }
        // No record, or this owner's with another uid (applied again after an orphaning
        // delete): write this owner's.
        _ => {}
    }
    let name = real.record_name();
    conn.client
        .upsert_global_runtime_parameter(&GlobalRuntimeParameterDefinition {
            name: &name,
            value: value_of(real, &mine),
        })
        .await
        .map_err(|e| {
            conn.error(
                &format!(
                    "record the owner of {} (global parameter {name:?})",
                    real.describe()
                ),
                e,
            )
        })?;
    // Of two claims that both found no record, the one written last holds the name; the other
    // is refused here when this read comes after that write.
    check(conn, resource, real).await
}

/// Removes the record of `real`, after the object itself was deleted.
pub(super) async fn release(conn: &Connection, real: &Real) -> Result<(), ProviderError> {
    let name = real.record_name();
    match conn.client.clear_global_runtime_parameter(&name).await {
        Ok(()) => Ok(()),
        Err(e) if e.is_not_found() => Ok(()),
        Err(e) => Err(conn.error(
            &format!(
                "remove the owner record of {} (global parameter {name:?})",
                real.describe()
            ),
            e,
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn queue(vhost: &str, name: &str) -> Real {
        Real::Queue {
            vhost: vhost.into(),
            name: name.into(),
        }
    }

    #[test]
    fn record_names_are_readable_and_distinct_per_object() {
        assert_eq!(
            queue("/", "team-a.orders").record_name(),
            "platform.dev/owner/Queue/%2f/team-a.orders"
        );
        let reals = [
            queue("/", "x"),
            queue("v", "x"),
            Real::Exchange {
                vhost: "/".into(),
                name: "x".into(),
            },
            Real::User("x".into()),
            Real::Vhost("x".into()),
            Real::Binding {
                vhost: "/".into(),
                source: "x".into(),
                destination: "x".into(),
                to_queue: true,
                routing_key: String::new(),
            },
            Real::Binding {
                vhost: "/".into(),
                source: "x".into(),
                destination: "x".into(),
                to_queue: false,
                routing_key: String::new(),
            },
        ];
        let names: std::collections::HashSet<String> =
            reals.iter().map(Real::record_name).collect();
        assert_eq!(names.len(), reals.len(), "{names:?}");
    }

    #[test]
    fn names_too_long_for_a_record_are_hashed_within_the_limit_and_stay_distinct() {
        let long = "a".repeat(200);
        let a = queue(&long, &long).record_name();
        let b = queue(&long, &format!("{}b", &long[1..])).record_name();
        assert!(a.starts_with(HASHED_PREFIX) && a.len() <= NAME_MAX, "{a}");
        assert_ne!(a, b);
        // SHA-256 of "abc": the hash is plain SHA-256, stable across releases.
        let digest = password_hashing::salted_password_hash_sha256(&[], "abc");
        assert_eq!(
            digest
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect::<String>(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn a_record_that_names_no_owner_is_refused_and_a_good_one_round_trips() {
        let real = queue("/", "orders");
        let e = owner_in(&real, &json!({"owner": "nonsense"})).unwrap_err();
        assert!(!e.is_transient());
        assert!(
            e.message.contains("platform.dev/owner/Queue/%2f/orders"),
            "{e}"
        );
        let owner = Owner {
            kind: "DatabaseClaim".into(),
            namespace: "team-a".into(),
            name: "orders".into(),
            uid: Some("u-1".into()),
        };
        let value = Value::Object(value_of(&real, &owner));
        assert_eq!(value["spec"], json!({"name": "orders", "vhost": "/"}));
        assert_eq!(owner_in(&real, &value).unwrap(), owner);
    }
}
