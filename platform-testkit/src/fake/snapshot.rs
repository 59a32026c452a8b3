//! Saving and restoring the whole cloud as JSON, so a persistent fake can be built on it.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

use platform_core::secret::SecretValue;

use super::cloud::{CloudState, FakeCloud, RealResource, RealResourceKey, Record};
use super::error::FakeCloudError;
use platform_core::rng::SeededRng;

/// Format marker of snapshots written by this version.
const FORMAT: &str = "platform-testkit/fake-cloud/v1";

// No Debug: a snapshot holds the fake passwords in clear.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Snapshot {
    format: String,
    strict_create: bool,
    next_id: u64,
    rng_state: u64,
    resources: Vec<SnapshotResource>,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct SnapshotResource {
    api_version: String,
    kind: String,
    external_name: String,
    id: u64,
    spec: Value,
    outputs: BTreeMap<String, Value>,
    password: String,
    create_calls: u32,
}

impl FakeCloud {
    /// The whole cloud as JSON: resources, strict mode and the generator state.
    ///
    /// The snapshot holds the fake passwords in clear, as a state file would: write it where
    /// the test's other state goes, never into a log.
    pub fn snapshot(&self) -> Value {
        let state = self.lock();
        let resources = state
            .resources
            .iter()
            .flat_map(|(key, copies)| copies.iter().map(|r| r.view(key)));
        snapshot_value(&state, resources)
    }

    /// A snapshot holding only the copies of one key (none when it is absent), with the
    /// cloud's current strict mode, next id and generator state.
    ///
    /// For a cloud persisted key by key: store each mutated key's `resources` and the latest
    /// other fields, and [`restore`](Self::restore) their union. Costs the copies of one key,
    /// where [`snapshot`](Self::snapshot) costs the whole cloud.
    pub fn snapshot_of(&self, key: &RealResourceKey) -> Value {
        let state = self.lock();
        let resources = state
            .resources
            .get(key)
            .into_iter()
            .flatten()
            .map(|r| r.view(key));
        snapshot_value(&state, resources)
    }

    /// Replaces the whole cloud with a snapshot; on error the cloud is left unchanged.
    pub fn restore(&self, snapshot: &Value) -> Result<(), FakeCloudError> {
        let bad = |message: String| FakeCloudError::BadSnapshot(message);
        let format = snapshot.get("format").and_then(Value::as_str);
        if format != Some(FORMAT) {
            return Err(bad(format!(
                "expected format {FORMAT:?}, found {}",
                format.map_or_else(|| "none".to_owned(), |f| format!("{f:?}"))
            )));
        }
        let snapshot = Snapshot::deserialize(snapshot).map_err(|e| bad(e.to_string()))?;
        let mut ids = BTreeSet::new();
        let mut resources: BTreeMap<RealResourceKey, Vec<Record>> = BTreeMap::new();
        for r in snapshot.resources {
            if !ids.insert(r.id) {
                return Err(bad(format!("resource id {} appears twice", r.id)));
            }
            if r.id >= snapshot.next_id {
                return Err(bad(format!(
                    "resource id {} is not below nextId {}",
                    r.id, snapshot.next_id
                )));
            }
            let key = RealResourceKey::new(r.api_version, r.kind, r.external_name);
            resources
                .entry(key.clone())
                .or_default()
                .push(Record::of(RealResource {
                    key,
                    id: r.id,
                    spec: r.spec,
                    outputs: r.outputs,
                    password: SecretValue::new(r.password),
                    create_calls: r.create_calls,
                }));
        }
        for copies in resources.values_mut() {
            copies.sort_by_key(|r| r.id);
        }
        let mut state = self.lock();
        state.resources = resources;
        state.next_id = snapshot.next_id;
        state.strict_create = snapshot.strict_create;
        state.rng = SeededRng::new(snapshot.rng_state);
        Ok(())
    }
}

fn snapshot_value(state: &CloudState, resources: impl Iterator<Item = RealResource>) -> Value {
    let snapshot = Snapshot {
        format: FORMAT.to_owned(),
        strict_create: state.strict_create,
        next_id: state.next_id,
        rng_state: state.rng.state(),
        resources: resources
            .map(|r| SnapshotResource {
                api_version: r.key.api_version.clone(),
                kind: r.key.kind.clone(),
                external_name: r.key.external_name.clone(),
                id: r.id,
                spec: r.spec.clone(),
                outputs: r.outputs.clone(),
                password: r.password.expose().to_owned(),
                create_calls: r.create_calls,
            })
            .collect(),
    };
    serde_json::to_value(snapshot).unwrap_or(Value::Null)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn key(name: &str) -> RealResourceKey {
        RealResourceKey::new("fake.dev/v1", "FakeDatabase", name)
    }

    #[test]
    fn restore_gives_back_the_same_cloud_and_the_same_future() {
        let cloud = FakeCloud::with_seed(5).with_strict_create(true);
        cloud.create(&key("a"), &json!({"size": 1}));
        cloud.create(&key("a"), &json!({"size": 1}));
        cloud.create(&key("b"), &json!({"size": 2}));
        let saved = cloud.snapshot();

        let restored = FakeCloud::new();
        restored.restore(&saved).unwrap();
        assert_eq!(restored.resources(), cloud.resources());
        assert!(restored.strict_create());
        assert_eq!(restored.duplicates(), vec![(key("a"), 2)]);
        // The next password and id continue the saved sequence.
        let next = cloud.create(&key("c"), &json!({}));
        let next_restored = restored.create(&key("c"), &json!({}));
        assert_eq!(next, next_restored);
    }

    #[test]
    fn snapshots_of_every_key_restore_the_whole_cloud() {
        let cloud = FakeCloud::with_seed(5).with_strict_create(true);
        cloud.create(&key("a"), &json!({"size": 1}));
        cloud.create(&key("a"), &json!({"size": 1}));
        cloud.create(&key("b"), &json!({"size": 2}));
        assert_eq!(
            cloud.snapshot_of(&key("a"))["resources"]
                .as_array()
                .unwrap()
                .len(),
            2
        );
        assert_eq!(cloud.snapshot_of(&key("z"))["resources"], json!([]));

        let mut joined = cloud.snapshot_of(&key("b"));
        let a = cloud.snapshot_of(&key("a"))["resources"].clone();
        joined["resources"]
            .as_array_mut()
            .unwrap()
            .extend(a.as_array().unwrap().clone());
        let restored = FakeCloud::new();
        restored.restore(&joined).unwrap();
        assert_eq!(restored.resources(), cloud.resources());
        assert_eq!(restored.snapshot(), cloud.snapshot());
    }

    #[test]
    fn bad_snapshots_are_refused_and_change_nothing() {
        let cloud = FakeCloud::new();
        cloud.create(&key("a"), &json!({}));
        let before = cloud.resources();

        let err = cloud.restore(&json!({"resources": []})).unwrap_err();
        assert_eq!(
            err.to_string(),
            "fake cloud snapshot: expected format \"platform-testkit/fake-cloud/v1\", found none"
        );
        let mut saved = cloud.snapshot();
        saved["resources"][0]["id"] = json!("one");
        let err = cloud.restore(&saved).unwrap_err();
        assert!(err.to_string().contains("invalid type"), "{err}");
        saved["resources"][0]["id"] = json!(99);
        let err = cloud.restore(&saved).unwrap_err();
        assert!(err.to_string().contains("not below nextId"), "{err}");
        assert_eq!(cloud.resources(), before);
    }
}
