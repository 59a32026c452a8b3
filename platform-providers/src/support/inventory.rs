//! Resources rebuilt from what a server lists, for `Provider::inventory`.

use serde_json::Value;

use platform_core::model::{DynamicObject, ObjectMeta};
use platform_core::provider::{Found, ManagedResource, Owner};

/// A listed resource: `kind` of `api_version` with the `spec` that names `real_name`, owned (as
/// its owner reference says) by the recorded `owner`, so the adapter's `delete` removes exactly
/// that real resource and its owner check passes.
pub fn found(
    api_version: &str,
    kind: &str,
    real_name: &str,
    spec: Value,
    owner: Option<Owner>,
) -> Found {
    let mut metadata = ObjectMeta::named(real_name.replace(['/', '.', ':'], "-"));
    if let Some(owner) = &owner {
        metadata.namespace = Some(owner.namespace.clone());
        metadata.owner_references = vec![owner.reference()];
    }
    Found {
        resource: ManagedResource {
            object: DynamicObject {
                api_version: api_version.to_owned(),
                kind: kind.to_owned(),
                metadata,
                spec,
                status: None,
            },
            external_name: real_name.to_owned(),
        },
        owner,
    }
}
