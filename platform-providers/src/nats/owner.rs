//! The owner recorded on a stream, key-value bucket or consumer.
//!
//! JetStream 2.10 keeps a `metadata` map on each: the owner goes there under [`OWNER_KEY`].
//! Servers before 2.10 drop `metadata` without a word, so the owner also goes in the
//! `description` (kept since 2.3) as marker text, `managed-by=platform owner=Kind/ns/name
//! uid=...`; the map is read first.

use serde_json::{Value, json};

use platform_core::provider::{ManagedResource, Owner, ProviderError};

/// The metadata key holding the owner, `Kind/namespace/name` ([`Owner::key`]).
pub const OWNER_KEY: &str = "platform.dev/owner";

/// Records `resource`'s owner in a stream or consumer configuration, keeping other metadata.
pub(super) fn record(config: &mut Value, resource: &ManagedResource) {
    let owner = Owner::of(resource);
    if !config.get("metadata").is_some_and(Value::is_object) {
        config["metadata"] = json!({});
    }
    config["metadata"][OWNER_KEY] = json!(owner.key());
    config["description"] = json!(format!("{MARKER} {}", owner.marker()));
}

/// The first word of the description of everything the adapter makes.
pub(super) const MARKER: &str = "managed-by=platform";

/// Whether a stream or consumer configuration carries the adapter's mark: the owner in its
/// `metadata`, or a description starting with [`MARKER`].
pub(super) fn marked(config: &Value) -> bool {
    let in_metadata = config
        .pointer("/metadata")
        .and_then(|m| m.get(OWNER_KEY))
        .is_some();
    let in_description = config
        .get("description")
        .and_then(Value::as_str)
        .is_some_and(|d| d.split_whitespace().next() == Some(MARKER));
    in_metadata || in_description
}

/// The owner a configuration records; None when it records none (made before owners were).
pub(super) fn recorded(config: &Value) -> Option<Owner> {
    let from_metadata = config
        .pointer("/metadata")
        .and_then(|m| m.get(OWNER_KEY))
        .and_then(Value::as_str)
        .and_then(Owner::from_key);
    from_metadata.or_else(|| {
        config
            .get("description")
            .and_then(Value::as_str)
            .and_then(Owner::from_marker)
    })
}

/// Refuses `resource` when the configuration in `info` (a stream or consumer info) is
/// recorded for another owner.
pub(super) fn check(
    resource: &ManagedResource,
    what: &str,
    info: &Value,
) -> Result<(), ProviderError> {
    let recorded = info.get("config").and_then(recorded);
    Owner::check(resource, what, recorded.as_ref())
}

/// Whether the configuration in `info` records `resource`'s owner already.
pub(super) fn is_recorded(resource: &ManagedResource, info: &Value) -> bool {
    info.get("config")
        .and_then(recorded)
        .is_some_and(|o| o.same(&Owner::of(resource)))
}
