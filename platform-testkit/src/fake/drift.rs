//! Out-of-band changes: what a colleague with console access does behind the platform's back.

use serde_json::{Map, Value};

use super::cloud::{FakeCloud, RealResourceKey};
use super::error::FakeCloudError;

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
        let bad = |reason: String| FakeCloudError::BadPath {
            path: path.to_owned(),
            reason,
        };
        let segments: Vec<&str> = path.split('.').collect();
        if segments.iter().any(|s| s.is_empty()) || segments.len() < 2 {
            return Err(bad(
                "expected dot-separated field names under spec or outputs, such as spec.connectionLimit"
                    .into(),
            ));
        }
        let key = RealResourceKey::new(api_version, kind, external_name);
        let mut state = self.lock();
        let resource = state
            .resources
            .get_mut(&key)
            .and_then(|copies| copies.first_mut())
            .ok_or_else(|| not_found(&key))?;
        match segments[0] {
            "spec" => {
                if !resource.spec.is_object() {
                    resource.spec = Value::Object(Map::new());
                }
                set_path(&mut resource.spec, &segments, 1, value).map_err(bad)
            }
            "outputs" => {
                let id = resource.id;
                let entry = resource
                    .outputs
                    .get_or_insert_with(|| super::cloud::default_outputs(&key, id))
                    .entry(segments[1].to_owned())
                    .or_insert(Value::Null);
                if segments.len() == 2 {
                    *entry = value;
                    Ok(())
                } else {
                    if entry.is_null() {
                        *entry = Value::Object(Map::new());
                    }
                    set_path(entry, &segments, 2, value).map_err(bad)
                }
            }
            other => Err(bad(format!(
                "expected the path to start with spec or outputs, found {other:?}"
            ))),
        }
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

fn not_found(key: &RealResourceKey) -> FakeCloudError {
    FakeCloudError::NotFound {
        api_version: key.api_version.clone(),
        kind: key.kind.clone(),
        external_name: key.external_name.clone(),
    }
}

/// Sets `segments[at..]` under `target`, an object, creating objects on the way.
fn set_path(target: &mut Value, segments: &[&str], at: usize, value: Value) -> Result<(), String> {
    let mut current = target;
    for (i, segment) in segments.iter().enumerate().skip(at) {
        let Value::Object(map) = current else {
            return Err(format!(
                "{} is {}, not an object",
                segments[..i].join("."),
                kind_of(current)
            ));
        };
        if i == segments.len() - 1 {
            map.insert((*segment).to_owned(), value);
            return Ok(());
        }
        current = map
            .entry((*segment).to_owned())
            .or_insert_with(|| Value::Object(Map::new()));
    }
    Ok(())
}

fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
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
