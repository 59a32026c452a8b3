//! Owner checks as every adapter's real-service suite exercises them: resources composed for
//! a claim, the refusal another claim meets on every operation, and what `inventory` lists.
//! Each `tests/<adapter>.rs` that checks owners starts with
//! `#[path = "owners/mod.rs"] mod owners;`.

#![allow(dead_code)]

use platform_core::model::DynamicObject;
use platform_core::provider::{ErrorClass, Found, ManagedResource, Provider, ProviderError};
use serde_json::{Value, json};

/// A managed resource `name` of `kind` composed for the claim `claim_kind namespace/claim`,
/// its controlling owner (uid `uid-<namespace>-<claim>`).
#[allow(clippy::too_many_arguments)]
pub fn owned(
    api_version: &str,
    kind: &str,
    name: &str,
    namespace: &str,
    claim_kind: &str,
    claim: &str,
    spec: Value,
) -> ManagedResource {
    let object: DynamicObject = serde_json::from_value(json!({
        "apiVersion": api_version, "kind": kind,
        "metadata": {"name": name, "namespace": namespace,
            "ownerReferences": [{"apiVersion": "platform.dev/v1alpha1", "kind": claim_kind,
                "name": claim, "uid": format!("uid-{namespace}-{claim}"), "controller": true}]},
        "spec": spec
    }))
    .unwrap();
    ManagedResource::new(object)
}

/// Asserts that `e` is the permanent refusal of claim `claim_kind asking` for a resource
/// recorded for `claim_kind recorded`, naming both.
pub fn assert_refused(
    what: &str,
    e: &ProviderError,
    claim_kind: &str,
    recorded: &str,
    asking: &str,
) {
    assert_eq!(e.class, ErrorClass::Permanent, "{what}: {e}");
    assert!(
        e.message
            .contains(&format!("belongs to {claim_kind} {recorded}"))
            && e.message.contains(&format!("not to {claim_kind} {asking}")),
        "{what}: {e}"
    );
}

/// Asserts that every operation on each of `theirs` (observe, create, adopt, update, delete
/// and the batch observe) is refused as [`assert_refused`] says.
pub async fn assert_refused_everywhere(
    p: &dyn Provider,
    theirs: &[ManagedResource],
    claim_kind: &str,
    recorded: &str,
    asking: &str,
) {
    for r in theirs {
        let what = |operation: &str| format!("{operation} {}", r.kind());
        let refused = |operation: &str, e: ProviderError| {
            assert_refused(&what(operation), &e, claim_kind, recorded, asking)
        };
        refused("observe", p.observe(r).await.unwrap_err());
        refused("create", p.create(r).await.unwrap_err());
        refused("adopt", p.adopt(r).await.unwrap_err());
        refused("update", p.update(r).await.unwrap_err());
        refused("delete", p.delete(r).await.unwrap_err());
    }
    for (r, seen) in theirs.iter().zip(p.observe_many(theirs).await) {
        let e = seen.unwrap_err();
        assert_refused(
            &format!("observe_many {}", r.kind()),
            &e,
            claim_kind,
            recorded,
            asking,
        );
    }
}

/// What `inventory` lists whose external name passes `keep` (the servers are shared).
pub async fn listed(p: &dyn Provider, keep: impl Fn(&str) -> bool) -> Vec<Found> {
    p.inventory()
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("the {} adapter lists what it manages", p.name()))
        .into_iter()
        .filter(|f| keep(&f.resource.external_name))
        .collect()
}

/// A listed resource as (kind, external name, owner key).
pub fn summary(f: &Found) -> (String, String, String) {
    (
        f.resource.kind().to_owned(),
        f.resource.external_name.clone(),
        f.owner
            .as_ref()
            .expect("a listed resource has an owner")
            .key(),
    )
}
