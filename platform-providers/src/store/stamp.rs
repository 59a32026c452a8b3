//! The metadata a put gives an object, decided once for every durable store.

use platform_core::model::DynamicObject;
use platform_core::model::time::now_rfc3339;

/// What a store held for an object before a put: generation, uid, creation time, spec text.
pub(crate) type Previous<'a> = (i64, String, String, &'a str);

/// Stamps `object` for storing at `version`, given the text of its new spec and what the store
/// held: a spec that changed by value (not merely by text: keys may come in another order)
/// bumps the generation; uid and creation time are kept; a new object gets generation 1, a
/// uid from the version and the name's length, and now. Fails only on a stored spec that is
/// not JSON. Returns the generation, uid and creation time, for the store's columns.
pub(crate) fn stamp(
    object: &mut DynamicObject,
    previous: Option<Previous<'_>>,
    spec: &str,
    version: u64,
) -> Result<(i64, String, String), serde_json::Error> {
    let (generation, uid, created) = match previous {
        Some((generation, uid, created, old_spec)) => {
            let same = old_spec == spec
                || serde_json::from_str::<serde_json::Value>(old_spec)? == object.spec;
            let generation = if same { generation } else { generation + 1 };
            (generation, uid, created)
        }
        None => (
            1,
            format!("{version:08x}-{:04x}", object.metadata.name.len()),
            now_rfc3339(),
        ),
    };
    object.metadata.uid = Some(uid.clone());
    object.metadata.creation_timestamp = Some(created.clone());
    object.metadata.generation = Some(generation);
    object.metadata.resource_version = Some(version.to_string());
    Ok((generation, uid, created))
}
