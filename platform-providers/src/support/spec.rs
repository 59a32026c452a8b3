//! A managed resource's spec as a typed struct, with a clear permanent error when it is wrong.

use serde::de::DeserializeOwned;

use platform_core::provider::{ManagedResource, ProviderError};

/// The spec of `resource` as `T`; a missing field, a wrong type or (with
/// `#[serde(deny_unknown_fields)]`) an unknown field is a permanent error naming the kind,
/// the external name and the field.
pub fn parse<T: DeserializeOwned>(resource: &ManagedResource) -> Result<T, ProviderError> {
    T::deserialize(resource.spec()).map_err(|e| {
        ProviderError::permanent(format!(
            "invalid spec of {} {}: {e}",
            resource.kind(),
            resource.external_name
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use platform_core::model::DynamicObject;
    use serde_json::json;

    #[test]
    fn a_wrong_spec_names_kind_resource_and_field() {
        #[derive(serde::Deserialize, Debug)]
        #[serde(deny_unknown_fields)]
        #[allow(dead_code)]
        struct Role {
            name: String,
            #[serde(rename = "connectionLimit")]
            connection_limit: Option<i32>,
        }
        let object: DynamicObject = serde_json::from_value(json!({
            "apiVersion": "postgres.platform.dev/v1alpha1", "kind": "Role",
            "metadata": {"name": "orders", "namespace": "team-a"},
            "spec": {"name": "orders", "connectionLimit": "many"}
        }))
        .unwrap();
        let e = parse::<Role>(&ManagedResource::new(object)).unwrap_err();
        assert!(
            e.message
                .starts_with("invalid spec of Role team-a-orders: invalid type: string \"many\""),
            "{e}"
        );
    }
}
