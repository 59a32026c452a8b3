use serde::{Deserialize, Serialize};

use crate::model::{DynamicObject, ObjectRef};
use crate::secret::SecretMap;

/// What an object write expects of the stored object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Precondition {
    /// Write whatever is stored.
    Any,
    /// The object must not exist.
    Absent,
    /// The stored object must have this resourceVersion.
    Version(String),
    /// The object must exist, whatever its version.
    Exists,
}

/// One write of an atomic batch.
#[derive(Debug, Clone)]
pub enum Write {
    /// Creates or replaces an object (status included).
    Put {
        /// The object; its resourceVersion and generation are set by the store.
        object: DynamicObject,
        /// What the stored object must be.
        expected: Precondition,
    },
    /// Deletes an object with its secrets and events.
    Delete {
        /// The object.
        key: ObjectRef,
        /// What the stored object must be.
        expected: Precondition,
    },
    /// Replaces the secrets of an object.
    PutSecrets {
        /// The object.
        key: ObjectRef,
        /// Its secrets.
        secrets: SecretMap,
    },
    /// Records that an external create is about to happen.
    PutIntent(CreateIntent),
    /// Clears a create intent: the create was recorded or resolved.
    ClearIntent(ObjectRef),
    /// Appends an event to an object's bounded history.
    Event(Event),
    /// Writes nothing; the batch commits only if the object meets the precondition (a claim
    /// still exists when what was provisioned for it is recorded).
    Expect {
        /// The object.
        key: ObjectRef,
        /// What the stored object must be.
        expected: Precondition,
    },
    /// Writes nothing; the batch commits only while this lease is still held with its token.
    Fence(super::Lease),
}

/// A create that was about to be sent to a provider: resolved after a crash by observing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CreateIntent {
    /// The managed resource.
    pub key: ObjectRef,
    /// The desired object, as it was to be created.
    pub object: DynamicObject,
    /// The external name the create uses.
    pub external_name: String,
    /// When the intent was written (RFC 3339).
    pub started_at: String,
}

/// Normal or warning.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum EventType {
    /// Something expected happened.
    Normal,
    /// Something needs attention.
    Warning,
}

/// Something that happened to an object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Event {
    /// The object.
    pub object: ObjectRef,
    /// Normal or warning.
    #[serde(rename = "type")]
    pub type_: EventType,
    /// CamelCase reason, such as `Created`.
    pub reason: String,
    /// Detail; never a secret.
    pub message: String,
    /// When (RFC 3339).
    pub time: String,
}

/// Put or delete.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ChangeKind {
    /// The object was created or changed.
    Put,
    /// The object was deleted.
    Delete,
}

/// One entry of the change feed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    /// Position in the feed, increasing.
    pub seq: u64,
    /// Put or delete.
    pub kind: ChangeKind,
    /// The object.
    pub key: ObjectRef,
    /// The object's resourceVersion after the change (empty for deletes).
    pub resource_version: String,
}

/// Which objects to list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListFilter {
    /// Only this kind (with its group).
    pub kind: Option<(String, String)>,
    /// Only this namespace.
    pub namespace: Option<String>,
    /// Only objects whose controller owner reference names this object.
    pub owner: Option<ObjectRef>,
}

impl ListFilter {
    /// Everything.
    pub fn all() -> Self {
        ListFilter::default()
    }

    /// Objects owned by an object.
    pub fn owned_by(owner: ObjectRef) -> Self {
        ListFilter {
            owner: Some(owner),
            ..ListFilter::default()
        }
    }

    /// Objects of one kind in a group.
    pub fn kind(group: impl Into<String>, kind: impl Into<String>) -> Self {
        ListFilter {
            kind: Some((group.into(), kind.into())),
            ..ListFilter::default()
        }
    }

    /// Whether an object passes the filter.
    pub fn matches(&self, object: &DynamicObject, owner: Option<&ObjectRef>) -> bool {
        use crate::model::Resource;
        let key = object.object_ref();
        self.kind
            .as_ref()
            .is_none_or(|(g, k)| *g == key.group && *k == key.kind)
            && self.namespace.as_ref().is_none_or(|n| *n == key.namespace)
            && self.owner.as_ref().is_none_or(|o| Some(o) == owner)
    }
}
