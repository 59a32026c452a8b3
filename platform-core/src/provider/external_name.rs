use crate::model::Resource;

/// Annotation that sets the external name of a managed resource.
pub const EXTERNAL_NAME_ANNOTATION: &str = "platform.dev/external-name";

/// The deterministic name of the real resource: the annotation when set, else `namespace-name`.
pub fn external_name(object: &impl Resource) -> String {
    match object.meta().annotations.get(EXTERNAL_NAME_ANNOTATION) {
        Some(name) if !name.is_empty() => name.clone(),
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
}
