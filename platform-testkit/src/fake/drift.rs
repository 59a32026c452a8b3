//! Out-of-band changes to the cloud's records: what a colleague with console access does
//! behind the platform's back. The [`Drift`](crate::layers::Drift) layer shows the same changes
//! through any provider without touching the real resource; both read paths alike.

use serde_json::{Map, Value};

use super::cloud::{FakeCloud, RealResourceKey};
use super::error::FakeCloudError;
use crate::layers::{DriftPath, DriftPathError, Root};

impl FakeCloud {
    /// Sets a field of a real resource out of band, such as `spec.connectionLimit` or
    /// `outputs.host`; missing objects on the way are created. Acts on the oldest copy.
    ///
    /// ```
    /// # use platform_testkit::fake::FakeCloud;
    /// let cloud = FakeCloud::new();
    /// let err = cloud
    ///     .drift_change("fake.dev/v1", "FakeDatabase", "nope", "spec.x", 1.into())
    ///     .unwrap_err();
    /// assert!(err.to_string().contains("no FakeDatabase named \"nope\""));
    /// ```
    pub fn drift_change(
        &self,
        api_version: &str,
        kind: &str,
        external_name: &str,
        path: &str,
        value: Value,
    ) -> Result<(), FakeCloudError> {
        let path = DriftPath::parse(path).map_err(bad_path)?;
        let key = RealResourceKey::new(api_version, kind, external_name);
        let mut state = self.lock();
        let resource = state
            .resources
            .get_mut(&key)
            .and_then(|copies| copies.first_mut())
            .ok_or_else(|| not_found(&key))?;
        match path.root().map_err(bad_path)? {
            Root::Spec => {
                if !resource.spec.is_object() {
                    resource.spec = Value::Object(Map::new());
                }
                path.set_in_spec(&mut resource.spec, value)
            }
            Root::Outputs => {
                let id = resource.id;
                let outputs = resource
                    .outputs
                    .get_or_insert_with(|| super::cloud::default_outputs(&key, id));
                path.set_in_outputs(outputs, value)
            }
        }
        .map_err(bad_path)
    }

    /// Deletes a real resource out of band (its oldest copy).
    pub fn drift_delete(
        &self,
        api_version: &str,
        kind: &str,
        external_name: &str,
    ) -> Result<(), FakeCloudError> {
        let key = RealResourceKey::new(api_version, kind, external_name);
        if self.remove(&key) {
            Ok(())
        } else {
            Err(not_found(&key))
        }
    }
}

fn bad_path(e: DriftPathError) -> FakeCloudError {
    FakeCloudError::BadPath {
        path: e.path,
        reason: e.reason,
    }
}

fn not_found(key: &RealResourceKey) -> FakeCloudError {
    FakeCloudError::NotFound {
        api_version: key.api_version.clone(),
        kind: key.kind.clone(),
        external_name: key.external_name.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const API: &str = "fake.dev/v1";
    const KIND: &str = "FakeDatabase";

    fn cloud_with(name: &str, spec: Value) -> FakeCloud {
        let cloud = FakeCloud::new();
        cloud.create(&RealResourceKey::new(API, KIND, name), &spec);
        cloud
    }

    #[test]
    fn changes_nested_spec_fields_and_outputs() {
        let cloud = cloud_with("db", json!({"connectionLimit": 20}));
        cloud
            .drift_change(API, KIND, "db", "spec.connectionLimit", json!(99))
            .unwrap();
        cloud
            .drift_change(API, KIND, "db", "spec.backup.schedule", json!("hourly"))
            .unwrap();
        cloud
            .drift_change(API, KIND, "db", "outputs.host", json!("moved.internal"))
            .unwrap();
        let db = cloud.get(API, KIND, "db").unwrap();
        assert_eq!(
            db.spec,
            json!({"connectionLimit": 99, "backup": {"schedule": "hourly"}})
        );
        assert_eq!(db.outputs["host"], json!("moved.internal"));
    }

    #[test]
    fn bad_paths_and_missing_resources_are_clear_errors() {
        let cloud = cloud_with("db", json!({"connectionLimit": 20}));
        let err = cloud
            .drift_change(API, KIND, "db", "spec.connectionLimit.max", json!(1))
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "drift path \"spec.connectionLimit.max\": spec.connectionLimit is a number, not an object"
        );
        let err = cloud
            .drift_change(API, KIND, "db", "status.x", json!(1))
            .unwrap_err();
        assert!(
            err.to_string().contains("start with spec or outputs"),
            "{err}"
        );
        assert!(
            cloud
                .drift_change(API, KIND, "db", "spec..x", json!(1))
                .is_err()
        );
        assert!(
            cloud
                .drift_change(API, KIND, "db", "spec", json!(1))
                .is_err()
        );
        let err = cloud.drift_delete(API, KIND, "other").unwrap_err();
        assert_eq!(
            err.to_string(),
            "fake cloud has no FakeDatabase named \"other\" (apiVersion fake.dev/v1)"
        );
        cloud.drift_delete(API, KIND, "db").unwrap();
        assert!(cloud.get(API, KIND, "db").is_none());
    }
}
