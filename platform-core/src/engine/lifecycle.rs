//! A resource's lifecycle: what happens to it on delete (deletion policy), and how much the
//! engine may do to it (management policy), as Crossplane names them.

use std::fmt;

use crate::model::DynamicObject;

/// Annotation choosing the management policy of a claim or managed resource.
pub const MANAGEMENT_POLICY_ANNOTATION: &str = "platform.dev/management-policy";
/// Annotation choosing the deletion policy of a managed resource (claims use `spec.deletionPolicy`).
pub const DELETION_POLICY_ANNOTATION: &str = "platform.dev/deletion-policy";
/// Annotation listing, comma separated, the composed resources a resource waits for.
pub const DEPENDS_ON_ANNOTATION: &str = "platform.dev/depends-on";
/// Annotation naming a composed resource within its composition.
pub const RESOURCE_NAME_ANNOTATION: &str = "crossplane.io/composition-resource-name";

/// What happens to the real resource when its claim is deleted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeletionPolicy {
    /// Delete it.
    Delete,
    /// Keep it; only the record is removed.
    Orphan,
}

/// How much the engine may do to a real resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ManagementPolicy {
    /// Create, update and delete.
    Full,
    /// Only observe: never create, change or delete (an imported resource).
    ObserveOnly,
    /// Create and update, never delete.
    NoDelete,
}

impl fmt::Display for ManagementPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ManagementPolicy::Full => "Full",
            ManagementPolicy::ObserveOnly => "ObserveOnly",
            ManagementPolicy::NoDelete => "NoDelete",
        })
    }
}

impl ManagementPolicy {
    /// The policy an object's annotation sets; `Full` when absent or unknown.
    pub fn of(object: &DynamicObject) -> Self {
        match object
            .metadata
            .annotations
            .get(MANAGEMENT_POLICY_ANNOTATION)
            .map(String::as_str)
        {
            Some("ObserveOnly" | "observe-only") => ManagementPolicy::ObserveOnly,
            Some("NoDelete" | "no-delete") => ManagementPolicy::NoDelete,
            _ => ManagementPolicy::Full,
        }
    }
}

impl DeletionPolicy {
    /// The deletion policy of a managed resource: its annotation, else its claim's `spec.deletionPolicy`.
    pub fn of(resource: &DynamicObject, claim: Option<&DynamicObject>) -> Self {
        let from_annotation = resource
            .metadata
            .annotations
            .get(DELETION_POLICY_ANNOTATION)
            .map(String::as_str);
        let from_claim = claim
            .and_then(|c| c.spec.get("deletionPolicy"))
            .and_then(|v| v.as_str());
        match from_annotation.or(from_claim) {
            Some("Orphan") => DeletionPolicy::Orphan,
            _ => DeletionPolicy::Delete,
        }
    }
}
