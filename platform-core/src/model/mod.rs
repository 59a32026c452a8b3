//! The Kubernetes resource model: objects, metadata, conditions, kinds and name rules.

mod condition;
mod gvk;
mod meta;
pub mod names;
mod object;
mod status;
pub mod time;

pub use condition::{Condition, ConditionStatus, Conditions};
pub use gvk::{ApiVersion, GroupVersionKind};
pub use meta::{ObjectMeta, OwnerReference};
pub use object::{DynamicObject, Object, ObjectRef, Resource, TypedKind};
pub use status::Status;

/// Default API group of the built-in claim kinds.
pub const DEFAULT_GROUP: &str = "platform.dev";
/// Default API version of the built-in claim kinds.
pub const DEFAULT_VERSION: &str = "v1alpha1";
/// Namespace used when an object does not name one.
pub const DEFAULT_NAMESPACE: &str = "default";
