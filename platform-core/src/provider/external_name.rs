use crate::compose::CLAIM_ID_LABEL;
use crate::model::Resource;

/// Annotation that sets the external name of a managed resource.
pub const EXTERNAL_NAME_ANNOTATION: &str = "platform.dev/external-name";

/// The deterministic name of the real resource: the annotation when set, else
/// `namespace.name`.
///
/// A `.` appears in no namespace or name (DNS-1123 labels), so distinct objects never share
/// a name; `namespace-name` did (`team-a`/`x` and `team`/`a-x`). Objects composed before
/// claim ids existed (without the [`CLAIM_ID_LABEL`] annotation) keep `namespace-name`, the
/// name their real resources were created with.
pub fn external_name(object: &impl Resource) -> String {
    let meta = object.meta();
    match meta.annotations.get(EXTERNAL_NAME_ANNOTATION) {
        Some(name) if !name.is_empty() => name.clone(),
        _ if meta.annotations.contains_key(CLAIM_ID_LABEL) => {
            format!("{}.{}", object.namespace(), object.name())
        }
        _ => format!("{}-{}", object.namespace(), object.name()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::DynamicObject;

    #[test]
    fn derived_from_namespace_and_name_unless_annotated() {
        let mut object: DynamicObject = serde_json::from_value(serde_json::json!({
            "apiVersion": "x/v1", "kind": "K", "metadata": {"name": "db", "namespace": "team-a"}, "spec": {}
        }))
        .unwrap();
        assert_eq!(external_name(&object), "team-a-db");
        object.metadata.namespace = None;
        assert_eq!(external_name(&object), "default-db");
        object
            .metadata
            .annotations
            .insert(EXTERNAL_NAME_ANNOTATION.into(), "legacy_orders".into());
        assert_eq!(external_name(&object), "legacy_orders");
    }

    #[test]
    fn composed_objects_get_names_no_other_object_gets() {
        let object = |namespace: &str, name: &str| -> DynamicObject {
            serde_json::from_value(serde_json::json!({
                "apiVersion": "x/v1", "kind": "K",
                "metadata": {"name": name, "namespace": namespace,
                    "annotations": {CLAIM_ID_LABEL: "abcdefghij"}},
                "spec": {}
            }))
            .unwrap()
        };
        let a = external_name(&object("team-a", "x-database"));
        let b = external_name(&object("team", "a-x-database"));
        assert_eq!(a, "team-a.x-database");
        assert_ne!(a, b);
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(10_000))]
        #[test]
        fn distinct_objects_never_share_a_derived_name(
            ns1 in "[a-z0-9]{1,4}(-[a-z0-9]{1,4}){0,3}", n1 in "[a-z0-9]{1,4}(-[a-z0-9]{1,4}){0,3}",
            ns2 in "[a-z0-9]{1,4}(-[a-z0-9]{1,4}){0,3}", n2 in "[a-z0-9]{1,4}(-[a-z0-9]{1,4}){0,3}",
        ) {
            let object = |namespace: &str, name: &str| -> DynamicObject {
                serde_json::from_value(serde_json::json!({
                    "apiVersion": "x/v1", "kind": "K",
                    "metadata": {"name": name, "namespace": namespace,
                        "annotations": {CLAIM_ID_LABEL: "abcdefghij"}},
                    "spec": {}
                }))
                .unwrap()
            };
            proptest::prop_assume!((&ns1, &n1) != (&ns2, &n2));
            proptest::prop_assert_ne!(
                external_name(&object(&ns1, &n1)),
                external_name(&object(&ns2, &n2))
            );
        }
    }
}
