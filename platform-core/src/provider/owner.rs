//! Which object a real resource belongs to, as the platform's marker on it records.
//!
//! Derived names keep distinct claims apart, but a name can still be set by hand (the
//! [`EXTERNAL_NAME_ANNOTATION`](super::EXTERNAL_NAME_ANNOTATION), a composition writing a fixed
//! `spec.name`). So every adapter records the owner in its marker when it creates a resource,
//! and refuses to observe, adopt, update or delete one recorded for another owner: the second
//! claim fails with an error naming both, and the first keeps its data.

use std::fmt;

use super::{ManagedResource, ProviderError};
use crate::model::Resource;

/// The object that owns a real resource: the claim that composed it (its controller owner
/// reference), or the managed object itself when it has none.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Owner {
    /// Kind of the owner, such as `DatabaseClaim`.
    pub kind: String,
    /// Namespace of the owner (and of the managed resource).
    pub namespace: String,
    /// Name of the owner.
    pub name: String,
    /// The owner's uid when known; recorded for people, not compared (a claim deleted with
    /// `deletionPolicy: Orphan` and applied again gets a new uid and its resource back).
    pub uid: Option<String>,
}

impl Owner {
    /// The owner of `resource`.
    pub fn of(resource: &ManagedResource) -> Owner {
        let object = &resource.object;
        let namespace = object.namespace().to_owned();
        let controller = object
            .metadata
            .owner_references
            .iter()
            .find(|r| r.controller == Some(true))
            .or_else(|| object.metadata.owner_references.first());
        match controller {
            Some(r) => Owner {
                kind: r.kind.clone(),
                namespace,
                name: r.name.clone(),
                uid: (!r.uid.is_empty()).then(|| r.uid.clone()),
            },
            None => Owner {
                kind: object.kind.clone(),
                namespace,
                name: object.metadata.name.clone(),
                uid: object.metadata.uid.clone().filter(|u| !u.is_empty()),
            },
        }
    }

    /// The owner as one marker value, `Kind/namespace/name` (no uid): fits an S3 tag, a
    /// SQL comment, a NATS metadata value. Kinds, namespaces and names hold no `/`.
    pub fn key(&self) -> String {
        format!("{}/{}/{}", self.kind, self.namespace, self.name)
    }

    /// The owner as marker text, `owner=Kind/namespace/name uid=...`, for markers that are one
    /// free-text field (a comment).
    pub fn marker(&self) -> String {
        match &self.uid {
            Some(uid) => format!("owner={} uid={uid}", self.key()),
            None => format!("owner={}", self.key()),
        }
    }

    /// Reads an owner from a [`key`](Self::key) value.
    pub fn from_key(key: &str) -> Option<Owner> {
        let mut parts = key.trim().splitn(3, '/');
        let (kind, namespace, name) = (parts.next()?, parts.next()?, parts.next()?);
        if kind.is_empty() || namespace.is_empty() || name.is_empty() || name.contains('/') {
            return None;
        }
        Some(Owner {
            kind: kind.to_owned(),
            namespace: namespace.to_owned(),
            name: name.to_owned(),
            uid: None,
        })
    }

    /// Reads the owner from marker text written by [`marker`](Self::marker) (possibly after
    /// other words, such as `managed-by=platform`); `None` when the text records no owner, as
    /// markers written before owners were recorded.
    pub fn from_marker(text: &str) -> Option<Owner> {
        let mut owner: Option<Owner> = None;
        let mut uid = None;
        for word in text.split_whitespace() {
            if let Some(key) = word.strip_prefix("owner=") {
                owner = Owner::from_key(key);
            } else if let Some(u) = word.strip_prefix("uid=") {
                uid = Some(u.to_owned());
            }
        }
        owner.map(|o| Owner { uid, ..o })
    }

    /// A controller owner reference naming this owner, to put on a resource rebuilt from
    /// its marker (an inventoried one), so [`Owner::of`] gives this owner back.
    pub fn reference(&self) -> crate::model::OwnerReference {
        crate::model::OwnerReference {
            api_version: String::new(),
            kind: self.kind.clone(),
            name: self.name.clone(),
            uid: self.uid.clone().unwrap_or_default(),
            controller: Some(true),
            block_owner_deletion: None,
        }
    }

    /// True when both name the same object (kind, namespace and name; the uid is not compared).
    pub fn same(&self, other: &Owner) -> bool {
        self.kind == other.kind && self.namespace == other.namespace && self.name == other.name
    }

    /// Refuses `resource` when its real resource is recorded for another owner: a permanent
    /// error naming the resource, its recorded owner and the object asking. A resource with
    /// no recorded owner (created before owners were recorded) is accepted.
    pub fn check(
        resource: &ManagedResource,
        what: &str,
        recorded: Option<&Owner>,
    ) -> Result<(), ProviderError> {
        Owner::of(resource).may_use(what, &resource.external_name, recorded)
    }

    /// [`check`](Self::check) for an asker known as an `Owner`: refuses the real resource
    /// `what name` when `recorded` names another owner.
    pub fn may_use(
        &self,
        what: &str,
        name: &str,
        recorded: Option<&Owner>,
    ) -> Result<(), ProviderError> {
        match recorded {
            Some(recorded) if !recorded.same(self) => Err(ProviderError::permanent(format!(
                "{what} {name} belongs to {recorded}, not to {self}: refusing to take it over; give one of them another name"
            ))),
            _ => Ok(()),
        }
    }
}

impl fmt::Display for Owner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}/{}", self.kind, self.namespace, self.name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::DynamicObject;
    use serde_json::json;

    fn managed(owner: &str, namespace: &str) -> ManagedResource {
        ManagedResource::new(
            serde_json::from_value::<DynamicObject>(json!({
                "apiVersion": "x/v1", "kind": "Database",
                "metadata": {"name": format!("{owner}-database"), "namespace": namespace,
                    "ownerReferences": [{"apiVersion": "platform.dev/v1alpha1", "kind": "DatabaseClaim",
                        "name": owner, "uid": "u-1", "controller": true}]},
                "spec": {}
            }))
            .unwrap(),
        )
    }

    #[test]
    fn the_owner_is_the_controlling_claim_and_round_trips_through_its_marker() {
        let owner = Owner::of(&managed("orders-db", "team-a"));
        assert_eq!(owner.key(), "DatabaseClaim/team-a/orders-db");
        let text = format!("managed-by=platform {}", owner.marker());
        assert_eq!(Owner::from_marker(&text), Some(owner.clone()));
        assert_eq!(Owner::from_marker("managed-by=platform"), None);
        assert_eq!(Owner::from_key(&owner.key()).unwrap().name, "orders-db");
    }

    #[test]
    fn another_owner_is_refused_with_both_named() {
        let mine = managed("a-orders-db", "auditc");
        let theirs = Owner::of(&managed("orders-db", "auditc-a"));
        let e = Owner::check(&mine, "database", Some(&theirs)).unwrap_err();
        assert!(!e.is_transient());
        assert!(
            e.message
                .contains("belongs to DatabaseClaim auditc-a/orders-db")
                && e.message
                    .contains("not to DatabaseClaim auditc/a-orders-db"),
            "{e}"
        );
        Owner::check(&mine, "database", Some(&Owner::of(&mine))).unwrap();
        Owner::check(&mine, "database", None).unwrap();
    }
}
