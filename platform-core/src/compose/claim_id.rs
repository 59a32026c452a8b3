//! The claim id: a short, stable hash of a claim's (kind, namespace, name) that compositions put
//! into the names of real resources, so that distinct claims never share one.
//!
//! Joining namespace and name with a character both may hold (`team-a` + `files` and `team` +
//! `a-files` both give `team-a-files`) is not injective, and servers cap name lengths
//! (PostgreSQL 63 bytes, MySQL users 32). A readable prefix cut to fit plus the id is both:
//! the bundled compositions write PostgreSQL names as
//! `CombineFromComposite` of `metadata.namespace`, `metadata.name` and
//! `metadata.labels[platform.dev/claim-id]` with `fmt: "%.24s_%.26s_%s"`.
//!
//! The engine shows compositions the id as the composite's label [`CLAIM_ID_LABEL`]. A claim
//! whose recorded resources were composed before the id existed (they lack the annotation of
//! the same name) is shown no id: a composition's id patches are then skipped, as Crossplane
//! skips a combine patch with a missing variable, and its real resources keep the names they
//! were created with.

use serde_json::Value;
use sha2::{Digest, Sha256};

use super::ObservedResources;

/// The composite's label holding its claim id, and the annotation on every managed resource
/// composed with it.
pub const CLAIM_ID_LABEL: &str = "platform.dev/claim-id";

/// Characters in a claim id: 50 bits, about one collision in a million claims squared / 2^51.
pub const CLAIM_ID_LEN: usize = 10;

/// Lowercase letters and digits only, so the id fits every server's names (SQL identifiers,
/// S3 buckets, DNS labels, paths) unchanged.
const ALPHABET: &[u8; 32] = b"abcdefghijklmnopqrstuvwxyz234567";

/// The claim id of (kind, namespace, name): [`CLAIM_ID_LEN`] characters of `a-z2-7`.
///
/// ```
/// use platform_core::compose::claim_id;
/// let a = claim_id("BucketClaim", "team-a", "files");
/// let b = claim_id("BucketClaim", "team", "a-files");
/// assert_ne!(a, b);
/// assert_eq!(a.len(), 10);
/// assert_eq!(a, claim_id("BucketClaim", "team-a", "files"));
/// ```
pub fn claim_id(kind: &str, namespace: &str, name: &str) -> String {
    // NUL appears in none of the three, so the hashed input is itself injective.
    let digest = Sha256::new()
        .chain_update(kind.as_bytes())
        .chain_update([0])
        .chain_update(namespace.as_bytes())
        .chain_update([0])
        .chain_update(name.as_bytes())
        .finalize();
    let bits = u64::from_be_bytes(
        digest[..8]
            .try_into()
            .expect("a SHA-256 digest has 32 bytes"),
    );
    (0..CLAIM_ID_LEN)
        .map(|i| ALPHABET[((bits >> (59 - 5 * i)) & 31) as usize] as char)
        .collect()
}

/// True when `observed` holds resources recorded before claim ids existed: their claim keeps
/// the names its real resources were created with.
pub fn composed_without_id(observed: &ObservedResources) -> bool {
    observed.iter().any(|(_, resource)| {
        resource
            .object
            .pointer("/metadata/annotations")
            .and_then(|a| a.get(CLAIM_ID_LABEL))
            .is_none()
    })
}

/// The composite as compositions see it: `metadata.namespace` defaulted to `default` as
/// everywhere in the model, and its claim id in `metadata.labels[platform.dev/claim-id]`
/// unless its recorded resources predate claim ids. Any id the claim itself carries is
/// replaced: the id is derived, never taken from input.
pub fn composite_view(composite: &Value, observed: &ObservedResources) -> Value {
    let mut composite = composite.clone();
    let kind = composite
        .get("kind")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let Some(meta) = composite.get_mut("metadata").and_then(Value::as_object_mut) else {
        return composite;
    };
    if !meta.get("namespace").is_some_and(Value::is_string) {
        meta.insert(
            "namespace".into(),
            Value::String(crate::model::DEFAULT_NAMESPACE.to_owned()),
        );
    }
    let namespace = meta["namespace"].as_str().unwrap_or_default().to_owned();
    let name = meta
        .get("name")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let labels = meta
        .entry("labels")
        .or_insert_with(|| Value::Object(Default::default()));
    if !labels.is_object() {
        *labels = Value::Object(Default::default());
    }
    let labels = labels
        .as_object_mut()
        .expect("labels was just made an object");
    labels.remove(CLAIM_ID_LABEL);
    if !composed_without_id(observed) {
        labels.insert(
            CLAIM_ID_LABEL.to_owned(),
            Value::String(claim_id(&kind, &namespace, &name)),
        );
    }
    composite
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    #[test]
    fn the_id_is_shown_as_a_label_and_a_forged_one_is_replaced() {
        let claim = json!({"apiVersion": "platform.dev/v1alpha1", "kind": "BucketClaim",
            "metadata": {"name": "files", "labels": {"platform.dev/claim-id": "forged"}}, "spec": {}});
        let view = composite_view(&claim, &ObservedResources::new());
        assert_eq!(view["metadata"]["namespace"], "default");
        assert_eq!(
            view["metadata"]["labels"][CLAIM_ID_LABEL],
            claim_id("BucketClaim", "default", "files")
        );
    }

    #[test]
    fn resources_recorded_before_ids_keep_their_names() {
        let claim = json!({"apiVersion": "platform.dev/v1alpha1", "kind": "BucketClaim",
            "metadata": {"name": "files", "namespace": "team-a"}, "spec": {}});
        let mut observed = ObservedResources::new();
        observed.insert(
            "bucket",
            json!({"metadata": {"name": "files-bucket", "annotations": {}}}),
        );
        let view = composite_view(&claim, &observed);
        assert!(view["metadata"]["labels"].get(CLAIM_ID_LABEL).is_none());
        let mut observed = ObservedResources::new();
        observed.insert(
            "bucket",
            json!({"metadata": {"annotations": {CLAIM_ID_LABEL: "x"}}}),
        );
        let view = composite_view(&claim, &observed);
        assert!(view["metadata"]["labels"].get(CLAIM_ID_LABEL).is_some());
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]
        #[test]
        fn ids_use_only_lowercase_letters_and_digits(
            kind in "[A-Z][a-zA-Z]{0,20}", ns in "[a-z0-9-]{1,63}", name in "[a-z0-9-]{1,63}",
        ) {
            let id = claim_id(&kind, &ns, &name);
            prop_assert_eq!(id.len(), CLAIM_ID_LEN);
            prop_assert!(id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()));
        }
    }
}
